/**
 * Effective rank (RankMe, DESIGN.md section 2) of an embedding matrix from its d x d Gram matrix:
 * singular values of Z are the square roots of the Gram's eigenvalues.
 */
import { effectiveRankFromSingularValues, symmetricEigenvalues } from '../engine';

/** Z^T Z of an [n, d] float32 matrix, accumulated in float64. */
export function gram64(z: Float32Array, n: number, d: number): Float64Array {
  const g = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let a = 0; a < d; a++) {
      const za = z[row + a] as number;
      if (za === 0) continue;
      for (let b = a; b < d; b++) g[a * d + b] = (g[a * d + b] as number) + za * (z[row + b] as number);
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) g[a * d + b] = g[b * d + a] as number;
  return g;
}

/**
 * The min(n, d) singular values (descending) of an [n, d] matrix from its d x d Gram matrix; tiny
 * negative eigenvalues from rounding clip to 0. Keeping min(n, d) matches the report's spectrum.
 */
export function singularValuesFromGram(g: Float64Array, d: number, n: number): Float64Array {
  const ev = symmetricEigenvalues(g, d);
  const s = Float64Array.from(ev, (x) => Math.sqrt(Math.max(0, x)));
  return s.sort().reverse().slice(0, Math.min(n, d));
}

export function effectiveRank(z: Float32Array, n: number, d: number): number {
  return effectiveRankFromSingularValues(singularValuesFromGram(gram64(z, n, d), d, n));
}
