/**
 * auto's size rule in every job (src/jobs/sizeRule.ts), seen through the backend each job asks
 * for (backendMaker.create is replaced by a spy): a run, a compare and a merge below
 * AUTO_GPU_MIN_ROWS pairwise rows ask for the CPU (placeSessions then looks for no GPU) and say
 * why in the engine note; at or above it they leave 'auto' to the placement; an explicit device
 * is always passed on. The weights jobs and a --partial summary, whose backend work is all
 * float64, ask for 'cuda-or-cpu': no WebGPU probe.
 *
 * A spy in "stop" mode records the device and throws before any computing, so the large cases
 * (32768 rows) cost only their file; in "run" mode it hands the request to the real engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTO_GPU_MIN_ROWS, backendMaker, deviceForFloat64, withLazySizedBackend } from '../../src/jobs/sizeRule';
import { inspectRun } from '../../src/jobs/run';
import { compareCheckpoints } from '../../src/jobs/compare';
import { mergePartials, writePartPartial } from '../../src/jobs/streamMerge';
import { analyzeWeightsJob, compareWeightsJob, embeddingTableReport, weightsRunJob } from '../../src/jobs/weights';
import { placeSessions } from '../../src/engine/ortDevice';
import type { DeviceProbes } from '../../src/engine/ortDevice';
import type { InspectRequest } from '../../src/jobs/types';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import type { ReportOptions } from '../../src/protocol/report';
import { pairFile } from '../fixtures/cli/files';
import { runCli } from '../fixtures/cli/run';
import { isJobRequest, requestProblem } from '../../src/protocol/messages';

const DIR = mkdtempSync(join(tmpdir(), 'dagr-auto-jobs-'));
test.after(() => rmSync(DIR, { recursive: true, force: true }));

const SMALL_A = join(DIR, 'small-a.safetensors');
const SMALL_B = join(DIR, 'small-b.safetensors');
const BIG = join(DIR, 'big.safetensors');
writeFileSync(SMALL_A, pairFile(200, 8, 1));
writeFileSync(SMALL_B, pairFile(300, 8, 3));
writeFileSync(BIG, pairFile(AUTO_GPU_MIN_ROWS, 2, 5));

function runFolder(name: string, files: string[]): string {
  const dir = join(DIR, name);
  mkdirSync(dir);
  files.forEach((f, k) => copyFileSync(f, join(dir, `epoch_${String(k + 1).padStart(2, '0')}.safetensors`)));
  return dir;
}
const SMALL_RUN = runFolder('run-small', [SMALL_A, SMALL_B]);
const BIG_RUN = runFolder('run-big', [SMALL_A, BIG, SMALL_B]);

const WEIGHTS_A = 'test/fixtures/weights/base.safetensors';
const WEIGHTS_B = 'test/fixtures/weights/tuned.safetensors';
const WEIGHTS_RUN = runFolder('run-weights', [WEIGHTS_A, WEIGHTS_B]);

/** every pairwise row of the sample (no cap), or the given cap */
const allRows = (maxPairwiseRows = 0): ReportOptions => ({ ...DEFAULT_OPTIONS, maxPairwiseRows });
const request = (path: string, options: ReportOptions = DEFAULT_OPTIONS, device?: InspectRequest['device']): InspectRequest => ({
  path,
  options,
  thresholds: DEFAULT_THRESHOLDS,
  ...(device ? { device } : {}),
});

class Stopped extends Error {}

/**
 * The devices `job` asked backends for ('auto' when it gave none), and its result when it ran.
 * stop: throw before the backend exists (nothing is computed); run: make the real backend.
 */
async function devicesAsked<T>(mode: 'stop' | 'run', job: () => Promise<T>): Promise<{ asked: string[]; result?: T }> {
  const real = backendMaker.create;
  const asked: string[] = [];
  backendMaker.create = (name, opts = {}) => {
    asked.push(opts.device ?? 'auto');
    return mode === 'stop' ? Promise.reject(new Stopped('stopped before computing')) : real(name, opts);
  };
  try {
    return { asked, result: await job() };
  } catch (e) {
    if (mode === 'stop' && e instanceof Stopped) return { asked };
    throw e;
  } finally {
    backendMaker.create = real;
  }
}

/** the words of an auto placement that looked for a GPU (ortDevice.ts placeSessions) */
const PROBED = /no NVIDIA GPU found|GPU not used|WebGPU adapter|WebGPU provider/;
/** the sentence of a small job computed in-process (sizeRule.ts engineForSize; this test process computes once, like the CLI) */
const IN_PROCESS = /in-process for a small job \([\d,]+ M multiply-adds\)/;

