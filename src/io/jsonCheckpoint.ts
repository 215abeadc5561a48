/**
 * .json checkpoint: { name: [[...], ...] (2-D) or [n, ...] (1-D), "__metadata__": {...} }.
 * Meant for small examples and hand-made test data, so it is parsed whole, with a size limit.
 */
import { ArrayEntry, ByteSource, Checkpoint, DType, ReaderError } from './types';
import { checkRows, rowGeometry } from './rows';
import { brief, normalizeMetadata } from './metadata';

/** Beyond this a .json checkpoint is the wrong format; V8 strings also top out near 512 MB. */
const MAX_JSON = 256 * 1024 * 1024;

function memoryEntry(file: string, name: string, dtype: DType, shape: number[], values: Float64Array): ArrayEntry {
  const { rows, rowSize } = rowGeometry(shape);
  const isFloat = dtype === 'float64';
  return {
    name,
    dtype,
    shape,
    file,
    readRows(start?: number, end?: number): Promise<Float32Array | Float64Array | Int32Array> {
      try {
        const [s, e] = checkRows(file, name, rows, start, end);
        const part = values.subarray(s * rowSize, e * rowSize);
        // JSON numbers are float64: a copy keeps their range (loadMatrix narrows after checking it)
        return Promise.resolve(isFloat ? part.slice() : new Int32Array(part));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

function isInt32(v: number): boolean {
  return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
}

function toEntry(file: string, name: string, value: unknown): ArrayEntry {
  if (!Array.isArray(value)) throw new ReaderError(file, `"${name}" is not an array`);
  if (value.length > 0 && Array.isArray(value[0])) {
    const rows = value.length;
    const cols = (value[0] as unknown[]).length;
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row: unknown = value[i];
      if (!Array.isArray(row) || row.length !== cols) {
        throw new ReaderError(file, `"${name}" row ${i} is not an array of ${cols} numbers`);
      }
      for (let j = 0; j < cols; j++) {
        const x: unknown = row[j];
        if (typeof x !== 'number') throw new ReaderError(file, `"${name}" row ${i} element ${j} is not a number`);
        out[i * cols + j] = x;
      }
    }
    return memoryEntry(file, name, 'float64', [rows, cols], out);
  }
  const out = new Float64Array(value.length);
  let ints = true;
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    if (typeof x !== 'number') throw new ReaderError(file, `"${name}" element ${i} is not a number`);
    out[i] = x;
    if (!isInt32(x)) ints = false;
  }
  return memoryEntry(file, name, ints && value.length > 0 ? 'int32' : 'float64', [value.length], out);
}

export async function readJsonCheckpoint(src: ByteSource): Promise<Checkpoint> {
  const file = src.name;
  if (src.size > MAX_JSON)
    throw new ReaderError(file, `${src.size} bytes is too large for a .json checkpoint (use .npy, .npz or .safetensors)`);
  const bytes = await src.read(0, src.size);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ReaderError(file, 'not UTF-8 text (not a .json checkpoint?)');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ReaderError(file, `not JSON (${brief(e)})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ReaderError(file, 'not a JSON object of named arrays');
  const entries: ArrayEntry[] = [];
  let meta: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ReaderError(file, '__metadata__ is not an object');
      meta = value as Record<string, unknown>;
      continue;
    }
    entries.push(toEntry(file, name, value));
  }
  return { path: file, format: 'json', entries, metadata: normalizeMetadata(meta) };
}
