/**
 * The safetensors format's own rules (huggingface/safetensors: SafeTensors::read_metadata and
 * Metadata::validate), checked three ways:
 * - files written by the real library (scripts/make_safetensors_fixtures.py, safetensors 0.8.0)
 *   read to exactly the values numpy holds, with undecodable dtypes listed in `skipped`;
 * - the byte strings of the library's own tests (safetensors/src/tensor.rs and
 *   bindings/python/tests/test_simple.py), rewritten here from the format (8-byte little-endian
 *   header length, JSON, data), read or fail as the library says they must;
 * - every layout the format forbids is a one-line ReaderError that names the rule and the tensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryByteSource, openCheckpoint, readSafetensors, ReaderError } from '../../src/io';
import type { ByteSource, Checkpoint } from '../../src/io';
import { JsonNumber, JsonObject, JsonSyntaxError, parseStrictJson } from '../../src/io/jsonHeader';
import type { JsonValue } from '../../src/io/jsonHeader';
import { mulberry32 } from '../../src/engine/random';

const LIB = join(__dirname, '..', 'fixtures', 'io', 'safetensors', 'library');
const F = 'rules.safetensors';

// ------------------------------------------------------------------------------------ helpers

/** Bytes from a string of char codes 0..255, the way the library's tests write b"..." literals. */
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const zeros = (n: number): string => '\x00'.repeat(n);