void test('a small run stays on the CPU, without looking for a GPU, and every report says why', async () => {
  const { asked, result } = await devicesAsked('run', () => inspectRun(request(SMALL_RUN)));
  assert.deepEqual(asked, ['cpu']);
  assert.ok(result);
  assert.equal(result.engine.name, 'wasm', 'a small run in a process that computes once: in-process kernels');
  assert.match(result.engine.note ?? '', IN_PROCESS);
  assert.doesNotMatch(result.engine.note ?? '', PROBED);
  for (const c of result.checkpoints) assert.equal(c.report.engine.note, result.engine.note, c.file);
  // asked for onnxruntime, the same run says why no GPU was looked for
  const ort = await devicesAsked('run', () => inspectRun({ ...request(SMALL_RUN), engine: 'onnxruntime' }));
  assert.deepEqual(ort.asked, ['cpu']);
  if (ort.result?.engine.name !== 'onnxruntime') return; // the js fallback is on the CPU whatever it is asked
  assert.match(ort.result.engine.note ?? '', /GPU not looked for: 300 rows in the pairwise metrics, below 32768/);
  assert.doesNotMatch(ort.result.engine.note ?? '', PROBED);
});

void test('a run is sized by its largest checkpoint: one of 32768 rows leaves auto to the placement; the cap keeps it on the CPU', async () => {
  assert.deepEqual((await devicesAsked('stop', () => inspectRun(request(BIG_RUN, allRows())))).asked, ['auto']);
  // the default samples 16384 rows for the O(N^2) passes, so the same run stays on the CPU
  assert.deepEqual((await devicesAsked('stop', () => inspectRun(request(BIG_RUN)))).asked, ['cpu']);
  assert.deepEqual((await devicesAsked('stop', () => inspectRun(request(BIG_RUN, allRows(AUTO_GPU_MIN_ROWS - 1))))).asked, ['cpu']);
});

void test('a compare is sized by the larger side', async () => {
  const { asked, result } = await devicesAsked('run', () => compareCheckpoints(request(SMALL_A), request(SMALL_B)));
  assert.deepEqual(asked, ['cpu']);
  assert.equal(result?.a.engine.name, 'wasm');
  assert.match(result?.a.engine.note ?? '', IN_PROCESS);
  assert.equal(result?.b.engine.note, result?.a.engine.note, 'one backend, one note');
  const ort = await devicesAsked('run', () => compareCheckpoints({ ...request(SMALL_A), engine: 'onnxruntime' }, request(SMALL_B)));
  assert.deepEqual(ort.asked, ['cpu']);
  if (ort.result?.a.engine.name === 'onnxruntime') {
    assert.match(ort.result.a.engine.note ?? '', /GPU not looked for: 300 rows/, 'the larger side, not its own 200');
    assert.equal(ort.result.b.engine.note, ort.result.a.engine.note);
    assert.doesNotMatch(ort.result.a.engine.note ?? '', PROBED);
  }
  assert.deepEqual((await devicesAsked('stop', () => compareCheckpoints(request(SMALL_A), request(BIG, allRows())))).asked, ['auto']);
  assert.deepEqual((await devicesAsked('stop', () => compareCheckpoints(request(BIG, allRows()), request(SMALL_A)))).asked, ['auto']);
});

async function partials(path: string, options: ReportOptions, count: number): Promise<string[]> {
  const outs: string[] = [];
  for (let i = 0; i < count; i++) {
    const out = join(DIR, `part-${Date.now()}-${i}.json`);
    await writePartPartial(request(path, options), out, i, count);
    outs.push(out);
  }
  return outs;
}

void test('a partial summary (float64 co-moments only) never looks for WebGPU on auto', async () => {
  const out = join(DIR, 'one-part.json');
  const { asked } = await devicesAsked('run', () => writePartPartial(request(SMALL_A), out, 0, 1));
  assert.deepEqual(asked, ['cuda-or-cpu']);
  assert.deepEqual((await devicesAsked('stop', () => writePartPartial(request(SMALL_A, DEFAULT_OPTIONS, 'webgpu'), out, 0, 1))).asked, [
    'webgpu',
  ]);
});

