/**
 * The onnxruntime device choice (DESIGN.md section 4): 'auto' uses CUDA only when the install has
 * the provider and a CUDA session starts, else the CPU with the reason in EngineInfo.note;
 * 'cuda' where CUDA cannot be used is an error (CLI exit 2), never a silent CPU run.
 * A fake onnxruntime module stands in for a GPU install: its "CUDA" sessions are real CPU sessions,
 * so a backend it places on "cuda:0" still computes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as Ort from 'onnxruntime-node';
import { createBackend, EngineDeviceError } from '../../src/engine';
import { createOrtBackend, KERNEL_GRAPH_COUNT, type OrtLike } from '../../src/engine/ortBackend';
import { CUDA_NOT_INSTALLED, WEBGPU_NOT_BUILT } from '../../src/engine/ortDevice';
import { runCli } from '../fixtures/cli/run';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const real = require('onnxruntime-node') as typeof Ort;

interface Fake {
  ort: OrtLike;
  /** providers of every session creation asked for, in order */
  asked: string[][];
  released: number;
}

/**
 * backends: what listSupportedBackends reports; cudaError: thrown by the n-th CUDA session
 * creation (failAt, 0 = the first), as onnxruntime does when the provider cannot start.
 */
function fakeOrt(backends: string[], cudaError?: string, failAt = 0): Fake {
  const fake: Fake = { ort: undefined as unknown as OrtLike, asked: [], released: 0 };
  let cudaMade = 0;
  const InferenceSession = {
    async create(model: Uint8Array, opts: Ort.InferenceSession.SessionOptions) {
      const providers = (opts.executionProviders ?? []).map(String);
      fake.asked.push(providers);
      if (providers[0] === 'cuda' && cudaError !== undefined && cudaMade++ === failAt) throw new Error(cudaError);
      const s = await real.InferenceSession.create(model, { ...opts, executionProviders: ['cpu'] });
      const release = s.release.bind(s);
      s.release = async () => {
        fake.released++;
        await release();
      };
      return s;
    },
  };
  fake.ort = {
    env: real.env,
    Tensor: real.Tensor,
    InferenceSession,
    listSupportedBackends: () => backends.map((name) => ({ name, bundled: name === 'cpu' })),
  } as unknown as OrtLike;
  return fake;
}

const cudaAsked = (f: Fake): number => f.asked.filter((p) => p[0] === 'cuda').length;

void test('auto without a CUDA provider in the build: CPU, and the note says why', async () => {
  const f = fakeOrt(['cpu']);
  const b = await createOrtBackend({ device: 'auto', threads: 1 }, { ort: f.ort, cudaInstalled: () => true });
  assert.equal(b.info.device, 'cpu');
  assert.match(b.info.note ?? '', /^GPU not used: this onnxruntime-node build has no CUDA provider/);
  assert.equal(cudaAsked(f), 0);
  await b.dispose();
});

void test('auto where the CUDA provider was not installed: CPU with the install advice, no CUDA attempt', async () => {
  const f = fakeOrt(['cpu', 'cuda']);
  const b = await createOrtBackend({ threads: 1 }, { ort: f.ort, cudaInstalled: () => false });
  assert.equal(b.info.device, 'cpu');
  assert.ok((b.info.note ?? '').startsWith(`GPU not used: ${CUDA_NOT_INSTALLED}; ${WEBGPU_NOT_BUILT}.`), b.info.note);
  assert.equal(cudaAsked(f), 0, 'a CUDA session that must fail would only log an error line');
  await b.dispose();
});

void test('auto where a CUDA session fails to start: CPU, the provider error in the note, partial sessions released', async () => {
  const f = fakeOrt(['cpu', 'cuda'], 'CUDA failure 100: no CUDA-capable device is detected', 2);
  const b = await createOrtBackend({ threads: 1 }, { ort: f.ort, cudaInstalled: () => true });
  assert.equal(b.info.device, 'cpu');
  assert.match(
    b.info.note ?? '',
    /^GPU not used: CUDA provider failed to start: CUDA failure 100: no CUDA-capable device is detected; this onnxruntime-node build has no WebGPU provider\. onnxruntime-node .* CPU provider/,
  );
  assert.equal(cudaAsked(f), KERNEL_GRAPH_COUNT);
  assert.equal(f.released, KERNEL_GRAPH_COUNT - 1, 'the CUDA sessions that did start are released before the CPU ones are made');
  await b.dispose();
});

