/**
 * Eigenvalues of a dense symmetric matrix: Householder reduction to tridiagonal form, then the
 * implicit QL iteration with Wilkinson-style shifts. Eigenvalues only, so no orthogonal factor is
 * accumulated: O(d^3) with a small constant, and d = 4096 fits in memory (one d x d copy).
 *
 * Speed comes from memory layout rather than cleverness: only the lower triangle is stored and
 * touched (half the traffic), and the rank-2 update of step k is fused with the matrix-vector
 * product of step k+1, so each step streams over the trailing block once instead of twice.
 *
 * Robustness (every finite input gets its eigenvalues; nothing throws for lack of convergence):
 *  - the matrix is scaled by a power of two into [2^-484, 2^484] when its largest entry lies
 *    outside (LAPACK's rmin/rmax of dsyev), and the eigenvalues are scaled back: the scaling is
 *    exact, so subnormal or 1e300 inputs behave like ordinary ones;
 *  - each Householder column is normalized by its largest entry before its norm is formed, so a
 *    column of 1e-170s does not underflow to a zero (or infinite) reflector;
 *  - QL deflates an off-diagonal entry that is negligible next to its neighbours (relative test)
 *    or next to the norm of the whole tridiagonal (absolute test, |e| <= eps ||T||), which is what
 *    a rank-deficient matrix needs: its null space comes out of the reduction as a block of
 *    rounding noise where the relative test alone may never be met;
 *  - QL gets 30 n sweeps in total (LAPACK's budget); should they ever run out, or produce a
 *    non-finite value, the eigenvalues come from Sturm-sequence bisection instead, which always
 *    converges (slower: O(n^2) per bit of every eigenvalue).
 * Accuracy is LAPACK's: |lambda_i - exact_i| <= c n eps ||A|| (absolute, not relative, for the
 * eigenvalues much smaller than ||A||). Non-finite input gives NaN eigenvalues.
 */

import { wasmWorkspace, type WasmWorkspace } from './eigenWasm';

const EPS = Number.EPSILON;
/** smallest positive normal double, 2^-1022 */
const SAFE_MIN = 2 ** -1022;
/** the matrix is scaled when its largest entry falls outside [2^-LOG2_SAFE, 2^LOG2_SAFE] */
const LOG2_SAFE = 484;

/** floor(log2(x)) for a finite x > 0 (subnormals included), exactly */
function exponentOf(x: number): number {
  let e = Math.floor(Math.log2(x));
  if (e > 1023) e = 1023;
  if (e < -1074) e = -1074;
  while (e > -1074 && 2 ** e > x) e--;
  while (e < 1023 && 2 ** (e + 1) <= x) e++;
  return e;
}

/**
 * The power of two 2^s (returned as s) that brings a largest entry `amax` into the safe range,
 * or 0 when it is already there (or is 0 or not finite). |s| <= 1074 - 484, so 2^s and 2^-s are
 * both normal numbers and one multiplication applies either.
 */
export function safeScaleExponent(amax: number): number {
  if (!(amax > 0) || !Number.isFinite(amax)) return 0;
  const e = exponentOf(amax);
  if (e >= LOG2_SAFE) return LOG2_SAFE - 1 - e; // lands in [2^483, 2^484)
  if (e < -LOG2_SAFE) return -LOG2_SAFE - e; // lands in [2^-484, 2^-483)
  return 0;
}

/** largest |entry| of the lower triangle of the d x d row-major `a`; NaN if any entry is NaN or infinite */
function lowerMaxAbs(a: Float64Array, d: number): number {
  let m = 0;
  for (let i = 0; i < d; i++) {
    const r = i * d;
    for (let j = 0; j <= i; j++) {
      const x = Math.abs(a[r + j] as number);
      if (!(x <= m)) {
        if (Number.isNaN(x)) return NaN;
        m = x;
      }
    }
  }
  return Number.isFinite(m) ? m : NaN;
}

