/**
 * Eigenvalues of a large symmetric matrix in two stages, for widths where the one-stage
 * Householder reduction of eigen.ts (all level-2 work in plain JS) takes a minute:
 *  1. reduce to a band of width BAND with blocked Householder reflections; the O(d^3) part is
 *     two matrix products per panel, which run in the backend's float64 GEMM (ONNX Runtime);
 *  2. reduce the band to tridiagonal form with Givens rotations and bulge chasing (O(d^2 BAND),
 *     plain JS), then the implicit QL of eigen.ts.
 * Same eigenvalues as symmetricEigenvalues to rounding; used for d >= TWO_STAGE_MIN with the
 * onnxruntime backend where WebAssembly SIMD is missing (with the js backend the GEMMs would be
 * no faster than eigen.ts, and eigen.ts's SIMD pass beats it at every size measured).
 * Hard input is handled as in eigen.ts: the matrix is scaled by a power of two into the safe
 * range first (eigenvalues scaled back), panel columns are normalized before their norms are
 * formed, and the tridiagonal QL deflates absolutely and falls back to bisection, so zero,
 * rank-deficient, graded and subnormal matrices all get eigenvalues; NaN or Inf gives NaN.
 */
import { eigenvalueSteps, safeScaleExponent, tridiagonalQL } from './eigen';
import { blockedEigenvalueSteps, blockedWorks } from './eigenBlocked';
import { wasmWorks } from './eigenWasm';
import { SMALL_MAX, smallEigenvalues } from './eigenSmall';
import type { GeometryBackend } from '../types';
import { throwIfAborted } from '../types';

const BAND = 32;
/**
 * Where the two-stage method starts to pay, for the plain-JS one-stage solver (no WebAssembly
 * SIMD). Measured on the 2-core dev VM (onnxruntime CPU, one thread, side by side in one run,
 * machine shared) after eigen.ts's fused pass went to two rows at a time: the one-stage solver
 * wins at d = 768 (1.03 s vs 2.34 s) and d = 1024 (2.71 s vs 3.27 s), the two-stage one at
 * d = 1536 (17.1 s vs 20.4 s) and above (the one-stage pass streams the whole trailing matrix
 * per column). With the SIMD pass (eigenWasm.ts) the one-stage solver wins at every size
 * measured: CPU seconds, same VM, 1536: 0.56 vs 1.54; 2048: 1.48 vs 2.77; 4096: 12.7 vs 100+.
 */
export const TWO_STAGE_MIN = 1280;

/** how long the one-stage solver may hold the event loop before it lets other work (a cancel) in */
const SLICE_MS = 50;

/**
 * Eigenvalues, descending: up to SMALL_MAX, eigenSmall.ts's solver (all in WebAssembly,
 * synchronous; same eigenvalues bit for bit); above, the blocked reduction (eigenBlocked.ts) and
 * the root-free QL (eigenRootFree.ts) where WebAssembly SIMD is here; where it is missing, the two-stage method where
 * the size makes it pay, else the plain one-stage solver. All but the small path run in slices of
 * SLICE_MS and stop with an AbortError on `signal`.
 */
export async function symmetricEigenvaluesFast(
  a: Float64Array,
  n: number,
  backend: GeometryBackend,
  signal?: AbortSignal,
): Promise<Float64Array> {
  if (n <= SMALL_MAX) {
    // small problems whole in WebAssembly: no interpreter phase on a fresh process's first solves
    throwIfAborted(signal);
    const small = smallEigenvalues(a, n);
    if (small) return small;
  }
  // above eigenSmall's sizes, the reduction in panels (eigenBlocked.ts): it reads the trailing
  // block once per column where the one-stage pass reads and writes it
  if (blockedWorks(n)) return inSlices(() => blockedEigenvalueSteps(a, n), signal);
  if (n >= TWO_STAGE_MIN && backend.info.name === 'onnxruntime' && !wasmWorks(n)) {
    return twoStageEigenvalues(a, n, BAND, backend, signal);
  }
  return oneStageInSlices(a, n, signal);
}

/** whether symmetricEigenvaluesFast(_, n) is blockedEigenvalueSteps in slices (what eigenThread.ts may run on its thread) */
export function solvesBlocked(n: number): boolean {
  return n > SMALL_MAX && blockedWorks(n);
}

/** eigen.ts's one-stage solve (with its SIMD pass) in slices of SLICE_MS; bench/eigen-small.ts times it against eigenSmall */
export function oneStageInSlices(a: Float64Array, n: number, signal?: AbortSignal): Promise<Float64Array> {
  return inSlices(() => eigenvalueSteps(a, n), signal);
}

