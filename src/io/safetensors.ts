/**
 * .safetensors reader: 8-byte little-endian header length, a JSON header, then the data area.
 * Every header field is checked against the file size before anything is allocated or read.
 *
 * The rules are the format's own (huggingface/safetensors, `SafeTensors::read_metadata` and
 * `Metadata::validate`): the header is a JSON object, padded only with whitespace, at most
 * 100,000,000 bytes; each key appears once; `__metadata__` (optional, may be null) maps strings to
 * strings; every other key is a tensor with `dtype`, `shape` (non-negative integers) and
 * `data_offsets` [begin, end] (non-negative integers, begin <= end, end - begin = the bytes of
 * shape x dtype), relative to the data area; sorted by offsets, the tensors tile the data area
 * exactly: the first begins at 0, each begins where the previous ended (no gap, no overlap) and the
 * last ends at the end of the file. Unknown fields in a tensor entry are ignored, as the library does.
 *
 * A tensor of a dtype this reader cannot decode (float8, F4, F6, complex, or a dtype name it does
 * not know) does not block the file: it goes into `Checkpoint.skipped` with the reason, after its
 * offsets have been checked like any other tensor's.
 */
import { ArrayEntry, ByteSource, Checkpoint, DType, ReaderError, SkippedEntry } from './types';
import { ITEMSIZE, decode, formatShape, shapeProduct } from './dtype';
import { checkRows, rowGeometry } from './rows';
import { normalizeMetadata } from './metadata';
import { describeJson, JsonObject, JsonSyntaxError, JsonValue, nonNegativeInteger, parseStrictJson } from './jsonHeader';

/** The safetensors library's MAX_HEADER_SIZE. */
const MAX_HEADER = 100_000_000;

const DTYPES: Record<string, DType> = {
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

/** dtypes of the format this reader does not decode: their size in bits, and what they are. */
const UNDECODED: Record<string, { bits: number; what: string }> = {
  F8_E4M3: { bits: 8, what: 'float8' },
  F8_E5M2: { bits: 8, what: 'float8' },
  F8_E4M3FNUZ: { bits: 8, what: 'float8' },
  F8_E5M2FNUZ: { bits: 8, what: 'float8' },
  F8_E8M0: { bits: 8, what: 'float8 scale' },
  F6_E2M3: { bits: 6, what: '6-bit float' },
  F6_E3M2: { bits: 6, what: '6-bit float' },
  F4: { bits: 4, what: '4-bit float' },
  C64: { bits: 64, what: 'complex64' },
};

const FIELDS = ['dtype', 'shape', 'data_offsets'] as const;

/** One tensor as the header describes it, checked on its own (not yet against its neighbours). */
interface TensorInfo {
  name: string;
  /** undefined when the tensor is skipped */
  dtype?: DType;
  skip?: string;
  shape: number[];
  begin: number;
  end: number;
}

const q = (s: string): string => JSON.stringify(s);

/** Reads the header length and JSON header; returns the parsed header and where data starts. */
async function readHeader(src: ByteSource): Promise<{ header: JsonObject; dataStart: number }> {
  const file = src.name;
  if (src.size < 8) throw new ReaderError(file, `truncated file: ${src.size} bytes, too short for a .safetensors header length`);
  const lenBytes = await src.read(0, 8);
  const len = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (len > BigInt(src.size - 8)) {
    throw new ReaderError(file, `header length ${len} runs past the end of the file (${src.size} bytes)`);
  }
  if (len > BigInt(MAX_HEADER)) throw new ReaderError(file, `header length ${len} is over the 100 MB limit (${MAX_HEADER} bytes)`);
  const n = Number(len);
  const raw = await src.read(8, n);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw new ReaderError(file, 'header is not UTF-8 text');
  }
  // Writers pad the header with spaces (before or after the object); anything else first is not one.
  const first = /[^ \t\r\n]/.exec(text);
  if (!first) throw new ReaderError(file, `header is empty: its ${n} bytes hold no JSON object`);
  if (first[0] !== '{') throw new ReaderError(file, 'wrong magic: the header does not start with "{" (not a .safetensors file?)');
  let header: JsonValue;
  try {
    header = parseStrictJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new ReaderError(file, `header is not JSON: ${e.message}`);
    throw e;
  }
  if (!(header instanceof JsonObject)) throw new ReaderError(file, 'header is not a JSON object');
  return { header, dataStart: 8 + n };
}