/** Eigenvalues of the symmetric d x d row-major matrix `a` (not modified), descending. */
export function symmetricEigenvalues(a: Float64Array, d: number): Float64Array {
  const steps = eigenvalueSteps(a, d);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * A reduction to tridiagonal form: writes diag and off (off[k] = T[k+1][k]) of a matrix similar to
 * `scale` times the symmetric `a` (not modified; only its lower triangle is read), one yield per
 * column.
 */
export type Tridiagonalizer = (
  a: Float64Array,
  n: number,
  scale: number,
  diag: Float64Array,
  off: Float64Array,
) => Generator<void, void, void>;

/**
 * symmetricEigenvalues as steps: one yield per column of the reduction, so an async caller
 * (eigenBand.ts) can let the event loop run, and see a cancellation, during a d = 4096 solve.
 * `reduce` and `sweeps` are this file's one-stage reduction and implicit QL unless the caller
 * brings others (eigenBlocked.ts); the scaling and the fallbacks around them are the same.
 */
export function* eigenvalueSteps(
  a: Float64Array,
  d: number,
  reduce: Tridiagonalizer = tridiagonalize,
  sweeps: QlSweeps = qlSweeps,
): Generator<void, Float64Array, void> {
  if (!Number.isInteger(d) || d < 0 || a.length < d * d) {
    throw new RangeError(`symmetricEigenvalues: expected a ${d} x ${d} matrix, got ${a.length} values`);
  }
  if (d === 0) return new Float64Array(0);
  const diag = new Float64Array(d);
  const amax = lowerMaxAbs(a, d);
  if (Number.isNaN(amax)) return diag.fill(NaN);
  if (amax === 0) return diag;
  const s = safeScaleExponent(amax);
  const off = new Float64Array(d); // off[k] = T[k+1][k]; off[d-1] = 0
  yield* reduce(a, d, 2 ** s, diag, off);
  tridiagonalQL(diag, off, d, 30 * d, sweeps);
  if (s !== 0) {
    const back = 2 ** -s;
    for (let i = 0; i < d; i++) diag[i] = (diag[i] as number) * back;
  }
  return diag.sort().reverse();
}

/**
 * The tridiagonal matrix (diag, off[0 .. d-2]) similar to the symmetric `a` (not modified), with no
 * safe-range scaling: the first stage of symmetricEigenvalues (or of the solve with another
 * `reduce`), for benchmarks and tests.
 */
export function tridiagonalForm(
  a: Float64Array,
  d: number,
  reduce: Tridiagonalizer = tridiagonalize,
): { diag: Float64Array; off: Float64Array } {
  const diag = new Float64Array(d);
  const off = new Float64Array(d);
  if (d > 0) for (const _ of reduce(a, d, 1, diag, off));
  return { diag, off };
}

/**
 * Householder tridiagonalization of the lower triangle of a copy of `a`, times `scale`. The copy
 * lives in wasm memory where eigenWasm.ts runs the fused pass as SIMD code, else in a plain array.
 */
function* tridiagonalize(a: Float64Array, n: number, scale: number, diag: Float64Array, off: Float64Array): Generator<void, void, void> {
  const ws = wasmWorkspace(n);
  try {
    yield* reduce(ws, a, n, scale, diag, off);
  } finally {
    ws?.release();
  }
}

function* reduce(
  ws: WasmWorkspace | undefined,
  a: Float64Array,
  n: number,
  scale: number,
  diag: Float64Array,
  off: Float64Array,
): Generator<void, void, void> {
  const L = ws ? ws.L : new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const r = i * n;
    if (scale === 1) for (let j = 0; j <= i; j++) L[r + j] = a[r + j] as number;
    else for (let j = 0; j <= i; j++) L[r + j] = (a[r + j] as number) * scale;
  }
  // the pending rank-2 update B -= pv pw^T + pw pv^T from the previous step (zeros at first);
  // four buffers (pv, pw, v, w) whose roles rotate, named by index for the wasm pass
  const bufs = ws ? ws.vectors : [0, 1, 2, 3].map(() => new Float64Array(n));
  const p = ws ? ws.p : new Float64Array(n);
  let ipv = 0;
  let ipw = 1;
  let iv = 2;
  let iw = 3;
  // column k of the trailing block, up to date but for the pending update: the fused pass of
  // step k - 1 leaves it here, so the column is never read with a stride of n from the matrix
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) col[i] = L[i * n] as number;

  for (let k = 0; k + 2 < n; k++) {
    const pv = bufs[ipv] as Float64Array;
    const pw = bufs[ipw] as Float64Array;
    const v = bufs[iv] as Float64Array;
    const w = bufs[iw] as Float64Array;
    // bring column k (rows >= k) up to date with the pending update
    const pvk = pv[k] as number;
    const pwk = pw[k] as number;
    let amax = 0;
    for (let i = k; i < n; i++) {
      const x = (col[i] as number) - ((pv[i] as number) * pwk + (pw[i] as number) * pvk);
      col[i] = x;
      if (i > k) {
        const ax = Math.abs(x);
        if (ax > amax) amax = ax;
      }
    }
    diag[k] = col[k] as number;

    const beta = householderColumn(col, k, n, amax, v, off);

    // fused pass over the trailing block: apply the pending update, and p = B v
    p.fill(0);
    if (ws) ws.fused(k + 1, ipv, ipw, iv, col);
    else {
      fusedUpdate(L, n, k + 1, pv, pw, v, p);
      for (let i = k + 1; i < n; i++) col[i] = L[i * n + k + 1] as number;
    }

    // w = beta p - (beta^2 / 2)(v.p) v, so that H B H = B - v w^T - w v^T
    let vp = 0;
    for (let i = k + 1; i < n; i++) vp += (v[i] as number) * (p[i] as number);
    const kk = 0.5 * beta * beta * vp;
    for (let i = k + 1; i < n; i++) w[i] = beta * (p[i] as number) - kk * (v[i] as number);
    for (let i = 0; i <= k; i++) w[i] = 0;

    // the new reflector becomes the pending update; recycle the old buffers
    [ipv, iv] = [iv, ipv];
    [ipw, iw] = [iw, ipw];
    yield;
  }
  const pv = bufs[ipv] as Float64Array;
  const pw = bufs[ipw] as Float64Array;

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
 * The reflector H = I - beta v v^T that zeroes col[k + 2 ..] below the subdiagonal: writes v
 * (zero outside k + 1 .. n - 1) and off[k] (the subdiagonal entry left), returns beta (0: H = I).
 * Formed from the column divided by its largest entry `amax` below the diagonal (the reflector
 * does not depend on that factor, and its norm cannot underflow). Shared by the one-stage and the
 * blocked reduction.
 */
