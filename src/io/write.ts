/**
 * Writers for the two formats the tools produce (embeddings from ONNX, training runs). Output
 * goes to a temp file in the same folder and is then moved into place, so a crash never leaves a
 * half-written checkpoint under the real name.
 */
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { endianness } from 'node:os';
import { ReaderError } from './types';

export type WritableDType = 'float32' | 'float64' | 'int32' | 'int64';
export type WritableData = Float32Array | Float64Array | Int32Array | BigInt64Array;

export interface WritableTensor {
  name: string;
  dtype: WritableDType;
  shape: number[];
  data: WritableData;
}

export interface WriteOptions {
  /** replace an existing file (default: refuse) */
  overwrite?: boolean;
}

const SAFETENSORS_DTYPE: Record<WritableDType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', int64: 'I64' };
const NPY_DESCR: Record<WritableDType, string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8' };
const ITEMSIZE: Record<WritableDType, number> = { float32: 4, float64: 8, int32: 4, int64: 8 };

function checkTensor(path: string, t: { name: string; dtype: WritableDType; shape: number[]; data: WritableData }): void {
  if (!(t.dtype in ITEMSIZE)) throw new ReaderError(path, `cannot write dtype "${String(t.dtype)}"`);
  const okData =
    (t.dtype === 'float32' && t.data instanceof Float32Array) ||
    (t.dtype === 'float64' && t.data instanceof Float64Array) ||
    (t.dtype === 'int32' && t.data instanceof Int32Array) ||
    (t.dtype === 'int64' && t.data instanceof BigInt64Array);
  if (!okData) throw new ReaderError(path, `"${t.name}": data is a ${t.data.constructor.name}, not the typed array for ${t.dtype}`);
  let n = 1;
  for (const s of t.shape) {
    if (!Number.isSafeInteger(s) || s < 0) throw new ReaderError(path, `"${t.name}": invalid shape [${t.shape.join(', ')}]`);
    n *= s;
  }
  if (n !== t.data.length) {
    throw new ReaderError(path, `"${t.name}": shape [${t.shape.join(', ')}] needs ${n} values but data has ${t.data.length}`);
  }
}

/** Little-endian bytes of a typed array (a view on little-endian hosts, a swapped copy elsewhere). */
function leBytes(data: WritableData): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (endianness() === 'LE') return view;
  const size = data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(view.length);
  for (let i = 0; i < view.length; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = view[i + size - 1 - k] ?? 0;
  }
  return out;
}

/** Whether something is at `path` (the writers' refusal to overwrite, and callers that check up front). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes the parts to a temp file, then moves it to `path`. */
async function writeAtomically(path: string, parts: Uint8Array[], opts: WriteOptions | undefined): Promise<void> {
  const overwrite = opts?.overwrite === true;
  if (!overwrite && (await pathExists(path))) {
    throw new ReaderError(path, 'already exists (pass { overwrite: true } to replace it)');
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    throw new ReaderError(path, `cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    try {
      for (const p of parts) {
        let done = 0;
        while (done < p.length) {
          const { bytesWritten } = await fh.write(p, done, Math.min(p.length - done, 1 << 30));
          done += bytesWritten;
        }
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (overwrite) {
      await rename(tmp, path);
    } else {
      // link() fails if the target appeared meanwhile, where rename() would silently replace it.
      try {
        await link(tmp, path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw new ReaderError(path, 'already exists (pass { overwrite: true } to replace it)');
        // Filesystems without hard links: fall back to check-then-rename.
        if (await pathExists(path)) throw new ReaderError(path, 'already exists (pass { overwrite: true } to replace it)');
        await rename(tmp, path);
      }
      await unlink(tmp).catch(() => undefined);
    }
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    if (e instanceof ReaderError) throw e;
    throw new ReaderError(path, `cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/**
 * Writes a .safetensors file. Tensors are laid out in the given order, the header is padded with
 * spaces to a multiple of 8 bytes so every tensor starts aligned (as the reference writer does).
 */
export async function writeSafetensors(
  path: string,
  tensors: WritableTensor[],
  metadata?: Record<string, string>,
  opts?: WriteOptions,
): Promise<void> {
  const header: Record<string, unknown> = {};
  const seen = new Set<string>();
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ReaderError(path, `metadata "${k}" is not a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const t of tensors) {
    checkTensor(path, t);
    if (t.name === '__metadata__' || t.name === '') throw new ReaderError(path, `invalid tensor name "${t.name}"`);
    if (seen.has(t.name)) throw new ReaderError(path, `two tensors named "${t.name}"`);
    seen.add(t.name);
    const end = offset + t.data.byteLength;
    Object.defineProperty(header, t.name, {
      value: { dtype: SAFETENSORS_DTYPE[t.dtype], shape: t.shape, data_offsets: [offset, end] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset = end;
  }
  let json = JSON.stringify(header);
  const rawLen = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (rawLen % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  await writeAtomically(path, [prefix, headerBytes, ...tensors.map((t) => leBytes(t.data))], opts);
}

/** Writes a .npy file (version 1.0, or 2.0 when the header needs more than 64 KiB), C order, little-endian. */
export async function writeNpy(
  path: string,
  array: { dtype: WritableDType; shape: number[]; data: WritableData },
  opts?: WriteOptions,
): Promise<void> {
  checkTensor(path, { name: basename(path), ...array });
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const dict = `{'descr': '${NPY_DESCR[array.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // numpy pads with spaces and ends with \n so the data starts on a 64-byte boundary.
  let version = 1;
  let pre = 10;
  let total = pre + dict.length + 1;
  if (total - pre > 0xffff) {
    version = 2;
    pre = 12;
    total = pre + dict.length + 1;
  }
  const padded = dict + ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = new Uint8Array(pre + padded.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(head.buffer);
  if (version === 1) dv.setUint16(8, padded.length, true);
  else dv.setUint32(8, padded.length, true);
  head.set(new TextEncoder().encode(padded), pre);
  await writeAtomically(path, [head, leBytes(array.data)], opts);
}