/**
 * A solve given as steps (eigenvalueSteps or blockedEigenvalueSteps), run in slices of SLICE_MS:
 * the event loop runs between them, and an abort on `signal` stops the solve with an AbortError.
 */
export async function inSlices(start: () => Generator<void, Float64Array, void>, signal?: AbortSignal): Promise<Float64Array> {
  throwIfAborted(signal);
  const steps = start();
  try {
    let last = performance.now();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() - last > SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(signal);
        last = performance.now();
      }
    }
  } finally {
    // an abort leaves the generator part way: close it, which hands back its wasm memory
    steps.return(new Float64Array(0));
  }
}

export async function twoStageEigenvalues(
  a: Float64Array,
  n: number,
  b: number,
  backend: GeometryBackend,
  signal?: AbortSignal,
): Promise<Float64Array> {
  if (!Number.isInteger(n) || n < 0 || a.length < n * n) {
    throw new RangeError(`twoStageEigenvalues: expected a ${n} x ${n} matrix, got ${a.length} values`);
  }
  const diag = new Float64Array(n);
  const amax = maxAbs(a, n);
  if (Number.isNaN(amax)) return diag.fill(NaN);
  if (amax === 0) return diag;
  // both stages run on the matrix scaled into the safe range (exactly, by a power of two)
  const s = safeScaleExponent(amax);
  const band = await reduceToBandScaled(a, n, b, 2 ** s, backend, signal);
  const off = new Float64Array(n);
  bandToTridiagonal(band, n, b, diag, off);
  tridiagonalQL(diag, off, n);
  if (s !== 0) {
    const back = 2 ** -s;
    for (let i = 0; i < n; i++) diag[i] = (diag[i] as number) * back;
  }
  return diag.sort().reverse();
}

/** largest |entry| of the n x n `a`; NaN if any entry is NaN or infinite */
function maxAbs(a: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n * n; i++) {
    const x = Math.abs(a[i] as number);
    if (!(x <= m)) {
      if (Number.isNaN(x)) return NaN;
      m = x;
    }
  }
  return Number.isFinite(m) ? m : NaN;
}

/**
 * Q^T A Q with bandwidth b, in lower band storage of width b + 2 (see bandIndex; the two spare
 * diagonals hold the bulge of stage 2). Works on a compact copy of the trailing block that
 * shrinks by b rows and columns per panel.
 */
export async function reduceToBand(
  a: Float64Array,
  n: number,
  b: number,
  backend: GeometryBackend,
  signal?: AbortSignal,
): Promise<Float64Array> {
  const amax = maxAbs(a, n);
  const s = Number.isNaN(amax) ? 0 : safeScaleExponent(amax);
  const out = await reduceToBandScaled(a, n, b, 2 ** s, backend, signal);
  if (s !== 0) {
    const back = 2 ** -s;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * back;
  }
  return out;
}

/** reduceToBand of scale * a (scale a power of two that keeps the products in range) */
async function reduceToBandScaled(
  a: Float64Array,
  n: number,
  b: number,
  scale: number,
  backend: GeometryBackend,
  signal?: AbortSignal,
): Promise<Float64Array> {
  const W = b + 2;
  const out = new Float64Array(n * W);
  let c = Float64Array.from(a.subarray(0, n * n)); // trailing block A[k:, k:], size s x s
  if (scale !== 1) for (let i = 0; i < c.length; i++) c[i] = (c[i] as number) * scale;
  let k = 0;
  for (;;) {
    throwIfAborted(signal); // a d = 4096 reduction takes seconds: stay cancellable per panel
    const s = n - k;
    if (s <= b + 1) {
      // what is left is already inside the band
      for (let i = 0; i < s; i++) for (let j = 0; j <= i; j++) out[(k + i) * W + i - j] = c[i * s + j] as number;
      break;
    }
    // the diagonal block stays as it is
    for (let i = 0; i < b; i++) for (let j = 0; j <= i; j++) out[(k + i) * W + i - j] = c[i * s + j] as number;
    const m = s - b;
    // the panel C[b:, 0:b] (m x b), copied row-major
    const panel = new Float64Array(m * b);
    for (let i = 0; i < m; i++) for (let j = 0; j < b; j++) panel[i * b + j] = c[(b + i) * s + j] as number;
    const { v, t, nr } = householderPanel(panel, m, b);
    // R (upper triangular, now in the panel's top rows) is the band below the diagonal block:
    // entry (k + b + i, k + j), i <= j, at distance b + i - j <= b
    for (let i = 0; i < Math.min(m, b); i++) {
      for (let j = i; j < b; j++) out[(k + b + i) * W + b + i - j] = panel[i * b + j] as number;
    }
    // trailing block A22 = C[b:, b:] (m x m)
    const a22 = new Float64Array(m * m);
    for (let i = 0; i < m; i++) a22.set(c.subarray((b + i) * s + b, (b + i) * s + s), i * m);
    if (nr > 0) await twoSidedUpdate(a22, m, v, t, nr, backend);
    c = a22;
    k += b;
  }
  return out;
}

