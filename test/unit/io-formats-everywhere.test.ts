/**
 * Issue 8, part 4: PyTorch and Parquet files open wherever a checkpoint opens: the CLI's compare
 * (a .pt against its safetensors twin: every change is 0) and the fine-tuning dataset loader
 * (src/train/dataset.ts over openCheckpoint), from a .pt, a .parquet with a `label` column and a
 * .parquet with `y` labels and a `split` column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { formatFromName, openCheckpoint } from '../../src/io';
import { datasetFromCheckpoint } from '../../src/train/dataset';

const FIX = join(__dirname, '..', 'fixtures');
const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.ts');

void test('every checkpoint extension has a reader', () => {
  const want: Record<string, string | null> = {
    'a.safetensors': 'safetensors',
    'a.npz': 'npz',
    'a.npy': 'npy',
    'a.json': 'json',
    'a.pt': 'pytorch',
    'a.pth': 'pytorch',
    'a.ckpt': 'pytorch',
    'a.parquet': 'parquet',
    'model.safetensors.index.json': 'sharded',
    'pytorch_model.bin': null,
  };
  for (const [name, format] of Object.entries(want)) assert.equal(formatFromName(name), format, name);
});

void test('dagr compare a.pt b.safetensors: the same arrays, so every change is 0', () => {
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      CLI,
      'compare',
      join(FIX, 'torch', 'pair.pt'),
      join(FIX, 'torch', 'pair_twin.safetensors'),
      '--json',
      '--engine',
      'js',
    ],
    { encoding: 'utf8' },
  );
  const r = JSON.parse(out) as { kind: string; changes: { metric: string; delta: number | null }[] };
  assert.equal(r.kind, 'compare');
  assert.ok(r.changes.length > 10, `${r.changes.length} changes`);
  for (const c of r.changes) assert.ok(c.delta === 0 || c.delta === null, `${c.metric}: ${c.delta}`);
});

void test('dagr compare a.pt b.parquet runs (PyTorch against Parquet)', () => {
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      CLI,
      'compare',
      join(FIX, 'torch', 'pair.pt'),
      join(FIX, 'parquet', 'list_f32_snappy.parquet'),
      '--json',
      '--engine',
      'js',
    ],
    { encoding: 'utf8' },
  );
  const r = JSON.parse(out) as { kind: string; changes: { metric: string }[] };
  assert.ok(r.changes.some((c) => c.metric === 'modalities.visual.effectiveRank'));
});

void test('fine-tuning datasets open from a .pt and from .parquet files', async () => {
  const pt = await datasetFromCheckpoint(await openCheckpoint(join(FIX, 'torch', 'pair.pt')), { seed: 1 });
  assert.deepEqual(
    pt.modalities.map((m) => [m.name, m.dim]),
    [
      ['audio', 16],
      ['visual', 16],
    ],
  );
  assert.equal(pt.n, 64);
  assert.ok(pt.numClasses >= 2);

  const pq = await datasetFromCheckpoint(await openCheckpoint(join(FIX, 'parquet', 'list_f32_snappy.parquet')), { seed: 1 });
  assert.deepEqual(
    pq.modalities.map((m) => [m.name, m.dim]),
    [
      ['audio', 16],
      ['visual', 16],
    ],
  );
  assert.equal(pq.n, 64);
  assert.equal(pq.splitSource, 'seeded 80/20');
  // the npz twin gives the same dataset, value for value
  const npz = await datasetFromCheckpoint(await openCheckpoint(join(FIX, 'parquet', 'f32.npz')), { seed: 1 });
  assert.deepEqual(pq.labels, npz.labels);
  assert.deepEqual(
    pq.modalities.map((m) => m.data),
    npz.modalities.map((m) => m.data),
  );

  const extras = await datasetFromCheckpoint(await openCheckpoint(join(FIX, 'parquet', 'extras.parquet')), { seed: 1 });
  assert.equal(extras.splitSource, 'split array');
  assert.deepEqual(
    extras.modalities.map((m) => m.name),
    ['audio'],
  );
  assert.equal(extras.train.length + extras.val.length, 64);
});
