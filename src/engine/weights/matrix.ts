/**
 * Weight geometry of one matrix (DESIGN.md section 2b), read as row blocks so that only one
 * matrix (or, for one too big to hold, one block of it) is in memory: summary statistics and the
 * first NaN/Inf in a first pass, then the singular values through the Gram of the smaller side in
 * float64 (the backend's GEMM, the symmetric eigensolver of eigen.ts/eigenBand.ts).
 * The matrix is scaled by a power of two (exact) so that its largest entry is about 1 before the
 * Gram is formed: 1e200 or 1e-200 weights neither overflow nor underflow.
 */
import type { NonFiniteAt, PowerLawFit, ValueSummary } from '../../protocol/weights';
import { symmetricEigenvaluesFast } from '../linalg/eigenBand';
import { effectiveRankFromSingularValues } from '../spectrum';
import { addTile, tileRows } from '../rows';
import type { GeometryBackend } from '../types';
import { throwIfAborted } from '../types';
import { fitPowerLaw } from './powerLaw';

/** A matrix as row blocks (rows x cols, row-major float64); `read` may be called more than once per block. */
export interface MatrixBlocks {
  rows: number;
  cols: number;
  /** rows [start, end) */
  read(start: number, end: number): Promise<Float64Array>;
}

/** Whole matrices up to this many values are read once and kept for the second pass (256 MB as float64). */
export const KEEP_WHOLE = 1 << 25;
/** values per block when the matrix is read in blocks */
const BLOCK_VALUES = 1 << 22;

export interface MatrixStats {
  summary: ValueSummary;
  nonFinite: number;
  /** flat (row-major) index and value of the first NaN/Inf */
  first?: { flatIndex: number; value: 'NaN' | 'Inf' | '-Inf' };
  maxAbs: number;
  /** sum of squares, float64, of the finite values */
  sumSquares: number;
}

export interface SpectralMetrics {
  /** singular values, descending, length min(rows, cols) */
  spectrum: Float64Array;
  effectiveRank: number;
  stableRank: number;
  spectralNorm: number;
  frobeniusNorm: number;
  alpha: PowerLawFit | null;
}

export interface MatrixMetrics extends MatrixStats {
  /** null when the matrix holds NaN/Inf, is all zeros, or has a side of 1 or 0 */
  spectral: SpectralMetrics | null;
}

/** Running statistics combined across blocks (Chan et al.'s pairwise update, float64). */
class Accumulator {
  count = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  maxAbs = 0;
  sumSquares = 0;
  nonFinite = 0;
  first?: { flatIndex: number; value: 'NaN' | 'Inf' | '-Inf' };

  add(block: Float64Array, offset: number): void {
    let n = 0;
    let sum = 0;
    for (let i = 0; i < block.length; i++) {
      const x = block[i] as number;
      if (Number.isFinite(x)) {
        n++;
        sum += x;
        if (x < this.min) this.min = x;
        if (x > this.max) this.max = x;
        const a = Math.abs(x);
        if (a > this.maxAbs) this.maxAbs = a;
      } else {
        if (this.nonFinite === 0) this.first = { flatIndex: offset + i, value: Number.isNaN(x) ? 'NaN' : x > 0 ? 'Inf' : '-Inf' };
        this.nonFinite++;
      }
    }
    if (n === 0) return;
    const mean = sum / n;
    let m2 = 0;
    let sq = 0;
    for (let i = 0; i < block.length; i++) {
      const x = block[i] as number;
      if (!Number.isFinite(x)) continue;
      const d = x - mean;
      m2 += d * d;
      sq += x * x;
    }
    const total = this.count + n;
    const delta = mean - this.mean;
    this.m2 += m2 + (delta * delta * this.count * n) / total;
    this.mean += (delta * n) / total;
    this.count = total;
    this.sumSquares += sq;
  }

  stats(): MatrixStats {
    const empty = this.count === 0;
    const out: MatrixStats = {
      summary: {
        count: this.count,
        mean: empty ? 0 : this.mean,
        std: empty ? 0 : Math.sqrt(this.m2 / this.count),
        min: empty ? 0 : this.min,
        max: empty ? 0 : this.max,
      },
      nonFinite: this.nonFinite,
      maxAbs: this.maxAbs,
      sumSquares: this.sumSquares,
    };
    if (this.first) out.first = this.first;
    return out;
  }
}

function blockRows(cols: number): number {
  return Math.max(1, Math.floor(BLOCK_VALUES / Math.max(1, cols)));
}

/** The multi-index of a flat C-order index in `shape`. */
export function unflatten(flat: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  let r = flat;
  for (let k = shape.length - 1; k >= 0; k--) {
    const s = shape[k] as number;
    if (s > 0) {
      out[k] = r % s;
      r = Math.floor(r / s);
    }
  }
  return out;
}

export function nonFiniteAt(stats: MatrixStats, shape: readonly number[]): NonFiniteAt | undefined {
  if (!stats.first) return undefined;
  return { flatIndex: stats.first.flatIndex, index: unflatten(stats.first.flatIndex, shape), value: stats.first.value };
}