/**
 * Householder QR of the m x b panel in place (R in the top rows), with the compact WY form:
 * Q = H_0 ... H_{nr-1} = I - V T V^T, V (m x nr, unit diagonal), T (nr x nr upper triangular).
 */
function householderPanel(p: Float64Array, m: number, b: number): { v: Float64Array; t: Float64Array; nr: number } {
  const nr = Math.min(b, m - 1);
  const v = new Float64Array(m * Math.max(nr, 1));
  const tau = new Float64Array(Math.max(nr, 1));
  for (let col = 0; col < nr; col++) {
    // the column is divided by its largest entry before its norm is formed (H does not depend on
    // that factor), so entries of 1e-170 do not square to zero, nor 1e170 to infinity
    let amax = 0;
    for (let i = col; i < m; i++) amax = Math.max(amax, Math.abs(p[i * b + col] as number));
    let sigma = 0;
    if (amax > 0) {
      for (let i = col + 1; i < m; i++) sigma += ((p[i * b + col] as number) / amax) ** 2;
    }
    if (!(sigma > 0)) {
      // zero below the diagonal (to within amax * 2^-537): H = I
      v[col * nr + col] = 1;
      continue;
    }
    const y0 = (p[col * b + col] as number) / amax;
    const norm = Math.sqrt(y0 * y0 + sigma);
    const beta = y0 >= 0 ? -norm : norm;
    const tc = (beta - y0) / beta;
    const scale = 1 / (y0 - beta); // |y0 - beta| >= norm >= 1
    v[col * nr + col] = 1;
    for (let i = col + 1; i < m; i++) v[i * nr + col] = ((p[i * b + col] as number) / amax) * scale;
    tau[col] = tc;
    p[col * b + col] = beta * amax;
    for (let i = col + 1; i < m; i++) p[i * b + col] = 0;
    // apply H = I - tau v v^T to the remaining panel columns
    for (let j = col + 1; j < b; j++) {
      let w = 0;
      for (let i = col; i < m; i++) w += (v[i * nr + col] as number) * (p[i * b + j] as number);
      w *= tc;
      if (w === 0) continue;
      for (let i = col; i < m; i++) p[i * b + j] = (p[i * b + j] as number) - w * (v[i * nr + col] as number);
    }
  }
  // T: T[i][i] = tau_i, T[0:i, i] = -tau_i T[0:i, 0:i] (V[:, 0:i]^T v_i)
  const t = new Float64Array(Math.max(nr, 1) ** 2);
  const z = new Float64Array(Math.max(nr, 1));
  for (let i = 0; i < nr; i++) {
    const ti = tau[i] as number;
    t[i * nr + i] = ti;
    if (ti === 0) continue;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let r = i; r < m; r++) s += (v[r * nr + j] as number) * (v[r * nr + i] as number);
      z[j] = s;
    }
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let l = j; l < i; l++) s += (t[j * nr + l] as number) * (z[l] as number);
      t[j * nr + i] = -ti * s;
    }
  }
  return { v, t, nr };
}

/**
 * A <- Q^T A Q = A - V W^T - W V^T with X = A V T and W = X - (1/2) V (T^T V^T X). The two
 * m x m x nr products are the backend's cross kernel (a^T b; A is symmetric so A^T V = A V).
 */
