/** writeSafetensors / writeNpy: round trips through the readers (and numpy when present), no clobbering. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openCheckpoint, writeNpy, writeSafetensors, ReaderError } from '../../src/io';

const dir = mkdtempSync(join(tmpdir(), 'dagr-io-write-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

const f32 = new Float32Array([1.5, -2, 3.25, 4, 5, 6]);
const f64 = new Float64Array([0.1, 0.2, 0.3, 0.4]);
const i32 = new Int32Array([7, -8, 9]);
const i64 = new BigInt64Array([1n, -2n, 2147483647n]);

void test('writeSafetensors round-trips every writable dtype and the metadata', async () => {
  const p = join(dir, 'rt.safetensors');
  await writeSafetensors(
    p,
    [
      { name: 'audio', dtype: 'float32', shape: [3, 2], data: f32 },
      { name: 'text.embeddings', dtype: 'float64', shape: [2, 2], data: f64 },
      { name: 'labels', dtype: 'int32', shape: [3], data: i32 },
      { name: 'ids', dtype: 'int64', shape: [3], data: i64 },
    ],
    { epoch: '7', step: '700', tag: 'x' },
  );
  const bytes = readFileSync(p);
  assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
  const cp = await openCheckpoint(p);
  assert.deepEqual(cp.metadata, { epoch: 7, step: 700, tag: 'x' });
  const get = async (n: string): Promise<number[]> =>
    Array.from(await (cp.entries.find((e) => e.name === n)?.readRows() ?? Promise.reject(new Error(n))));
  assert.deepEqual(await get('audio'), Array.from(f32));
  assert.deepEqual(await get('text.embeddings'), Array.from(f64)); // float64 is read back as float64
  assert.deepEqual(await get('labels'), [7, -8, 9]);
  assert.deepEqual(await get('ids'), [1, -2, 2147483647]);
  assert.deepEqual(
    cp.entries.map((e) => e.dtype),
    ['float32', 'float64', 'int32', 'int64'],
  );
});

void test('writeNpy round-trips 2-D, 1-D and 0-d arrays', async () => {
  const cases = [
    { file: 'a.npy', arr: { dtype: 'float32' as const, shape: [2, 3], data: f32 } },
    { file: 'b.npy', arr: { dtype: 'float64' as const, shape: [4], data: f64 } },
    { file: 'c.npy', arr: { dtype: 'int32' as const, shape: [3, 1], data: i32 } },
    { file: 'd.npy', arr: { dtype: 'int64' as const, shape: [3], data: i64 } },
    { file: 'e.npy', arr: { dtype: 'float32' as const, shape: [], data: new Float32Array([9.5]) } },
  ];
  for (const { file, arr } of cases) {
    const p = join(dir, file);
    await writeNpy(p, arr);
    assert.equal((readFileSync(p).readUInt16LE(8) + 10) % 64, 0, `${file}: data starts on a 64-byte boundary`);
    const cp = await openCheckpoint(p);
    const e = cp.entries[0];
    assert.ok(e);
    assert.equal(e.dtype, arr.dtype);
    assert.deepEqual(e.shape, arr.shape);
    const want = arr.data instanceof BigInt64Array ? Array.from(arr.data, Number) : Array.from(arr.data);
    assert.deepEqual(Array.from(await e.readRows()), want, file);
  }
});

void test('numpy reads what writeNpy and writeSafetensors write', { skip: !hasNumpy && 'python3 with numpy not found' }, async () => {
  const a = join(dir, 'np.npy');
  const s = join(dir, 'np.safetensors');
  await writeNpy(a, { dtype: 'int64', shape: [3], data: i64 });
  await writeSafetensors(s, [{ name: 'x', dtype: 'float32', shape: [3, 2], data: f32 }], { epoch: '1' });
  const py = [
    'import numpy as np, json, struct, sys',
    `a = np.load(${JSON.stringify(a)}); assert a.dtype == np.int64 and a.tolist() == [1, -2, 2147483647], a`,
    `b = open(${JSON.stringify(s)}, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8+n])`,
    'x = np.frombuffer(b[8+n+h["x"]["data_offsets"][0]:8+n+h["x"]["data_offsets"][1]], "<f4").reshape(h["x"]["shape"])',
    'assert x.tolist() == [[1.5, -2.0], [3.25, 4.0], [5.0, 6.0]], x',
    'assert h["__metadata__"] == {"epoch": "1"}',
  ].join('\n');
  const r = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

void test('writers refuse an existing file unless { overwrite: true }, and leave no temp files', async () => {
  const sub = mkdtempSync(join(dir, 'clobber-'));
  const p = join(sub, 'x.npy');
  writeFileSync(p, 'keep me');
  await assert.rejects(
    writeNpy(p, { dtype: 'float32', shape: [1], data: new Float32Array([1]) }),
    (e: unknown) => e instanceof ReaderError && /already exists/.test(e.message) && e.message.includes(p),
  );
  await assert.rejects(writeSafetensors(p, []), (e: unknown) => e instanceof ReaderError && /already exists/.test(e.message));
  assert.equal(readFileSync(p, 'utf8'), 'keep me');
  await writeNpy(p, { dtype: 'float32', shape: [1], data: new Float32Array([2]) }, { overwrite: true });
  assert.deepEqual(Array.from(await ((await openCheckpoint(p)).entries[0]?.readRows() ?? Promise.reject(new Error('no entry')))), [2]);
  const q = join(sub, 'y.safetensors');
  await writeSafetensors(q, [{ name: 'a', dtype: 'float32', shape: [1], data: new Float32Array([1]) }]);
  await writeSafetensors(q, [{ name: 'a', dtype: 'float32', shape: [1], data: new Float32Array([3]) }], undefined, { overwrite: true });
  assert.deepEqual(Array.from(await ((await openCheckpoint(q)).entries[0]?.readRows() ?? Promise.reject(new Error('no entry')))), [3]);
  assert.deepEqual(readdirSync(sub).sort(), ['x.npy', 'y.safetensors']);
});

void test('writers reject inconsistent input before creating a file', async () => {
  const p = join(dir, 'bad.safetensors');
  await assert.rejects(
    writeSafetensors(p, [{ name: 'a', dtype: 'float32', shape: [2, 2], data: new Float32Array(3) }]),
    (e: unknown) => e instanceof ReaderError && /needs 4 values but data has 3/.test(e.message),
  );
  await assert.rejects(
    writeSafetensors(p, [{ name: 'a', dtype: 'float64', shape: [1], data: new Float32Array(1) }]),
    (e: unknown) => e instanceof ReaderError && /not the typed array for float64/.test(e.message),
  );
  await assert.rejects(
    writeSafetensors(p, [
      { name: 'a', dtype: 'float32', shape: [1], data: new Float32Array(1) },
      { name: 'a', dtype: 'float32', shape: [1], data: new Float32Array(1) },
    ]),
    (e: unknown) => e instanceof ReaderError && /two tensors named "a"/.test(e.message),
  );
  await assert.rejects(
    writeNpy(join(dir, 'bad.npy'), { dtype: 'int32', shape: [-1], data: new Int32Array(1) }),
    (e: unknown) => e instanceof ReaderError && /invalid shape/.test(e.message),
  );
  assert.ok(!readdirSync(dir).some((f) => f.startsWith('bad') || f.endsWith('.tmp')));
});
