/** Readers read only the byte ranges they need: headers when opening, the asked rows later. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileByteSource, readNpy, readNpz, readSafetensors } from '../../src/io';
import type { ArrayEntry, ByteSource } from '../../src/io';

const ROOT = join(__dirname, '..', 'fixtures', 'io');

function counting(src: ByteSource): { src: ByteSource; reads: [number, number][]; total(): number; reset(): void } {
  const reads: [number, number][] = [];
  return {
    src: {
      name: src.name,
      size: src.size,
      read: (o: number, l: number) => {
        reads.push([o, l]);
        return src.read(o, l);
      },
    },
    reads,
    total: () => reads.reduce((a, r) => a + r[1], 0),
    reset: () => {
      reads.length = 0;
    },
  };
}

function entry(entries: ArrayEntry[], name: string): ArrayEntry {
  const e = entries.find((x) => x.name === name);
  assert.ok(e, name);
  return e;
}

void test('npy, C order: opening reads the header only; rows read exactly their bytes in one read', async () => {
  const c = counting(await fileByteSource(join(ROOT, 'npy/rows_C.npy')));
  const cp = await readNpy(c.src);
  assert.ok(
    c.reads.every(([o, l]) => o + l <= 128),
    'no read reaches the data (which starts at byte 128)',
  );
  const all = await entry(cp.entries, 'rows_C').readRows();
  c.reset();
  const part = await entry(cp.entries, 'rows_C').readRows(10, 13);
  assert.equal(c.total(), 3 * 16 * 4);
  assert.equal(c.reads.length, 1);
  assert.deepEqual(Array.from(part), Array.from(all.subarray(160, 208)));
});

void test('npy, Fortran order: rows read column pieces, no byte outside the rows', async () => {
  const c = counting(await fileByteSource(join(ROOT, 'npy/rows_F.npy')));
  const cp = await readNpy(c.src);
  const e = entry(cp.entries, 'rows_F');
  const all = await e.readRows();
  assert.equal(all.length, 64 * 16);
  c.reset();
  const part = await e.readRows(10, 13);
  assert.equal(c.total(), 3 * 16 * 4);
  assert.equal(c.reads.length, 16);
  assert.deepEqual(Array.from(part), Array.from(all.subarray(160, 208)));
  c.reset();
  await e.readRows();
  assert.equal(c.total(), 64 * 16 * 4, 'a whole Fortran array is read once, not more');
});

void test('safetensors: opening reads 8 bytes + the header; rows read only their range', async () => {
  const c = counting(await fileByteSource(join(ROOT, 'safetensors/all_dtypes.safetensors')));
  const cp = await readSafetensors(c.src);
  assert.equal(c.reads.length, 2);
  const headerLen = c.reads[1]?.[1] ?? 0;
  assert.equal(c.total(), 8 + headerLen);
  for (const [name, item] of [
    ['t_f32', 4],
    ['t_f64', 8],
    ['t_bf16', 2],
    ['t_u8', 1],
  ] as const) {
    c.reset();
    await entry(cp.entries, name).readRows(1, 3);
    assert.equal(c.total(), 2 * 3 * item, name);
  }
});

void test('npz, stored: members are windows into the archive; rows read only their range', async () => {
  const c = counting(await fileByteSource(join(ROOT, 'npz/rows.npz')));
  const cp = await readNpz(c.src);
  assert.ok(c.total() < 2048, `opening read ${c.total()} bytes of a ${c.src.size}-byte archive`);
  const e = entry(cp.entries, 'big');
  const all = await e.readRows();
  c.reset();
  const part = await e.readRows(5, 9);
  assert.equal(c.total(), 4 * 16 * 4);
  assert.deepEqual(Array.from(part), Array.from(all.subarray(5 * 16, 9 * 16)));
});

void test('npz, deflated: members read through the archive source, never more than the archive', async () => {
  const c = counting(await fileByteSource(join(ROOT, 'npz/deflated.npz')));
  const cp = await readNpz(c.src);
  assert.deepEqual(cp.entries.map((e) => e.name).sort(), ['audio', 'labels', 'visual']);
  assert.equal(cp.metadata.step, 900);
  c.reset();
  await entry(cp.entries, 'audio').readRows(0, 2);
  assert.ok(c.total() <= c.src.size, 'never more than the archive');
});
