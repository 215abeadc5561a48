/** Every fixture of scripts/make_io_fixtures.py reads to the values in expected.json. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openCheckpoint,
  selectModalities,
  loadMatrix,
  listRun,
  isRunFolder,
  memoryByteSource,
  readCheckpoint,
  ReaderError,
} from '../../src/io';
import type { Checkpoint } from '../../src/io';

const ROOT = join(__dirname, '..', 'fixtures', 'io');

interface ArrayExpect {
  dtype: string;
  shape: number[];
  sum: number;
  absSum: number;
  first: number[];
  last: number | null;
}
interface FileExpect {
  format: string;
  arrays: Record<string, ArrayExpect>;
  metadata: Record<string, unknown>;
}

const expected = JSON.parse(readFileSync(join(ROOT, 'expected.json'), 'utf8')) as Record<string, FileExpect>;

function checkValues(label: string, got: Float32Array | Float64Array | Int32Array, want: ArrayExpect): void {
  const n = want.shape.reduce((a, b) => a * b, 1);
  assert.equal(got.length, n, `${label}: length`);
  let sum = 0;
  let abs = 0;
  for (const v of got) {
    sum += v;
    abs += Math.abs(v);
  }
  const tol = 1e-9 * want.absSum + 1e-12;
  assert.ok(Math.abs(sum - want.sum) <= tol, `${label}: sum ${sum} != ${want.sum}`);
  assert.ok(Math.abs(abs - want.absSum) <= tol, `${label}: abs sum ${abs} != ${want.absSum}`);
  assert.deepEqual(Array.from(got.subarray(0, want.first.length)), want.first, `${label}: first values`);
  if (want.last !== null) assert.equal(got[got.length - 1], want.last, `${label}: last value`);
}

async function checkCheckpoint(rel: string, cp: Checkpoint, want: FileExpect): Promise<void> {
  assert.equal(cp.format, want.format, `${rel}: format`);
  for (const [k, v] of Object.entries(want.metadata)) assert.deepEqual(cp.metadata[k], v, `${rel}: metadata ${k}`);
  const names = cp.entries.map((e) => e.name).sort();
  assert.deepEqual(names, Object.keys(want.arrays).sort(), `${rel}: array names`);
  for (const e of cp.entries) {
    const w = want.arrays[e.name];
    assert.ok(w);
    assert.equal(e.dtype, w.dtype, `${rel}:${e.name} dtype`);
    assert.deepEqual(e.shape, w.shape, `${rel}:${e.name} shape`);
    const all = await e.readRows();
    const isFloat = ['float64', 'float32', 'float16', 'bfloat16'].includes(w.dtype);
    // float64 stays float64 (its range is checked before narrowing); other floats are float32
    const wantType = w.dtype === 'float64' ? Float64Array : isFloat ? Float32Array : Int32Array;
    assert.ok(all instanceof wantType, `${rel}:${e.name} array type ${all.constructor.name}, expected ${wantType.name}`);
    checkValues(`${rel}:${e.name}`, all, w);
    // Row sub-ranges agree with the whole array.
    const rows = e.shape.length ? (e.shape[0] as number) : 1;
    if (rows >= 2) {
      const rowSize = all.length / rows;
      const s = 1;
      const t = rows - (rows > 2 ? 1 : 0);
      const part = await e.readRows(s, t);
      assert.deepEqual(Array.from(part), Array.from(all.subarray(s * rowSize, t * rowSize)), `${rel}:${e.name} rows ${s}..${t}`);
      assert.equal((await e.readRows(1, 1)).length, 0);
    }
  }
}

for (const [rel, want] of Object.entries(expected)) {
  void test(`reads ${rel}`, async () => {
    await checkCheckpoint(rel, await openCheckpoint(join(ROOT, rel)), want);
  });
}

void test('fixture set covers every npy dtype, byte order, memory order and version', () => {
  const files = Object.keys(expected).filter((k) => k.startsWith('npy/'));
  for (const code of ['f2', 'f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1']) {
    for (const order of ['C', 'F'])
      assert.ok(
        files.some((f) => f.startsWith(`npy/${code}_`) && f.endsWith(`_${order}.npy`)),
        `${code} ${order}`,
      );
  }
  for (const v of ['v2', 'v3']) assert.ok(files.includes(`npy/${v}.npy`));
  const st = expected['safetensors/all_dtypes.safetensors'];
  assert.ok(st);
  assert.equal(Object.keys(st.arrays).filter((k) => k.startsWith('t_')).length, 13);
});

void test('int64 outside the int32 range is a ReaderError naming the value', async () => {
  for (const rel of ['npy/int64_out_of_range.npy', 'safetensors/int64_out_of_range.safetensors']) {
    const cp = await openCheckpoint(join(ROOT, rel));
    const e = cp.entries[0];
    assert.ok(e);
    await assert.rejects(
      e.readRows(),
      (err: unknown) => err instanceof ReaderError && /int32 range/.test(err.message) && err.message.includes(rel),
    );
    // Rows before the bad value still read.
    assert.deepEqual(Array.from(await e.readRows(0, 1)), rel.endsWith('.npy') ? [5] : [1]);
  }
});

void test('selectModalities: .embeddings arrays first, suffix stripped, labels found', async () => {
  const cp = await openCheckpoint(join(ROOT, 'safetensors/embeddings.safetensors'));
  const sel = selectModalities(cp);
  assert.deepEqual(
    sel.modalities.map((m) => m.name),
    ['audio', 'text'],
  );
  assert.equal(sel.labels?.name, 'labels');
  const [audio, text] = sel.modalities;
  assert.ok(audio && text);
  const m = await loadMatrix(text);
  assert.equal(m.name, 'text');
  assert.equal(m.rows, 6);
  assert.equal(m.cols, 5);
  assert.equal(m.data.length, 30);
  const part = await loadMatrix(audio, [2, 5]);
  assert.equal(part.rows, 3);
  assert.deepEqual(Array.from(part.data), Array.from((await loadMatrix(audio)).data.subarray(8, 20)));
  // Explicit names: stored or shown name.
  const ex = selectModalities(cp, ['text.embeddings', 'audio']);
  assert.deepEqual(
    ex.modalities.map((x) => x.name),
    ['text', 'audio'],
  );
});

void test('selectModalities: every 2-D float array when none is named .embeddings', async () => {
  const cp = await openCheckpoint(join(ROOT, 'npz/stored.npz'));
  const sel = selectModalities(cp);
  assert.deepEqual(
    sel.modalities.map((m) => m.name),
    ['audio', 'visual'],
  );
  assert.equal(sel.labels?.name, 'labels');
  const folder = selectModalities(await openCheckpoint(join(ROOT, 'folder')));
  assert.deepEqual(
    folder.modalities.map((m) => m.name),
    ['audio', 'text'],
  );
  assert.equal(folder.labels?.name, 'y');
});

void test('selectModalities: problems are ReaderErrors that list what exists', async () => {
  const cp = await openCheckpoint(join(ROOT, 'safetensors/embeddings.safetensors'));
  assert.throws(
    () => selectModalities(cp, ['audio', 'video']),
    (e: unknown) =>
      e instanceof ReaderError &&
      /no array named "video"/.test(e.message) &&
      /audio\.embeddings \(float32 \[6, 4\]\)/.test(e.message) &&
      e.message.includes('embeddings.safetensors'),
  );
  assert.throws(
    () => selectModalities(cp, ['audio', 'head.weight']),
    (e: unknown) => e instanceof ReaderError && /different row counts: audio\.embeddings 6, head\.weight 2/.test(e.message),
  );
  assert.throws(
    () => selectModalities(cp, ['labels']),
    (e: unknown) => e instanceof ReaderError && /not a 2-D float array/.test(e.message),
  );
  const empty = await openCheckpoint(join(ROOT, 'npy/empty_rows.npy'));
  assert.throws(
    () => selectModalities(empty),
    (e: unknown) => e instanceof ReaderError && /zero rows/.test(e.message),
  );
  const ints = await openCheckpoint(join(ROOT, 'npy/one_d.npy'));
  assert.throws(
    () => selectModalities(ints),
    (e: unknown) => e instanceof ReaderError && /no 2-D float arrays/.test(e.message) && /one_d \(int32 \[9\]\)/.test(e.message),
  );
});

void test('listRun orders by metadata epoch, skipping non-checkpoint json', async () => {
  const dir = join(ROOT, 'run_folders/by_metadata');
  assert.equal(await isRunFolder(dir), true);
  const run = await listRun(dir);
  assert.deepEqual(
    run.map((r) => [r.file.split('/').pop(), r.epoch, r.step]),
    [
      ['ckpt_b.safetensors', 1, null],
      ['ckpt_a.safetensors', 2, null],
      ['ckpt_c.safetensors', 10, null],
    ],
  );
});

void test('listRun orders by the last number in the name', async () => {
  const run = await listRun(join(ROOT, 'run_folders/by_name'));
  assert.deepEqual(
    run.map((r) => [r.file.split('/').pop(), r.epoch]),
    [
      ['run3_epoch_1.npz', 1],
      ['run3_epoch_2.npz', 2],
      ['run3_epoch_10.npz', 10],
    ],
  );
  const series = await listRun(join(ROOT, 'run_folders/npy_series'));
  assert.deepEqual(
    series.map((r) => [r.file.split('/').pop(), r.epoch]),
    [
      ['emb_001.npy', 1],
      ['emb_003.npy', 3],
      ['emb_020.npy', 20],
    ],
  );
  const folders = await listRun(join(ROOT, 'run_folders/folders'));
  assert.deepEqual(
    folders.map((r) => [r.file.split('/').pop(), r.epoch]),
    [
      ['epoch_1', 1],
      ['epoch_2', 2],
    ],
  );
  const cp = await openCheckpoint(folders[0]?.file ?? '');
  assert.equal(cp.format, 'npy-folder');
});

void test('a folder of un-numbered .npy files is one checkpoint, not a run', async () => {
  assert.equal(await isRunFolder(join(ROOT, 'run_folders/npy_series')), true);
  assert.equal(await isRunFolder(join(ROOT, 'run_folders/folders')), true);
  assert.equal(await isRunFolder(join(ROOT, 'folder')), false);
  assert.equal(await isRunFolder(join(ROOT, 'run_folders/not_a_run')), false);
  const one = await listRun(join(ROOT, 'folder'));
  assert.deepEqual(one, [{ file: join(ROOT, 'folder'), epoch: 12, step: 5_000_000_000 }]);
  const cp = await openCheckpoint(join(ROOT, 'run_folders/not_a_run'));
  assert.deepEqual(
    cp.entries.map((e) => e.name),
    ['clip_b32', 'wav2vec2'],
  );
});

void test('selectModalities: labels/y/split are never auto-picked; ".embeddings" kept when stripping would clash', async () => {
  const json = JSON.stringify({
    audio: [
      [1, 2],
      [3, 4],
    ],
    'audio.embeddings': [
      [5, 6],
      [7, 8],
    ],
    labels: [
      [1, 0],
      [0, 1],
    ],
    split: [[0], [1]],
  });
  const cp = await readCheckpoint(memoryByteSource('m.json', new TextEncoder().encode(json)), 'json');
  assert.deepEqual(
    selectModalities(cp).modalities.map((m) => m.name),
    ['audio.embeddings'],
  );
  assert.deepEqual(
    selectModalities(cp, ['audio', 'audio.embeddings']).modalities.map((m) => m.name),
    ['audio', 'audio.embeddings'],
  );
  const plain = await readCheckpoint(
    memoryByteSource('p.json', new TextEncoder().encode(JSON.stringify({ a: [[1, 2]], y: [[1, 2]] }))),
    'json',
  );
  assert.deepEqual(
    selectModalities(plain).modalities.map((m) => m.name),
    ['a'],
  );
  assert.equal(selectModalities(plain).labels, undefined, '2-D float "y" is not labels');
});

void test("a decoded array is the caller's: changing it does not change the next read", async () => {
  for (const rel of ['npy/f4_le_C.npy', 'npy/rows_F.npy', 'npz/deflated.npz', 'npz/stored.npz', 'safetensors/all_dtypes.safetensors']) {
    const bytes = new Uint8Array(readFileSync(join(ROOT, rel)));
    const fromMemory = await readCheckpoint(
      memoryByteSource(rel, bytes),
      rel.endsWith('.npy') ? 'npy' : rel.endsWith('.npz') ? 'npz' : 'safetensors',
    );
    const fromFile = await openCheckpoint(join(ROOT, rel));
    for (const cp of [fromMemory, fromFile]) {
      const e = cp.entries[0];
      assert.ok(e);
      const first = await e.readRows();
      const copy = Array.from(first);
      first.fill(99);
      assert.deepEqual(Array.from(await e.readRows()), copy, `${rel} (${cp === fromMemory ? 'memory' : 'file'})`);
    }
    assert.deepEqual(new Uint8Array(readFileSync(join(ROOT, rel))), bytes, `${rel}: source bytes untouched`);
  }
});

void test('listRun: a folder with no checkpoints is a ReaderError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagr-io-run-'));
  try {
    await assert.rejects(
      listRun(dir),
      (e: unknown) => e instanceof ReaderError && e.file === dir && /no checkpoints in this folder/.test(e.problem),
    );
    writeFileSync(join(dir, 'config.json'), '{"lr": 0.1}');
    await assert.rejects(listRun(dir), (e: unknown) => e instanceof ReaderError && /no checkpoints in this folder/.test(e.problem));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
