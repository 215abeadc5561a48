/** Bad input: every problem is a one-line ReaderError that names the file and says what is wrong. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { memoryByteSource, openCheckpoint, readCheckpoint, ReaderError } from '../../src/io';
import type { ByteSource, FileFormat } from '../../src/io';

const ROOT = join(__dirname, '..', 'fixtures', 'io');
const dir = mkdtempSync(join(tmpdir(), 'dagr-io-bad-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Opens and reads every array; resolves when all of that works. */
async function readAll(src: ByteSource, format: FileFormat): Promise<void> {
  const cp = await readCheckpoint(src, format);
  for (const e of cp.entries) await e.readRows();
}

async function fails(p: Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ReaderError, `not a ReaderError: ${String(e)}`);
    assert.equal(e.file, file);
    assert.match(e.problem, problem);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.ok(e.message.startsWith(`${file}: `));
    return true;
  });
}

function fixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(ROOT, rel)));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function safetensors(header: unknown, data: Uint8Array = new Uint8Array(0), rawHeader?: string): Uint8Array {
  const h = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(h.length), true);
  return concat(len, h, data);
}

function npy(dict: string, data: Uint8Array, version = 1): Uint8Array {
  const h = new TextEncoder().encode(dict + '\n');
  const pre = new Uint8Array(version === 1 ? 10 : 12);
  pre.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(pre.buffer);
  if (version === 1) dv.setUint16(8, h.length, true);
  else dv.setUint32(8, h.length, true);
  return concat(pre, h, data);
}

const goodNpy = (): Uint8Array => npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array(16));

interface ZipPart {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  usize?: number;
  crc?: number;
}

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A minimal zip writer, so tests can build archives numpy would never write. */
function zip(parts: ZipPart[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let off = 0;
  for (const p of parts) {
    const name = new TextEncoder().encode(p.name);
    const body = p.deflate ? new Uint8Array(deflateRawSync(p.data)) : p.data;
    const crc = p.crc ?? crc32(p.data);
    const usize = p.usize ?? p.data.length;
    const lh = new Uint8Array(30 + name.length);
    const l = new DataView(lh.buffer);
    l.setUint32(0, 0x04034b50, true);
    l.setUint16(4, 20, true);
    l.setUint16(8, p.deflate ? 8 : 0, true);
    l.setUint32(14, crc, true);
    l.setUint32(18, body.length, true);
    l.setUint32(22, usize, true);
    l.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const c = new DataView(ch.buffer);
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint16(10, p.deflate ? 8 : 0, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, body.length, true);
    c.setUint32(24, usize, true);
    c.setUint16(28, name.length, true);
    c.setUint32(42, off, true);
    ch.set(name, 46);
    locals.push(lh, body);
    centrals.push(ch);
    off += lh.length + body.length;
  }
  const cd = concat(...centrals);
  const end = new Uint8Array(22);
  const e = new DataView(end.buffer);
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, parts.length, true);
  e.setUint16(10, parts.length, true);
  e.setUint32(12, cd.length, true);
  e.setUint32(16, off, true);
  return concat(...locals, cd, end);
}

void test('zip helper builds archives the reader accepts', async () => {
  await readAll(
    memoryByteSource(
      'ok.npz',
      zip([
        { name: 'a.npy', data: goodNpy() },
        { name: 'b.npy', data: goodNpy(), deflate: true },
      ]),
    ),
    'npz',
  );
});

