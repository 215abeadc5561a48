/**
 * Is a checkpoint file finished being written? A training script writes while we watch its
 * folder, so a file may be half there: under a temporary name, or with a header (safetensors,
 * npy) or a zip layout (npz, PyTorch) that promises more bytes than exist yet. Such a file is
 * "not ready yet", never "broken": the watcher (src/jobs/watch.ts) waits for it. Only the first
 * and last few bytes are read, so a check costs the same for a 10 MB and a 10 GB file.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { fmtInt } from '../protocol/format';

export type Completeness =
  /** the format's own bookkeeping says every byte is there */
  | { state: 'complete' }
  /** the format promises nothing checkable (legacy PyTorch pickle, JSON): wait until the size stops changing */
  | { state: 'unknown' }
  /** bytes are still missing; reason says which, e.g. "header promises 4,000,128 bytes, 1,048,576 written so far" */
  | { state: 'incomplete'; reason: string };

/**
 * Why a file name is one a writer uses while the file is in progress (to be renamed when done),
 * or null for an ordinary name: dot-files, *.tmp, *.partial, *-tmp*, tmpXXXX (Python's tempfile).
 */
export function temporaryNameReason(name: string): string | null {
  const lower = name.toLowerCase();
  if (lower.startsWith('.')) return 'a hidden file (writers use them for files in progress)';
  if (/\.(tmp|temp|partial|part|crdownload)$/.test(lower) || lower.endsWith('~')) return 'a temporary name';
  if (/[-_.]tmp([-_.]|\d|$)/.test(lower) || /^tmp[-_.a-z0-9]/.test(lower)) return 'a temporary name';
  return null;
}

const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
// not toLocaleString: its first call loads ICU's locale data (tens of ms in a short CLI run)
const bytes = (n: number): string => fmtInt(n);

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(Math.max(0, length));
  const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
  return buf.subarray(0, bytesRead);
}

function startsWith(b: Uint8Array, magic: number[]): boolean {
  return magic.every((m, i) => b[i] === m);
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const PAR1 = [0x50, 0x41, 0x52, 0x31];

/** safetensors: u64 header length, the JSON header, then data up to the largest data_offsets end. */
async function safetensors(fh: FileHandle, size: number): Promise<Completeness> {
  if (size < 8) return { state: 'incomplete', reason: `${size} bytes so far, not yet a header length` };
  const lenBytes = await readAt(fh, 0, 8);
  const len = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  // a header this large is not one a writer is about to finish: let the reader judge the file
  if (len > 100n * 1024n * 1024n) return { state: 'unknown' };
  const n = Number(len);
  if (size < 8 + n)
    return { state: 'incomplete', reason: `the header promises ${bytes(8 + n)} bytes of header, ${bytes(size)} written so far` };
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(await readAt(fh, 8, n)));
  } catch {
    return { state: 'unknown' };
  }
  if (typeof header !== 'object' || header === null) return { state: 'unknown' };
  let end = 0;
  for (const [k, v] of Object.entries(header as Record<string, unknown>)) {
    if (k === '__metadata__') continue;
    const offsets = (v as { data_offsets?: unknown } | null)?.data_offsets;
    if (Array.isArray(offsets) && typeof offsets[1] === 'number') end = Math.max(end, offsets[1]);
  }
  const expected = 8 + n + end;
  return size < expected
    ? { state: 'incomplete', reason: `the header promises ${bytes(expected)} bytes, ${bytes(size)} written so far` }
    : { state: 'complete' };
}

