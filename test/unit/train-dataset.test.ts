// Paired datasets: modality/label discovery, the split array or a seeded 80/20 split,
// standardization with train statistics, and one-line errors naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeNpy } from '../../src/io';
import type { ArrayEntry, Checkpoint, DType } from '../../src/io/types';
import { datasetFromCheckpoint, DatasetError } from '../../src/train/dataset';
import { openDataset } from '../../src/train/trainer';
import { tempDir, tinyConfig } from './train-helpers';
import * as path from 'node:path';

function entry(name: string, dtype: DType, shape: number[], data: Float32Array | Int32Array): ArrayEntry {
  return { name, dtype, shape, readRows: async (s = 0, e = shape[0]) => data.slice(s * (shape[1] ?? 1), (e ?? 0) * (shape[1] ?? 1)) };
}

function checkpoint(entries: ArrayEntry[]): Checkpoint {
  return { path: 'data.npz', format: 'npz', entries, metadata: {} };
}

const n = 50;
const feats = (d: number, off = 0) => Float32Array.from({ length: n * d }, (_, i) => ((i * 7 + off) % 13) - 6);
const labels = Int32Array.from({ length: n }, (_, i) => i % 4);

void test('no split array: a seeded 80/20 split, the same for the same seed', async () => {
  const cp = checkpoint([
    entry('audio', 'float32', [n, 3], feats(3)),
    entry('video', 'float64', [n, 2], feats(2, 1)),
    entry('y', 'int64', [n], labels),
  ]);
  const a = await datasetFromCheckpoint(cp, { seed: 1 });
  const b = await datasetFromCheckpoint(cp, { seed: 1 });
  const c = await datasetFromCheckpoint(cp, { seed: 2 });
  assert.deepEqual(
    a.modalities.map((m) => m.name),
    ['audio', 'video'],
  );
  assert.equal(a.numClasses, 4);
  assert.equal(a.train.length, 40);
  assert.equal(a.val.length, 10);
  assert.equal(a.splitSource, 'seeded 80/20');
  assert.deepEqual(a.train, b.train);
  assert.notDeepEqual(a.train, c.train);
  assert.equal(new Set([...a.train, ...a.val]).size, n);
  // Train rows are standardized: mean 0, std 1 per feature.
  const m = a.modalities[0]!;
  let s = 0;
  let s2 = 0;
  for (const r of a.train) {
    s += m.data[r * 3]!;
    s2 += m.data[r * 3]! ** 2;
  }
  assert.ok(Math.abs(s / a.train.length) < 1e-5);
  assert.ok(Math.abs(s2 / a.train.length - 1) < 1e-4);
});

void test('a split array decides train and validation; test rows (2) are left out', async () => {
  const split = Int32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : i % 5 === 1 ? 2 : 0));
  const ds = await datasetFromCheckpoint(
    checkpoint([entry('a', 'float32', [n, 3], feats(3)), entry('labels', 'int32', [n], labels), entry('split', 'int32', [n], split)]),
    { seed: 0 },
  );
  assert.equal(ds.val.length, 10);
  assert.equal(ds.train.length, 30);
  assert.equal(ds.splitSource, 'split array');
});

void test('problems are DatasetErrors naming the file', async () => {
  const bad: [ArrayEntry[], { modalities?: string[]; labels?: string }, RegExp][] = [
    [[entry('a', 'float32', [n, 3], feats(3))], {}, /^data\.npz: no labels array/],
    [
      [entry('a', 'float32', [n, 3], feats(3)), entry('labels', 'float32', [n], new Float32Array(n))],
      {},
      /labels "labels" must be a 1-D integer array/,
    ],
    [
      [entry('a', 'float32', [n - 1, 3], feats(3)), entry('labels', 'int32', [n], labels)],
      {},
      /modality "a" has 49 rows but labels have 50/,
    ],
    [
      [entry('a', 'float32', [n, 3], feats(3)), entry('labels', 'int32', [n], labels)],
      { modalities: ['b'] },
      /no modality array named "b"/,
    ],
    [
      [
        entry(
          'a',
          'float32',
          [n, 3],
          Float32Array.from(feats(3), (v, i) => (i === 31 ? NaN : v)),
        ),
        entry('labels', 'int32', [n], labels),
      ],
      {},
      /^data\.npz: modality "a" has NaN at row 10$/,
    ],
    [[entry('a', 'float32', [n, 3], feats(3)), entry('labels', 'int32', [n], new Int32Array(n))], {}, /at least 2 classes/],
  ];
  for (const [entries, opts, re] of bad) {
    await assert.rejects(
      datasetFromCheckpoint(checkpoint(entries), { seed: 0, ...opts }),
      (e: unknown) => e instanceof DatasetError && re.test(e.message) && !e.message.includes('\n'),
    );
  }
});

void test('any reader format: a folder of .npy files', async () => {
  const dir = await tempDir();
  const folder = path.join(dir, 'npyset');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(folder);
  await writeNpy(path.join(folder, 'text.npy'), { dtype: 'float32', shape: [n, 3], data: feats(3) });
  await writeNpy(path.join(folder, 'image.npy'), { dtype: 'float64', shape: [n, 2], data: Float64Array.from(feats(2, 3)) });
  await writeNpy(path.join(folder, 'labels.npy'), { dtype: 'int64', shape: [n], data: BigInt64Array.from(labels, (v) => BigInt(v)) });
  const ds = await openDataset(tinyConfig(folder, dir));
  assert.deepEqual(ds.modalities.map((m) => m.name).sort(), ['image', 'text']);
  assert.equal(ds.numClasses, 4);
});