export function householderColumn(col: Float64Array, k: number, n: number, amax: number, v: Float64Array, off: Float64Array): number {
  const x0 = col[k + 1] as number;
  v.fill(0);
  if (!(amax > 0)) {
    off[k] = 0;
    return 0;
  }
  let sigma = 0;
  for (let i = k + 2; i < n; i++) {
    const x = (col[i] as number) / amax;
    v[i] = x;
    sigma += x * x;
  }
  if (sigma === 0) {
    // nothing (or only entries below amax * 2^-537, whose squares vanish) to zero
    off[k] = x0;
    v.fill(0);
    return 0;
  }
  const y0 = x0 / amax;
  const norm = Math.sqrt(y0 * y0 + sigma);
  const alpha = y0 >= 0 ? -norm : norm;
  off[k] = alpha * amax;
  const v0 = y0 - alpha; // same sign as y0: no cancellation
  v[k + 1] = v0;
  return 2 / (sigma + v0 * v0);
}

/**
 * The trailing block B = L[k0:, k0:] (lower triangle): B -= pv pw^T + pw pv^T, and p += B v, in
 * one pass. Two rows at a time: the vectors' entries j are loaded once for both rows and p[j]
 * is stored once, which is most of the loads of the one-row loop (the rows themselves are read
 * and written once either way).
 */
