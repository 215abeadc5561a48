/**
 * Householder reduction to tridiagonal form in panels (LAPACK's dsytrd / dlatrd, lower triangle),
 * for the eigensolver above eigenSmall.ts's sizes. Same reflectors as eigen.ts's one-stage
 * reduction, but their updates to the trailing block are held back: within a panel of PANEL
 * columns the matrix stays as the panel found it, A_cur = A - V W^T - W V^T, where column t of V
 * is a reflector and of W its partner (w = beta p - (beta^2 / 2)(v.p) v, p = A_cur v). Each column
 * then needs only
 *   - its own entries of A_cur (its column of A less the panel's corrections),
 *   - p = A v - V (W^T v) - W (V^T v): one read-only pass over the trailing block (symv),
 * and after the panel one rank-2k update (k = PANEL) writes the block (syr2k). The one-stage pass
 * read and wrote the block for every column; at d >= 768 that traffic was what it waited on. The
 * eigenvalues of the tridiagonal then come from the root-free QL (eigenRootFree.ts, run as its
 * WebAssembly port).
 *
 * Same arithmetic guarantees as eigen.ts (this is only the reduction; eigenvalueSteps does the
 * scaling, the QL and the bisection fallback around it), and the same reflectors
 * (householderColumn), so hard input behaves alike; the eigenvalues agree with the one-stage
 * solver's to rounding, not bit for bit (the sums run in another order).
 */
import { eigenvalueSteps, householderColumn, type Tridiagonalizer } from './eigen';
import { PANEL } from './eigenBlockedWasm';
import { compiledModule, keptInstance, wasmApi, type HeldInstance } from './kernelMemory';
import { BLOCKED_WASM } from './kernelBytes';
import { WASM_MAX_SIDE, wasmSwitch } from './eigenWasm';

type Dots = (a: number, b: number, x: number, y: number, count: number, dst: number, rows: number) => void;

interface Kernels {
  /** p[k1..] += A v, all rows (L, stride, v, p, k1, n, out) */
  symv: (L: number, stride: number, v: number, p: number, k1: number, n: number, out: number) => void;
  partner: (v: number, p: number, count: number, beta: number, V: number, W: number, Vt: number, Wt: number) => void;
  column: (a: number, stride: number, dst: number, rows: number) => void;
  absMax: (a: number, count: number) => number;
  rootFree: (n: number, tol2: number, eps2: number, budget: number, d: number, e: number) => number;
  /** L[k1.., k1..] -= V W^T + W V^T (L, stride, V, W, Vt, Wt, tstride, nb, k1, n) */
  syr2k: (
    L: number,
    stride: number,
    V: number,
    W: number,
    Vt: number,
    Wt: number,
    tstride: number,
    nb: number,
    k1: number,
    n: number,
  ) => void;
  rowDots: Dots;
  colDots: Dots;
}

const module = compiledModule(BLOCKED_WASM);
/** one instance kept between solves (fresh pages are dear; the spectra solve four of one size in a row) */
const acquire = keptInstance(module, (ex) => ex as unknown as Kernels);

/** whether blockedTridiagonalize runs here for an n x n matrix (WebAssembly SIMD, n in range) */
export function blockedWorks(n: number): boolean {
  return wasmSwitch.enabled && n >= 1 && n <= WASM_MAX_SIDE && wasmApi !== undefined && module() !== null;
}

/** row stride (in f64) of the matrix: room for the syr2k tiles' overhang, and not a multiple of 512 (rows 4 KB apart share cache sets) */
function rowStride(n: number): number {
  let ld = n + 4;
  if (ld % 512 === 0) ld += 4;
  return ld;
}

/** where everything lives, in f64 indices */
function layout(n: number): {
  ld: number;
  ldt: number;
  V: number;
  W: number;
  Vt: number;
  Wt: number;
  v: number;
  p: number;
  col: number;
  x: number;
  y: number;
  out: number;
  end: number;
} {
  const ld = rowStride(n);
  const ldt = n + 8;
  const V = ld * n;
  const W = V + PANEL * n;
  const Vt = W + PANEL * n;
  const Wt = Vt + PANEL * ldt;
  const v = Wt + PANEL * ldt;
  const p = v + ldt;
  const col = p + ldt;
  const x = col + ldt;
  const y = x + PANEL;
  const out = y + PANEL;
  return { ld, ldt, V, W, Vt, Wt, v, p, col, x, y, out, end: out + 8 };
}

/**
 * The eigenvalues (descending) of the symmetric n x n `a` as steps, one per column: this
 * reduction, then the root-free QL (eigenRootFree.ts's, in WebAssembly). The caller checks
 * blockedWorks(n) first.
 */
export function blockedEigenvalueSteps(a: Float64Array, n: number): Generator<void, Float64Array, void> {
  return eigenvalueSteps(a, n, blockedTridiagonalize, wasmRootFreeSweeps);
}

/**
 * eigenRootFree.ts's rootFreeSweeps in WebAssembly (a QlSweeps for tridiagonalQL; the same
 * eigenvalues bit for bit), on the kept memory: diag and off are copied in and back.
 */