void test('safetensors: truncated, header length, JSON, dtype, shape and offsets', async () => {
  const f = 'x.safetensors';
  const st = (b: Uint8Array): Promise<void> => readAll(memoryByteSource(f, b), 'safetensors');
  await fails(st(new Uint8Array(5)), f, /^truncated file/);
  const len = new Uint8Array(16);
  new DataView(len.buffer).setBigUint64(0, 1000n, true);
  await fails(st(len), f, /^header length 1000 runs past the end of the file/);
  new DataView(len.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
  await fails(st(len), f, /^header length 18446744073709551615 runs past the end/);
  await fails(st(safetensors(null, undefined, '{"a": ')), f, /^header is not JSON/);
  await fails(st(safetensors([1, 2])), f, /^wrong magic/);
  await readAll(memoryByteSource(f, safetensors({})), 'safetensors');
  const f8 = await readCheckpoint(
    memoryByteSource(f, safetensors({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1))),
    'safetensors',
  );
  assert.deepEqual([f8.entries.length, f8.skipped], [0, [{ name: 'a', reason: 'dtype F8_E4M3 is not supported (float8)' }]]);
  await fails(
    st(safetensors({ a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, new Uint8Array(24))),
    f,
    /^shape\/byte-count mismatch: tensor "a" has shape \[2, 3\] of F32 \(24 bytes\) but data_offsets span 20 bytes/,
  );
  await fails(
    st(safetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4))),
    f,
    /^tensor "a": data_offsets \[0, 8\] lie outside the data area \(4 bytes\)/,
  );
  await fails(
    st(safetensors({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } })),
    f,
    /shape is not a list of non-negative integers/,
  );
  await fails(
    st(safetensors({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 0] } })),
    f,
    /shape is not a list of non-negative integers/,
  );
  await fails(
    st(safetensors({ a: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, new Uint8Array(8))),
    f,
    /^tensor "a": shape \[1099511627776, 1099511627776\] has more elements than can be represented \(over 2\^53\)/,
  );
  await fails(
    st(safetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, new Uint8Array(8))),
    f,
    /^tensor "a": data_offsets \[8, 4\] have begin > end/,
  );
  await fails(st(safetensors({ a: { dtype: 'F32', shape: [1] } })), f, /^tensor "a": missing field "data_offsets"/);
  await fails(st(safetensors({ __metadata__: { epoch: 3 } })), f, /__metadata__ is not an object of strings/);
  await fails(st(safetensors({ a: 5 })), f, /header entry is not an object/);
});

void test('safetensors: a header over 100 MB is refused before it is read', async () => {
  const size = 300 * 1024 * 1024;
  let asked = 0;
  const src: ByteSource = {
    name: 'huge.safetensors',
    size,
    read(offset: number, length: number): Promise<Uint8Array> {
      asked += length;
      const b = new Uint8Array(length);
      if (offset === 0) new DataView(b.buffer).setBigUint64(0, 200n * 1024n * 1024n, true);
      return Promise.resolve(b);
    },
  };
  await fails(readAll(src, 'safetensors'), 'huge.safetensors', /^header length 209715200 is over the 100 MB limit/);
  assert.equal(asked, 8);
});