/** A file from header text (UTF-8, length computed) and a data area (bytes or a count of zeros). */
function st(header: string, data: Uint8Array | number = 0): Uint8Array {
  const h = new TextEncoder().encode(header);
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

/** A tensor entry's JSON. */
const t = (dtype: string, shape: number[], begin: number, end: number): string =>
  `{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${begin},${end}]}`;

async function open(b: Uint8Array): Promise<Checkpoint> {
  return readSafetensors(memoryByteSource(F, b));
}

/** The file must fail with a one-line ReaderError naming it, whose problem matches exactly. */
async function fails(b: Uint8Array, problem: string | RegExp): Promise<void> {
  await assert.rejects(open(b), (e: unknown) => {
    assert.ok(e instanceof ReaderError, `not a ReaderError: ${String(e)}`);
    assert.equal(e.file, F);
    if (typeof problem === 'string') assert.equal(e.problem, problem);
    else assert.match(e.problem, problem);
    assert.ok(!/NaN|undefined|\[object/.test(e.problem), `no NaN/undefined in: ${e.problem}`);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
}

async function values(cp: Checkpoint): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const e of cp.entries) out[e.name] = Array.from(await e.readRows());
  return out;
}

// ------------------------------------------------------------- files written by the library

interface TensorExpect {
  name: string;
  dtype: string;
  shape: number[];
  values: number[];
  sum: number;
}
interface FileExpect {
  metadata: Record<string, string> | null;
  tensors: TensorExpect[];
  skipped: { name: string; dtype: string }[];
  bytes: number;
}
const expected = JSON.parse(readFileSync(join(LIB, 'expected.json'), 'utf8')) as { library: string; files: Record<string, FileExpect> };

const DTYPE: Record<string, string> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U64: 'uint64',
  U32: 'uint32',
  U16: 'uint16',
  U8: 'uint8',
  BOOL: 'bool',
};
const REASON: Record<string, string> = {
  F8_E4M3: 'dtype F8_E4M3 is not supported (float8)',
  F8_E5M2: 'dtype F8_E5M2 is not supported (float8)',
  F8_E4M3FNUZ: 'dtype F8_E4M3FNUZ is not supported (float8)',
  F8_E8M0: 'dtype F8_E8M0 is not supported (float8 scale)',
  F4: 'dtype F4 is not supported (4-bit float)',
  C64: 'dtype C64 is not supported (complex64)',
};

void test(`library fixtures (${expected.library}) cover every numpy dtype, BF16, float8, F4, C64, empty and 0-d tensors`, () => {
  const files = Object.values(expected.files);
  const dtypes = new Set(files.flatMap((f) => [...f.tensors.map((x) => x.dtype), ...f.skipped.map((x) => x.dtype)]));
  for (const d of [...Object.keys(DTYPE), 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'C64']) assert.ok(dtypes.has(d), d);
  const shapes = files.flatMap((f) => f.tensors.map((x) => x.shape));
  assert.ok(
    shapes.some((s) => s.length === 0),
    '0-d',
  );
  assert.ok(
    shapes.some((s) => s.includes(0)),
    'empty',
  );
  assert.ok(
    files.some((f) => f.tensors.length === 0 && f.skipped.length === 0 && f.metadata === null),
    'no tensors',
  );
});

for (const [name, want] of Object.entries(expected.files)) {
  void test(`library file ${name} reads exactly`, async () => {
    const path = join(LIB, name);
    const raw = new Uint8Array(readFileSync(path));
    assert.equal(raw.length, want.bytes);
    for (const cp of [await openCheckpoint(path), await readSafetensors(memoryByteSource(name, raw))]) {
      assert.equal(cp.format, 'safetensors');
      // Entries in file order, as the library lists them.
      assert.deepEqual(
        cp.entries.map((e) => e.name),
        want.tensors.map((x) => x.name),
      );
      assert.deepEqual(
        cp.skipped ?? [],
        want.skipped.map((s) => ({ name: s.name, reason: REASON[s.dtype] })),
      );
      for (const [k, v] of Object.entries(want.metadata ?? {})) {
        assert.deepEqual(cp.metadata[k], k === 'epoch' || k === 'step' ? Number(v) : v, `metadata ${k}`);
      }
      assert.equal(Object.keys(cp.metadata).length, Object.keys(want.metadata ?? {}).length);
      for (const [i, e] of cp.entries.entries()) {
        const w = want.tensors[i] as TensorExpect;
        assert.equal(e.dtype, DTYPE[w.dtype], `${e.name} dtype`);
        assert.deepEqual(e.shape, w.shape, `${e.name} shape`);
        const got = await e.readRows();
        // Every value exactly (float16/bfloat16 widen exactly; float64 stays float64; ints are exact).
        assert.deepEqual(Array.from(got), w.values, `${e.name} values`);
        let sum = 0;
        for (const x of got) sum += x;
        assert.ok(Math.abs(sum - w.sum) <= 1e-12 * w.values.reduce((a, x) => a + Math.abs(x), 0), `${e.name} sum ${sum} vs numpy ${w.sum}`);
        // Row ranges agree with the whole tensor.
        if (e.shape.length >= 1 && (e.shape[0] as number) >= 2) {
          const rowSize = got.length / (e.shape[0] as number);
          assert.deepEqual(Array.from(await e.readRows(1, 2)), Array.from(got.subarray(rowSize, 2 * rowSize)));
        }
      }
    }
  });
}

// ------------------------------------------------------------ the library's own byte strings

const TEST_I32 = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';

void test('library tests: files that must read', async () => {
  // tensor.rs test_deserialization / test_lifetimes, test_simple.py test_deserialization
  let cp = await open(bytes(`<${zeros(7)}${TEST_I32}${zeros(16)}`));
  assert.deepEqual(
    cp.entries.map((e) => [e.name, e.dtype, e.shape]),
    [['test', 'int32', [2, 2]]],
  );
  assert.deepEqual((await values(cp)).test, [0, 0, 0, 0]);

  // test_simple.py test_serialization: the header padded to 8 bytes with spaces, then data[1,1] = 1
  cp = await open(bytes(`@${zeros(7)}${TEST_I32}    ${zeros(12)}\x01\x00\x00\x00`));
  assert.deepEqual((await values(cp)).test, [0, 0, 0, 1]);

  // test_simple.py test_deserialization_metadata / test_serialization_metadata
  const meta = '{"__metadata__":{"framework":"pt"},"test1":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
  for (const [len, pad] of [
    ['f', 7],
    ['`', 1],
  ] as const) {
    cp = await open(bytes(`${len}${zeros(7)}${meta}${' '.repeat(pad)}${zeros(16)}`));
    assert.deepEqual(cp.metadata, { framework: 'pt' });
    assert.deepEqual(
      cp.entries.map((e) => e.name),
      ['test1'],
    );
  }

  // test_simple.py test_serialization_forces_alignment: two tensors, the header padded to 128
  cp = await open(
    bytes(
      `\x80${zeros(7)}{"test1":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]},"test2":{"dtype":"F16","shape":[2,2],"data_offsets":[16,24]}}      ${zeros(24)}`,
    ),
  );
  assert.deepEqual(
    cp.entries.map((e) => [e.name, e.dtype]),
    [
      ['test1', 'int32'],
      ['test2', 'float16'],
    ],
  );

  // tensor.rs test_empty: "{}" padded with six spaces; with metadata padded with five
  cp = await open(new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]));
  assert.deepEqual([cp.entries, cp.skipped, cp.metadata], [[], undefined, {}]);
  cp = await open(
    new Uint8Array([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119,
      111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]),
  );
  assert.deepEqual(cp.metadata, { framework: 'pt' });

  // test_empty_shapes_allowed: a 0-d I32
  cp = await open(bytes(`8${zeros(7)}{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}${zeros(4)}`));
  assert.deepEqual(
    cp.entries.map((e) => e.shape),
    [[]],
  );
  assert.deepEqual((await values(cp)).test, [0]);

  // test_zero_sized_tensor: shape [2, 0], no data at all
  cp = await open(bytes(`<${zeros(7)}{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}`));
  assert.deepEqual(
    cp.entries.map((e) => e.shape),
    [[2, 0]],
  );
  assert.deepEqual((await values(cp)).test, []);

  // test_whitespace_padded_header and test_whitespace_leading_padded_header: JSON whitespace around "{}"
  for (const s of [`\x06${zeros(7)}{}\x0d\x20\x09\x0a`, `\x06${zeros(7)}\x09\x0a{}\x0d\x20`]) {
    assert.deepEqual((await open(bytes(s))).entries, []);
  }
});