export function wasmRootFreeSweeps(diag: Float64Array, off: Float64Array, n: number, tol: number, maxSweeps: number): boolean {
  const inst = acquire(Math.max(1, Math.ceil((16 * n) / 65536)));
  if (!inst) throw new Error('wasmRootFreeSweeps: WebAssembly SIMD is not available (blockedWorks)');
  try {
    const mem = new Float64Array(inst.memory.buffer, 0, 2 * n);
    mem.set(diag.subarray(0, n), 0);
    mem.set(off.subarray(0, n), n);
    const ok = inst.exports.rootFree(n, tol * tol, Number.EPSILON * Number.EPSILON, maxSweeps, 0, 8 * n) === 1;
    diag.set(mem.subarray(0, n));
    off.set(mem.subarray(n, 2 * n));
    return ok;
  } finally {
    inst.release();
  }
}

/** the Tridiagonalizer for eigenvalueSteps; the caller checks blockedWorks(n) first */
export const blockedTridiagonalize: Tridiagonalizer = function* (a, n, scale, diag, off) {
  const at = layout(n);
  const inst = acquire(Math.ceil((8 * at.end) / 65536));
  if (!inst) throw new Error('blockedTridiagonalize: WebAssembly SIMD is not available (blockedWorks)');
  try {
    yield* reduce(inst, a, n, scale, diag, off);
  } finally {
    inst.release();
  }
};

function* reduce(
  inst: HeldInstance<Kernels>,
  a: Float64Array,
  n: number,
  scale: number,
  diag: Float64Array,
  off: Float64Array,
): Generator<void, void, void> {
  const K = inst.exports;
  const at = layout(n);
  const { ld, ldt } = at;
  const mem = new Float64Array(inst.memory.buffer, 0, at.end);
  const view = (start: number, length: number): Float64Array => mem.subarray(start, start + length);
  const V = view(at.V, PANEL * n);
  const W = view(at.W, PANEL * n);
  const Vt = view(at.Vt, PANEL * ldt);
  const Wt = view(at.Wt, PANEL * ldt);
  const v = view(at.v, n);
  const p = view(at.p, n);
  const col = view(at.col, n);
  const B = 8; // bytes per f64

  // the lower triangle (a row's copy is one memcpy, fast even before the JIT has seen this code),
  // scaled; the few entries right of the diagonal that the syr2k tiles overwrite start at zero, so
  // no leftover of an earlier solve (a subnormal, a NaN) is computed on
  for (let i = 0; i < n; i++) {
    const r = i * ld;
    mem.set(a.subarray(i * n, i * n + i + 1), r);
    if (scale !== 1) for (let j = 0; j <= i; j++) mem[r + j] = (mem[r + j] as number) * scale;
    mem.fill(0, r + i + 1, r + Math.min(ld, i + 8));
  }
  Vt.fill(0);
  Wt.fill(0);

  for (let k0 = 0; k0 + 2 < n; k0 += PANEL) {
    const nb = Math.min(PANEL, n - 2 - k0);
    V.fill(0, k0 * PANEL);
    W.fill(0, k0 * PANEL);
    for (let j = 0; j < nb; j++) {
      const k = k0 + j;
      K.column(B * (k * ld + k), B * ld, B * (at.col + k), n - k);
      const pairs = (j + 1) >> 1;
      // the panel's earlier reflectors' share of this column: col -= V W[k]^T + W V[k]^T
      if (j > 0)
        K.rowDots(
          B * (at.V + k * PANEL),
          B * (at.W + k * PANEL),
          B * (at.W + k * PANEL),
          B * (at.V + k * PANEL),
          pairs,
          B * (at.col + k),
          n - k,
        );
      diag[k] = col[k] as number;
      const amax = K.absMax(B * (at.col + k + 1), n - k - 1);
      const beta = householderColumn(col, k, n, amax, v, off);
      if (beta !== 0) {
        const k1 = k + 1;
        p.fill(0, k1, n);
        K.symv(0, B * ld, B * at.v, B * at.p, k1, n, B * at.out);
        if (j > 0) {
          // p -= V (W^T v) + W (V^T v)
          K.colDots(B * (at.V + k1 * PANEL), B * (at.W + k1 * PANEL), B * (at.v + k1), (j + 7) >> 3, B * at.x, B * at.y, n - k1);
          K.rowDots(B * (at.V + k1 * PANEL), B * (at.W + k1 * PANEL), B * at.x, B * at.y, pairs, B * (at.p + k1), n - k1);
        }
        K.partner(
          B * (at.v + k1),
          B * (at.p + k1),
          n - k1,
          beta,
          B * (at.V + k1 * PANEL + j),
          B * (at.W + k1 * PANEL + j),
          B * (at.Vt + j * ldt + k1),
          B * (at.Wt + j * ldt + k1),
        );
      }
      yield;
    }
    // L[k1.., k1..] -= V W^T + W V^T over the panel's nb columns
    K.syr2k(0, B * ld, B * at.V, B * at.W, B * at.Vt, B * at.Wt, B * ldt, nb, k0 + nb, n);
    // the transposes start the next panel at zero, as V and W do: a column whose reflector is
    // the identity (beta = 0) is never written, and must not keep this panel's values
    for (let t = 0; t < nb; t++) {
      Vt.fill(0, t * ldt, (t + 1) * ldt);
      Wt.fill(0, t * ldt, (t + 1) * ldt);
    }
  }
  const s0 = Math.max(0, n - 2);
  for (let i = s0; i < n; i++) diag[i] = mem[i * ld + i] as number;
  if (n >= 2) off[n - 2] = mem[(n - 1) * ld + (n - 2)] as number;
  off[n - 1] = 0;
}