/** `__metadata__`: null, or an object of strings (each key once). */
function readMetadata(file: string, v: JsonValue): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (v === null) return out;
  if (!(v instanceof JsonObject)) throw new ReaderError(file, `__metadata__ is not an object of strings: it is ${describeJson(v)}`);
  for (const [k, val] of v.members) {
    if (Object.prototype.hasOwnProperty.call(out, k)) throw new ReaderError(file, `duplicate key ${q(k)} in __metadata__`);
    if (typeof val !== 'string') throw new ReaderError(file, `__metadata__ is not an object of strings: ${q(k)} is ${describeJson(val)}`);
    Object.defineProperty(out, k, { value: val, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A non-negative integer field, or a ReaderError saying exactly what is wrong with it. */
function integerField(file: string, name: string, what: string, v: JsonValue): number {
  const r = nonNegativeInteger(v);
  if (r === null) {
    const list = what.startsWith('shape') ? 'shape is not a list of non-negative integers: ' : '';
    throw new ReaderError(file, `tensor ${q(name)}: ${list}${what} is ${describeJson(v)}, not a non-negative integer`);
  }
  if ('tooLarge' in r)
    throw new ReaderError(file, `tensor ${q(name)}: ${what} is ${describeJson(v)}, too large to represent exactly (over 2^53 - 1)`);
  return r.value;
}

/** One tensor entry: fields present once, typed, with a byte count that matches shape x dtype. */
function tensorInfo(file: string, name: string, desc: JsonValue, dataSize: number): TensorInfo {
  if (!(desc instanceof JsonObject)) {
    throw new ReaderError(
      file,
      `tensor ${q(name)}: header entry is not an object with dtype, shape and data_offsets (it is ${describeJson(desc)})`,
    );
  }
  const fields = new Map<string, JsonValue>();
  for (const [k, v] of desc.members) {
    if (fields.has(k)) throw new ReaderError(file, `tensor ${q(name)}: duplicate field ${q(k)}`);
    fields.set(k, v);
  }
  const missing = FIELDS.filter((f) => !fields.has(f));
  if (missing.length) {
    throw new ReaderError(file, `tensor ${q(name)}: missing field${missing.length > 1 ? 's' : ''} ${missing.map(q).join(', ')}`);
  }
  const dt = fields.get('dtype') as JsonValue;
  const shapeV = fields.get('shape') as JsonValue;
  const offsV = fields.get('data_offsets') as JsonValue;

  if (typeof dt !== 'string')
    throw new ReaderError(file, `tensor ${q(name)}: dtype must be a string such as "F32", not ${describeJson(dt)}`);
  const dtype = DTYPES[dt];
  const undecoded = UNDECODED[dt];
  let skip: string | undefined;
  if (undecoded) skip = `dtype ${dt} is not supported (${undecoded.what})`;
  else if (!dtype) skip = `dtype ${q(dt)} is not a safetensors dtype this reader knows`;

  if (!Array.isArray(shapeV))
    throw new ReaderError(file, `tensor ${q(name)}: shape must be a list of non-negative integers, not ${describeJson(shapeV)}`);
  const shape = shapeV.map((d, k) => integerField(file, name, `shape[${k}]`, d));

  if (!Array.isArray(offsV) || offsV.length !== 2) {
    throw new ReaderError(file, `tensor ${q(name)}: data_offsets must be a list [begin, end] of two integers, not ${describeJson(offsV)}`);
  }
  const begin = integerField(file, name, 'data_offsets[0] (begin)', offsV[0] as JsonValue);
  const end = integerField(file, name, 'data_offsets[1] (end)', offsV[1] as JsonValue);
  if (begin > end) throw new ReaderError(file, `tensor ${q(name)}: data_offsets [${begin}, ${end}] have begin > end`);

  const bits = dtype ? ITEMSIZE[dtype] * 8 : undecoded?.bits;
  if (bits !== undefined) {
    const count = shapeProduct(shape);
    if (count === null) {
      throw new ReaderError(file, `tensor ${q(name)}: shape ${formatShape(shape)} has more elements than can be represented (over 2^53)`);
    }
    if ((count * bits) % 8 !== 0) {
      throw new ReaderError(file, `tensor ${q(name)}: ${count} elements of ${dt} (${bits} bits each) do not fill a whole number of bytes`);
    }
    const need = (count * bits) / 8;
    if (!Number.isSafeInteger(need)) {
      throw new ReaderError(
        file,
        `tensor ${q(name)}: shape ${formatShape(shape)} of ${dt} needs more bytes than can be represented (over 2^53)`,
      );
    }
    if (need !== end - begin) {
      throw new ReaderError(
        file,
        `shape/byte-count mismatch: tensor ${q(name)} has shape ${formatShape(shape)} of ${dt} (${need} bytes) but data_offsets span ${end - begin} bytes`,
      );
    }
  }
  if (end > dataSize) {
    throw new ReaderError(
      file,
      `tensor ${q(name)}: data_offsets [${begin}, ${end}] lie outside the data area (${dataSize} bytes): the file is cut short`,
    );
  }
  return { name, dtype, skip, shape, begin, end };
}

/**
 * Sorted by offsets, the tensors must tile [0, dataSize) exactly: no leading bytes, gap, overlap
 * or trailing bytes. `infos` is sorted by (begin, end).
 */
function checkLayout(file: string, infos: TensorInfo[], dataSize: number): void {
  let at = 0;
  let prev: TensorInfo | undefined;
  for (const t of infos) {
    if (t.begin < at && prev) {
      throw new ReaderError(
        file,
        `tensors ${q(prev.name)} and ${q(t.name)} overlap: ${prev.name} occupies bytes [${prev.begin}, ${prev.end}), ${t.name} starts at ${t.begin}`,
      );
    }
    if (t.begin > at) {
      if (!prev) {
        throw new ReaderError(
          file,
          `data area does not start with a tensor: bytes [0, ${t.begin}) belong to no tensor (the first, ${q(t.name)}, begins at ${t.begin})`,
        );
      }
      throw new ReaderError(
        file,
        `gap in the data area: bytes [${at}, ${t.begin}) belong to no tensor (between ${q(prev.name)} and ${q(t.name)})`,
      );
    }
    at = t.end;
    prev = t;
  }
  if (at < dataSize) {
    const after = prev ? `after the last tensor (${q(prev.name)} ends at ${at})` : 'and the header lists no tensor';
    throw new ReaderError(file, `data area has ${dataSize - at} trailing bytes ${after}`);
  }
}

function makeEntry(src: ByteSource, t: TensorInfo & { dtype: DType }, dataStart: number): ArrayEntry {
  const file = src.name;
  const { name, dtype, begin } = t;
  const { rows, rowSize } = rowGeometry(t.shape);
  const rowBytes = rowSize * ITEMSIZE[dtype];
  return {
    name,
    dtype,
    shape: [...t.shape],
    file,
    async readRows(start?: number, stop?: number): Promise<Float32Array | Float64Array | Int32Array> {
      const [s, e] = checkRows(file, name, rows, start, stop);
      const bytes = await src.read(dataStart + begin + s * rowBytes, (e - s) * rowBytes);
      return decode(bytes, dtype, true, file, name);
    },
  };
}

export async function readSafetensors(src: ByteSource): Promise<Checkpoint> {
  const file = src.name;
  const { header, dataStart } = await readHeader(src);
  const dataSize = src.size - dataStart;
  const seen = new Set<string>();
  const infos: TensorInfo[] = [];
  let rawMeta: Record<string, unknown> = {};
  for (const [name, desc] of header.members) {
    if (seen.has(name)) throw new ReaderError(file, `duplicate key ${q(name)} in the header`);
    seen.add(name);
    if (name === '__metadata__') rawMeta = readMetadata(file, desc);
    else infos.push(tensorInfo(file, name, desc, dataSize));
  }
  // File order (the library's order too), not JSON key order.
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  checkLayout(file, infos, dataSize);
  const entries: ArrayEntry[] = [];
  const skipped: SkippedEntry[] = [];
  for (const t of infos) {
    if (t.dtype && !t.skip) entries.push(makeEntry(src, t as TensorInfo & { dtype: DType }, dataStart));
    else skipped.push({ name: t.name, reason: t.skip ?? 'unreadable' });
  }
  const cp: Checkpoint = { path: file, format: 'safetensors', entries, metadata: normalizeMetadata(rawMeta) };
  if (skipped.length) cp.skipped = skipped;
  return cp;
}
