/**
 * Sharded Hugging Face checkpoints (scripts/make_torch_fixtures.py): an index and its two shards,
 * as safetensors and as PyTorch .bin, open as one checkpoint; one shard opens the whole set; a
 * hostile or inconsistent index is a one-line ReaderError naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReaderError, openCheckpoint } from '../../src/io';
import { listRun } from '../../src/io/run';

const ROOT = join(__dirname, '..', 'fixtures', 'torch');
const expected = JSON.parse(readFileSync(join(ROOT, 'expected.json'), 'utf8')) as {
  files: Record<string, { tensors: Record<string, { shape: number[]; sum: number; first: number[] }> }>;
};
const SETS = [
  { dir: 'sharded_safetensors', index: 'model.safetensors.index.json', shard: 'model-00002-of-00002.safetensors' },
  { dir: 'sharded_bin', index: 'pytorch_model.bin.index.json', shard: 'pytorch_model-00001-of-00002.bin' },
];

void test("an index opens all its shards as one checkpoint, in the index order, with numpy's numbers", async () => {
  for (const s of SETS) {
    const cp = await openCheckpoint(join(ROOT, s.dir, s.index));
    assert.equal(cp.format, 'sharded');
    const want = expected.files[`${s.dir}/${s.index}`]?.tensors ?? {};
    const index = JSON.parse(readFileSync(join(ROOT, s.dir, s.index), 'utf8')) as { weight_map: Record<string, string> };
    assert.deepEqual(
      cp.entries.map((e) => e.name),
      Object.keys(index.weight_map),
    );
    assert.deepEqual(cp.entries.map((e) => e.name).sort(), Object.keys(want).sort());
    for (const e of cp.entries) {
      const d = want[e.name];
      assert.ok(d);
      assert.deepEqual(e.shape, d.shape);
      const v = await e.readRows();
      let sum = 0;
      for (const x of v) sum += x;
      assert.ok(Math.abs(sum - d.sum) < 1e-5, `${s.dir}:${e.name}`);
      d.first.forEach((f, i) => assert.equal(v[i], f));
      assert.ok(e.file?.includes('-of-00002'), e.file);
    }
    assert.equal(cp.metadata.total_size, 928);
    assert.equal((cp.metadata.shards as string[]).length, 2);
  }
});

void test('one shard of a set opens the whole set, with a note', async () => {
  for (const s of SETS) {
    const cp = await openCheckpoint(join(ROOT, s.dir, s.shard));
    assert.equal(cp.format, 'sharded');
    assert.equal(cp.entries.length, 4);
    assert.equal(cp.metadata.openedFrom, s.shard);
    assert.match(String(cp.metadata.note), /one shard of .*index\.json: the whole set is opened/);
  }
});

void test('a shard without its index opens alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagr-shard-'));
  copyFileSync(join(ROOT, 'sharded_safetensors', 'model-00001-of-00002.safetensors'), join(dir, 'model-00001-of-00002.safetensors'));
  const cp = await openCheckpoint(join(dir, 'model-00001-of-00002.safetensors'));
  assert.equal(cp.format, 'safetensors');
  assert.equal(cp.entries.length, 2);
});

void test('bad indexes: one line naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagr-index-'));
  for (const f of ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) {
    copyFileSync(join(ROOT, 'sharded_safetensors', f), join(dir, f));
  }
  const cases: [unknown, RegExp][] = [
    ['not json', /index is not JSON/],
    [[1, 2], /not a JSON object/],
    [{ metadata: {} }, /no "weight_map"/],
    [{ weight_map: {} }, /weight_map is empty/],
    [{ weight_map: { a: '../../etc/passwd' } }, /must be a file beside the index/],
    [{ weight_map: { a: '/etc/passwd' } }, /must be a file beside the index/],
    [{ weight_map: { a: 3 } }, /is not a file name/],
    [
      { weight_map: { 'pooler.weight': 'model-00001-of-00002.safetensors' } },
      /"pooler.weight" is mapped to shard "model-00001-of-00002.safetensors", which does not hold it/,
    ],
    [{ weight_map: { x: 'model-00003-of-00003.safetensors' } }, /cannot open: ENOENT/],
  ];
  for (const [doc, re] of cases) {
    const f = join(dir, 'model.safetensors.index.json');
    writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
    await assert.rejects(openCheckpoint(f), (e: unknown) => {
      assert.ok(e instanceof ReaderError, String(e));
      assert.ok(!/\n/.test(e.message));
      assert.match(e.message, re);
      return true;
    });
  }
});

void test('a run folder of epoch_*.pt files lists them in epoch order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagr-run-'));
  for (const [i, f] of [
    [10, 'pair.pt'],
    [2, 'nested.pth'],
    [1, 'pair.pt'],
  ] as const) {
    copyFileSync(join(ROOT, f), join(dir, `epoch_${i}.${f.split('.')[1]}`));
  }
  writeFileSync(join(dir, 'notes.bin'), 'not a torch file');
  const run = await listRun(dir);
  assert.deepEqual(
    run.map((r) => r.file.split('/').pop()),
    ['epoch_1.pt', 'epoch_2.pth', 'epoch_10.pt'],
  );
  // nested.pth's own metadata says epoch 7
  assert.deepEqual(
    run.map((r) => r.epoch),
    [1, 7, 10],
  );
});