function fusedUpdate(L: Float64Array, n: number, k0: number, pv: Float64Array, pw: Float64Array, v: Float64Array, p: Float64Array): void {
  let i = k0;
  for (; i + 1 < n; i += 2) {
    const r0 = i * n;
    const r1 = r0 + n;
    const v0 = v[i] as number;
    const v1 = v[i + 1] as number;
    const pv0 = pv[i] as number;
    const pw0 = pw[i] as number;
    const pv1 = pv[i + 1] as number;
    const pw1 = pw[i + 1] as number;
    let s0 = 0;
    let s1 = 0;
    for (let j = k0; j < i; j++) {
      const pvj = pv[j] as number;
      const pwj = pw[j] as number;
      const vj = v[j] as number;
      const l0 = (L[r0 + j] as number) - (pv0 * pwj + pw0 * pvj);
      const l1 = (L[r1 + j] as number) - (pv1 * pwj + pw1 * pvj);
      L[r0 + j] = l0;
      L[r1 + j] = l1;
      s0 += l0 * vj;
      s1 += l1 * vj;
      p[j] = (p[j] as number) + l0 * v0 + l1 * v1;
    }
    // the 2 x 2 diagonal block: (i, i), (i + 1, i), (i + 1, i + 1)
    const lii = (L[r0 + i] as number) - 2 * pv0 * pw0;
    const l10 = (L[r1 + i] as number) - (pv1 * pw0 + pw1 * pv0);
    const l11 = (L[r1 + i + 1] as number) - 2 * pv1 * pw1;
    L[r0 + i] = lii;
    L[r1 + i] = l10;
    L[r1 + i + 1] = l11;
    p[i] = (p[i] as number) + s0 + lii * v0 + l10 * v1;
    p[i + 1] = (p[i + 1] as number) + s1 + l10 * v0 + l11 * v1;
  }
  if (i < n) {
    // an odd row left over
    const row = i * n;
    const vi = v[i] as number;
    const pvi = pv[i] as number;
    const pwi = pw[i] as number;
    let s = 0;
    for (let j = k0; j < i; j++) {
      const lij = (L[row + j] as number) - (pvi * (pw[j] as number) + pwi * (pv[j] as number));
      L[row + j] = lij;
      s += lij * (v[j] as number);
      p[j] = (p[j] as number) + lij * vi;
    }
    const lii = (L[row + i] as number) - 2 * pvi * pwi;
    L[row + i] = lii;
    p[i] = (p[i] as number) + s + lii * vi;
  }
}

