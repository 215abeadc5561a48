/**
 * Checkpoint data model shared by every reader (DESIGN.md section 3). No vscode here.
 */

export type DType =
  'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool';

/** A random-access byte source: readers ask only for the ranges they need. */
export interface ByteSource {
  /** what to call it in an error message: usually the file path (or "archive.npz:member.npy") */
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** Where an array's bytes are, so a caller can decode all of it or only a row range later. */
export interface ArrayEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** the file (or "archive.npz:member.npy") it is read from, for error messages */
  file?: string;
  /**
   * Decode rows [start, end) along axis 0 (all rows when omitted), row-major (C order) whatever the
   * file's order: Float64Array for float64 (kept in the stored precision, so that values beyond
   * float32's range are checked and scaled rather than cast to Inf or 0), Float32Array for the
   * other float dtypes (float16/bf16 converted exactly), Int32Array for integer and bool dtypes (an
   * int64 outside the int32 range is a ReaderError).
   */
  readRows(start?: number, end?: number): Promise<Float32Array | Float64Array | Int32Array>;
}

/** A member or tensor that a reader could not decode (a string array, a pickled object, an F8 dtype). */
export interface SkippedEntry {
  name: string;
  /** one line: the rule or the unsupported feature, e.g. "dtype F8_E4M3 is not supported" */
  reason: string;
}

export interface Checkpoint {
  path: string;
  format: 'safetensors' | 'npy' | 'npz' | 'npy-folder' | 'json' | 'pytorch' | 'sharded' | 'parquet';
  entries: ArrayEntry[];
  /**
   * Members that cannot be read are listed here instead of failing the whole file, so the rest
   * is analysed; the report names each one with its reason. Absent or empty when none.
   */
  skipped?: SkippedEntry[];
  metadata: { epoch?: number; step?: number; [key: string]: unknown };
}

/** A 2-D float matrix, row-major. This is what the engine receives. */
export interface Matrix {
  name: string;
  rows: number;
  cols: number;
  /** the stored values divided by `scale` */
  data: Float32Array;
  /**
   * An exact power of two (1 when absent): stored values outside float32's comfortable range
   * (1e39, or 1e-300 in a float64 file) are divided by it before narrowing, so nothing becomes Inf
   * or 0. Scale-invariant metrics (effective rank, cosine-based ones) never see it; metrics in the
   * data's units (singular values, variances) are multiplied back by it.
   */
  scale?: number;
  /**
   * The largest |value| of `data`, where the reader measured it while narrowing (io/narrow.ts):
   * then `data` holds no NaN or Inf, and is all zeros exactly when this is 0, so the engine's input
   * check (engine/validate.ts) need not walk it again. Whatever replaces `data` must leave it out.
   */
  largestMagnitude?: number;
}

/**
 * Problems quote file contents (a JSON parser's excerpt, tensor and member names): line breaks
 * become spaces and other control characters \xNN, so the message stays one printable line.
 */
function oneLine(s: string, max = Infinity): string {
  let out = '';
  for (const ch of s.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ')) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || (c >= 0x7f && c < 0xa0) ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out.length > max ? `${out.slice(0, max - 3)}...` : out;
}

/** Long enough for any problem we write; a quoted key list or excerpt from a hostile file is cut. */
const MAX_PROBLEM = 500;

/** Every reader problem is one of these: one line, naming the file and the problem. */
export class ReaderError extends Error {
  readonly problem: string;
  constructor(
    readonly file: string,
    problem: string,
  ) {
    const p = oneLine(problem, MAX_PROBLEM);
    super(`${oneLine(file)}: ${p}`);
    this.problem = p;
    this.name = 'ReaderError';
  }
}