/** floor(log2(x)) for finite x > 0 */
function exponent(x: number): number {
  let e = Math.floor(Math.log2(x));
  while (2 ** e > x) e--;
  while (2 ** (e + 1) <= x) e++;
  return e;
}

/** Statistics only (a 1-D tensor, or a matrix with a side of 1). */
export async function summarize(m: MatrixBlocks, signal?: AbortSignal): Promise<MatrixStats> {
  const acc = new Accumulator();
  const step = blockRows(m.cols);
  for (let s = 0; s < m.rows; s += step) {
    throwIfAborted(signal);
    const e = Math.min(m.rows, s + step);
    acc.add(await m.read(s, e), s * m.cols);
  }
  return acc.stats();
}

/**
 * Everything of section 2b for one matrix. `onStage` hears "reading" / "gram" / "eigen" with the
 * fraction of this matrix done, for a progress bar over many matrices.
 */
export async function matrixMetrics(
  m: MatrixBlocks,
  backend: GeometryBackend,
  signal?: AbortSignal,
  onStage?: (fraction: number, stage: string) => void,
): Promise<MatrixMetrics> {
  const { rows, cols } = m;
  const whole = rows * cols <= KEEP_WHOLE;
  let kept: Float64Array | null = null;
  let stats: MatrixStats;
  onStage?.(0, 'reading');
  if (whole) {
    kept = await m.read(0, rows);
    const acc = new Accumulator();
    acc.add(kept, 0);
    stats = acc.stats();
  } else {
    stats = await summarize(m, signal);
  }
  if (stats.nonFinite > 0 || rows < 2 || cols < 2 || !(stats.maxAbs > 0)) return { ...stats, spectral: null };
  throwIfAborted(signal);
  const scale = 2 ** -exponent(stats.maxAbs);
  const read = async (s: number, e: number): Promise<Float64Array> => {
    const block = kept ? kept.slice(s * cols, e * cols) : await m.read(s, e);
    for (let i = 0; i < block.length; i++) block[i] = (block[i] as number) * scale;
    return block;
  };
  onStage?.(0.2, 'gram');
  const { gram, size } = await gramOfSmallerSide(rows, cols, read, backend, signal);
  kept = null;
  let trace = 0;
  for (let i = 0; i < size; i++) trace += gram[i * size + i] as number;
  throwIfAborted(signal);
  onStage?.(0.6, 'eigenvalues');
  const eig = await symmetricEigenvaluesFast(gram, size, backend, signal);
  const spectrum = new Float64Array(size);
  const lambda = new Float64Array(size);
  const back = 1 / scale;
  // Eigenvalues of a Gram are exact only to about size * eps * lambda_max: below that they are
  // rounding noise (a rank-4 update's zero singular values would come out near 1e-8 sigma_max),
  // so they count as zero, in the spectrum and in the power-law fit.
  const floor = size * Number.EPSILON * Math.max(eig[0] ?? 0, 0);
  for (let k = 0; k < size; k++) {
    const raw = eig[k] as number;
    const l = raw > floor ? raw : 0;
    lambda[k] = l;
    spectrum[k] = Math.sqrt(l) * back;
  }
  const top = lambda[0] ?? 0;
  const fit = fitPowerLaw(lambda);
  const alpha = fit ? { ...fit, xmin: fit.xmin * back * back } : null;
  onStage?.(1, 'done');
  return {
    ...stats,
    spectral: {
      spectrum,
      effectiveRank: effectiveRankFromSingularValues(spectrum),
      // ||M||_F^2 / sigma_max^2, both in the scaled units; the trace is exact where lambda_max is not
      stableRank: top > 0 ? trace / top : 0,
      spectralNorm: spectrum[0] ?? 0,
      frobeniusNorm: Math.sqrt(trace) * back,
      alpha,
    },
  };
}

/**
 * M^T M (cols x cols) when rows >= cols, summed over row blocks; else M M^T (rows x rows) from the
 * transpose, which needs the whole matrix (it is the narrow one: rows < cols).
 */
async function gramOfSmallerSide(
  rows: number,
  cols: number,
  read: (s: number, e: number) => Promise<Float64Array>,
  backend: GeometryBackend,
  signal?: AbortSignal,
): Promise<{ gram: Float64Array; size: number }> {
  if (rows >= cols) {
    const g = new Float64Array(cols * cols);
    const step = tileRows(backend.maxTileElements, cols);
    for (let s = 0; s < rows; s += step) {
      throwIfAborted(signal);
      const e = Math.min(rows, s + step);
      const part = await backend.gram(await read(s, e), e - s, cols);
      addTile(g, part);
    }
    return { gram: g, size: cols };
  }
  const all = await read(0, rows);
  const t = new Float64Array(cols * rows);
  const B = 64;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j = 0; j < cols; j++) {
      for (let i = i0; i < i1; i++) t[j * rows + i] = all[i * cols + j] as number;
    }
  }
  const g = new Float64Array(rows * rows);
  const step = tileRows(backend.maxTileElements, rows);
  for (let s = 0; s < cols; s += step) {
    throwIfAborted(signal);
    const e = Math.min(cols, s + step);
    const part = await backend.gram(t.subarray(s * rows, e * rows), e - s, rows);
    addTile(g, part);
  }
  return { gram: g, size: rows };
}
