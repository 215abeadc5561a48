// 'auto' keeps small problems on the CPU (src/jobs/sizeRule.ts deviceForSize, src/jobs/inspect.ts
// pairwiseRows): below AUTO_GPU_MIN_ROWS rows in the O(N^2) passes the GPU was slower on an H200
// (bench/RESULTS.md). The other jobs' use of the rule: auto-device-jobs.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectCheckpoint, pairwiseRows } from '../../src/jobs/inspect';
import { AUTO_GPU_MIN_ROWS, deviceForSize } from '../../src/jobs/sizeRule';
import { openCheckpoint } from '../../src/io';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';

void test('auto below the threshold runs on the CPU and says why; at or above it the engine chooses', () => {
  const small = deviceForSize('auto', AUTO_GPU_MIN_ROWS - 1);
  assert.equal(small.device, 'cpu');
  assert.match(small.note ?? '', new RegExp(`${AUTO_GPU_MIN_ROWS - 1} rows in the pairwise metrics, below ${AUTO_GPU_MIN_ROWS}`));
  assert.equal(deviceForSize(undefined, 10).device, 'cpu', 'no device means auto');
  assert.deepEqual(deviceForSize('auto', AUTO_GPU_MIN_ROWS), { device: 'auto' });
  assert.deepEqual(deviceForSize(undefined, AUTO_GPU_MIN_ROWS * 4), {});
});

void test('an explicit device is never second-guessed, however small the problem', () => {
  for (const device of ['cpu', 'webgpu', 'cuda'] as const) assert.deepEqual(deviceForSize(device, 10), { device });
});

void test('the js engine is on the CPU whatever it is asked: no sentence about a GPU it could not use', () => {
  assert.deepEqual(deviceForSize('auto', 10, 'js'), { device: 'auto' });
  assert.deepEqual(deviceForSize(undefined, 10, 'js'), {});
  assert.equal(deviceForSize(undefined, 10, 'onnxruntime').device, 'cpu');
});

void test('pairwise rows: the largest modality, capped by maxPairwiseRows (0 = every row)', async () => {
  const cp = await openCheckpoint('examples/healthy.safetensors');
  assert.equal(pairwiseRows(cp, { options: { ...DEFAULT_OPTIONS, maxPairwiseRows: 0 } }), 2000);
  assert.equal(pairwiseRows(cp, { options: { ...DEFAULT_OPTIONS, maxPairwiseRows: 500 } }), 500);
  assert.equal(
    pairwiseRows(cp, { modalities: ['no-such-array'], options: DEFAULT_OPTIONS }),
    0,
    'a bad choice is left to the report to name',
  );
});

void test('a small file inspected on auto reports the CPU and the reason in engine.note', async () => {
  const r = await inspectCheckpoint({
    path: 'examples/healthy.safetensors',
    options: DEFAULT_OPTIONS,
    thresholds: DEFAULT_THRESHOLDS,
  });
  if (r.engine.name !== 'onnxruntime') return; // the js fallback (no onnxruntime-node) is always on the CPU
  assert.equal(r.engine.device, 'cpu');
  assert.match(r.engine.note ?? '', /GPU not looked for: 2000 rows/);
});

void test('--engine tfjs names its own engine and still says why the other metrics stayed on the CPU', async () => {
  const r = await inspectCheckpoint({
    path: 'examples/collapsed.safetensors',
    options: DEFAULT_OPTIONS,
    thresholds: DEFAULT_THRESHOLDS,
    engine: 'tfjs',
  });
  if (!/other metrics from onnxruntime/.test(r.engine.note ?? '')) return; // onnxruntime's js fallback: always on the CPU
  assert.match(r.engine.note ?? '', /other metrics from onnxruntime \(cpu\); GPU not looked for: 2000 rows/);
  assert.equal((r.engine.note ?? '').split('GPU not looked for').length, 2, 'said once');
});

void test("the 'auto' engine: in-process kernels for a small job in a process that computes once, onnxruntime otherwise", async () => {
  const { engineForSize, SMALL_JOB_WORK } = await import('../../src/jobs/sizeRule');
  const { sessionPolicy } = await import('../../src/engine/ortDevice');
  const { pairwiseWork } = await import('../../src/jobs/inspect');
  const small = engineForSize(undefined, 'cpu', SMALL_JOB_WORK);
  assert.equal(small.engine, 'wasm');
  assert.match(small.note ?? '', /in-process for a small job \(2,147 M multiply-adds\)/);
  assert.equal(engineForSize('auto', 'cpu', 1e6).engine, 'wasm');
  assert.deepEqual(engineForSize(undefined, 'cpu', SMALL_JOB_WORK + 1), {}, 'a bigger job: onnxruntime');
  assert.deepEqual(engineForSize(undefined, 'cpu', undefined), {}, 'unknown work (a shard set, --stream): onnxruntime');
  for (const engine of ['onnxruntime', 'js', 'wasm', 'tfjs'] as const) assert.deepEqual(engineForSize(engine, 'cpu', 1e6), {}, engine);
  for (const device of ['auto', 'cuda', 'webgpu', undefined] as const)
    assert.deepEqual(engineForSize(undefined, device, 1e6), {}, String(device));
  sessionPolicy.keepWarm = true;
  try {
    assert.deepEqual(engineForSize(undefined, 'cpu', 1e6), {}, 'the compute process keeps onnxruntime warm');
  } finally {
    sessionPolicy.keepWarm = false;
  }
  // the shipped example: 2000 rows, two modalities of 64: 2 x 2000^2 x 128 multiply-adds
  const cp = await openCheckpoint('examples/collapsed.safetensors');
  assert.equal(pairwiseWork(cp, { options: DEFAULT_OPTIONS }), 2 * 2000 * 2000 * 128);
  assert.equal(pairwiseWork(cp, { options: DEFAULT_OPTIONS, stream: true }), undefined);
  const report = await inspectCheckpoint({
    path: 'examples/collapsed.safetensors',
    options: DEFAULT_OPTIONS,
    thresholds: DEFAULT_THRESHOLDS,
  });
  assert.equal(report.engine.name, 'wasm');
  const asked = await inspectCheckpoint({
    path: 'examples/collapsed.safetensors',
    options: DEFAULT_OPTIONS,
    thresholds: DEFAULT_THRESHOLDS,
    engine: 'onnxruntime',
  });
  assert.match(asked.engine.name, /^(onnxruntime|js)$/, 'an engine asked for is used');
});