void test("a merge is sized by its final pass's sample, as the one-process streamed inspect is", async () => {
  const small = await partials(SMALL_B, allRows(100), 2);
  const { asked, result } = await devicesAsked('run', () => mergePartials(small, { engine: 'onnxruntime' }));
  assert.deepEqual(asked, ['cpu']);
  if (result?.engine.name === 'onnxruntime') {
    assert.match(result.engine.note ?? '', /GPU not looked for: 100 rows in the pairwise metrics/);
    assert.doesNotMatch(result.engine.note ?? '', PROBED);
  }
  // every row of 32768 in the sample: the merge's O(N^2) pass is big enough for a GPU
  const big = await partials(BIG, allRows(), 2);
  assert.deepEqual((await devicesAsked('stop', () => mergePartials(big, { engine: 'onnxruntime' }))).asked, ['auto']);
  const capped = await partials(BIG, DEFAULT_OPTIONS, 1);
  assert.deepEqual((await devicesAsked('stop', () => mergePartials(capped, {}))).asked, ['cpu'], 'a 16384-row sample of 32768 rows');
});

void test('an explicit device is always passed on, whatever the size', async () => {
  for (const device of ['cpu', 'cuda', 'webgpu'] as const) {
    const ask = (path: string): InspectRequest => request(path, allRows(), device);
    assert.deepEqual((await devicesAsked('stop', () => inspectRun(ask(SMALL_RUN)))).asked, [device]);
    assert.deepEqual((await devicesAsked('stop', () => inspectRun(ask(BIG_RUN)))).asked, [device]);
    assert.deepEqual((await devicesAsked('stop', () => compareCheckpoints(ask(SMALL_A), ask(SMALL_B)))).asked, [device]);
    assert.deepEqual((await devicesAsked('stop', () => compareCheckpoints(ask(SMALL_A), ask(BIG)))).asked, [device]);
    assert.deepEqual((await devicesAsked('stop', () => analyzeWeightsJob({ path: WEIGHTS_A, device }))).asked, [device]);
  }
  const small = await partials(SMALL_A, DEFAULT_OPTIONS, 1);
  assert.deepEqual((await devicesAsked('stop', () => mergePartials(small, { device: 'webgpu' }))).asked, ['webgpu']);
});

