/**
 * Spectrum, effective ranks, stable rank, explained variance and per-dimension variance of one
 * modality. All O(N d^2) work goes through the backend's float64 gram kernel over row tiles (a
 * small matrix's through the in-process one of linalg/crossWasm.ts, which widens rows itself); the
 * eigenvalues come from linalg/eigenBand.ts's symmetricEigenvaluesFast (the blocked solver with its
 * WebAssembly SIMD kernels, in cancellable slices), the raw and the centered problem at once where
 * linalg/eigenThread.ts has a second thread. Uses every row.
 */
import type { Matrix } from '../io/types';
import { productOfRows, smallProduct } from './linalg/crossWasm';
import { eigenvaluesOfTwo, prestartEigenThread } from './linalg/eigenThread';
import { addTile, columnsAsFloat64, rowsAsFloat64, tileRows } from './rows';
import { leaseFloat64 } from './scratch';
import type { GeometryBackend } from './types';
import { throwIfAborted } from './types';

/**
 * Units: `spectrum` and `variance` are the stored array's own (Matrix.scale multiplied back), so a
 * report shows what the file holds; `centeredEigen` and `mean` stay in the units of Matrix.data,
 * because the pair metrics combine them with that data.
 */
export interface SpectrumResult {
  /** singular values of raw Z, descending, length min(N, d), in stored units */
  spectrum: Float64Array;
  /** eigenvalues of the centered Gram (= squared singular values of centered Z), descending, clamped >= 0; data units */
  centeredEigen: Float64Array;
  effectiveRank: number;
  effectiveRankCentered: number;
  stableRank: number;
  explainedVariance: Float64Array;
  /** column means of raw Z (data units) */
  mean: Float64Array;
  /** population variances (ddof = 0) of raw Z, in stored units */
  variance: Float64Array;
}

/**
 * RankMe effective rank: exp(-sum p log p) with p_k = sigma_k / sum(sigma) + 1e-7 (the epsilon is
 * part of the definition, DESIGN.md section 2). 0 for an all-zero spectrum.
 */
export function effectiveRankFromSingularValues(sigma: Float64Array): number {
  let total = 0;
  for (const s of sigma) total += s;
  if (!(total > 0)) return 0;
  let h = 0;
  for (const s of sigma) {
    const p = s / total + 1e-7;
    h -= p * Math.log(p);
  }
  return Math.exp(h);
}

function columnMean(m: Matrix): Float64Array {
  const { rows: n, cols: d, data } = m;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const b = i * d;
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (data[b + j] as number);
  }
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / n;
  return mean;
}

export function columnMeanAndVariance(m: Matrix): { mean: Float64Array; variance: Float64Array } {
  const { rows: n, cols: d, data } = m;
  const mean = columnMean(m);
  // second pass on centered values: E[x^2] - mu^2 would cancel below the 1e-8 dead-dimension level
  const variance = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const b = i * d;
    for (let j = 0; j < d; j++) {
      const x = (data[b + j] as number) - (mean[j] as number);
      variance[j] = (variance[j] as number) + x * x;
    }
  }
  for (let j = 0; j < d; j++) variance[j] = (variance[j] as number) / n;
  return { mean, variance };
}

/**
 * The Gram matrix that has Z's nonzero spectrum: Z^T Z (d x d) when N >= d, else Z Z^T (N x N),
 * so the eigen problem is min(N, d) wide. `mean` centers the rows first (in float64, rather than
 * subtracting N mu mu^T afterwards, which cancels).
 */
export async function smallGram(
  m: Matrix,
  backend: GeometryBackend,
  mean: Float64Array | undefined,
  signal?: AbortSignal,
): Promise<{ gram: Float64Array; size: number }> {
  const { rows: n, cols: d } = m;
  if (n >= d) {
    const g = new Float64Array(d * d);
    const step = tileRows(backend.maxTileElements, d);
    // one tile buffer for every tile, kept for the next Gram (./scratch); the backend has read it
    // once gram's promise settles
    const tile = leaseFloat64(Math.min(n, step) * d);
    try {
      for (let s = 0; s < n; s += step) {
        throwIfAborted(signal);
        const e = Math.min(n, s + step);
        const part = backend.gramOfColumns
          ? await backend.gramOfColumns(columnsAsFloat64(m, s, e, 0, d, mean, tile.data), e - s, d)
          : await backend.gram(rowsAsFloat64(m, s, e, mean, tile.data), e - s, d);
        addTile(g, part);
      }
    } finally {
      tile.release();
    }
    return { gram: g, size: d };
  }
  // N < d: the transpose (d x N) has rows = dimensions; its gram is Z Z^T
  const zt = new Float64Array(d * n);
  const src = m.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      zt[j * n + i] = (src[i * d + j] as number) - (mean ? (mean[j] as number) : 0);
    }
  }
  const g = new Float64Array(n * n);
  const step = tileRows(backend.maxTileElements, n);
  for (let s = 0; s < d; s += step) {
    throwIfAborted(signal);
    const e = Math.min(d, s + step);
    const part = await backend.gram(zt.subarray(s * n, e * n), e - s, n);
    addTile(g, part);
  }
  return { gram: g, size: n };
}

/**
 * Column means and variances with both Grams, for a matrix small enough for the in-process
 * kernel (linalg/crossWasm.ts): the raw pass also sums the columns (the mean), and the centered
 * Gram's diagonal over N is the variance, the same float64 sums of (x - mean)^2 that
 * columnMeanAndVariance makes, in a pass that is already being made.
 */
