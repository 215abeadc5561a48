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
import { createOrtBackend, type OrtLike } from '../../src/engine/ortBackend';
import { CUDA_NOT_INSTALLED } from '../../src/engine/ortDevice';
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
  assert.ok((b.info.note ?? '').startsWith(`GPU not used: ${CUDA_NOT_INSTALLED}.`), b.info.note);
  assert.equal(cudaAsked(f), 0, 'a CUDA session that must fail would only log an error line');
  await b.dispose();
});

void test('auto where a CUDA session fails to start: CPU, the provider error in the note, partial sessions released', async () => {
  const f = fakeOrt(['cpu', 'cuda'], 'CUDA failure 100: no CUDA-capable device is detected', 2);
  const b = await createOrtBackend({ threads: 1 }, { ort: f.ort, cudaInstalled: () => true });
  assert.equal(b.info.device, 'cpu');
  assert.match(b.info.note ?? '', /^GPU not used: CUDA provider failed to start: CUDA failure 100: no CUDA-capable device is detected\. onnxruntime-node .* CPU provider/);
  assert.equal(cudaAsked(f), 7);
  assert.equal(f.released, 6, 'the CUDA sessions that did start are released before the CPU ones are made');
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
  assert.ok((b.info.note ?? '').startsWith(`GPU not used: ${CUDA_NOT_INSTALLED}.`), b.info.note);
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
  assert.equal(f.released, 7);
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
  assert.equal(cudaAsked(failing), 7);
  assert.ok(failing.asked.every((p) => p[0] === 'cuda'), 'no CPU sessions are made when CUDA was demanded');
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
  assert.match(auto.note ?? '', /^(GPU not used: |no NVIDIA GPU found\.)/);
  const r = await runCli(['inspect', 'examples/healthy.safetensors', '--device', 'cuda', '--json']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^dagr: device cuda requested but not usable: .+\n$/);
});

void test('the real install with a usable GPU: --device cuda runs there and gives the CPU\'s report', async (t) => {
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
