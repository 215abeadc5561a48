/**
 * .safetensors reader: 8-byte little-endian header length, a JSON header, then the data area.
 * Every header field is checked against the file size before anything is allocated or read.
 */
import { ArrayEntry, ByteSource, Checkpoint, DType, ReaderError } from './types';
import { ITEMSIZE, decode, formatShape, shapeProduct } from './dtype';
import { checkRows, rowGeometry } from './rows';
import { brief, normalizeMetadata } from './metadata';

const MAX_HEADER = 100 * 1024 * 1024;

const DTYPES: Record<string, DType> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8',
  U64: 'uint64', U32: 'uint32', U16: 'uint16', U8: 'uint8', BOOL: 'bool',
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the header length and JSON header; returns the parsed header and where data starts. */
async function readHeader(src: ByteSource): Promise<{ header: Record<string, unknown>; dataStart: number }> {
  const file = src.name;
  if (src.size < 8) throw new ReaderError(file, `truncated file: ${src.size} bytes, too short for a .safetensors header length`);
  const lenBytes = await src.read(0, 8);
  const len = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (len > BigInt(src.size - 8)) {
    throw new ReaderError(file, `header length ${len} runs past the end of the file (${src.size} bytes)`);
  }
  if (len > BigInt(MAX_HEADER)) throw new ReaderError(file, `header length ${len} is over the 100 MB limit`);
  const n = Number(len);
  const raw = await src.read(8, n);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new ReaderError(file, 'header is not UTF-8 text');
  }
  if (!text.trimStart().startsWith('{')) throw new ReaderError(file, 'wrong magic: the header does not start with "{" (not a .safetensors file?)');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new ReaderError(file, `header is not JSON (${brief(e)})`);
  }
  if (!isPlainObject(header)) throw new ReaderError(file, 'header is not a JSON object');
  return { header, dataStart: 8 + n };
}

function tensorEntry(src: ByteSource, name: string, desc: unknown, dataStart: number): { entry: ArrayEntry; begin: number } {
  const file = src.name;
  const dataSize = src.size - dataStart;
  if (!isPlainObject(desc)) throw new ReaderError(file, `tensor "${name}": header entry is not an object`);
  const { dtype: dt, shape, data_offsets: offs } = desc;
  if (typeof dt !== 'string') throw new ReaderError(file, `tensor "${name}": dtype is missing`);
  const dtype = DTYPES[dt];
  if (!dtype) throw new ReaderError(file, `unsupported dtype "${dt}" (tensor "${name}")`);
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new ReaderError(file, `tensor "${name}": shape is not a list of non-negative integers`);
  }
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o): o is number => Number.isSafeInteger(o) && (o as number) >= 0)) {
    throw new ReaderError(file, `tensor "${name}": data_offsets is not a pair of non-negative integers`);
  }
  const [begin, end] = offs as [number, number];
  if (begin > end || end > dataSize) {
    throw new ReaderError(file, `tensor "${name}": data_offsets [${begin}, ${end}] lie outside the data area (${dataSize} bytes)`);
  }
  const count = shapeProduct(shape);
  const need = count === null ? null : count * ITEMSIZE[dtype];
  if (need !== end - begin) {
    throw new ReaderError(file, `shape/byte-count mismatch: tensor "${name}" has shape ${formatShape(shape)} of ${dt} (${need ?? 'too many'} bytes) but data_offsets span ${end - begin} bytes`);
  }
  const { rows, rowSize } = rowGeometry(shape);
  const rowBytes = rowSize * ITEMSIZE[dtype];
  const entry: ArrayEntry = {
    name,
    dtype,
    shape: [...shape],
    file,
    async readRows(start?: number, stop?: number): Promise<Float32Array | Float64Array | Int32Array> {
      const [s, e] = checkRows(file, name, rows, start, stop);
      const bytes = await src.read(dataStart + begin + s * rowBytes, (e - s) * rowBytes);
      return decode(bytes, dtype, true, file, name);
    },
  };
  return { entry, begin };
}

export async function readSafetensors(src: ByteSource): Promise<Checkpoint> {
  const file = src.name;
  const { header, dataStart } = await readHeader(src);
  const found: { entry: ArrayEntry; begin: number }[] = [];
  let rawMeta: Record<string, unknown> = {};
  for (const [name, desc] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(desc) || !Object.values(desc).every((v) => typeof v === 'string')) {
        throw new ReaderError(file, '__metadata__ is not an object of strings');
      }
      rawMeta = desc;
      continue;
    }
    found.push(tensorEntry(src, name, desc, dataStart));
  }
  // File order, not JSON key order (JS objects put integer-like keys first).
  found.sort((a, b) => a.begin - b.begin || (a.entry.name < b.entry.name ? -1 : 1));
  return { path: file, format: 'safetensors', entries: found.map((f) => f.entry), metadata: normalizeMetadata(rawMeta) };
}
