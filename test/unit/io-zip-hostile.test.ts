/**
 * Hostile zip archives (test/fixtures/io/hostile/, written by scripts/make_zip_fixtures.py around
 * numpy-written members): each is refused with a message that says which rule it breaks, before
 * inflating what it does not need to. Time and peak memory per case are in bench/hostile.ts
 * (bench/RESULTS-hostile.md), not asserted here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { fileByteSource, memoryByteSource, openCheckpoint, readCheckpoint, ReaderError } from '../../src/io';
import type { ByteSource } from '../../src/io';
import { listZip, memberSource, ZipArchiveError } from '../../src/io/zip';
import { crc32, crc32js } from '../../src/io/crc32';

const DIR = join(__dirname, '..', 'fixtures', 'io', 'hostile');
const at = (f: string): string => join(DIR, f);

async function refused(p: Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ReaderError, `not a ReaderError: ${String(e)}`);
    assert.equal(e.file, file);
    assert.match(e.problem, problem);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
}

/** Opens and reads every array. */
async function readAll(path: string): Promise<void> {
  const cp = await openCheckpoint(path);
  for (const e of cp.entries) await e.readRows();
}

/** A source that counts the bytes asked of it. */
function counting(src: ByteSource): ByteSource & { bytes: number } {
  const c = {
    name: src.name,
    size: src.size,
    bytes: 0,
    read(off: number, len: number): Promise<Uint8Array> {
      c.bytes += len;
      return src.read(off, len);
    },
  };
  return c;
}

void test('overlapping entries are refused from the central directory alone, naming both members', async () => {
  const f = at('overlap_same_header.npz');
  await refused(
    readAll(f),
    f,
    /^zip members "m0\.npy" and "m1\.npy" overlap \(both start at the local header at offset 0\): overlapping entries are how a zip bomb reuses its data$/,
  );
  const q = at('overlap_quoted.npz');
  await refused(readAll(q), q, /^zip members "outer\.npy" and "inner\.npy" overlap \(bytes 0\.\.\d+ and bytes 39\.\.\d+\)/);
  const c = at('overlap_central_directory.npz');
  await refused(readAll(c), c, /^zip member "emb\.npy" \(bytes 0\.\.\d+\) overlaps the central directory \(bytes \d+\.\.\d+\)$/);
  // The central directory leaves room; the local header's extra field pushes the data into the next member.
  const l = at('overlap_local_extra.npz');
  await refused(readAll(l), l, /^zip member "a\.npy" \(bytes 0\.\.\d+\) overlaps member "b\.npy", which starts at \d+$/);
  // No byte of a member is read for a refusal made from the central directory.
  const src = counting(await fileByteSource(f));
  await assert.rejects(listZip(src), ZipArchiveError);
  assert.ok(src.bytes < 2000, `read ${src.bytes} bytes`);
});

void test('zip64 extra fields that lie: a size deflate cannot produce, an offset into the central directory', async () => {
  const s = at('zip64_lying_size.npz');
  await refused(
    readAll(s),
    `${s}:emb.npy`,
    /^inflates without bound: declares 1099511627776 bytes from \d+ compressed \(deflate gives at most 1032 bytes per compressed byte\)$/,
  );
  const o = at('zip64_lying_offset.npz');
  await refused(readAll(o), o, /^zip member "emb\.npy" \(bytes (\d+)\.\.\d+\) overlaps the central directory \(bytes \1\.\.\d+\)$/);
});

void test('ratio bombs: a declared size past 1032 bytes per compressed byte is refused before inflating', async () => {
  const f = at('ratio_bomb.npz');
  await refused(readAll(f), `${f}:emb.npy`, /^inflates without bound: declares 1073741824 bytes from \d+ compressed/);
});

void test('deflate bombs stop as soon as the output passes the declared size', async () => {
  const f = at('deflate_bomb.npz');
  await refused(readAll(f), `${f}:emb.npy`, /^inflates without bound: more than the declared 384 bytes$/);
  // 16 MiB declared (the npy header agrees), 64 MiB inflated: rows are served until the budget runs out.
  const s = at('deflate_bomb_streamed.npz');
  const cp = await openCheckpoint(s);
  const emb = cp.entries[0]!;
  assert.deepEqual(emb.shape, [4096, 1024]);
  assert.equal((await emb.readRows(0, 4)).length, 4 * 1024);
  await refused(emb.readRows(), `${s}:emb.npy`, /^inflates without bound: more than the declared 16777344 bytes$/);
  // The member stays refused: no later read gets bytes from a stream known to be hostile.
  await refused(emb.readRows(0, 1), `${s}:emb.npy`, /^inflates without bound/);
});

void test('a flipped bit in a stored member: rows read whole are CRC-checked, a few rows are not', async () => {
  const f = at('crc_stored.npz');
  const cp = await openCheckpoint(f);
  const emb = cp.entries.find((e) => e.name === 'emb')!;
  // Checking a few rows would mean reading every byte before them: they are served unchecked.
  assert.equal((await emb.readRows(1, 3)).length, 16);
  await refused(
    emb.readRows(),
    `${f}:emb.npy`,
    /^CRC mismatch: the member is corrupt \(its bytes give CRC-32 0x[0-9a-f]{8}, the archive records 0x[0-9a-f]{8}\)$/,
  );
  await refused(emb.readRows(0, 1), `${f}:emb.npy`, /^CRC mismatch/);
  // The other member is intact.
  assert.equal((await cp.entries.find((e) => e.name === 'labels')!.readRows()).length, 64);
});