void test('library tests: files that must fail, each with the rule it breaks', async () => {
  // test_invalid_info: shape [2, 2] of I32 is 16 bytes, data_offsets span 4
  await fails(
    bytes(`<${zeros(7)}{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0, 4]}}`),
    'shape/byte-count mismatch: tensor "test" has shape [2, 2] of I32 (16 bytes) but data_offsets span 4 bytes',
  );
  // test_validation_overflow: shape elements beyond 2^53 (the library: beyond 2^64 once multiplied)
  await fails(
    bytes(`O${zeros(7)}{"test":{"dtype":"I32","shape":[2,18446744073709551614],"data_offsets":[0,16]}}${zeros(16)}`),
    'tensor "test": shape[1] is the number 18446744073709551614, too large to represent exactly (over 2^53 - 1)',
  );
  await fails(
    bytes(`N${zeros(7)}{"test":{"dtype":"I32","shape":[2,9223372036854775807],"data_offsets":[0,16]}}${zeros(16)}`),
    'tensor "test": shape[1] is the number 9223372036854775807, too large to represent exactly (over 2^53 - 1)',
  );
  // test_metadata_incomplete_buffer: a polyglot tail after the data, then data 2 bytes short
  await fails(
    bytes(`<${zeros(7)}${TEST_I32}${zeros(16)}extra_bogus_data_for_polyglot_file`),
    'data area has 34 trailing bytes after the last tensor ("test" ends at 16)',
  );
  await fails(
    bytes(`<${zeros(7)}${TEST_I32}${zeros(14)}`),
    'tensor "test": data_offsets [0, 16] lie outside the data area (14 bytes): the file is cut short',
  );
  // test_header_too_large: a header length of ~2^64 (it also runs past the end of this file)
  await fails(
    bytes(`<\x00\x00\x00\x00\xff\xff\xff${TEST_I32}${zeros(16)}`),
    /^header length 18446742974197923900 runs past the end of the file \(84 bytes\)/,
  );
  // test_header_too_small, test_invalid_header_length
  await fails(bytes(''), 'truncated file: 0 bytes, too short for a .safetensors header length');
  await fails(bytes(`<${zeros(7)}`), 'header length 60 runs past the end of the file (8 bytes)');
  // test_invalid_header_non_utf8, test_invalid_header_not_json
  await fails(bytes(`\x01${zeros(7)}\xff`), 'header is not UTF-8 text');
  await fails(bytes(`\x01${zeros(7)}{`), 'header is not JSON: expected a quoted key, found the end of the header at character 1');
  // test_json_attack: ten tensors all claiming bytes [0, 16)
  const attack = Array.from({ length: 10 }, (_, i) => `"weight_${i}":${t('F32', [2, 2], 0, 16)}`).join(',');
  await fails(st(`{${attack}}`, 16), 'tensors "weight_0" and "weight_1" overlap: weight_0 occupies bytes [0, 16), weight_1 starts at 0');
});