/** .npy: preamble, header dict, then product(shape) × itemsize bytes. */
async function npy(fh: FileHandle, size: number): Promise<Completeness> {
  if (size < 12) return { state: 'incomplete', reason: `${size} bytes so far, not yet a .npy header` };
  const head = await readAt(fh, 0, 12);
  const major = head[6];
  const headerStart = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? (head[8] ?? 0) | ((head[9] ?? 0) << 8) : u32(head, 8);
  if (size < headerStart + headerLength) {
    return { state: 'incomplete', reason: `the header is ${bytes(headerStart + headerLength)} bytes, ${bytes(size)} written so far` };
  }
  const text = new TextDecoder('latin1').decode(await readAt(fh, headerStart, headerLength));
  const descr = /['"]descr['"]\s*:\s*['"][<>|=]?([a-zA-Z?])(\d*)['"]/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !shape) return { state: 'unknown' };
  const itemsize = descr[2] ? Number(descr[2]) : descr[1] === '?' || descr[1] === 'b' ? 1 : NaN;
  const dims = (shape[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (!Number.isFinite(itemsize) || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) return { state: 'unknown' };
  const expected = headerStart + headerLength + dims.reduce((a, d) => a * d, 1) * itemsize;
  return size < expected
    ? { state: 'incomplete', reason: `the header promises ${bytes(expected)} bytes, ${bytes(size)} written so far` }
    : { state: 'complete' };
}

/**
 * zip (.npz, PyTorch's zip format): the central directory and its end record are written last.
 * The end record must sit exactly at the end (its comment length says so), which data bytes that
 * merely contain the signature do not.
 */
async function zip(fh: FileHandle, size: number): Promise<Completeness> {
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(fh, size - tailLength, tailLength);
  for (let p = tail.length - 22; p >= 0; p--) {
    if (tail[p] !== 0x50 || tail[p + 1] !== 0x4b || tail[p + 2] !== 0x05 || tail[p + 3] !== 0x06) continue;
    const commentLength = (tail[p + 20] ?? 0) | ((tail[p + 21] ?? 0) << 8);
    if (p + 22 + commentLength === tail.length) return { state: 'complete' };
  }
  return { state: 'incomplete', reason: `the zip directory (written last) is not there yet; ${bytes(size)} bytes so far` };
}

/** Parquet: "PAR1" at both ends; the footer (and the closing magic) is written last. */
async function parquet(fh: FileHandle, size: number): Promise<Completeness> {
  if (size < 12) return { state: 'incomplete', reason: `${size} bytes so far, not yet a Parquet footer` };
  const tail = await readAt(fh, size - 4, 4);
  return startsWith(tail, PAR1)
    ? { state: 'complete' }
    : { state: 'incomplete', reason: `the Parquet footer is not there yet; ${bytes(size)} bytes so far` };
}

/** A JSON checkpoint ends with its closing bracket; anything else is still being written. */
async function json(fh: FileHandle, size: number): Promise<Completeness> {
  const tail = new TextDecoder().decode(await readAt(fh, Math.max(0, size - 64), Math.min(size, 64))).trimEnd();
  return tail.endsWith('}') || tail.endsWith(']')
    ? { state: 'unknown' }
    : { state: 'incomplete', reason: `the JSON is not closed yet; ${bytes(size)} bytes so far` };
}

/**
 * Whether `file` (size `size` as just stat-ed) holds every byte its format promises. Reads its
 * first 12 and last (at most 64 KiB + 22) bytes and, for safetensors and npy, the header.
 * A file that cannot be opened (gone, renamed away) is incomplete: the next poll sees what became of it.
 */
export async function checkCompleteness(file: string, size: number): Promise<Completeness> {
  if (size === 0) return { state: 'incomplete', reason: 'empty so far' };
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    return { state: 'incomplete', reason: `cannot open it yet (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  try {
    const lower = file.toLowerCase();
    if (lower.endsWith('.safetensors')) return await safetensors(fh, size);
    const head = await readAt(fh, 0, Math.min(size, 12));
    if (startsWith(head, NPY_MAGIC)) return await npy(fh, size);
    if (startsWith(head, ZIP_MAGIC)) return await zip(fh, size);
    if (startsWith(head, PAR1)) return await parquet(fh, size);
    if (lower.endsWith('.json')) return await json(fh, size);
    // the first bytes of a magic still being written
    if (size < 4 && [NPY_MAGIC, ZIP_MAGIC, PAR1].some((m) => startsWith(head, m.slice(0, size)))) {
      return { state: 'incomplete', reason: `${size} bytes so far` };
    }
    return { state: 'unknown' };
  } finally {
    await fh.close();
  }
}