void test('npy: magic, version, header, dtype, shape and byte count', async () => {
  const f = 'x.npy';
  const rd = (b: Uint8Array): Promise<void> => readAll(memoryByteSource(f, b), 'npy');
  await fails(rd(new TextEncoder().encode('PK\x03\x04 not a npy file')), f, /^wrong magic/);
  await fails(rd(new Uint8Array([0x93, 0x4e, 0x55])), f, /^truncated file/);
  const v4 = goodNpy();
  v4[6] = 4;
  await fails(rd(v4), f, /^unsupported \.npy version 4\.0/);
  const long = goodNpy();
  new DataView(long.buffer).setUint16(8, 60000, true);
  await fails(rd(long), f, /^header length 60000 runs past the end of the file/);
  const v2 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4), 2);
  new DataView(v2.buffer).setUint32(8, 0xfffffff0, true);
  await fails(rd(v2), f, /^header length \d+ is over the 100 MB limit/);
  await fails(rd(npy("{'descr': '<f4', 'fortran_order': False}", new Uint8Array(0))), f, /^header is not a valid \.npy header: keys are/);
  await fails(rd(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", new Uint8Array(8))), f, /keys are/);
  await fails(rd(npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", new Uint8Array(8))), f, /fortran_order is not True or False/);
  await fails(rd(npy("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", new Uint8Array(8))), f, /shape is not a tuple/);
  await fails(rd(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", new Uint8Array(8))), f, /non-negative integers/);
  await fails(rd(npy("__import__('os')", new Uint8Array(0))), f, /^header is not a valid \.npy header/);
  await fails(
    rd(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk", new Uint8Array(8))),
    f,
    /unexpected text after the dict/,
  );
  await fails(
    rd(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", new Uint8Array(8))),
    f,
    /^header is not a valid \.npy header/,
  );
  await fails(rd(npy('['.repeat(5000), new Uint8Array(0))), f, /nested too deeply/);
  for (const d of ['<c8', '|O', '<U5', '|V16', '<M8', '=f4', '|f4', 'f4', '<f16']) {
    await fails(
      rd(npy(`{'descr': '${d}', 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(16))),
      f,
      new RegExp(`^unsupported dtype "${d.replace(/[|[\]]/g, '\\$&')}"`),
    );
  }
  await fails(rd(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4))), f, /^unsupported dtype/);
  await fails(
    rd(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", new Uint8Array(40))),
    f,
    /^truncated file: shape \[3, 4\] of float32 needs 48 bytes of data but the file has 40/,
  );
  await fails(
    rd(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(12))),
    f,
    /^shape\/byte-count mismatch: shape \[2\] of float32 needs 8 bytes of data but the file has 12/,
  );
  await fails(
    rd(npy("{'descr': '<f8', 'fortran_order': True, 'shape': (99999999999, 99999999999), }", new Uint8Array(8))),
    f,
    /^header is not a valid \.npy header: shape \(99999999999, 99999999999\) has 9999999999800000000001 elements, more than can be represented \(over 2\^53\)$/,
  );
  // Python 2 style long integers and double-quoted strings are still literals numpy accepts.
  await readAll(memoryByteSource(f, npy('{"descr": "<f4", "fortran_order": False, "shape": (2L,)}', new Uint8Array(8))), 'npy');
});

void test('npz: not a zip, truncated, escaping names, bombs, corrupt data, bad members', async () => {
  const f = 'a.npz';
  const rd = (b: Uint8Array): Promise<void> => readAll(memoryByteSource(f, b), 'npz');
  await fails(rd(goodNpy()), f, /^wrong magic: not a zip/);
  const good = fixture('npz/stored.npz');
  await fails(rd(good.subarray(0, good.length - 30)), f, /^wrong magic: no zip end-of-central-directory record/);
  await fails(rd(good.subarray(0, 10)), f, /^(truncated file|wrong magic)/);
  for (const name of ['../evil.npy', 'a/../../evil.npy', '/etc/evil.npy', 'a\\b.npy', 'C:evil.npy']) {
    await fails(rd(zip([{ name, data: goodNpy() }])), `${f}:${name}`, /^zip member escapes its folder$/);
  }
  const data = goodNpy();
  await fails(
    rd(zip([{ name: 'a.npy', data, deflate: true, usize: 2 ** 31 }])),
    `${f}:a.npy`,
    /^inflates without bound: declares 2147483648 bytes from \d+ compressed/,
  );
  const bomb = new Uint8Array(4 * 1024 * 1024);
  await fails(
    rd(zip([{ name: 'b.npy', data: bomb, deflate: true, usize: 1000 }])),
    `${f}:b.npy`,
    /^inflates without bound: more than the declared 1000 bytes/,
  );
  await fails(
    rd(zip([{ name: 'c.npy', data, deflate: true, usize: data.length + 10 }])),
    `${f}:c.npy`,
    /^truncated member: inflates to \d+ bytes but declares \d+/,
  );
  await fails(rd(zip([{ name: 'd.npy', data, deflate: true, crc: 1234 }])), `${f}:d.npy`, /^CRC mismatch/);
  const corrupt = zip([{ name: 'e.npy', data, deflate: true }]);
  corrupt.fill(0xff, 30 + 5, 30 + 9);
  await fails(rd(corrupt), `${f}:e.npy`, /(deflate data is corrupt|CRC mismatch|inflates|truncated member)/);
  await fails(
    rd(zip([{ name: 'f.npy', data: new TextEncoder().encode('not npy at all') }])),
    `${f}:f.npy`,
    /^wrong magic: not a \.npy file/,
  );
  await fails(rd(zip([{ name: 'g.npy', data: data.subarray(0, 40) }])), `${f}:g.npy`, /^(truncated file|header length)/);
  await fails(
    rd(
      zip([
        { name: 'h.npy', data },
        { name: 'h.npy', data },
      ]),
    ),
    `${f}:h.npy`,
    /two members with this name/,
  );
  const lied = zip([{ name: 'i.npy', data }]);
  new DataView(lied.buffer).setUint32(lied.length - 22 + 16, 5000, true); // central directory offset past the end
  await fails(rd(lied), f, /central directory .* runs past the end record/);
  const many = zip([{ name: 'j.npy', data }]);
  new DataView(many.buffer).setUint16(many.length - 22 + 10, 60000, true);
  await fails(rd(many), f, /too small for 60000 entries/);
});

void test('json: not JSON, not an object, ragged rows, non-numbers', async () => {
  const f = 'c.json';
  const rd = (s: string): Promise<void> => readAll(memoryByteSource(f, new TextEncoder().encode(s)), 'json');
  await fails(rd('{"a": [[1, 2], '), f, /^not JSON/);
  await fails(rd('[[1, 2]]'), f, /^not a JSON object of named arrays/);
  await fails(rd('{"a": [[1, 2], [3]]}'), f, /^"a" row 1 is not an array of 2 numbers/);
  await fails(rd('{"a": [[1, "x"]]}'), f, /^"a" row 0 element 1 is not a number/);
  await fails(rd('{"a": [1, null]}'), f, /^"a" element 1 is not a number/);
  await fails(rd('{"a": 5}'), f, /^"a" is not an array/);
  await fails(rd('{"__metadata__": [1]}'), f, /^__metadata__ is not an object/);
});

void test('openCheckpoint: extension and magic disagree, missing files, unknown formats, empty folders', async () => {
  const zipAsNpy = join(dir, 'looks.npy');
  writeFileSync(zipAsNpy, fixture('npz/stored.npz'));
  await fails(openCheckpoint(zipAsNpy), zipAsNpy, /^wrong magic: not a \.npy file/);
  const npyAsNpz = join(dir, 'looks.npz');
  writeFileSync(npyAsNpz, goodNpy());
  await fails(openCheckpoint(npyAsNpz), npyAsNpz, /^wrong magic: not a zip/);
  const npyAsSt = join(dir, 'looks.safetensors');
  writeFileSync(npyAsSt, goodNpy());
  await fails(openCheckpoint(npyAsSt), npyAsSt, /^header length \d+ runs past the end/);
  const missing = join(dir, 'missing.npz');
  await fails(openCheckpoint(missing), missing, /^cannot open: ENOENT/);
  const odd = join(dir, 'data.bin');
  writeFileSync(odd, 'hello world, not a checkpoint');
  await fails(openCheckpoint(odd), odd, /^unknown checkpoint format/);
  const sniffed = join(dir, 'sniffed.bin');
  writeFileSync(sniffed, goodNpy());
  assert.equal((await openCheckpoint(sniffed)).format, 'npy');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  await fails(openCheckpoint(empty), empty, /^the folder holds no \.npy files/);
  const badFolder = join(dir, 'badfolder');
  mkdirSync(badFolder);
  writeFileSync(join(badFolder, 'audio.npy'), goodNpy().subarray(0, 30));
  await fails(openCheckpoint(badFolder), join(badFolder, 'audio.npy'), /^(truncated file|header length)/);
});

void test('rows outside the array are a ReaderError', async () => {
  const cp = await readCheckpoint(memoryByteSource('r.npy', goodNpy()), 'npy');
  const e = cp.entries[0];
  assert.ok(e);
  for (const [s, t] of [
    [-1, 1],
    [0, 3],
    [2, 1],
    [0.5, 1],
  ] as const) {
    await fails(e.readRows(s, t), 'r.npy', /row range .* is outside 0\.\.2/);
  }
});

void test('an array too big to hold at once is a ReaderError; a row range of it still reads', async () => {
  // A sparse file: 8 GiB of float32 zeros that take no disk space.
  const p = join(dir, 'huge.npy');
  const head = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 1), }", new Uint8Array(0));
  writeFileSync(p, head);
  truncateSync(p, head.length + 2 ** 33);
  const cp = await openCheckpoint(p);
  const e = cp.entries[0];
  assert.ok(e);
  assert.deepEqual(e.shape, [2 ** 31, 1]);
  await fails(e.readRows(), p, /cannot hold \d+ bytes in memory at once; read fewer rows at a time/);
  assert.deepEqual(Array.from(await e.readRows(2 ** 31 - 3, 2 ** 31)), [0, 0, 0]);
});

void test('problems quoting the file stay one printable line of bounded length', () => {
  const e = new ReaderError('a\nb.npz:m\u0007.npy', `bad key "x\u001b[31m\ny" ${'k'.repeat(2000)}`);
  assert.equal(e.message.includes('\n'), false);
  assert.equal(e.message.includes('\u001b'), false);
  assert.match(e.message, /^a b\.npz:m\\x07\.npy: bad key "x\\x1b\[31m y" k+\.\.\.$/);
  assert.ok(e.problem.length <= 500);
  assert.equal(e.file, 'a\nb.npz:m\u0007.npy', 'file keeps the real name for callers');
});