void test('a flipped bit in a deflated member is a CRC mismatch (small members are checked whole on open)', async () => {
  const f = at('crc_deflated.npz');
  await refused(openCheckpoint(f), `${f}:emb.npy`, /^CRC mismatch: the member is corrupt/);
});

/** A one-member zip around `data`, deflated, with the CRC it claims. */
function zip1(name: string, data: Uint8Array, crc: number): Uint8Array {
  const body = new Uint8Array(deflateRawSync(data));
  const nb = new TextEncoder().encode(name);
  const out = new Uint8Array(30 + nb.length + body.length + 46 + nb.length + 22);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x04034b50, true);
  dv.setUint16(8, 8, true);
  dv.setUint32(14, crc, true);
  dv.setUint32(18, body.length, true);
  dv.setUint32(22, data.length, true);
  dv.setUint16(26, nb.length, true);
  out.set(nb, 30);
  out.set(body, 30 + nb.length);
  const c = 30 + nb.length + body.length;
  dv.setUint32(c, 0x02014b50, true);
  dv.setUint16(c + 10, 8, true);
  dv.setUint32(c + 16, crc, true);
  dv.setUint32(c + 20, body.length, true);
  dv.setUint32(c + 24, data.length, true);
  dv.setUint16(c + 28, nb.length, true);
  out.set(nb, c + 46);
  const e = c + 46 + nb.length;
  dv.setUint32(e, 0x06054b50, true);
  dv.setUint16(e + 8, 1, true);
  dv.setUint16(e + 10, 1, true);
  dv.setUint32(e + 12, 46 + nb.length, true);
  dv.setUint32(e + 16, c, true);
  return out;
}

/** A .npy of `rows` x 256 float32 with a seeded pattern (poorly compressible, so the member is streamed). */
function bigNpy(rows: number): { bytes: Uint8Array; values: Float32Array } {
  const head = new TextEncoder().encode(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, 256), }`.padEnd(117) + '\n');
  const bytes = new Uint8Array(10 + head.length + rows * 256 * 4);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length, 0]);
  bytes.set(head, 10);
  const values = new Float32Array(rows * 256);
  let s = 12345;
  for (let i = 0; i < values.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    values[i] = (s >>> 8) / 65536;
  }
  bytes.set(new Uint8Array(values.buffer), 10 + head.length);
  return { bytes, values };
}

void test('a large deflated member streams: rows read in any order are exact, the whole member is CRC-checked', async () => {
  const { bytes, values } = bigNpy(2048); // 2 MiB: past the size inflated whole on first touch
  const good = zip1('emb.npy', bytes, crc32(bytes));
  const cp = await readCheckpoint(memoryByteSource('big.npz', good), 'npz');
  const emb = cp.entries[0]!;
  const slices: [number, number][] = [
    [0, 3],
    [10, 20],
    [5, 6],
    [2000, 2048],
    [100, 900],
    [1, 2],
  ];
  const got = await Promise.all(slices.map(([a, b]) => emb.readRows(a, b)));
  slices.forEach(([a, b], i) => assert.deepEqual(got[i], values.subarray(a * 256, b * 256), `rows ${a}..${b}`));
  for (let r = 0; r < 2048; r += 512) assert.deepEqual(await emb.readRows(r, r + 512), values.subarray(r * 256, (r + 512) * 256));
  assert.deepEqual(await emb.readRows(), values);

  const bad = zip1('emb.npy', bytes, (crc32(bytes) ^ 1) >>> 0);
  const cpBad = await readCheckpoint(memoryByteSource('bad.npz', bad), 'npz');
  assert.equal((await cpBad.entries[0]!.readRows(0, 8)).length, 8 * 256);
  await refused(cpBad.entries[0]!.readRows(), 'bad.npz:emb.npy', /^CRC mismatch: the member is corrupt/);
});

void test('an honest member of zeros: a few rows inflate only the start of the stream; all rows read', async () => {
  const f = at('zeros_honest.npz');
  const src = counting(await fileByteSource(f));
  const cp = await readCheckpoint(src, 'npz');
  const emb = cp.entries[0]!;
  assert.deepEqual(emb.shape, [16384, 1024]);
  const before = src.bytes;
  assert.deepEqual(await emb.readRows(0, 2), new Float32Array(2048));
  assert.ok(src.bytes - before <= 64 * 1024 + 30, `rows 0..2 read ${src.bytes - before} compressed bytes`);
  const all = await emb.readRows();
  assert.equal(all.length, 16384 * 1024);
  assert.ok(all.every((v) => v === 0));
});

void test('memberSource of a listed member: its range is checked against the next member at open', async () => {
  const f = at('overlap_local_extra.npz');
  const src = await fileByteSource(f);
  const members = await listZip(src);
  assert.deepEqual(
    members.map((m) => [m.name, m.nextName]),
    [
      ['a.npy', 'b.npy'],
      ['b.npy', null],
    ],
  );
  await assert.rejects(memberSource(src, members[0]!), ZipArchiveError);
  await memberSource(src, members[1]!);
});

void test('crc32 continues a running CRC, natively and in JS', () => {
  const b = new TextEncoder().encode('123456789');
  assert.equal(crc32(b), 0xcbf43926);
  assert.equal(crc32js(b), 0xcbf43926);
  assert.equal(crc32(b.subarray(4), crc32(b.subarray(0, 4))), 0xcbf43926);
  assert.equal(crc32js(b.subarray(4), crc32js(b.subarray(0, 4))), 0xcbf43926);
});
