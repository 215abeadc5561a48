/**
 * The root-free QL iteration (Pal, Walker and Kahan; LAPACK's dsterf) for the eigenvalues of a
 * symmetric tridiagonal matrix: it works on the squares of the off-diagonal entries and needs no
 * square root per rotation. The implicit QL of eigen.ts takes a square root and a division per
 * rotation in one dependency chain, and those latencies, not the arithmetic, set its speed; this
 * one has a division or two per rotation and no root.
 *
 * A QlSweeps for eigen.ts's tridiagonalQL, which scales the matrix to a largest entry in [1, 2)
 * first (so the squares neither overflow nor lose anything that matters: an entry below 2^-537
 * squares to zero and is below eps ||T|| anyway), and falls back to bisection should this return
 * false (the budget spent, or a value not finite). Deflation as in eigen.ts: off[m] is negligible
 * next to its diagonal neighbours (relative, as dsterf has it) or next to ||T|| (absolute, which a
 * rank-deficient matrix needs).
 */

const EPS = Number.EPSILON;

/** the eigenvalues of [[a, b], [b, c]] (LAPACK's dlae2): [larger, smaller], stable for every input */
export function eigen2x2(a: number, b: number, c: number): [number, number] {
  const sm = a + c;
  const df = a - c;
  const adf = Math.abs(df);
  const ab = Math.abs(b + b);
  const [acmx, acmn] = Math.abs(a) > Math.abs(c) ? [a, c] : [c, a];
  let rt: number;
  if (adf > ab) {
    const q = ab / adf;
    rt = adf * Math.sqrt(1 + q * q);
  } else if (adf < ab) {
    const q = adf / ab;
    rt = ab * Math.sqrt(1 + q * q);
  } else rt = ab * Math.SQRT2;
  if (sm === 0) return [0.5 * rt, -0.5 * rt];
  const rt1 = 0.5 * (sm + (sm < 0 ? -rt : rt));
  // the other from the determinant, which keeps its relative accuracy
  const rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
  return rt1 > rt2 ? [rt1, rt2] : [rt2, rt1];
}

/**
 * The sweeps on the scaled tridiagonal (diag[0 .. n-1], off[0 .. n-2]); eigenvalues into diag,
 * off is overwritten. tol = eps ||T||. False when the budget ran out or a value stopped being
 * finite (the caller then bisects).
 */
export function rootFreeSweeps(diag: Float64Array, off: Float64Array, n: number, tol: number, maxSweeps: number): boolean {
  const d = diag;
  // the squares of the off-diagonal entries, in place
  const e = off;
  for (let i = 0; i + 1 < n; i++) e[i] = (e[i] as number) * (e[i] as number);
  e[n - 1] = 0;
  const tol2 = tol * tol;
  const eps2 = EPS * EPS;
  let budget = maxSweeps;
  let lo = 0;
  while (lo < n) {
    // the block [lo, m] is unreduced; e[m] is negligible and is set to zero
    let m = lo;
    while (m < n - 1) {
      const em = e[m] as number;
      if (em <= tol2 || em <= eps2 * Math.abs((d[m] as number) * (d[m + 1] as number))) {
        e[m] = 0;
        break;
      }
      m++;
    }
    if (m === lo) {
      lo++;
      continue;
    }
    if (m === lo + 1) {
      // a 2 x 2 block: both eigenvalues at once (the iteration converges slowly on these)
      const [r1, r2] = eigen2x2(d[lo] as number, Math.sqrt(e[lo] as number), d[lo + 1] as number);
      d[lo] = r1;
      d[lo + 1] = r2;
      e[lo] = 0;
      lo += 2;
      continue;
    }
    if (budget <= 0) return false;
    budget--;

    // Wilkinson-style shift from the leading 2 x 2 block
    const rte = Math.sqrt(e[lo] as number);
    let sigma = ((d[lo + 1] as number) - (d[lo] as number)) / (2 * rte);
    const r0 = Math.abs(sigma) > 1 ? Math.abs(sigma) * Math.sqrt(1 + 1 / (sigma * sigma)) : Math.sqrt(1 + sigma * sigma);
    sigma = (d[lo] as number) - rte / (sigma + (sigma >= 0 ? r0 : -r0));

    let c = 1;
    let s = 0;
    let gamma = (d[m] as number) - sigma;
    let p = gamma * gamma;
    for (let i = m - 1; i >= lo; i--) {
      const bb = e[i] as number;
      const r = p + bb;
      if (i !== m - 1) e[i + 1] = s * r;
      const oldc = c;
      c = p / r;
      s = bb / r;
      const oldgam = gamma;
      const alpha = d[i] as number;
      gamma = c * (alpha - sigma) - s * oldgam;
      d[i + 1] = oldgam + (alpha - gamma);
      p = c !== 0 ? (gamma * gamma) / c : oldc * bb;
    }
    e[lo] = s * p;
    d[lo] = sigma + gamma;
    if (!Number.isFinite(d[lo] as number) || !Number.isFinite(e[lo] as number)) return false;
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(d[i] as number)) return false;
  return true;
}