// ----------------------------------------------------------------- one unreadable tensor (item 5)

void test('an F8/F4/F6/E8M0/C64 or unknown-dtype tensor is skipped with its reason; the rest reads', async () => {
  const cases: [string, number[], number, string][] = [
    ['F8_E4M3', [2, 3], 6, 'dtype F8_E4M3 is not supported (float8)'],
    ['F8_E5M2', [6], 6, 'dtype F8_E5M2 is not supported (float8)'],
    ['F8_E4M3FNUZ', [6], 6, 'dtype F8_E4M3FNUZ is not supported (float8)'],
    ['F8_E5M2FNUZ', [6], 6, 'dtype F8_E5M2FNUZ is not supported (float8)'],
    ['F8_E8M0', [6], 6, 'dtype F8_E8M0 is not supported (float8 scale)'],
    ['F4', [2, 6], 6, 'dtype F4 is not supported (4-bit float)'],
    ['F6_E2M3', [8], 6, 'dtype F6_E2M3 is not supported (6-bit float)'],
    ['F6_E3M2', [8], 6, 'dtype F6_E3M2 is not supported (6-bit float)'],
    ['C64', [1], 8, 'dtype C64 is not supported (complex64)'],
    ['E8M0', [6], 6, 'dtype "E8M0" is not a safetensors dtype this reader knows'],
    ['F128', [1], 16, 'dtype "F128" is not a safetensors dtype this reader knows'],
    ['f32', [1], 4, 'dtype "f32" is not a safetensors dtype this reader knows'],
  ];
  const w = new Float32Array([1.5, -2, 3.25, 4]);
  for (const [dtype, shape, n, reason] of cases) {
    const data = new Uint8Array(16 + n + 8);
    data.set(new Uint8Array(w.buffer), 0);
    data.set(new Uint8Array(new Int32Array([7, -8]).buffer), 16 + n);
    const cp = await open(
      st(
        `{"__metadata__":{"epoch":"2"},"w":${t('F32', [2, 2], 0, 16)},"q":${t(dtype, shape, 16, 16 + n)},"y":${t('I32', [2], 16 + n, 24 + n)}}`,
        data,
      ),
    );
    assert.deepEqual(cp.skipped, [{ name: 'q', reason }], dtype);
    assert.deepEqual(await values(cp), { w: [1.5, -2, 3.25, 4], y: [7, -8] }, dtype);
    assert.equal(cp.metadata.epoch, 2);
  }
});

