/**
 * Movers (issue 12): which rows changed neighbourhood between two checkpoints of the same rows.
 * Per row, the k nearest other rows by cosine in checkpoint A and in checkpoint B (exact, over
 * the same row set, ties broken by row index), and the Jaccard overlap |A ∩ B| / |A ∪ B| of the two
 * sets. All rows against all rows is O(s² d), so it runs over a seeded sample of s rows when N is
 * larger (the same seeded sampler as the report's pairwise metrics).
 */
import type { Matrix } from '../io/types';
import { NORM_FLOOR } from './rows';
import { PAIRWISE_SEED, sampleRows } from './sample';
import { EngineError, throwIfAborted } from './types';

/** rows of the movers sample by default: s² d multiply-adds in plain JavaScript stay a few seconds */
export const DEFAULT_MOVER_ROWS = 4096;
export const JACCARD_BINS = 20;

/** rows `rows` of m scaled to unit length, float64, row-major (s x d) */
function unitRows(m: Matrix, rows: Int32Array): Float64Array {
  const d = m.cols;
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r] as number;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = m.data[i * d + j] as number;
      out[r * d + j] = v;
      s += v * v;
    }
    if (!Number.isFinite(s)) throw new EngineError(`'${m.name}' has NaN or Inf at row ${i}`);
    const inv = 1 / Math.max(Math.sqrt(s), NORM_FLOOR);
    for (let j = 0; j < d; j++) out[r * d + j] = (out[r * d + j] as number) * inv;
  }
  return out;
}

/**
 * z[a .. a + d) . z[b .. b + d) with four accumulators (the neighbour search's summation, see
 * dotAt in ./neighbors): the same order either way round, so row i's score of row j is row j's of i.
 */
function dot64(z: Float64Array, a: number, b: number, d: number): number {
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let c = 0;
  for (; c + 3 < d; c += 4) {
    d0 += (z[a + c] as number) * (z[b + c] as number);
    d1 += (z[a + c + 1] as number) * (z[b + c + 1] as number);
    d2 += (z[a + c + 2] as number) * (z[b + c + 2] as number);
    d3 += (z[a + c + 3] as number) * (z[b + c + 3] as number);
  }
  for (; c < d; c++) d0 += (z[a + c] as number) * (z[b + c] as number);
  return d0 + d2 + (d1 + d3);
}

function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The k nearest other rows of every row of z (s x d, unit rows), as positions 0..s-1: row r's
 * list is out[r*k .. r*k+k), similarity descending, ties by position ascending (positions are
 * in ascending row order, so that is the row index too). Query blocks of 16 rows share each pass
 * over the gallery row, which keeps the gallery row in cache.
 */
export async function knnAll(
  z: Float64Array,
  s: number,
  d: number,
  k: number,
  signal?: AbortSignal,
  onProgress?: (f: number) => void,
): Promise<Int32Array> {
  const kk = Math.min(k, s - 1);
  const out = new Int32Array(s * kk);
  const sims = new Float64Array(s * kk);
  const sizes = new Int32Array(s);
  const BLOCK = 16;
  for (let q0 = 0; q0 < s; q0 += BLOCK) {
    throwIfAborted(signal);
    const q1 = Math.min(s, q0 + BLOCK);
    for (let j = 0; j < s; j++) {
      const gb = j * d;
      for (let q = q0; q < q1; q++) {
        if (q === j) continue;
        const qb = q * d;
        const dot = dot64(z, qb, gb, d);
        // insert into q's sorted list (j ascending: an equal similarity never displaces)
        const base = q * kk;
        let size = sizes[q] as number;
        if (size === kk && !(dot > (sims[base + kk - 1] as number))) continue;
        let i = size < kk ? size++ : kk - 1;
        sizes[q] = size;
        while (i > 0 && (sims[base + i - 1] as number) < dot) {
          sims[base + i] = sims[base + i - 1] as number;
          out[base + i] = out[base + i - 1] as number;
          i--;
        }
        sims[base + i] = dot;
        out[base + i] = j;
      }
    }
    onProgress?.(q1 / s);
    if (q1 < s) await turn();
  }
  return out;
}

