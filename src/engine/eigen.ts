/**
 * Eigenvalues of a dense symmetric matrix: Householder reduction to tridiagonal form, then the
 * implicit QL iteration with Wilkinson-style shifts. Eigenvalues only, so no orthogonal factor is
 * accumulated: O(d^3) with a small constant, and d = 4096 fits in memory (one d x d copy).
 *
 * Speed comes from memory layout rather than cleverness: only the lower triangle is stored and
 * touched (half the traffic), and the rank-2 update of step k is fused with the matrix-vector
 * product of step k+1, so each step streams over the trailing block once instead of twice.
 */

/** Eigenvalues of the symmetric d x d row-major matrix `a` (not modified), descending. */
export function symmetricEigenvalues(a: Float64Array, d: number): Float64Array {
  if (!Number.isInteger(d) || d < 0 || a.length < d * d) {
    throw new RangeError(`symmetricEigenvalues: expected a ${d} x ${d} matrix, got ${a.length} values`);
  }
  if (d === 0) return new Float64Array(0);
  const diag = new Float64Array(d);
  const off = new Float64Array(d); // off[k] = T[k+1][k]; off[d-1] = 0
  tridiagonalize(a, d, diag, off);
  tridiagonalQL(diag, off, d);
  return diag.sort().reverse();
}

/** Householder tridiagonalization of the lower triangle of a copy of `a`. */
function tridiagonalize(a: Float64Array, n: number, diag: Float64Array, off: Float64Array): void {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j <= i; j++) L[r + j] = a[r + j] as number;
  }
  // the pending rank-2 update B -= pv pw^T + pw pv^T from the previous step (zeros at first)
  let pv = new Float64Array(n);
  let pw = new Float64Array(n);
  let v = new Float64Array(n);
  let w = new Float64Array(n);
  const p = new Float64Array(n);

  for (let k = 0; k + 2 < n; k++) {
    // bring column k (rows >= k) up to date with the pending update
    const pvk = pv[k] as number;
    const pwk = pw[k] as number;
    for (let i = k; i < n; i++) {
      const idx = i * n + k;
      L[idx] = (L[idx] as number) - ((pv[i] as number) * pwk + (pw[i] as number) * pvk);
    }
    diag[k] = L[k * n + k] as number;

    // reflector that zeroes column k below the subdiagonal
    const x0 = L[(k + 1) * n + k] as number;
    let sigma = 0;
    for (let i = k + 2; i < n; i++) {
      const x = L[i * n + k] as number;
      sigma += x * x;
    }
    v.fill(0);
    let beta = 0;
    if (sigma === 0) {
      off[k] = x0;
    } else {
      const norm = Math.sqrt(x0 * x0 + sigma);
      const alpha = x0 >= 0 ? -norm : norm;
      off[k] = alpha;
      const v0 = x0 - alpha; // same sign as x0: no cancellation
      v[k + 1] = v0;
      for (let i = k + 2; i < n; i++) v[i] = L[i * n + k] as number;
      beta = 2 / (sigma + v0 * v0);
    }

    // fused pass over the trailing block: apply the pending update, and p = B v
    p.fill(0);
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i] as number;
      const pvi = pv[i] as number;
      const pwi = pw[i] as number;
      let s = 0;
      for (let j = k + 1; j < i; j++) {
        const lij = (L[row + j] as number) - (pvi * (pw[j] as number) + pwi * (pv[j] as number));
        L[row + j] = lij;
        s += lij * (v[j] as number);
        p[j] = (p[j] as number) + lij * vi;
      }
      const lii = (L[row + i] as number) - 2 * pvi * pwi;
      L[row + i] = lii;
      p[i] = (p[i] as number) + s + lii * vi;
    }

    // w = beta p - (beta^2 / 2)(v.p) v, so that H B H = B - v w^T - w v^T
    let vp = 0;
    for (let i = k + 1; i < n; i++) vp += (v[i] as number) * (p[i] as number);
    const kk = 0.5 * beta * beta * vp;
    for (let i = k + 1; i < n; i++) w[i] = beta * (p[i] as number) - kk * (v[i] as number);
    for (let i = 0; i <= k; i++) w[i] = 0;

    // the new reflector becomes the pending update; recycle the old buffers
    const tv = pv; pv = v; v = tv;
    const tw = pw; pw = w; w = tw;
  }

  // the last 2 x 2 block still owes the final pending update
  const s0 = Math.max(0, n - 2);
  for (let i = s0; i < n; i++) {
    for (let j = s0; j <= i; j++) {
      const idx = i * n + j;
      L[idx] = (L[idx] as number) - ((pv[i] as number) * (pw[j] as number) + (pw[i] as number) * (pv[j] as number));
    }
  }
  for (let i = s0; i < n; i++) diag[i] = L[i * n + i] as number;
  if (n >= 2) off[n - 2] = L[(n - 1) * n + (n - 2)] as number;
  off[n - 1] = 0;
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (diag, off) in place into `diag`, by implicit
 * QL sweeps: for each leading index, chase a shifted rotation up from the first negligible
 * off-diagonal entry until the entry at `lo` deflates.
 */
export function tridiagonalQL(diag: Float64Array, off: Float64Array, n: number): void {
  const eps = Number.EPSILON;
  for (let lo = 0; lo < n; lo++) {
    for (let iter = 0; ; iter++) {
      // the block [lo, m] is unreduced; off[m] is negligible
      let m = lo;
      while (m < n - 1) {
        const scale = Math.abs(diag[m] as number) + Math.abs(diag[m + 1] as number);
        if (Math.abs(off[m] as number) <= eps * scale) break;
        m++;
      }
      if (m === lo) break;
      if (iter > 100) throw new Error('symmetricEigenvalues: QL iteration did not converge');

      // shift from the leading 2 x 2 block (QL works from the top, so the shift comes from there)
      const dl = diag[lo] as number;
      const el = off[lo] as number;
      let g = ((diag[lo + 1] as number) - dl) / (2 * el);
      let r = Math.hypot(g, 1);
      g = (diag[m] as number) - dl + el / (g + (g >= 0 ? r : -r));

      let s = 1;
      let c = 1;
      let shift = 0;
      let underflow = false;
      for (let i = m - 1; i >= lo; i--) {
        const f = s * (off[i] as number);
        const b = c * (off[i] as number);
        r = Math.hypot(f, g);
        off[i + 1] = r;
        if (r === 0) {
          // the rotation became trivial: the matrix split; drop this sweep's remainder
          diag[i + 1] = (diag[i + 1] as number) - shift;
          off[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = (diag[i + 1] as number) - shift;
        r = ((diag[i] as number) - g) * s + 2 * c * b;
        shift = s * r;
        diag[i + 1] = g + shift;
        g = c * r - b;
      }
      if (underflow) continue;
      diag[lo] = (diag[lo] as number) - shift;
      off[lo] = g;
      off[m] = 0;
    }
  }
}
