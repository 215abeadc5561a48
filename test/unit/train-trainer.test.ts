// The trainer end to end on a tiny dataset: run folder contents, repeatability, no tensor leaks,
// cancel then resume (equal to an uninterrupted run), never overwriting a run folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { openCheckpoint } from '../../src/io';
import type { EpochMetrics, RunSummary } from '../../src/protocol/train';
import { train } from '../../src/train/trainer';
import { tf } from '../../src/train/tf';
import { tempDir, tinyConfig, tinyDataset } from './train-helpers';

async function metricsOf(runDir: string): Promise<EpochMetrics[]> {
  const text = await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochMetrics);
}

/** Metrics without wall-clock time, for equality checks. */
const timeless = (m: EpochMetrics) => ({ ...m, seconds: 0 });

void test('a run writes config, metrics, per-epoch validation checkpoints, the model and a summary', async () => {
  const dir = await tempDir();
  const data = await tinyDataset(dir);
  const seen: EpochMetrics[] = [];
  const s = await train(tinyConfig(data, path.join(dir, 'runs'), { name: 'r' }), { onEpoch: (m) => seen.push(m) });
  assert.equal(s.status, 'completed');
  assert.equal(s.epochsCompleted, 2);
  assert.equal(s.runDir, path.join(dir, 'runs', 'r'));
  assert.match(s.backend, /^tfjs-cpu/);
  const files = (await readdir(s.runDir)).sort();
  assert.deepEqual(files, ['checkpoints', 'config.json', 'metrics.jsonl', 'model', 'state', 'summary.json']);
  const metrics = await metricsOf(s.runDir);
  assert.deepEqual(metrics.map(timeless), seen.map(timeless));
  assert.equal(metrics.length, 2);
  const m = metrics[1]!;
  assert.deepEqual(Object.keys(m.valAccuracy).sort(), ['a', 'b', 'fusion']);
  assert.deepEqual(Object.keys(m.trainAccuracy).sort(), ['a', 'b', 'fusion']);
  assert.deepEqual(Object.keys(m.losses.dispersive).sort(), ['a', 'b']);
  assert.deepEqual(Object.keys(m.losses.anchoring), ['a/b']);
  assert.deepEqual(Object.keys(m.drift), ['a/b']);
  for (const v of [m.losses.total, m.losses.task, m.losses.unimodal, m.effectiveRank.a!, m.dispersiveLoss.b!, m.drift['a/b']!.mean])
    assert.ok(Number.isFinite(v));
  assert.ok(m.effectiveRank.a! >= 1 && m.effectiveRank.a! <= 4);
  const cp = await openCheckpoint(path.join(s.runDir, 'checkpoints', 'epoch_02.safetensors'));
  assert.equal(cp.metadata.epoch, 2);
  assert.deepEqual(cp.entries.map((e) => `${e.name}:${e.shape.join('x')}`).sort(), ['a:24x4', 'b:24x4', 'labels:24']);
  const model = JSON.parse(await readFile(path.join(s.runDir, 'model', 'model.json'), 'utf8'));
  assert.equal(model.weightsManifest[0].paths[0], 'weights.bin');
  const bytes = (await stat(path.join(s.runDir, 'model', 'weights.bin'))).size;
  const expected = model.weightsManifest[0].weights.reduce(
    (acc: number, w: { shape: number[] }) => acc + 4 * w.shape.reduce((x, y) => x * y, 1),
    0,
  );
  assert.equal(bytes, expected);
  const summary = JSON.parse(await readFile(path.join(s.runDir, 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.status, 'completed');
  // Same name again: a new folder, the first untouched.
  const again = await train(tinyConfig(data, path.join(dir, 'runs'), { name: 'r', epochs: 1 }));
  assert.equal(again.runDir, path.join(dir, 'runs', 'r-2'));
  assert.equal((await metricsOf(s.runDir)).length, 2);
});

void test('same seed on the same backend repeats exactly; another seed differs; no tensors leak', async () => {
  const dir = await tempDir();
  const data = await tinyDataset(dir);
  await train(tinyConfig(data, dir, { epochs: 1, name: 'warm' })); // backend init allocates once
  const before = tf.memory().numTensors;
  const a = await train(tinyConfig(data, dir, { seed: 7, name: 'a' }));
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by a training job');
  const b = await train(tinyConfig(data, dir, { seed: 7, name: 'b' }));
  const c = await train(tinyConfig(data, dir, { seed: 8, name: 'c' }));
  assert.deepEqual(
    (await metricsOf(a.runDir)).map(timeless).map((m) => ({ ...m })),
    (await metricsOf(b.runDir)).map(timeless),
  );
  assert.notDeepEqual((await metricsOf(a.runDir)).map(timeless), (await metricsOf(c.runDir)).map(timeless));
});

void test('cancel stops after the current batch and resume finishes like an uninterrupted run', async () => {
  const dir = await tempDir();
  const data = await tinyDataset(dir);
  const cfg = tinyConfig(data, dir, { epochs: 3, seed: 3, batchSize: 16 });
  const full = await train({ ...cfg, name: 'full' });
  const ac = new AbortController();
  let batches = 0;
  const cancelled = await train(
    { ...cfg, name: 'cut' },
    {
      onProgress: () => {
        batches++;
        if (batches === 8) ac.abort(); // 6 batches per epoch: abort inside epoch 2
      },
      signal: ac.signal,
    },
  );
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.epochsCompleted, 1);
  assert.equal(batches, 8, 'no batch ran after the abort');
  assert.equal((await metricsOf(cancelled.runDir)).length, 1);
  const summary = JSON.parse(await readFile(path.join(cancelled.runDir, 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.status, 'cancelled');
  const resumed = await train({ ...cfg, resumeFrom: cancelled.runDir });
  assert.equal(resumed.status, 'completed');
  assert.equal(resumed.runDir, cancelled.runDir);
  assert.equal(resumed.epochsCompleted, 3);
  assert.equal(resumed.message, undefined, 'optimizer state was restored');
  const a = (await metricsOf(full.runDir)).map(timeless).map((m) => ({ ...m, backend: '' }));
  const b = (await metricsOf(resumed.runDir)).map(timeless).map((m) => ({ ...m, backend: '' }));
  assert.equal(b.length, 3);
  assert.deepEqual(b, a);
});

void test('every kernel training uses works on the wasm backend and agrees with cpu', async () => {
  const dir = await tempDir();
  const data = await tinyDataset(dir);
  const onCpu = await train(tinyConfig(data, dir, { epochs: 1, name: 'cpu', backend: 'cpu' }));
  const onWasm = await train(tinyConfig(data, dir, { epochs: 1, name: 'wasm', backend: 'wasm' }));
  assert.match(onWasm.backend, /^tfjs-wasm/);
  const a = onCpu.final!;
  const b = onWasm.final!;
  assert.deepEqual(Object.keys(b.losses.anchoring), ['a/b']);
  // every metric of the epoch: float32 kernels that sum in another order differ by ~2e-7
  // relative after this epoch's 4 steps; accuracies and fractions of rows are counts, so equal
  const numbers = (o: unknown, at: string): [string, number][] =>
    typeof o === 'number'
      ? [[at, o]]
      : typeof o === 'object' && o !== null
        ? Object.entries(o).flatMap(([k, v]) => numbers(v, `${at}.${k}`))
        : [];
  const onB = new Map(numbers({ ...b, seconds: 0 }, 'wasm'));
  const all = numbers({ ...a, seconds: 0 }, 'wasm');
  assert.equal(all.length, onB.size);
  assert.ok(all.length > 15, `${all.length} numbers compared`);
  for (const [at, x] of all) {
    const y = onB.get(at) as number;
    if (/Accuracy|fractionBeyondTau|epoch$/.test(at)) assert.equal(y, x, at);
    else assert.ok(Math.abs(x - y) <= 1e-5 * Math.abs(x), `${at}: ${y} on wasm vs ${x} on cpu`);
  }
});

void test('a diverging run fails with a plain message and a failed summary', async () => {
  const dir = await tempDir();
  const data = await tinyDataset(dir);
  await assert.rejects(
    train(tinyConfig(data, dir, { name: 'nan', epochs: 1, learningRate: 1e30, optimizer: 'sgd' })),
    /training diverged in epoch 1: the loss is not finite/,
  );
  const summary = JSON.parse(await readFile(path.join(dir, 'nan', 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.status, 'failed');
});
