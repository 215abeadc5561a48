/**
 * Stand-in for src/engine's pure helpers until that module lands (same names and meaning as
 * docs/architecture.md): cyclic Jacobi eigenvalues of a small symmetric matrix, and RankMe.
 */

/** Eigenvalues of a symmetric d x d row-major matrix (order unspecified). */
export function symmetricEigenvalues(a: Float64Array, d: number): Float64Array {
  const m = Float64Array.from(a);
  const at = (i: number, j: number) => m[i * d + j] as number;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < d; i++) {
      diag += at(i, i) * at(i, i);
      for (let j = i + 1; j < d; j++) off += at(i, j) * at(i, j);
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = at(p, q);
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (at(q, q) - at(p, p)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = at(k, p);
          const mkq = at(k, q);
          m[k * d + p] = c * mkp - s * mkq;
          m[k * d + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = at(p, k);
          const mqk = at(q, k);
          m[p * d + k] = c * mpk - s * mqk;
          m[q * d + k] = s * mpk + c * mqk;
        }
      }
    }
  }
  return Float64Array.from({ length: d }, (_, i) => at(i, i));
}

/** RankMe: exp(-sum p log p), p_k = sigma_k / sum(sigma) + 1e-7. */
export function effectiveRankFromSingularValues(sigma: Float64Array): number {
  let total = 0;
  for (const s of sigma) total += s;
  if (total <= 0) return 0;
  let h = 0;
  for (const s of sigma) {
    const p = s / total + 1e-7;
    h -= p * Math.log(p);
  }
  return Math.exp(h);
}