void test('auto on a machine with no NVIDIA GPU: CPU, a short note and no GPU warning or CUDA attempt', async () => {
  const f = fakeOrt(['cpu', 'cuda']);
  const b = await createOrtBackend({ threads: 1 }, { ort: f.ort, cudaInstalled: () => false, gpuPresent: () => false });
  assert.equal(b.info.device, 'cpu');
  assert.match(b.info.note ?? '', /^no NVIDIA GPU found\. /);
  assert.doesNotMatch(b.info.note ?? '', /GPU not used/);
  assert.equal(cudaAsked(f), 0);
  await b.dispose();
});

void test("a GPU is present but the CUDA provider is not installed: 'GPU not used' with the install advice", async () => {
  const f = fakeOrt(['cpu', 'cuda']);
  const b = await createOrtBackend({ threads: 1 }, { ort: f.ort, cudaInstalled: () => false, gpuPresent: () => true });
  assert.ok((b.info.note ?? '').startsWith(`GPU not used: ${CUDA_NOT_INSTALLED}; ${WEBGPU_NOT_BUILT}.`), b.info.note);
  await b.dispose();
});

void test("onnxruntime's missing-library error reads as 'not installed'", async () => {
  const f = fakeOrt(['cpu', 'cuda'], 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library');
  const b = await createOrtBackend({ threads: 1 }, { ort: f.ort, cudaInstalled: () => undefined });
  assert.equal(b.info.device, 'cpu');
  assert.ok((b.info.note ?? '').startsWith(`GPU not used: ${CUDA_NOT_INSTALLED} (OrtSessionOptions`), b.info.note);
  await b.dispose();
});

void test('auto with a working CUDA provider: cuda:0, no fallback note, and the kernels run', async () => {
  const f = fakeOrt(['cpu', 'cuda']);
  const b = await createOrtBackend({ threads: 1 }, { ort: f.ort, cudaInstalled: () => true });
  assert.equal(b.info.device, 'cuda:0');
  assert.match(b.info.note ?? '', /^onnxruntime-node .*CUDA provider/);
  assert.ok(f.asked.every((p) => p[0] === 'cuda'));
  // two orthogonal unit rows against themselves: squared distances 0 and 2, so each row's minimum
  // is 0 and its sum exp(-t (0 - 0)) + exp(-t (2 - 0)) = 1 + exp(-4) (float32 kernels)
  const a = new Float32Array([1, 0, 0, 1]);
  const n = new Float32Array([1, 1]);
  const rows = await b.dispersiveRows(a, n, 2, a, n, 2, 2, 2, undefined, true);
  assert.deepEqual(Array.from(rows.min), [0, 0]);
  for (const s of rows.sum) assert.ok(Math.abs(s - (1 + Math.exp(-4))) < 1e-7, String(rows.sum));
  await b.dispose();
  assert.equal(f.released, KERNEL_GRAPH_COUNT);
});

void test("'cpu' never tries CUDA and carries no GPU note", async () => {
  const f = fakeOrt(['cpu', 'cuda']);
  const b = await createOrtBackend({ device: 'cpu', threads: 1 }, { ort: f.ort, cudaInstalled: () => true });
  assert.equal(b.info.device, 'cpu');
  assert.doesNotMatch(b.info.note ?? '', /GPU/);
  assert.equal(cudaAsked(f), 0);
  await b.dispose();
});

void test("'cuda' where CUDA cannot be used is an EngineDeviceError naming the reason", async () => {
  await assert.rejects(
    createOrtBackend({ device: 'cuda', threads: 1 }, { ort: fakeOrt(['cpu', 'cuda']).ort, cudaInstalled: () => false }),
    (e: Error) => e instanceof EngineDeviceError && e.message.includes(CUDA_NOT_INSTALLED),
  );
  const failing = fakeOrt(['cpu', 'cuda'], 'CUDA failure 35: CUDA driver version is insufficient');
  await assert.rejects(
    createOrtBackend({ device: 'cuda', threads: 1 }, { ort: failing.ort, cudaInstalled: () => true }),
    (e: Error) => e instanceof EngineDeviceError && /driver version is insufficient/.test(e.message),
  );
  assert.equal(cudaAsked(failing), KERNEL_GRAPH_COUNT);
  assert.ok(
    failing.asked.every((p) => p[0] === 'cuda'),
    'no CPU sessions are made when CUDA was demanded',
  );
  await assert.rejects(createBackend('js', { device: 'cuda' }), EngineDeviceError);
});

/** What `dagr engine --json` picks on this machine with the default device ('auto'). */
async function autoDevice(): Promise<{ device: string; note?: string }> {
  const r = await runCli(['engine', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { device: string; note?: string };
}

void test('the real install: --device cpu works and an unknown device is a usage error', async () => {
  const cpu = await runCli(['engine', '--device', 'cpu', '--json']);
  assert.equal(cpu.code, 0, cpu.stderr);
  assert.equal((JSON.parse(cpu.stdout) as { device: string }).device, 'cpu');
  const bad = await runCli(['engine', '--device', 'gpu']);
  assert.equal(bad.code, 2);
});

void test('the real install without a usable GPU: auto says why on the CPU, and --device cuda exits 2 with one line', async (t) => {
  const auto = await autoDevice();
  if (auto.device !== 'cpu') {
    t.skip(`this machine's onnxruntime runs on ${auto.device}: the GPU test below covers it`);
    return;
  }
  assert.match(auto.note ?? '', /^(GPU not used: |no NVIDIA GPU found[.;])/);
  const r = await runCli(['inspect', 'examples/healthy.safetensors', '--device', 'cuda', '--json']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^dagr: device cuda requested but not usable: .+\n$/);
});

void test("the real install with a usable GPU: --device cuda runs there and gives the CPU's report", async (t) => {
  const auto = await autoDevice();
  if (auto.device === 'cpu') {
    t.skip(`no usable GPU on this machine (${auto.note ?? 'no note'}): the CPU-only test above covers it`);
    return;
  }
  assert.match(auto.device, /^cuda:\d+$/);
  const onGpu = await runCli(['inspect', 'examples/healthy.safetensors', '--device', 'cuda', '--json']);
  assert.equal(onGpu.code, 0, onGpu.stderr);
  const onCpu = await runCli(['inspect', 'examples/healthy.safetensors', '--device', 'cpu', '--json']);
  assert.equal(onCpu.code, 0, onCpu.stderr);
  type Rep = { engine: { device: string }; modalities: Record<string, { effectiveRank: number }> };
  const g = JSON.parse(onGpu.stdout) as Rep;
  const c = JSON.parse(onCpu.stdout) as Rep;
  assert.equal(g.engine.device, auto.device);
  assert.equal(c.engine.device, 'cpu');
  // the effective rank comes from float64 Gram matrices on either device: equal to rounding
  for (const [name, m] of Object.entries(c.modalities)) {
    const got = g.modalities[name]?.effectiveRank ?? NaN;
    assert.ok(Math.abs(got - m.effectiveRank) <= 1e-9 * m.effectiveRank, `${name}: ${got} on the GPU vs ${m.effectiveRank} on the CPU`);
  }
});

// ---- WebGPU (onnxruntime's bundled provider): a fake module whose "webgpu" sessions are CPU ones

/** providers asked for the float64 graphs (gram, cross: inputs named 'a' of type double) vs the rest */
function webgpuFake(failWebgpu?: string): Fake & { byGraph: { providers: string[]; float64: boolean }[] } {
  const f = fakeOrt(['cpu', 'webgpu', 'cuda']);
  const byGraph: { providers: string[]; float64: boolean }[] = [];
  const inner = f.ort.InferenceSession;
  f.ort = {
    ...f.ort,
    InferenceSession: {
      async create(model: Uint8Array, opts: Ort.InferenceSession.SessionOptions) {
        const providers = (opts.executionProviders ?? []).map(String);
        if (providers[0] === 'webgpu' && failWebgpu) {
          f.asked.push(providers);
          throw new Error(failWebgpu);
        }
        const s = await (inner as typeof real.InferenceSession).create(model, opts);
        // a float64 graph is one whose input 'a' is declared double (TensorProto type 11)
        const meta = (s as unknown as { inputMetadata?: { name: string; type?: string }[] }).inputMetadata;
        const float64 = Array.isArray(meta)
          ? meta.some((m) => m.type === 'float64')
          : /gram|cross/.test(Buffer.from(model).toString('latin1'));
        byGraph.push({ providers, float64 });
        return s;
      },
    },
  } as unknown as OrtLike;
  return Object.assign(f, { byGraph });
}

void test('auto on WebGPU (no NVIDIA GPU, an adapter found): float32 graphs on webgpu, float64 Grams on the CPU, adapter named', async () => {
  const f = webgpuFake();
  const b = await createOrtBackend(
    { threads: 1 },
    {
      ort: f.ort,
      cudaInstalled: () => false,
      gpuPresent: () => false,
      webgpu: () => Promise.resolve({ adapter: 'Fake GPU 9000 (Vulkan)' }),
    },
  );
  assert.equal(b.info.device, 'webgpu');
  assert.match(b.info.note ?? '', /WebGPU provider on Fake GPU 9000 \(Vulkan\)/);
  assert.match(b.info.note ?? '', /float64 Gram matrices on the CPU/);
  assert.equal(f.byGraph.length, KERNEL_GRAPH_COUNT);
  for (const g of f.byGraph) assert.deepEqual(g.providers, [g.float64 ? 'cpu' : 'webgpu'], JSON.stringify(f.byGraph));
  assert.equal(f.byGraph.filter((g) => g.float64).length, 4, 'gram and cross, from rows and from columns');
  // the float64 Gram is exact: a^T a of small integers, given by rows or by columns
  const gram = await b.gram(new Float64Array([1, 2, 3, 4, 5, 6]), 3, 2);
  assert.deepEqual(Array.from(gram), [35, 44, 44, 56]);
  const byColumns = await b.gramOfColumns?.(new Float64Array([1, 3, 5, 2, 4, 6]), 3, 2);
  assert.deepEqual(Array.from(byColumns ?? []), [35, 44, 44, 56]);
  const cross = await b.crossOfColumns?.(new Float64Array([1, 3, 5, 2, 4, 6]), new Float64Array([1, 1, 1]), 3, 2, 1);
  assert.deepEqual(Array.from(cross ?? []), [9, 12]);
  await b.dispose();
});

void test('auto tries CUDA first, then WebGPU, and names both reasons when neither works', async () => {
  const f = webgpuFake('Failed to get a WebGPU adapter: device lost');
  const b = await createOrtBackend(
    { threads: 1 },
    {
      ort: f.ort,
      cudaInstalled: () => false,
      gpuPresent: () => true,
      webgpu: () => Promise.resolve({ adapter: 'Fake GPU (Vulkan)' }),
    },
  );
  assert.equal(b.info.device, 'cpu');
  assert.ok(
    (b.info.note ?? '').startsWith(
      `GPU not used: ${CUDA_NOT_INSTALLED}; WebGPU provider failed to start on Fake GPU (Vulkan): Failed to get a WebGPU adapter: device lost.`,
    ),
    b.info.note,
  );
  assert.equal(cudaAsked(f), 0);
  await b.dispose();
});

void test('auto with no NVIDIA GPU and no WebGPU adapter: a plain note, no warning, no WebGPU session tried', async () => {
  const f = webgpuFake();
  const b = await createOrtBackend(
    { threads: 1 },
    {
      ort: f.ort,
      cudaInstalled: () => false,
      gpuPresent: () => false,
      webgpu: () => Promise.resolve({ reason: 'no Vulkan loader on this machine' }),
    },
  );
  assert.equal(b.info.device, 'cpu');
  assert.match(b.info.note ?? '', /^no NVIDIA GPU found; no WebGPU adapter: no Vulkan loader on this machine\. /);
  assert.ok(f.asked.every((p) => p[0] === 'cpu'));
  await b.dispose();
});

void test("'webgpu' with no adapter is an EngineDeviceError with the reason, and never tries CUDA", async () => {
  const f = webgpuFake();
  await assert.rejects(
    createOrtBackend(
      { device: 'webgpu', threads: 1 },
      {
        ort: f.ort,
        cudaInstalled: () => true,
        gpuPresent: () => true,
        webgpu: () => Promise.resolve({ reason: 'No supported adapters (Vulkan: Mesa lacks a feature)' }),
      },
    ),
    (e: Error) =>
      e instanceof EngineDeviceError &&
      e.message === 'device webgpu requested but not usable: no WebGPU adapter: No supported adapters (Vulkan: Mesa lacks a feature)',
  );
  assert.equal(f.asked.length, 0);
  await assert.rejects(createBackend('js', { device: 'webgpu' }), EngineDeviceError);
});

void test("WebGPU's float32 rounding differs from the CPU's: the report still agrees to float32 accuracy", async () => {
  const { computeGeometry } = await import('../../src/engine');
  const { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } = await import('../../src/protocol/report');
  // the "webgpu" sessions nudge every float32 row reduction by a few float32 ulps (another GPU's
  // summation order and exp), as a real adapter would; counts stay exact integers, as on a GPU
  const f = webgpuFake();
  const inner = f.ort.InferenceSession;
  let nudged = 0;
  f.ort = {
    ...f.ort,
    InferenceSession: {
      async create(model: Uint8Array, opts: Ort.InferenceSession.SessionOptions) {
        const s = await (inner as typeof real.InferenceSession).create(model, opts);
        if ((opts.executionProviders ?? [])[0] !== 'webgpu') return s;
        const run = s.run.bind(s);
        (s as { run: unknown }).run = async (feeds: Ort.InferenceSession.FeedsType) => {
          const out = await run(feeds);
          for (const name of ['rowsum', 'rowexpm1', 'rowmin']) {
            const t = out[name];
            if (!t) continue;
            const x = t.data as Float32Array;
            for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * (1 + (i % 2 ? 3 : -3) * 2 ** -24);
            nudged++;
          }
          return out;
        };
        return s;
      },
    },
  } as unknown as OrtLike;
  const onGpu = await createOrtBackend(
    { threads: 1, device: 'webgpu' },
    { ort: f.ort, cudaInstalled: () => false, webgpu: () => Promise.resolve({ adapter: 'Fake (Vulkan)' }) },
  );
  const onCpu = await createOrtBackend({ threads: 1, device: 'cpu' }, { ort: fakeOrt(['cpu']).ort, cudaInstalled: () => false });
  const n = 300;
  const d = 16;
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const a = new Float32Array(n * d).map(() => rnd());
  const v = a.map((x) => x + 0.3 * rnd());
  const mats = [
    { name: 'audio', rows: n, cols: d, data: a },
    { name: 'visual', rows: n, cols: d, data: v },
  ];
  const g = await computeGeometry(mats, DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, onGpu);
  const c = await computeGeometry(mats, DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, onCpu);
  assert.ok(nudged > 0, 'the pairwise kernels ran on the "webgpu" sessions');
  let worst = 0;
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (typeof x === 'number' && typeof y === 'number') {
      const rel = Math.abs(x - y) / Math.max(1e-12, Math.abs(y));
      if (rel > worst) worst = rel;
      assert.ok(rel <= 1e-5, `${path}: ${x} with webgpu rounding vs ${y} on the CPU`);
    } else if (x && typeof x === 'object' && y && typeof y === 'object') {
      for (const k of Object.keys(y)) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`);
    } else assert.deepEqual(x, y, path);
  };
  walk(g.modalities, c.modalities, 'modalities');
  walk(g.pairs, c.pairs, 'pairs');
  assert.ok(worst > 0, 'the nudge reached the report (else this test proves nothing)');
  await onGpu.dispose();
  await onCpu.dispose();
});
