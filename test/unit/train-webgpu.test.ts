/**
 * tfjs-webgpu, the training backend for a GPU without CUDA, on a software adapter: Dawn's OpenGL
 * backend on Mesa's llvmpipe (EGL, no display). The DAGR dispersive loss and its gradient must
 * equal the cpu backend's to float32 accuracy (about 7 digits). Skipped, with the reason, where
 * the optional `webgpu` package or Mesa's EGL (libegl-mesa0; scripts/setup-test-deps.sh installs
 * it) is missing.
 */
process.env.EGL_PLATFORM ??= 'surfaceless';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeAdapter, selectBackend, type BackendDeps } from '../../src/train/backend';
import { anchoringLoss, dispersiveLoss } from '../../src/train/losses';
import { tf, type Tensor2D } from '../../src/train/tf';

const softwareGl: BackendDeps = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  requireModule: (id) => require(id),
  probeLibrary: () => false,
  webgpu: { dawn: ['backend=opengl'], featureLevel: 'compatibility', allowSoftware: true },
};

function data(n: number, d: number, seed: number): Float32Array {
  let s = seed;
  return new Float32Array(n * d).map(() => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5);
}

/** value and gradient of f on the active backend, read asynchronously (webgpu has no sync read in Node) */
async function valueAndGrad(
  x: Float32Array,
  n: number,
  d: number,
  f: (z: Tensor2D) => tf.Scalar,
): Promise<{ value: number; grad: Float32Array }> {
  const z = tf.tensor2d(x, [n, d]);
  const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => f(t as Tensor2D))(z);
  const out = { value: (await value.data())[0] as number, grad: (await grad.data()) as Float32Array };
  tf.dispose([z, value, grad]);
  return out;
}

void test('a software adapter is recognized as one (auto never trains on it)', () => {
  assert.deepEqual(
    describeAdapter({ info: { device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6' } }),
    { name: 'llvmpipe-llvm-15-0-6-256-bits- (OpenGL version 4.5 (Core Profile) Mesa 22.3.6)', software: true },
  );
  assert.deepEqual(describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', device: 'H200' } }), {
    name: 'nvidia hopper H200',
    software: false,
  });
  assert.equal(describeAdapter({ isFallbackAdapter: true }).software, true);
});

void test('tfjs-webgpu on llvmpipe: dispersive and anchoring losses and gradients equal the cpu backend to ~7 digits', async (t) => {
  let info;
  try {
    info = await selectBackend('webgpu', softwareGl);
  } catch (e) {
    t.skip(`no backend at all: ${String(e)}`);
    return;
  }
  if (info.name !== 'tfjs-webgpu') {
    t.skip(`no WebGPU adapter here (${info.note ?? info.name})`);
    return;
  }
  assert.match(info.device, /^webgpu \(.+, opengl\)$/);
  const n = 64;
  const d = 32;
  const a = data(n, d, 7);
  const b = data(n, d, 99);
  const cases: [string, (z: Tensor2D) => tf.Scalar][] = [
    ['dispersive t=2 offdiag', (z) => dispersiveLoss(z, 2, 'offdiag')],
    ['dispersive t=5 all', (z) => dispersiveLoss(z, 5, 'all')],
    ['anchoring', (z) => anchoringLoss(z, tf.tensor2d(b, [n, d]), 0.5, 'squared')],
  ];
  const onGpu = [];
  for (const [, f] of cases) onGpu.push(await valueAndGrad(a, n, d, f));
  await tf.setBackend('cpu');
  for (const [i, [name, f]] of cases.entries()) {
    const cpu = await valueAndGrad(a, n, d, f);
    const gpu = onGpu[i]!;
    assert.ok(
      Math.abs(gpu.value - cpu.value) <= 2e-7 * Math.max(1, Math.abs(cpu.value)),
      `${name}: ${gpu.value} on webgpu vs ${cpu.value} on cpu`,
    );
    // the gradient's norm-relative error (single entries near zero carry float32 cancellation)
    let diff = 0;
    let norm = 0;
    for (let j = 0; j < n * d; j++) {
      diff += ((gpu.grad[j] as number) - (cpu.grad[j] as number)) ** 2;
      norm += (cpu.grad[j] as number) ** 2;
    }
    const rel = Math.sqrt(diff / norm);
    t.diagnostic(`${name}: value ${gpu.value} vs ${cpu.value}; gradient relative error ${rel.toExponential(2)}`);
    assert.ok(rel <= 5e-6, `${name}: gradient differs by ${rel} (relative, 2-norm)`);
  }
});
