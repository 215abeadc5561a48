/**
 * Per-pair metrics that are O(N d) and use every row: drift statistics, anchoring loss, modality
 * gap (from the modalities' normalized row sums) and linear CKA.
 */
import type { Matrix } from '../io/types';
import type { DriftStats, HingeMode } from '../protocol/report';
import { productOfRows, smallProduct } from './linalg/crossWasm';
import { driftPerRowWasm, normalizedRowSumWasm, smallRows } from './linalg/rowsWasm';
import { addTile, columnsAsFloat64, inverseNorm, rowsAsFloat64, tileRows } from './rows';
import { leaseFloat64 } from './scratch';
import type { GeometryBackend } from './types';
import { throwIfAborted } from './types';

export const HISTOGRAM_BINS = 40;
export const HISTOGRAM_MAX = 4;

/** d_i = ||z^a_i - z^b_i||^2 for every row, in float64 */
export function driftPerRow(a: Matrix, b: Matrix, invA?: Float64Array, invB?: Float64Array): Float64Array {
  const n = a.rows;
  const d = a.cols;
  if (smallRows(2 * n * d)) return driftPerRowWasm(a.data, b.data, n, d);
  const out = new Float64Array(n);
  const da = a.data;
  const db = b.data;
  for (let i = 0; i < n; i++) {
    // the rows' inverse norms where the caller has them (rows.ts normalizedEveryRow): the same numbers
    const ia = invA ? (invA[i] as number) : inverseNorm(a, i);
    const ib = invB ? (invB[i] as number) : inverseNorm(b, i);
    const base = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const x = (da[base + j] as number) * ia - (db[base + j] as number) * ib;
      s += x * x;
    }
    out[i] = s;
  }
  return out;
}

/** numpy's default percentile: linear interpolation between closest ranks of the sorted values */
export function percentileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const f = pos - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * f;
}

/** histogram with numpy's bin rule: bin k is [e_k, e_{k+1}), the last bin also holds e_40 = 4 */
export function histogram(values: Float64Array): { edges: number[]; counts: number[] } {
  const step = HISTOGRAM_MAX / HISTOGRAM_BINS;
  const edges: number[] = [];
  for (let k = 0; k <= HISTOGRAM_BINS; k++) edges.push(k * step);
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const raw of values) {
    // d_i can exceed 4 or dip below 0 by rounding only; clamp rather than drop a pair
    const v = Math.min(HISTOGRAM_MAX, Math.max(0, raw));
    let k = Math.min(HISTOGRAM_BINS - 1, Math.floor(v / step));
    if (v < (edges[k] as number)) k--;
    else if (k < HISTOGRAM_BINS - 1 && v >= (edges[k + 1] as number)) k++;
    counts[k] = (counts[k] as number) + 1;
  }
  return { edges, counts };
}

export function driftStats(drift: Float64Array, tau: number): DriftStats {
  const sorted = Float64Array.from(drift).sort();
  let sum = 0;
  let beyond = 0;
  for (const v of drift) {
    sum += v;
    if (v > tau) beyond++;
  }
  const n = drift.length;
  return {
    mean: sum / n,
    median: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    max: sorted[n - 1] as number,
    fractionBeyondTau: beyond / n,
    histogram: histogram(drift),
  };
}

/** mean_i h(d_i - tau), h = max(0, x) or max(0, x)^2 */
export function anchoringLoss(drift: Float64Array, tau: number, hinge: HingeMode): number {
  let s = 0;
  for (const v of drift) {
    const x = Math.max(0, v - tau);
    s += hinge === 'squared' ? x * x : x;
  }
  return s / drift.length;
}

/** ||mean z^a - mean z^b||, given each modality's float64 sum of normalized rows */
export function modalityGap(sumA: Float64Array, sumB: Float64Array, n: number): number {
  let s = 0;
  for (let j = 0; j < sumA.length; j++) {
    const x = ((sumA[j] as number) - (sumB[j] as number)) / n;
    s += x * x;
  }
  return Math.sqrt(s);
}

/** float64 sum of the normalized rows of m, and sum of their squared norms */
export function normalizedRowSum(m: Matrix): { sum: Float64Array; sumSq: number } {
  const { rows: n, cols: d, data } = m;
  if (smallRows(n * d)) return normalizedRowSumWasm(data, n, d);
  const sum = new Float64Array(d);
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const inv = inverseNorm(m, i);
    const b = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = (data[b + j] as number) * inv;
      sum[j] = (sum[j] as number) + v;
      s += v * v;
    }
    sumSq += s;
  }
  return { sum, sumSq };
}