/** Jaccard overlap per row of two k-NN lists of the same length k (each list has distinct entries). */
export function jaccardPerRow(a: Int32Array, b: Int32Array, s: number, k: number): Float64Array {
  const out = new Float64Array(s);
  const mark = new Int32Array(s).fill(-1);
  for (let r = 0; r < s; r++) {
    for (let i = 0; i < k; i++) mark[a[r * k + i] as number] = r;
    let common = 0;
    for (let i = 0; i < k; i++) if (mark[b[r * k + i] as number] === r) common++;
    out[r] = k === 0 ? 1 : common / (2 * k - common);
  }
  return out;
}

export interface MoversResult {
  /** the rows compared (global row indices, ascending) */
  rows: Int32Array;
  /** Jaccard overlap per compared row, in the order of `rows` */
  jaccard: Float64Array;
  /** neighbours per set (min(k, rows - 1)) */
  k: number;
  /** true when `rows` is a seeded sample of fewer than all rows */
  sampled: boolean;
}

/**
 * Jaccard overlap of each row's k-NN set (cosine, the row itself left out) in a and in b, the
 * same rows of one modality in two checkpoints. Widths may differ (each set is found in its own
 * space); the row counts must match.
 */
export async function moversOf(
  a: Matrix,
  b: Matrix,
  k: number,
  opts: { maxRows?: number; signal?: AbortSignal; onProgress?: (f: number) => void } = {},
): Promise<MoversResult> {
  if (a.rows !== b.rows) {
    throw new EngineError(`'${a.name}' has ${a.rows} rows in one checkpoint and ${b.rows} in the other; movers compare the same rows`);
  }
  if (!(Number.isInteger(k) && k >= 1)) throw new EngineError(`movers k must be an integer >= 1, got ${k}`);
  const n = a.rows;
  if (n < 2) throw new EngineError(`'${a.name}' has ${n} row(s); movers need at least 2`);
  const cap = opts.maxRows ?? DEFAULT_MOVER_ROWS;
  const size = cap > 0 && n > cap ? cap : n;
  const rows = sampleRows(n, size, PAIRWISE_SEED);
  const kk = Math.min(k, size - 1);
  const za = unitRows(a, rows);
  const zb = unitRows(b, rows);
  const half =
    (off: number) =>
    (f: number): void =>
      opts.onProgress?.(off + f / 2);
  const na = await knnAll(za, size, a.cols, kk, opts.signal, half(0));
  const nb = await knnAll(zb, size, b.cols, kk, opts.signal, half(0.5));
  return { rows, jaccard: jaccardPerRow(na, nb, size, kk), k: kk, sampled: size < n };
}

/** counts of Jaccard values in JACCARD_BINS equal bins on [0, 1] (bin i is [i/B, (i+1)/B), the last holds 1) */
export function jaccardHistogram(values: Float64Array): { edges: number[]; counts: number[] } {
  const edges: number[] = [];
  for (let i = 0; i <= JACCARD_BINS; i++) edges.push(i / JACCARD_BINS);
  const counts = new Array<number>(JACCARD_BINS).fill(0);
  for (const v of values) {
    const i = Math.min(JACCARD_BINS - 1, Math.max(0, Math.floor(v * JACCARD_BINS)));
    counts[i] = (counts[i] as number) + 1;
  }
  return { edges, counts };
}

/** positions of the rows ordered by Jaccard ascending (most changed first), ties by row ascending */
export function orderByChange(jaccard: Float64Array): Int32Array {
  const idx = Int32Array.from({ length: jaccard.length }, (_, i) => i);
  return idx.sort((x, y) => (jaccard[x] as number) - (jaccard[y] as number) || x - y);
}
