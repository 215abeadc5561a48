/**
 * Stored float values to the engine's float32 matrix without losing them to the cast (issue
 * "Hardening" item 2): NaN/Inf are found in the stored dtype, and values beyond float32's
 * comfortable range (a float64 array scaled by 1e39, or by 1e-300; float32 data down in the
 * subnormals) are divided by an exact power of two first. Scale-invariant metrics are then the
 * stored array's own; the engine multiplies the others back (Matrix.scale).
 */
import { ReaderError } from './types';

/** stored maxima inside [2^-64, 2^64] are left alone: float32 holds them and their squares with room */
const LOW = 2 ** -64;
const HIGH = 2 ** 64;

/** x * 2^k, exact while the result is normal, for any k in [-2200, 2200] (2^k alone may overflow) */
export function timesPowerOfTwo(x: number, k: number): number {
  const half = Math.trunc(k / 2);
  return x * 2 ** half * 2 ** (k - half);
}

/** The first NaN or ±Inf of a stored array, named by row, or null when every value is finite. */
function firstNonFinite(data: Float32Array | Float64Array, cols: number): { row: number; what: string } | null {
  for (let k = 0; k < data.length; k++) {
    const v = data[k] as number;
    // v - v is NaN exactly for NaN and ±Inf
    if (v - v !== 0) return { row: Math.floor(k / Math.max(1, cols)), what: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf' };
  }
  return null;
}

/**
 * The largest magnitude, or NaN when a value is NaN or ±Inf: one pass whose common case is one
 * comparison per value (the branch is taken only by a new maximum, a NaN or an Inf); the rare bad
 * array is then walked again by firstNonFinite to name its first bad row. Integers are never bad.
 */
function largestMagnitude(data: Float32Array | Float64Array | Int32Array): number {
  let m = 0;
  if (data instanceof Int32Array) {
    for (let k = 0; k < data.length; k++) m = Math.max(m, Math.abs(data[k] as number));
    return m;
  }
  for (let k = 0; k < data.length; k++) {
    const a = Math.abs(data[k] as number);
    if (!(a <= m)) {
      if (!(a < Infinity)) return NaN;
      m = a;
    }
  }
  return m;
}

/**
 * The exponent e of the power of two to divide by (0 when none is needed): after division the
 * largest magnitude lies in [1, 2).
 */
export function scaleExponent(largest: number): number {
  if (!(largest > 0) || (largest >= LOW && largest <= HIGH)) return 0;
  let e = Math.floor(Math.log2(largest));
  // log2 can be off by one near powers of two (and below 2^-1022 Math.log2 is still exact enough)
  while (timesPowerOfTwo(largest, -e) >= 2) e++;
  while (timesPowerOfTwo(largest, -e) < 1) e--;
  return e;
}

export interface Narrowed {
  data: Float32Array;
  /** 2^e; 1 when the values were narrowed as they are */
  scale: number;
  /** the largest |value| of `data` (after the division by `scale`): finite, 0 only for all zeros */
  largest: number;
}

/**
 * float32 values of `data` (rows x cols), divided by a power of two where their range needs it.
 * `file` and `array` name things in the error a non-finite value raises; `data` starts at row `firstRow`.
 */
export function narrowToFloat32(
  data: Float32Array | Float64Array | Int32Array,
  cols: number,
  file: string,
  array: string,
  firstRow = 0,
): Narrowed {
  const largest = largestMagnitude(data);
  if (Number.isNaN(largest) && !(data instanceof Int32Array)) {
    const bad = firstNonFinite(data, cols);
    if (bad) throw new ReaderError(file, `"${array}" has ${bad.what} at row ${firstRow + bad.row}`);
  }
  const e = scaleExponent(largest);
  // float32's own largest: the cast rounds every value alike, so the largest stays the largest
  if (e === 0) return { data: data instanceof Float32Array ? data : Float32Array.from(data), scale: 1, largest: Math.fround(largest) };
  const out = new Float32Array(data.length);
  for (let k = 0; k < data.length; k++) out[k] = timesPowerOfTwo(data[k] as number, -e);
  return { data: out, scale: timesPowerOfTwo(1, e), largest: Math.fround(timesPowerOfTwo(largest, -e)) };
}