/** largest |entry| of the tridiagonal (diag, off[0 .. n-2]); NaN if any is NaN or infinite */
function tridiagonalMaxAbs(diag: Float64Array, off: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.abs(diag[i] as number);
    if (!(x <= m)) {
      if (Number.isNaN(x)) return NaN;
      m = x;
    }
  }
  for (let i = 0; i + 1 < n; i++) {
    const x = Math.abs(off[i] as number);
    if (!(x <= m)) {
      if (Number.isNaN(x)) return NaN;
      m = x;
    }
  }
  return Number.isFinite(m) ? m : NaN;
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (diag, off) in place into `diag` (in no
 * particular order), by implicit QL sweeps: for each leading index, chase a shifted rotation up
 * from the first negligible off-diagonal entry until the entry at `lo` deflates. `off` (entries
 * 0 .. n-2 are read) is overwritten. `maxSweeps` (default 30 n, LAPACK's) bounds the QL work;
 * past it, or on a non-finite intermediate, the eigenvalues come from tridiagonalBisection of
 * the input instead. Never throws; non-finite input gives NaN eigenvalues. `sweeps` runs the
 * sweeps proper (eigenSmall.ts passes its WebAssembly port, working on diag and off in wasm memory).
 */
export function tridiagonalQL(diag: Float64Array, off: Float64Array, n: number, maxSweeps = 30 * n, sweeps: QlSweeps = qlSweeps): void {
  if (n <= 0) return;
  const amax = tridiagonalMaxAbs(diag, off, n);
  if (Number.isNaN(amax)) {
    diag.fill(NaN, 0, n);
    return;
  }
  if (amax === 0 || n === 1) return;
  // scaled in two exact steps, into the safe range and then to a largest entry in [1, 2), so
  // that T and 2^k T give the QL sweeps the same numbers (its choice of formula for the
  // hypotenuse depends on magnitudes), hence eigenvalues exactly 2^k apart
  const s1 = safeScaleExponent(amax);
  const s2 = -exponentOf(amax * 2 ** s1);
  for (const e of [s1, s2]) {
    if (e === 0) continue;
    const f = 2 ** e;
    for (let i = 0; i < n; i++) diag[i] = (diag[i] as number) * f;
    for (let i = 0; i + 1 < n; i++) off[i] = (off[i] as number) * f;
  }
  // the input, kept for the fallback
  const d0 = diag.slice(0, n);
  const e0 = off.slice(0, n);
  e0[n - 1] = 0;
  const ok = sweeps(diag, off, n, EPS * (amax * 2 ** s1 * 2 ** s2), maxSweeps);
  if (!ok) {
    const ev = tridiagonalBisection(d0, e0, n);
    diag.set(ev.subarray(0, n));
  }
  for (const e of [s2, s1]) {
    if (e === 0) continue;
    const back = 2 ** -e;
    for (let i = 0; i < n; i++) diag[i] = (diag[i] as number) * back;
  }
}

/**
 * sqrt(a^2 + b^2) without Math.hypot's cost (V8's is a slow generic path, and QL calls it once
 * per rotation). Formed as m sqrt(1 + (s/m)^2), m the larger magnitude, so it cannot overflow
 * or underflow and it commutes exactly with power-of-two scaling, which keeps the solver's
 * eigenvalues of 2^k A exactly 2^k times those of A.
 */
function hyp(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const m = x > y ? x : y;
  if (m === 0) return 0;
  const r = (x > y ? y : x) / m;
  return m * Math.sqrt(1 + r * r);
}

/** the QL sweeps on the scaled tridiagonal: qlSweeps here, or eigenSmall.ts's WebAssembly port of it */
export type QlSweeps = (diag: Float64Array, off: Float64Array, n: number, tol: number, maxSweeps: number) => boolean;

/** the QL iteration proper; false when the budget ran out or a value stopped being finite */
function qlSweeps(diag: Float64Array, off: Float64Array, n: number, tol: number, maxSweeps: number): boolean {
  let budget = maxSweeps;
  // tol = eps ||T||, ||T|| in [1, 2) (the caller's scaling): a rotation whose hypotenuse lies
  // between ||T|| 2^-200 and ||T|| 2^60 loses nothing to underflow or overflow in f^2 + g^2
  const norm = tol / EPS;
  const small2 = norm * 2 ** -200 * (norm * 2 ** -200);
  const big2 = norm * 2 ** 60 * (norm * 2 ** 60);
  for (let lo = 0; lo < n; lo++) {
    for (;;) {
      // the block [lo, m] is unreduced; off[m] is negligible (absolutely, or next to its diagonal
      // neighbours) and is set to zero, which moves the eigenvalues by at most tol
      let m = lo;
      while (m < n - 1) {
        const e = Math.abs(off[m] as number);
        if (e <= tol || e <= EPS * (Math.abs(diag[m] as number) + Math.abs(diag[m + 1] as number))) {
          off[m] = 0;
          break;
        }
        m++;
      }
      if (m === lo) break;
      if (budget <= 0) return false;
      budget--;

      // shift from the leading 2 x 2 block (QL works from the top, so the shift comes from there)
      const dl = diag[lo] as number;
      const el = off[lo] as number;
      let g = ((diag[lo + 1] as number) - dl) / (2 * el);
      let r = hyp(g, 1);
      g = (diag[m] as number) - dl + el / (g + (g >= 0 ? r : -r));

      let s = 1;
      let c = 1;
      let shift = 0;
      let split = false;
      for (let i = m - 1; i >= lo; i--) {
        const f = s * (off[i] as number);
        const b = c * (off[i] as number);
        // sqrt(f^2 + g^2) straight where the sum of squares is far from both ends of the range
        // (bounds relative to ||T||, so the choice is the same for 2^k T), else hyp
        const r2 = f * f + g * g;
        r = r2 > small2 && r2 < big2 ? Math.sqrt(r2) : hyp(f, g);
        off[i + 1] = r;
        if (r === 0) {
          // the rotation became trivial: the matrix split at i + 1; drop this sweep's remainder
          diag[i + 1] = (diag[i + 1] as number) - shift;
          off[m] = 0;
          split = true;
          break;
        }
        const inv = 1 / r;
        s = f * inv;
        c = g * inv;
        g = (diag[i + 1] as number) - shift;
        r = ((diag[i] as number) - g) * s + 2 * c * b;
        shift = s * r;
        diag[i + 1] = g + shift;
        g = c * r - b;
      }
      if (split) continue;
      diag[lo] = (diag[lo] as number) - shift;
      off[lo] = g;
      off[m] = 0;
      // a NaN never deflates; stop at once rather than spend the budget on it
      if (!Number.isFinite(g) || !Number.isFinite(diag[lo] as number)) return false;
    }
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(diag[i] as number)) return false;
  return true;
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (diag, off[0 .. n-2]), ascending, by bisection
 * on Sturm counts (LAPACK's dstebz, all eigenvalues): always converges, to an absolute error of
 * about eps ||T||, in O(n^2 log(1/eps)). The inputs are not modified.
 */
export function tridiagonalBisection(diag: Float64Array, off: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 0) return out;
  const amax = tridiagonalMaxAbs(diag, off, n);
  if (Number.isNaN(amax)) return out.fill(NaN);
  if (amax === 0) return out;
  const sc = safeScaleExponent(amax);
  const f = 2 ** sc;
  const d = new Float64Array(n);
  const e2 = new Float64Array(n); // e2[i] = off[i]^2, the coupling of i and i + 1
  let e2max = 0;
  for (let i = 0; i < n; i++) d[i] = (diag[i] as number) * f;
  for (let i = 0; i + 1 < n; i++) {
    const x = (off[i] as number) * f;
    e2[i] = x * x;
    if ((e2[i] as number) > e2max) e2max = e2[i] as number;
  }
  // Gershgorin bounds
  let gl = Infinity;
  let gu = -Infinity;
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? Math.abs((off[i - 1] as number) * f) : 0) + (i + 1 < n ? Math.abs((off[i] as number) * f) : 0);
    gl = Math.min(gl, (d[i] as number) - r);
    gu = Math.max(gu, (d[i] as number) + r);
  }
  const tnrm = Math.max(Math.abs(gl), Math.abs(gu));
  const pivmin = SAFE_MIN * Math.max(1, e2max);
  gl -= 2 * EPS * tnrm * n + 2 * pivmin;
  gu += 2 * EPS * tnrm * n + 2 * pivmin;
  const atol = 2 * EPS * tnrm;

  /** number of eigenvalues < x (the negative pivots of T - x I) */
  const count = (x: number): number => {
    let c = 0;
    let q = (d[0] as number) - x;
    if (Math.abs(q) < pivmin) q = -pivmin;
    if (q < 0) c++;
    for (let i = 1; i < n; i++) {
      q = (d[i] as number) - x - (e2[i - 1] as number) / q;
      if (!(Math.abs(q) >= pivmin)) q = -pivmin;
      if (q < 0) c++;
    }
    return c;
  };

  // brackets for every eigenvalue (ascending), narrowed by every count
  const lower = new Float64Array(n).fill(gl);
  const upper = new Float64Array(n).fill(gu);
  for (let k = 0; k < n; k++) {
    for (let it = 0; it < 2200; it++) {
      const a = lower[k] as number;
      const b = upper[k] as number;
      if (b - a <= atol + 2 * EPS * Math.max(Math.abs(a), Math.abs(b))) break;
      const mid = a + 0.5 * (b - a);
      if (!(mid > a && mid < b)) break;
      const c = count(mid);
      // eigenvalues k .. c-1 are below mid, c .. n-1 above
      for (let j = k; j < c; j++) if (mid < (upper[j] as number)) upper[j] = mid;
      for (let j = Math.max(k, c); j < n; j++) if (mid > (lower[j] as number)) lower[j] = mid;
    }
    out[k] = ((lower[k] as number) + (upper[k] as number)) / 2;
    // the next eigenvalue is not below this one
    if (k + 1 < n && (lower[k + 1] as number) < (lower[k] as number)) lower[k + 1] = lower[k] as number;
  }
  if (sc !== 0) {
    const back = 2 ** -sc;
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) * back;
  }
  return out;
}