void test('a skipped tensor still obeys the layout rules', async () => {
  // overlaps its neighbour
  await fails(
    st(`{"w":${t('F32', [2], 0, 8)},"q":${t('F8_E4M3', [4], 4, 8)}}`, 8),
    'tensors "w" and "q" overlap: w occupies bytes [0, 8), q starts at 4',
  );
  // leaves a gap (unknown dtype: no byte count to check, the offsets still are)
  await fails(
    st(`{"w":${t('F32', [2], 0, 8)},"q":${t('F128', [1], 12, 28)}}`, 28),
    'gap in the data area: bytes [8, 12) belong to no tensor (between "w" and "q")',
  );
  // byte count of a known size that does not match
  await fails(
    st(`{"q":${t('F8_E5M2', [2, 2], 0, 8)}}`, 8),
    'shape/byte-count mismatch: tensor "q" has shape [2, 2] of F8_E5M2 (4 bytes) but data_offsets span 8 bytes',
  );
  await fails(
    st(`{"q":${t('C64', [2], 0, 8)}}`, 8),
    'shape/byte-count mismatch: tensor "q" has shape [2] of C64 (16 bytes) but data_offsets span 8 bytes',
  );
  // an odd number of F4 values does not fill whole bytes (the library's MisalignedSlice)
  await fails(st(`{"q":${t('F4', [3], 0, 2)}}`, 2), 'tensor "q": 3 elements of F4 (4 bits each) do not fill a whole number of bytes');
  // past the end of the file
  await fails(
    st(`{"q":${t('F8_E4M3', [8], 0, 8)}}`, 4),
    'tensor "q": data_offsets [0, 8] lie outside the data area (4 bytes): the file is cut short',
  );
  // a non-string dtype is never "missing" nor unknown: it is the wrong type
  await fails(
    st('{"q":{"dtype":5,"shape":[1],"data_offsets":[0,4]}}', 4),
    'tensor "q": dtype must be a string such as "F32", not the number 5',
  );
  await fails(st('{"q":{"dtype":null,"shape":[1],"data_offsets":[0,4]}}', 4), 'tensor "q": dtype must be a string such as "F32", not null');
  await fails(
    st('{"q":{"dtype":["F32"],"shape":[1],"data_offsets":[0,4]}}', 4),
    'tensor "q": dtype must be a string such as "F32", not a list of 1',
  );
});

void test('a file of only unreadable tensors opens with no entries and every tensor skipped', async () => {
  const cp = await open(st(`{"a":${t('F8_E4M3', [2], 0, 2)},"b":${t('C64', [1], 2, 10)}}`, 10));
  assert.deepEqual(
    [cp.entries, cp.skipped],
    [
      [],
      [
        { name: 'a', reason: 'dtype F8_E4M3 is not supported (float8)' },
        { name: 'b', reason: 'dtype C64 is not supported (complex64)' },
      ],
    ],
  );
});

