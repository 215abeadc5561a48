/**
 * An .npz whose members are not all numeric arrays (test/fixtures/io/npz_skip/, written by numpy
 * with scripts/make_zip_fixtures.py): the readable members are analysed, the others are listed in
 * Checkpoint.skipped with the rule they break; nothing is unpickled. And the .npy header messages
 * those reasons come from name the actual rule (a shape past 2^53, which descr and why).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { memoryByteSource, openCheckpoint, readCheckpoint, ReaderError, selectModalities } from '../../src/io';

const DIR = join(__dirname, '..', 'fixtures', 'io', 'npz_skip');
const at = (f: string): string => join(DIR, f);

async function summary(file: string): Promise<{ entries: string[]; skipped: [string, string][] }> {
  const cp = await openCheckpoint(at(file));
  for (const e of cp.entries) await e.readRows();
  return {
    entries: cp.entries.map((e) => `${e.name} ${e.dtype} [${e.shape.join(', ')}]`),
    skipped: (cp.skipped ?? []).map((s) => [s.name, s.reason]),
  };
}

const U12 = 'unsupported dtype "<U12": Unicode strings, not a numeric array';
const PICKLE = 'unsupported dtype "|O": pickled Python objects, which are never unpickled';

void test('strings (<U12, |S3) beside an embedding: the embedding and labels are read, the strings skipped', async () => {
  assert.deepEqual(await summary('strings.npz'), {
    entries: ['emb float32 [8, 4]', 'labels int64 [8]'],
    skipped: [
      ['ids', U12],
      ['tags', 'unsupported dtype "|S3": byte strings, not a numeric array'],
    ],
  });
  const cp = await openCheckpoint(at('strings.npz'));
  const { modalities, labels } = selectModalities(cp, ['emb']);
  assert.deepEqual([modalities.map((m) => m.name), labels?.name], [['emb'], 'labels']);
});

void test('a pickled object member (allow_pickle) is skipped, never unpickled', async () => {
  assert.deepEqual(await summary('object.npz'), { entries: ['emb float32 [8, 4]'], skipped: [['meta', PICKLE]] });
});

void test('structured, complex, datetime and float128 members are skipped with what they are', async () => {
  assert.deepEqual(await summary('structured.npz'), {
    entries: ['emb float32 [8, 4]'],
    skipped: [
      ['rec', "unsupported dtype: a structured dtype with fields ['x', 'y', 'z'], not a plain numeric array"],
      ['cplx', 'unsupported dtype "<c8": complex numbers are not supported'],
      ['when', 'unsupported dtype "<M8[s]": datetime64 values are not supported'],
      ['big', 'unsupported dtype ">f16": float128 (long double) is not supported'],
    ],
  });
});

void test('savez_compressed: deflated members are skipped the same way; metadata still read', async () => {
  const cp = await openCheckpoint(at('compressed_mixed.npz'));
  assert.deepEqual(
    cp.entries.map((e) => e.name),
    ['emb'],
  );
  assert.deepEqual(cp.skipped, [
    { name: 'ids', reason: U12 },
    { name: 'meta', reason: PICKLE },
  ]);
  assert.equal(cp.metadata.epoch, 3);
});

void test('members whose header does not parse, that are not .npy at all, or use an unsupported compression', async () => {
  assert.deepEqual(await summary('bad_members.npz'), {
    entries: ['emb float32 [8, 4]'],
    skipped: [
      ['broken', 'header is not a valid .npy header: expected "," or ")" at character 52'],
      ['notnpy', 'wrong magic: not a .npy file (expected "\\x93NUMPY")'],
      ['lzma', 'unsupported zip compression method 14 (only stored and deflated members are read)'],
    ],
  });
});

void test("when no member is readable, the first member's own problem is the file's error", async () => {
  const f = at('only_strings.npz');
  await assert.rejects(openCheckpoint(f), (e: unknown) => {
    assert.ok(e instanceof ReaderError);
    assert.equal(e.file, `${f}:ids.npy`);
    assert.equal(e.problem, U12);
    return true;
  });
});

function npy(dict: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(dict + '\n');
  const out = new Uint8Array(10 + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  out.set(h, 10);
  out.set(data, 10 + h.length);
  return out;
}

async function npyProblem(descr: string, shape: string, data = new Uint8Array(16)): Promise<string> {
  try {
    await readCheckpoint(memoryByteSource('x.npy', npy(`{'descr': ${descr}, 'fortran_order': False, 'shape': ${shape}, }`, data)), 'npy');
  } catch (e) {
    assert.ok(e instanceof ReaderError);
    return e.problem;
  }
  return 'read';
}

void test('npy shapes: too large to represent says so; negative and non-integer dimensions say which', async () => {
  const bad = 'header is not a valid .npy header: shape';
  assert.equal(
    await npyProblem("'<f4'", '(99999999999, 99999999999)'),
    `${bad} (99999999999, 99999999999) has 9999999999800000000001 elements, more than can be represented (over 2^53)`,
  );
  assert.equal(
    await npyProblem("'<f4'", '(2, 99999999999999999999)'),
    `${bad} (2, 99999999999999999999) has dimension 99999999999999999999, more than can be represented (over 2^53 - 1)`,
  );
  assert.equal(await npyProblem("'<f4'", '(4, -2)'), `${bad} (4, -2) holds -2: dimensions must be non-negative integers`);
  assert.equal(await npyProblem("'<f4'", "(4, 'a')"), `${bad} (4, 'a') holds 'a': dimensions must be non-negative integers`);
  assert.equal(await npyProblem("'<f4'", '[4]'), `${bad} is not a tuple: [4]`);
  // 2^50 elements is representable, 2^53 bytes of float64 is not.
  assert.equal(
    await npyProblem("'<f8'", '(1125899906842624,)'),
    'shape [1125899906842624] of float64 needs more bytes of data than can be represented (over 2^53)',
  );
  assert.match(
    await npyProblem("'<f4'", '(1125899906842624,)'),
    /^truncated file: shape \[1125899906842624\] of float32 needs 4503599627370496 bytes/,
  );
});

void test('npy descr: which descr, and why it is not read', async () => {
  const cases: [string, string][] = [
    ["'<U5'", 'unsupported dtype "<U5": Unicode strings, not a numeric array'],
    ["'|S3'", 'unsupported dtype "|S3": byte strings, not a numeric array'],
    ["'|O'", PICKLE],
    ["'|V16'", 'unsupported dtype "|V16": raw bytes (numpy void), not a numeric array'],
    ["'<c16'", 'unsupported dtype "<c16": complex numbers are not supported'],
    ["'<m8[D]'", 'unsupported dtype "<m8[D]": timedelta64 values are not supported'],
    ["'<f16'", 'unsupported dtype "<f16": float128 (long double) is not supported'],
    ["'=f4'", 'unsupported dtype "=f4": native byte order "=" is ambiguous in a file; numpy writes "<" or ">"'],
    ["'f4'", 'unsupported dtype "f4": no byte-order character; numpy writes "<", ">" or "|"'],
    ["'|f4'", 'unsupported dtype "|f4": a multi-byte type without a byte order ("|" is for one-byte types)'],
    ["'<i3'", 'unsupported dtype "<i3": item size 3 is not supported for kind "i"'],
    ["'float32'", 'unsupported dtype "float32": not a numpy type string (byte order, kind, item size, e.g. "<f4")'],
    ["[('x', '<i4'), ('y', '<f8')]", "unsupported dtype: a structured dtype with fields ['x', 'y'], not a plain numeric array"],
    ['5', 'unsupported dtype: descr 5 is not a numpy type string'],
    ['None', 'unsupported dtype: descr None is not a numpy type string'],
  ];
  for (const [descr, want] of cases) assert.equal(await npyProblem(descr, '(1,)'), want, descr);
});