/** mean cosine over i != j in closed form: (||sum z^||^2 - sum ||z^_i||^2) / (N (N - 1)) */
export function meanCosine(sum: Float64Array, sumSq: number, n: number): number {
  let s = 0;
  for (const v of sum) s += v * v;
  return (s - sumSq) / (n * (n - 1));
}

/**
 * Linear CKA of the raw (centered, not normalized) embeddings, as Kornblith et al. 2019 define it:
 * ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F). ||X^T X||_F = sqrt(sum lambda^2) over the centered
 * Gram's eigenvalues, which spectrum.ts already has; only the cross term needs a pass.
 */
export async function linearCka(
  a: Matrix,
  meanA: Float64Array,
  eigA: Float64Array,
  b: Matrix,
  meanB: Float64Array,
  eigB: Float64Array,
  backend: GeometryBackend,
  signal?: AbortSignal,
): Promise<number> {
  const n = a.rows;
  let nx = 0;
  for (const v of eigA) nx += v * v;
  let ny = 0;
  for (const v of eigB) ny += v * v;
  const denom = Math.sqrt(nx) * Math.sqrt(ny);
  if (!(denom > 0)) return 0; // a modality with no variance shares nothing measurable
  if (smallProduct(n, a.cols, b.cols)) {
    // in-process, rows widened and centered inside the kernel (linalg/crossWasm.ts)
    const { product } = productOfRows({ data: a.data, cols: a.cols, mean: meanA }, { data: b.data, cols: b.cols, mean: meanB }, n);
    let num = 0;
    for (const v of product) num += v * v;
    return num / denom;
  }
  const step = tileRows(backend.maxTileElements, Math.max(a.cols, b.cols));
  // X^T Y has a.cols x b.cols entries; one block of b's columns at a time keeps the float64
  // accumulator within a tile (the squared Frobenius norm adds up over blocks)
  const colStep = Math.max(1, Math.min(b.cols, Math.floor(backend.maxTileElements / a.cols)));
  let num = 0;
  // two tile buffers for every tile, kept for the next job (./scratch: fresh memory costs a page
  // fault per 4 KB); the backend has read them once cross's promise settles
  const tileA = leaseFloat64(Math.min(n, step) * a.cols);
  const tileB = leaseFloat64(Math.min(n, step) * Math.min(b.cols, colStep));
  try {
    for (let c0 = 0; c0 < b.cols; c0 += colStep) {
      const c1 = Math.min(b.cols, c0 + colStep);
      const acc = new Float64Array(a.cols * (c1 - c0));
      for (let s = 0; s < n; s += step) {
        throwIfAborted(signal);
        const e = Math.min(n, s + step);
        const part = backend.crossOfColumns
          ? await backend.crossOfColumns(
              columnsAsFloat64(a, s, e, 0, a.cols, meanA, tileA.data),
              columnsAsFloat64(b, s, e, c0, c1, meanB, tileB.data),
              e - s,
              a.cols,
              c1 - c0,
            )
          : await backend.cross(
              rowsAsFloat64(a, s, e, meanA, tileA.data),
              sliceColumns(b, s, e, c0, c1, meanB, tileB.data),
              e - s,
              a.cols,
              c1 - c0,
            );
        addTile(acc, part);
      }
      for (const v of acc) num += v * v;
    }
  } finally {
    tileA.release();
    tileB.release();
  }
  return num / denom;
}

/** rows [s, e) and columns [c0, c1) of m as float64, minus the column mean, written into the start of `into` when it is large enough */
function sliceColumns(m: Matrix, s: number, e: number, c0: number, c1: number, mean: Float64Array, into: Float64Array): Float64Array {
  const w = c1 - c0;
  const size = (e - s) * w;
  const out = into.length >= size ? into.subarray(0, size) : new Float64Array(size);
  const d = m.cols;
  let o = 0;
  for (let i = s; i < e; i++) {
    for (let j = c0; j < c1; j++) out[o++] = (m.data[i * d + j] as number) - (mean[j] as number);
  }
  return out;
}