void test('the weights jobs ask for CUDA or the CPU, never WebGPU; the report says why WebGPU was left out', async () => {
  const { asked, result } = await devicesAsked('run', () =>
    analyzeWeightsJob({ path: WEIGHTS_A, selection: { regex: 'layer\\.0\\.attention\\.self\\.query\\.weight' } }),
  );
  assert.deepEqual(asked, ['cuda-or-cpu']);
  if (result?.engine.name === 'onnxruntime' && result.engine.device === 'cpu') {
    assert.match(result.engine.note ?? '', /WebGPU not looked for: each tensor's Gram matrix is float64 work/);
    assert.doesNotMatch(result.engine.note ?? '', /WebGPU adapter|WebGPU provider/);
  }
  assert.deepEqual((await devicesAsked('stop', () => compareWeightsJob({ a: WEIGHTS_A, b: WEIGHTS_B }))).asked, ['cuda-or-cpu']);
  assert.deepEqual((await devicesAsked('stop', () => weightsRunJob({ path: WEIGHTS_RUN }))).asked, ['cuda-or-cpu']);
  // the js engine is on the CPU whatever it is asked: no device of its own
  assert.deepEqual(deviceForFloat64(undefined, 'x', 'js'), {});
  assert.deepEqual(deviceForFloat64('cuda', 'x', 'js'), { device: 'cuda' });
});

void test("an embedding table's report is sized as an inspect of its rows", async () => {
  const table = { path: WEIGHTS_A, tensor: 'embeddings.word_embeddings.weight', options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS };
  const { asked, result } = await devicesAsked('run', () => embeddingTableReport(table));
  assert.deepEqual(asked, ['cpu']);
  assert.equal(result?.engine.name, 'wasm');
  assert.match(result?.engine.note ?? '', IN_PROCESS);
  assert.deepEqual((await devicesAsked('stop', () => embeddingTableReport({ ...table, device: 'webgpu' }))).asked, ['webgpu']);
});

void test('dagr watch: one backend, made for the first checkpoint it meets and sized by it', async () => {
  const { asked, result } = await devicesAsked('run', () =>
    withLazySizedBackend({}, async (backendFor) => {
      const first = await backendFor(300);
      const again = await backendFor(AUTO_GPU_MIN_ROWS * 2);
      return { same: first === again, note: first.info.note, name: first.info.name };
    }),
  );
  assert.deepEqual(asked, ['cpu'], 'made once, for the first size');
  assert.equal(result?.same, true);
  if (result?.name === 'onnxruntime') assert.match(result.note ?? '', /GPU not looked for: 300 rows/);
  const big = await devicesAsked('stop', () => withLazySizedBackend({}, (backendFor) => backendFor(AUTO_GPU_MIN_ROWS)));
  assert.deepEqual(big.asked, ['auto']);
  const none = await devicesAsked('stop', () => withLazySizedBackend({}, () => Promise.resolve(1)));
  assert.deepEqual(none.asked, [], 'a watch that met no checkpoint made no backend');
});

/** probes whose WebGPU adapter lookup counts its calls */
function probes(cuda: DeviceProbes['cuda']): DeviceProbes & { looked: number } {
  const p = {
    cuda,
    webgpuListed: true,
    looked: 0,
    webgpu() {
      p.looked++;
      return Promise.resolve({ adapter: 'Some GPU (Vulkan)' });
    },
  };
  return p;
}
const open = (provider: string): Promise<string> => Promise.resolve(provider);

void test("'cuda-or-cpu' takes CUDA where it starts, else the CPU with CUDA's reason, and never looks for a WebGPU adapter", async () => {
  const withCuda = probes({ listed: true, installed: true, gpuPresent: true });
  assert.equal((await placeSessions('cuda-or-cpu', withCuda, open)).device, 'cuda:0');
  const noProvider = probes({ listed: true, installed: false, gpuPresent: true });
  const cpu = await placeSessions('cuda-or-cpu', noProvider, open);
  assert.equal(cpu.device, 'cpu');
  assert.match(cpu.gpuNote ?? '', /^GPU not used: CUDA provider not installed/);
  const noNvidia = probes({ listed: true, installed: false, gpuPresent: false });
  assert.equal((await placeSessions('cuda-or-cpu', noNvidia, open)).gpuNote, 'no NVIDIA GPU found');
  assert.equal(withCuda.looked + noProvider.looked + noNvidia.looked, 0);
  // the same machines on 'auto' do look (so the count above can tell)
  const auto = await placeSessions('auto', noNvidia, open);
  assert.equal(noNvidia.looked, 1);
  assert.equal(auto.device, 'webgpu');
});

void test('dagr inspect MODEL obeys --device (it used to be accepted and ignored) and says on auto why WebGPU was left out', async () => {
  type Weights = { engine: { name: string; device: string; note?: string } };
  const args = ['inspect', WEIGHTS_A, '--tensors', 'query\\.weight$', '--json'];
  const auto = await runCli(args);
  assert.equal(auto.code, 0, auto.stderr);
  const a = (JSON.parse(auto.stdout) as Weights).engine;
  if (a.name === 'onnxruntime' && a.device === 'cpu') assert.match(a.note ?? '', /WebGPU not looked for/);
  const cpu = await runCli([...args, '--device', 'cpu']);
  assert.equal(cpu.code, 0, cpu.stderr);
  assert.doesNotMatch(
    (JSON.parse(cpu.stdout) as Weights).engine.note ?? '',
    /not looked for|GPU not used/,
    'an explicit cpu needs no reason',
  );
  const cuda = await runCli([...args, '--device', 'cuda']);
  if (cuda.code === 0) assert.match((JSON.parse(cuda.stdout) as Weights).engine.device, /^cuda:\d+$/);
  else {
    assert.equal(cuda.code, 2, cuda.stderr);
    assert.match(cuda.stderr, /^dagr: device cuda requested but not usable: .+\n$/);
  }
});

void test('the editor sends dagr.device with the weights jobs; a device outside the four is named', () => {
  const job = (kind: string, params: Record<string, unknown>): unknown => ({ type: 'job', id: 1, kind, params });
  const table = { path: 'm.safetensors', tensor: 't', options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS };
  for (const [kind, params] of [
    ['weightsAnalyze', { path: 'm.safetensors' }],
    ['weightsCompare', { a: 'a.safetensors', b: 'b.safetensors' }],
    ['weightsEmbedding', table],
  ] as const) {
    assert.ok(isJobRequest(job(kind, params)), kind);
    assert.ok(isJobRequest(job(kind, { ...params, device: 'cpu' })), `${kind} with a device`);
    const bad = job(kind, { ...params, device: 'gpu' });
    assert.equal(isJobRequest(bad), false, `${kind}: gpu is no device`);
    assert.match(requestProblem(bad), /^device "gpu" is not one of auto, cpu, cuda, webgpu/);
  }
});