void test('"__metadata__": null, an empty __metadata__ and space-padded headers are valid', async () => {
  for (const h of [
    '{"__metadata__":null}',
    '{"__metadata__":{}}',
    '{}        ',
    '  \t{"__metadata__":null}\n',
    '{ "__metadata__" : null , "a" : {"dtype" : "U8" , "shape" : [ ] , "data_offsets" : [ 0 , 1 ] } }',
  ]) {
    const cp = await open(st(h, h.includes('"a"') ? 1 : 0));
    assert.deepEqual(cp.metadata, {}, h);
  }
  // Unknown fields in a tensor entry are ignored, as the library ignores them.
  const cp = await open(st(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"comment":{"x":[1,2]}}}`, new Uint8Array([3, 4])));
  assert.deepEqual(await values(cp), { a: [3, 4] });
});

// --------------------------------------------------------------------- forbidden layouts (item 6)

void test('layout: overlaps, gaps, a data area not starting at 0, trailing bytes', async () => {
  await fails(
    st(`{"a":${t('F32', [4], 0, 16)},"b":${t('F32', [2], 8, 16)}}`, 16),
    'tensors "a" and "b" overlap: a occupies bytes [0, 16), b starts at 8',
  );
  // an empty tensor inside another one overlaps it too (the library: begin != previous end)
  await fails(
    st(`{"a":${t('F32', [4], 0, 16)},"e":${t('F32', [0], 8, 8)}}`, 16),
    'tensors "a" and "e" overlap: a occupies bytes [0, 16), e starts at 8',
  );
  await fails(
    st(`{"a":${t('F32', [4], 0, 16)},"b":${t('F32', [2], 24, 32)}}`, 32),
    'gap in the data area: bytes [16, 24) belong to no tensor (between "a" and "b")',
  );
  await fails(
    st(`{"a":${t('F32', [2], 8, 16)}}`, 16),
    'data area does not start with a tensor: bytes [0, 8) belong to no tensor (the first, "a", begins at 8)',
  );
  await fails(st(`{"a":${t('F32', [1], 0, 4)}}`, 12), 'data area has 8 trailing bytes after the last tensor ("a" ends at 4)');
  await fails(st('{}', 3), 'data area has 3 trailing bytes and the header lists no tensor');
  await fails(st('{"__metadata__":{"a":"b"}}', 1), 'data area has 1 trailing bytes and the header lists no tensor');
  // Header order does not matter, and empty tensors may sit at any boundary (as in the library).
  const cp = await open(
    st(`{"b":${t('F32', [1], 4, 8)},"e":${t('F32', [0], 8, 8)},"a":${t('F32', [1], 0, 4)},"z":${t('F32', [0], 0, 0)}}`, 8),
  );
  assert.deepEqual(
    cp.entries.map((e) => e.name),
    ['z', 'a', 'b', 'e'],
  );
});

void test('duplicate keys: tensors, __metadata__, fields of an entry, keys inside __metadata__', async () => {
  await fails(st(`{"w":${t('F32', [1], 0, 4)},"w":${t('F32', [1], 4, 8)}}`, 8), 'duplicate key "w" in the header');
  // the same tensor twice, identical: still two keys
  await fails(st(`{"w":${t('F32', [1], 0, 4)},"w":${t('F32', [1], 0, 4)}}`, 4), 'duplicate key "w" in the header');
  // the same name spelled with an escape
  await fails(st(`{"w":${t('F32', [1], 0, 4)},"\\u0077":${t('F32', [1], 4, 8)}}`, 8), 'duplicate key "w" in the header');
  await fails(st('{"__metadata__":{"x":"1"},"__metadata__":{"x":"2"}}'), 'duplicate key "__metadata__" in the header');
  await fails(st('{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4), 'tensor "w": duplicate field "dtype"');
  await fails(st('{"__metadata__":{"epoch":"1","epoch":"2"}}'), 'duplicate key "epoch" in __metadata__');
});

void test('__metadata__ must be null or an object of strings', async () => {
  await fails(st('{"__metadata__":["x"]}'), '__metadata__ is not an object of strings: it is a list of 1');
  await fails(st('{"__metadata__":"x"}'), '__metadata__ is not an object of strings: it is the string "x"');
  await fails(st('{"__metadata__":{"epoch":3}}'), '__metadata__ is not an object of strings: "epoch" is the number 3');
  await fails(st('{"__metadata__":{"x":null}}'), '__metadata__ is not an object of strings: "x" is null');
  await fails(st('{"__metadata__":{"x":{"y":"z"}}}'), '__metadata__ is not an object of strings: "x" is an object');
});

void test('tensor entries: fields, types and byte counts', async () => {
  await fails(st('{"a":5}'), 'tensor "a": header entry is not an object with dtype, shape and data_offsets (it is the number 5)');
  await fails(st('{"a":null}'), 'tensor "a": header entry is not an object with dtype, shape and data_offsets (it is null)');
  await fails(st('{"a":{"dtype":"F32","data_offsets":[0,4]}}', 4), 'tensor "a": missing field "shape"');
  await fails(st('{"a":{}}'), 'tensor "a": missing fields "dtype", "shape", "data_offsets"');
  // shape
  await fails(
    st('{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}', 4),
    'tensor "a": shape must be a list of non-negative integers, not the string "1"',
  );
  await fails(
    st('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}'),
    'tensor "a": shape is not a list of non-negative integers: shape[0] is the number -1, not a non-negative integer',
  );
  await fails(
    st('{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', 4),
    'tensor "a": shape is not a list of non-negative integers: shape[0] is the number 1.0, not a non-negative integer',
  );
  await fails(
    st('{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}', 4),
    'tensor "a": shape is not a list of non-negative integers: shape[0] is the number 1e0, not a non-negative integer',
  );
  await fails(
    st('{"a":{"dtype":"F32","shape":[2,"2"],"data_offsets":[0,16]}}', 16),
    'tensor "a": shape is not a list of non-negative integers: shape[1] is the string "2", not a non-negative integer',
  );
  await fails(
    st('{"a":{"dtype":"F32","shape":[9007199254740992],"data_offsets":[0,4]}}', 4),
    'tensor "a": shape[0] is the number 9007199254740992, too large to represent exactly (over 2^53 - 1)',
  );
  // a product too large: each element is fine, the element count is not
  await fails(
    st('{"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,4]}}', 4),
    'tensor "a": shape [4294967296, 4294967296] has more elements than can be represented (over 2^53)',
  );
  // an element count that fits, a byte count that does not
  await fails(
    st('{"a":{"dtype":"F64","shape":[4503599627370496],"data_offsets":[0,4]}}', 4),
    'tensor "a": shape [4503599627370496] of F64 needs more bytes than can be represented (over 2^53)',
  );
  // data_offsets
  await fails(
    st('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,4]}}', 4),
    'tensor "a": data_offsets must be a list [begin, end] of two integers, not a list of 3',
  );
  await fails(
    st('{"a":{"dtype":"F32","shape":[1],"data_offsets":null}}', 4),
    'tensor "a": data_offsets must be a list [begin, end] of two integers, not null',
  );
  await fails(
    st('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}}', 4),
    'tensor "a": data_offsets[1] (end) is the number 4.0, not a non-negative integer',
  );
  await fails(
    st('{"a":{"dtype":"F32","shape":[1],"data_offsets":[-0,4]}}', 4),
    'tensor "a": data_offsets[0] (begin) is the number -0, not a non-negative integer',
  );
  await fails(
    st('{"a":{"dtype":"F32","shape":[1],"data_offsets":["0",4]}}', 4),
    'tensor "a": data_offsets[0] (begin) is the string "0", not a non-negative integer',
  );
  await fails(
    st('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551616]}}', 4),
    'tensor "a": data_offsets[1] (end) is the number 18446744073709551616, too large to represent exactly (over 2^53 - 1)',
  );
  await fails(st(`{"a":${t('F32', [1], 8, 4)}}`, 8), 'tensor "a": data_offsets [8, 4] have begin > end');
  await fails(
    st(`{"a":${t('F32', [2, 3], 0, 20)}}`, 24),
    'shape/byte-count mismatch: tensor "a" has shape [2, 3] of F32 (24 bytes) but data_offsets span 20 bytes',
  );
});

void test('header: size limit, first character, strict JSON', async () => {
  // 100,000,000 bytes is the library's limit; one more is refused before the header is read
  let asked = 0;
  const huge = (len: number): ByteSource => ({
    name: F,
    size: 8 + len,
    read(offset: number, length: number): Promise<Uint8Array> {
      asked += length;
      const b = new Uint8Array(length);
      if (offset === 0) new DataView(b.buffer).setBigUint64(0, BigInt(len), true);
      return Promise.resolve(b);
    },
  });
  await assert.rejects(
    readSafetensors(huge(100_000_001)),
    (e: unknown) => e instanceof ReaderError && e.problem === 'header length 100000001 is over the 100 MB limit (100000000 bytes)',
  );
  assert.equal(asked, 8);

  await fails(st('[]'), 'wrong magic: the header does not start with "{" (not a .safetensors file?)');
  await fails(st('x{}'), 'wrong magic: the header does not start with "{" (not a .safetensors file?)');
  await fails(st('\ufeff{}'), 'wrong magic: the header does not start with "{" (not a .safetensors file?)');
  await fails(st(''), 'header is empty: its 0 bytes hold no JSON object');
  await fails(st('    '), 'header is empty: its 4 bytes hold no JSON object');
  // only JSON whitespace may pad it: not NUL, not a second value
  await fails(
    st('{}\x00\x00'),
    'header is not JSON: unexpected character \\x00 after the JSON value (only whitespace may follow it) at character 2',
  );
  await fails(st('{} {}'), 'header is not JSON: unexpected "{" after the JSON value (only whitespace may follow it) at character 3');
  await fails(st('{"a":1,}'), 'header is not JSON: expected a quoted key, found "}" at character 7');
  await fails(st('{"\\ud800":1}'), 'header is not JSON: lone surrogate \\ud800 in a string at character 2');
  await fails(st('{"a\x01":1}'), 'header is not JSON: raw control character \\x01 in a string (it must be escaped) at character 3');
  await fails(st('{"a":01}'), 'header is not JSON: a number may not have a leading zero at character 5');
  await fails(st('{"a":NaN}'), 'header is not JSON: expected a value, found "N" at character 5');
  await fails(st(`{"__metadata__":${'['.repeat(100000)}`), 'header is not JSON: nesting deeper than 128 levels at character 143');
});

void test('messages never say NaN bytes or a missing dtype for a dtype that is there', async () => {
  for (const dt of ['5', 'true', '{}', '"x"', '""']) {
    const b = st(`{"a":{"dtype":${dt},"shape":[1],"data_offsets":[0,4]}}`, 4);
    try {
      const cp = await open(b);
      assert.equal(cp.entries.length, 0, dt);
      assert.match(cp.skipped?.[0]?.reason ?? '', /^dtype ".*" is not a safetensors dtype this reader knows$/);
    } catch (e) {
      assert.ok(e instanceof ReaderError);
      assert.match(e.problem, /^tensor "a": dtype must be a string such as "F32", not /);
    }
  }
});

// ---------------------------------------------------------------------- the strict JSON parser

/** JSON.parse's view of a strictly parsed value (numbers as doubles, the last duplicate key wins). */
function plain(v: JsonValue): unknown {
  if (v instanceof JsonNumber) return v.value;
  if (v instanceof JsonObject) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v.members) Object.defineProperty(o, k, { value: plain(x), enumerable: true, writable: true, configurable: true });
    return o;
  }
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

void test('strict JSON parser: same values as JSON.parse on valid JSON, rejects what JSON.parse rejects', () => {
  const r = mulberry32(20260730);
  const int = (n: number): number => Math.floor(r() * n);
  const str = (): string => {
    let s = '';
    for (let k = int(8); k > 0; k--) {
      const pick = int(5);
      const cp =
        pick === 0
          ? int(0x20)
          : pick === 1
            ? 0x20 + int(0x60)
            : pick === 2
              ? 0xa0 + int(0x2000)
              : pick === 3
                ? 0x1f600 + int(0x50)
                : ([0x22, 0x5c, 0x2f][int(3)] as number);
      s += String.fromCodePoint(cp);
    }
    return s;
  };
  const value = (depth: number): unknown => {
    const k = int(depth > 3 ? 4 : 6);
    if (k === 0) return [null, true, false][int(3)];
    if (k === 1) return str();
    if (k === 2) return [0, -1, 1.5, 1e-7, 123456789012, -0.25, 2 ** 60, Number.MAX_SAFE_INTEGER][int(8)];
    if (k === 3) return r() * 1e6 - 5e5;
    if (k === 4) return Array.from({ length: int(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: int(4) }, () => [str(), value(depth + 1)]));
  };
  let rejected = 0;
  for (let n = 0; n < 3000; n++) {
    let text = JSON.stringify(value(0), null, int(2) ? undefined : 1);
    if (n % 2) {
      // mutate: delete, duplicate or replace a character
      const at = int(text.length);
      const m = int(3);
      const ch = '{}[]",:0-.eE \\tnu'[int(17)] as string;
      text =
        m === 0
          ? text.slice(0, at) + text.slice(at + 1)
          : m === 1
            ? text.slice(0, at) + ch + text.slice(at)
            : text.slice(0, at) + ch + text.slice(at + 1);
    }
    let want: unknown;
    let wantOk = true;
    try {
      want = JSON.parse(text);
    } catch {
      wantOk = false;
    }
    try {
      const got = parseStrictJson(text);
      assert.ok(wantOk, `accepted what JSON.parse rejects: ${text}`);
      assert.deepEqual(plain(got), want, text);
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assert.ok(e instanceof JsonSyntaxError, String(e));
      assert.ok(!wantOk || /lone surrogate/.test(e.message), `rejected valid JSON (${e.message}): ${text}`);
      rejected++;
    }
  }
  assert.ok(rejected > 300, `only ${rejected} rejected`);
  // escapes decode as JSON.parse decodes them, keys included
  const esc = '{"caf\\u00e9 \\ud83d\\ude00":"\\n\\t\\"\\\\\\/\\b\\f\\r\\u0000"}';
  assert.deepEqual(plain(parseStrictJson(esc)), JSON.parse(esc));
});