function smallModalityGrams(m: Matrix): {
  mean: Float64Array;
  variance: Float64Array;
  raw: { gram: Float64Array; size: number };
  cen: { gram: Float64Array; size: number };
} {
  const { rows: n, cols: d } = m;
  const raw = productOfRows({ data: m.data, cols: d }, undefined, n);
  const mean = raw.sums.map((v) => v / n);
  const cen = productOfRows({ data: m.data, cols: d, mean }, undefined, n);
  return { mean, variance: diagonalOver(cen.product, d, n), raw: { gram: raw.product, size: d }, cen: { gram: cen.product, size: d } };
}

/** the diagonal of the d x d matrix g, each entry over n */
function diagonalOver(g: Float64Array, d: number, n: number): Float64Array {
  const out = new Float64Array(d);
  for (let j = 0; j < d; j++) out[j] = (g[j * d + j] as number) / n;
  return out;
}

/**
 * Z^T Z from the centered Gram: Z_c^T Z_c + N mu mu^T, with no second pass over the rows (the
 * larger half of a big modality's spectrum time). Adding the PSD rank-one term does not cancel:
 * each entry's rounding is eps times |G_c| + N |mu_a mu_b|, the size of a direct sum's own
 * rounding (N eps sum |z_a z_b|), so the spectrum agrees with a direct Gram to the eigensolver's
 * eps ||G||. (The other way round, G - N mu mu^T, cancels: the centered Gram is computed directly.)
 */
export function rawGramFromCentered(cen: Float64Array, mean: Float64Array, n: number): Float64Array {
  const d = mean.length;
  const g = new Float64Array(d * d);
  // the lower triangle, mirrored: the result is exactly symmetric whatever the rounding of n mu_a mu_b
  for (let a = 0; a < d; a++) {
    const na = n * (mean[a] as number);
    for (let b = 0; b <= a; b++) {
      const v = (cen[a * d + b] as number) + na * (mean[b] as number);
      g[a * d + b] = v;
      g[b * d + a] = v;
    }
  }
  return g;
}

/** `knownMean`: the column means of m.data where the caller has them (rows.ts normalizedEveryRow: the same numbers) */
export async function spectrumOf(
  m: Matrix,
  backend: GeometryBackend,
  signal?: AbortSignal,
  knownMean?: Float64Array,
): Promise<SpectrumResult> {
  // its eigenvalue thread starts while the Grams are made (no thread, or a small problem: nothing)
  prestartEigenThread(Math.min(m.rows, m.cols));
  const small = m.rows >= m.cols && smallProduct(m.rows, m.cols, m.cols) ? smallModalityGrams(m) : undefined;
  let mean: Float64Array;
  let variance: Float64Array;
  let cenFirst: { gram: Float64Array; size: number } | undefined;
  if (small) ({ mean, variance } = small);
  else if (m.rows >= m.cols) {
    // one pass over the rows: the centered Gram, the raw one from it, and the variances from its
    // diagonal (as smallModalityGrams: the float64 sums of (x - mean)^2, without a pass of their own)
    mean = knownMean ?? columnMean(m);
    cenFirst = await smallGram(m, backend, mean, signal);
    variance = diagonalOver(cenFirst.gram, m.cols, m.rows);
  } else {
    // N < d: Z Z^T, both directly (below), and the variances in a pass of their own
    ({ mean, variance } = columnMeanAndVariance(m));
  }
  const raw =
    small?.raw ??
    (cenFirst
      ? { gram: rawGramFromCentered(cenFirst.gram, mean, m.rows), size: cenFirst.size }
      : await smallGram(m, backend, undefined, signal));
  let trace = 0;
  for (let i = 0; i < raw.size; i++) trace += raw.gram[i * raw.size + i] as number;
  throwIfAborted(signal);
  const cen = small?.cen ?? cenFirst ?? (await smallGram(m, backend, mean, signal));
  // the two eigenproblems at once where a second thread can take one (linalg/eigenThread.ts)
  const [eig, ceig] = await eigenvaluesOfTwo(raw.gram, cen.gram, raw.size, backend, signal);
  const spectrum = new Float64Array(eig.length);
  for (let k = 0; k < eig.length; k++) spectrum[k] = Math.sqrt(Math.max(eig[k] as number, 0));

  const centeredEigen = new Float64Array(ceig.length);
  let ctotal = 0;
  for (let k = 0; k < ceig.length; k++) {
    const v = Math.max(ceig[k] as number, 0);
    centeredEigen[k] = v;
    ctotal += v;
  }
  const explainedVariance = new Float64Array(ceig.length);
  const csigma = new Float64Array(ceig.length);
  let acc = 0;
  for (let k = 0; k < ceig.length; k++) {
    acc += centeredEigen[k] as number;
    // all rows identical: no variance to explain; report 0 rather than NaN
    explainedVariance[k] = ctotal > 0 ? Math.min(1, acc / ctotal) : 0;
    csigma[k] = Math.sqrt(centeredEigen[k] as number);
  }

  const top = eig.length > 0 ? Math.max(eig[0] as number, 0) : 0;
  const effectiveRank = effectiveRankFromSingularValues(spectrum);
  const effectiveRankCentered = effectiveRankFromSingularValues(csigma);
  // the ranks above are scale-free; only the values a user reads in the file's units go back
  const scale = m.scale ?? 1;
  const storedVariance = scale === 1 ? variance : variance.map((v) => v * scale * scale);
  if (scale !== 1) for (let k = 0; k < spectrum.length; k++) spectrum[k] = (spectrum[k] as number) * scale;
  return {
    spectrum,
    centeredEigen,
    effectiveRank,
    effectiveRankCentered,
    // ||Z||_F^2 / sigma_max^2; the trace is exact where the top eigenvalue is not
    stableRank: top > 0 ? trace / top : 0,
    explainedVariance,
    mean,
    variance: storedVariance,
  };
}
