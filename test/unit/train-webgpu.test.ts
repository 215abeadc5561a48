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
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { EpochMetrics } from '../../src/protocol/train';
import { train } from '../../src/train/trainer';
import { tempDir, tinyConfig, tinyDataset } from './train-helpers';

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

void test('a whole training run on tfjs-webgpu (llvmpipe): every read awaited, metrics as on the cpu backend, no tensor left', async (t) => {
  // the run selects its backend from the environment, as `dagr train --backend webgpu` does
  const env = { DAGR_WEBGPU_DAWN: 'backend=opengl', DAGR_WEBGPU_FEATURE_LEVEL: 'compatibility', DAGR_WEBGPU_SOFTWARE: '1' };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const dir = await tempDir();
    const data = await tinyDataset(dir);
    const first = await train(tinyConfig(data, dir, { backend: 'webgpu', epochs: 1, name: 'warm' }));
    if (!first.backend.startsWith('tfjs-webgpu')) {
      t.skip(`no WebGPU adapter here (${first.backend})`);
      return;
    }
    const before = tf.memory().numTensors;
    const gpu = await train(tinyConfig(data, dir, { backend: 'webgpu', seed: 3, name: 'gpu' }));
    assert.equal(tf.memory().numTensors, before, 'tensors left by a training job on webgpu');
    assert.equal(gpu.status, 'completed', gpu.message);
    assert.equal(gpu.epochsCompleted, 2);
    const cpu = await train(tinyConfig(data, dir, { backend: 'cpu', seed: 3, name: 'cpu' }));
    const metrics = async (runDir: string): Promise<EpochMetrics[]> =>
      (await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as EpochMetrics);
    const [g, c] = [await metrics(gpu.runDir), await metrics(cpu.runDir)];
    assert.equal(g.length, 2);
    for (const [i, m] of g.entries()) {
      const ref = c[i]!;
      for (const [name, x, y] of [
        ['total loss', m.losses.total, ref.losses.total],
        ['dispersive a', m.losses.dispersive.a, ref.losses.dispersive.a],
        ['anchoring a/b', m.losses.anchoring['a/b'], ref.losses.anchoring['a/b']],
        ['effective rank a', m.effectiveRank.a, ref.effectiveRank.a],
        ['validation dispersive b', m.dispersiveLoss.b, ref.dispersiveLoss.b],
      ] as const) {
        // float32 on two backends through a few dozen optimizer steps
        assert.ok(Math.abs(x! - y!) <= 1e-3 * Math.max(1, Math.abs(y!)), `epoch ${i + 1} ${name}: ${x} on webgpu vs ${y} on cpu`);
      }
    }
    // the epoch's checkpoint and the saved model were read back from the GPU too
    const model = JSON.parse(await readFile(path.join(gpu.runDir, 'model', 'model.json'), 'utf8')) as { weightsManifest: unknown[] };
    assert.equal(model.weightsManifest.length, 1);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await tf.setBackend('cpu');
  }
});
