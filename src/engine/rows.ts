/** Row-tile helpers shared by the metric files: float32 input in, float64 or normalized rows out. */
import type { Matrix } from '../io/types';
import type { SampleSums } from './dispersive';
import { NORM_FLOOR, normalizedSampleWasm, smallRows } from './linalg/rowsWasm';

/** the L2 normalization floor of DESIGN.md section 2: z / max(||z||, 1e-12) */
export { NORM_FLOOR };

/** whether two arrays are views of the same values (a sample's tile against itself) */
export function sameRows(x: Float32Array, y: Float32Array): boolean {
  return x === y || (x.buffer === y.buffer && x.byteOffset === y.byteOffset && x.length === y.length);
}

/**
 * rows [start, end) of m as float64, optionally minus a column mean; written into `into` (a
 * buffer kept across tiles: fresh memory costs a page fault per 4 KB) when it is large enough
 */
export function rowsAsFloat64(m: Matrix, start: number, end: number, mean?: Float64Array, into?: Float64Array): Float64Array {
  const d = m.cols;
  const size = (end - start) * d;
  const out = into && into.length >= size ? into.subarray(0, size) : new Float64Array(size);
  const src = m.data;
  let o = 0;
  for (let i = start; i < end; i++) {
    const base = i * d;
    if (mean) for (let j = 0; j < d; j++) out[o++] = (src[base + j] as number) - (mean[j] as number);
    else for (let j = 0; j < d; j++) out[o++] = src[base + j] as number;
  }
  return out;
}

/** rows per block of columnsAsFloat64: its reads stay within 64 rows' cache lines while it writes runs of 64 */
const COLUMN_BLOCK_ROWS = 64;

/**
 * rows [start, end) and columns [c0, c1) of m as float64, optionally minus the column mean, written
 * column by column ((c1 - c0) x (end - start), row-major: the tile's transpose) into `into` when it
 * is large enough. In blocks of rows, so it costs what rowsAsFloat64 does (10.5 against 9.6 ms for
 * 5461 x 768).
 */
export function columnsAsFloat64(
  m: Matrix,
  start: number,
  end: number,
  c0: number,
  c1: number,
  mean?: Float64Array,
  into?: Float64Array,
): Float64Array {
  const d = m.cols;
  const r = end - start;
  const size = r * (c1 - c0);
  const out = into && into.length >= size ? into.subarray(0, size) : new Float64Array(size);
  const src = m.data;
  for (let i0 = start; i0 < end; i0 += COLUMN_BLOCK_ROWS) {
    const i1 = Math.min(end, i0 + COLUMN_BLOCK_ROWS);
    for (let j = c0; j < c1; j++) {
      const mj = mean ? (mean[j] as number) : 0;
      const o = (j - c0) * r - start;
      for (let i = i0; i < i1; i++) out[o + i] = (src[i * d + j] as number) - mj;
    }
  }
  return out;
}

/**
 * into += part, element by element: the float64 sum of one tile's product into the running total.
 * Its own small function because in the long async loops that call it V8 optimized the loop late or
 * never (smallGram's and linear CKA's additions took 30 and 27 ms of an 8192 x 768 inspect).
 */
export function addTile(into: Float64Array, part: Float64Array): void {
  for (let k = 0; k < into.length; k++) into[k] = (into[k] as number) + (part[k] as number);
}

/** 1 / max(||row i||, 1e-12) in float64 */
export function inverseNorm(m: Matrix, i: number): number {
  const d = m.cols;
  const src = m.data;
  const base = i * d;
  let s = 0;
  for (let j = 0; j < d; j++) {
    const x = src[base + j] as number;
    s += x * x;
  }
  return 1 / Math.max(Math.sqrt(s), NORM_FLOOR);
}

/**
 * The normalized rows `rows` of m as float32 (what the float32 kernels take), and their squared
 * norms computed in float64 from those float32 values (so the kernels' distances are consistent).
 */
export function normalizedSample(m: Matrix, rows: Int32Array): { z: Float32Array; sq: Float32Array } {
  if (smallRows(m.data.length)) return normalizedSampleWasm(m.data, m.cols, rows);
  const d = m.cols;
  const z = new Float32Array(rows.length * d);
  const sq = new Float32Array(rows.length);
  const src = m.data;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r] as number;
    const inv = inverseNorm(m, i);
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = Math.fround((src[i * d + j] as number) * inv);
      z[r * d + j] = v;
      s += v * v;
    }
    sq[r] = s;
  }
  return { z, sq };
}

/**
 * pairs.ts normalizedRowSum and normalizedSample over every row at once, for a big modality whose
 * pairwise sample is all its rows: each row's inverse norm is computed once and the row is read
 * from memory once (its second and third reads hit the cache), where the two functions read it
 * twice each. The same operations in the same order as theirs, so every number is equal bit for
 * bit; `inv` (each row's inverse norm) is kept for driftPerRow. The same pass makes the sums two
 * later steps would otherwise walk the matrix for, in their order too: the column means of the raw
 * rows (spectrum.ts's columnMean) and the sample's column sums and norms (dispersive.ts's SampleSums).
 */
export function normalizedEveryRow(m: Matrix): {
  sum: Float64Array;
  sumSq: number;
  z: Float32Array;
  sq: Float32Array;
  inv: Float64Array;
  mean: Float64Array;
  zSums: SampleSums;
} {
  const { rows: n, cols: d, data } = m;
  const sum = new Float64Array(d);
  const z = new Float32Array(n * d);
  const sq = new Float32Array(n);
  const inv = new Float64Array(n);
  const mean = new Float64Array(d);
  const total = new Float64Array(d);
  let sumSq = 0;
  let norms = 0;
  for (let i = 0; i < n; i++) {
    const r = inverseNorm(m, i);
    inv[i] = r;
    const b = i * d;
    let s = 0;
    let s32 = 0;
    for (let j = 0; j < d; j++) {
      const x = data[b + j] as number;
      mean[j] = (mean[j] as number) + x;
      const v = x * r;
      sum[j] = (sum[j] as number) + v;
      s += v * v;
      const v32 = Math.fround(v);
      z[b + j] = v32;
      total[j] = (total[j] as number) + v32;
      s32 += v32 * v32;
    }
    sumSq += s;
    sq[i] = s32;
    norms += sq[i] as number;
  }
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / n;
  return { sum, sumSq, z, sq, inv, mean, zSums: { total, norms } };
}

/** how many rows of width `cols` fit one tile of `maxElements` values (at least 1) */
export function tileRows(maxElements: number, cols: number): number {
  return Math.max(1, Math.floor(maxElements / Math.max(1, cols)));
}

/** widest gallery tile (columns) per pairwise kernel call; rows then fill maxTileElements */
export const MAX_TILE_COLS = 16384;

/**
 * The tile of an s x s pairwise pass (dispersive loss, retrieval counts): one sizing for both.
 * At least 64 rows per tile, so small tile budgets (tests) also split the columns.
 */
export function pairTileShape(s: number, maxElements: number): { rows: number; cols: number } {
  const cols = Math.min(s, MAX_TILE_COLS, Math.max(1, Math.floor(maxElements / 64)));
  return { rows: Math.min(s, tileRows(maxElements, cols)), cols };
}