async function twoSidedUpdate(
  a: Float64Array,
  m: number,
  v: Float64Array,
  t: Float64Array,
  nr: number,
  backend: GeometryBackend,
): Promise<void> {
  const av = await backend.cross(a, v, m, m, nr); // m x nr
  const x = new Float64Array(m * nr);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < nr; j++) {
      let s = 0;
      for (let l = 0; l <= j; l++) s += (av[i * nr + l] as number) * (t[l * nr + j] as number);
      x[i * nr + j] = s;
    }
  }
  const vx = new Float64Array(nr * nr);
  for (let r = 0; r < m; r++) {
    for (let i = 0; i < nr; i++) {
      const vri = v[r * nr + i] as number;
      if (vri === 0) continue;
      for (let j = 0; j < nr; j++) vx[i * nr + j] = (vx[i * nr + j] as number) + vri * (x[r * nr + j] as number);
    }
  }
  const zt = new Float64Array(nr * nr); // T^T (V^T X)
  for (let i = 0; i < nr; i++) {
    for (let j = 0; j < nr; j++) {
      let s = 0;
      for (let l = 0; l <= i; l++) s += (t[l * nr + i] as number) * (vx[l * nr + j] as number);
      zt[i * nr + j] = s;
    }
  }
  // S1 = [V^T; W^T], S2 = [W^T; V^T] (2nr x m): S1^T S2 = V W^T + W V^T
  const s1 = new Float64Array(2 * nr * m);
  const s2 = new Float64Array(2 * nr * m);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < nr; j++) {
      let vz = 0;
      for (let l = 0; l < nr; l++) vz += (v[r * nr + l] as number) * (zt[l * nr + j] as number);
      const w = (x[r * nr + j] as number) - 0.5 * vz;
      const vr = v[r * nr + j] as number;
      s1[j * m + r] = vr;
      s1[(nr + j) * m + r] = w;
      s2[j * m + r] = w;
      s2[(nr + j) * m + r] = vr;
    }
  }
  const upd = await backend.cross(s1, s2, 2 * nr, m, m);
  for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) - (upd[i] as number);
}

/**
 * Band (width b) to tridiagonal by Givens rotations, one bandwidth level at a time: zero the
 * outermost entry of each column with a rotation of the two rows just above it, then chase the
 * single bulge that rotation creates down the band (Rutishauser's scheme). Rotations touch only
 * the band plus one, so each costs O(b); the compact storage (n x (b + 2), 1 MB at n = 4096)
 * keeps every access in cache, where a dense n x n matrix would miss on each column access.
 * Storage: entry (i, j), i >= j, i - j <= b + 1, at s[i * (b + 2) + i - j].
 */
export function bandToTridiagonal(s: Float64Array, n: number, b: number, diag: Float64Array, off: Float64Array): void {
  const W = b + 2;
  const at = (i: number, j: number): number => (i >= j ? i * W + i - j : j * W + j - i);
  for (let w = Math.min(b, n - 1); w >= 2; w--) {
    for (let j = 0; j + w < n; j++) {
      // zero (j + w, j) with rows (j + w - 1, j + w); then the bulge at (q + w, q - 1) and so on
      let col = j;
      let q = j + w;
      while (q < n) {
        const p = q - 1;
        const x = s[at(p, col)] as number;
        const y = s[at(q, col)] as number;
        if (y === 0) break;
        // the rotation from x and y divided by the larger: the hypotenuse of two subnormals is
        // itself subnormal and holds few digits, and x / r, y / r from it are not a rotation
        // (cs^2 + sn^2 off 1 by 1e-3 was seen: 3 I + J at n = 1024 lost its eigenvalue 3)
        const m = Math.max(Math.abs(x), Math.abs(y));
        if (!(m > 0) || !Number.isFinite(m)) break; // the input is not finite
        const xs = x / m;
        const ys = y / m;
        const r = Math.sqrt(xs * xs + ys * ys);
        const cs = xs / r;
        const sn = ys / r;
        // rows p and q are nonzero only in columns [q - w - 1, q + w]
        const lo = Math.max(0, q - w - 1);
        const hi = Math.min(n - 1, q + w);
        for (let k = lo; k <= hi; k++) {
          if (k === p || k === q) continue;
          const ip = at(p, k);
          const iq = at(q, k);
          const ap = s[ip] as number;
          const aq = s[iq] as number;
          s[ip] = cs * ap + sn * aq;
          s[iq] = cs * aq - sn * ap;
        }
        const ipp = p * W;
        const iqq = q * W;
        const ipq = q * W + 1;
        const app = s[ipp] as number;
        const aqq = s[iqq] as number;
        const apq = s[ipq] as number;
        s[ipp] = cs * cs * app + 2 * cs * sn * apq + sn * sn * aqq;
        s[iqq] = sn * sn * app - 2 * cs * sn * apq + cs * cs * aqq;
        s[ipq] = cs * sn * (aqq - app) + (cs * cs - sn * sn) * apq;
        s[at(q, col)] = 0;
        // row p took on row q's entries, out to column q + w: the new bulge is (q + w, p)
        col = p;
        q = q + w;
      }
    }
  }
  for (let i = 0; i < n; i++) diag[i] = s[i * W] as number;
  for (let i = 0; i + 1 < n; i++) off[i] = s[(i + 1) * W + 1] as number;
  off[n - 1] = 0;
}
