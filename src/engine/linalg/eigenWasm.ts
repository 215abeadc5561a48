/**
 * The Householder tridiagonalization's hot loop (eigen.ts's fused pass) as WebAssembly f64x2
 * code. The pass is the whole O(d^3) of the one-stage eigensolver; in plain JS it runs at about
 * one multiply-add per cycle, where SIMD lanes and no bounds checks do two to three. Everything
 * else (the reflectors, the O(d) vector work per column) stays in eigen.ts.
 *
 * Exported `rows4` (and `rows1` for what is left over) does R rows i .. i+R-1 of the trailing
 * block for columns k0 .. i-1 (left of the R x R diagonal block, which the driver finishes):
 *   L[r][j] -= pv[r] pw[j] + pw[r] pv[j]          (the pending rank-2 update)
 *   s_r     += L[r][j] v[j]                       (row r's share of p[r] = (B v)[r])
 *   p[j]    += sum_r L[r][j] v[r]                 (the transposed share, lower storage)
 * Four rows at a time load the vectors' entries j (and load and store p[j]) once for four rows
 * of the matrix. All addresses are byte offsets into one memory that holds the matrix and the
 * vectors; the row sums s_r go to `out`. Where WebAssembly SIMD is missing (or the matrix does
 * not fit in 2 GB of wasm memory) wasmWorkspace returns undefined and eigen.ts uses its JS loop.
 */
import { EIGEN_SMALL_WASM } from './eigenSmallBytes';
import { F64, FnBuilder, I32, V128 } from './wasmAsm';
import { compiledModule, keptInstance, wasmApi } from './kernelMemory';

/**
 * params (all i32 byte addresses but stride and cnt): a = &L[i][k0], stride = 8 n, pv, pw, v, p =
 * &vec[k0], pvR, pwR, vR = &vec[i], cnt = i - k0, out = where s_0 .. s_{R-1} go
 */
export function rowsKernel(R: number): FnBuilder {
  const f = new FnBuilder(`rows${R}`, [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, stride, pv, pw, v, p, pvR, pwR, vR, cnt, out] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
  const x = f.local(I32);
  const end2 = f.local(I32);
  const end1 = f.local(I32);
  const rowAt: number[] = [];
  const PVr: number[] = [];
  const PWr: number[] = [];
  const Vr: number[] = [];
  const Sr: number[] = [];
  const sr: number[] = [];
  for (let r = 0; r < R; r++) {
    rowAt.push(f.local(I32));
    PVr.push(f.local(V128));
    PWr.push(f.local(V128));
    Vr.push(f.local(V128));
    Sr.push(f.local(V128));
    sr.push(f.local(F64));
  }
  const PW = f.local(V128);
  const PV = f.local(V128);
  const V = f.local(V128);
  const P = f.local(V128);
  const Lv = f.local(V128);
  const pwj = f.local(F64);
  const pvj = f.local(F64);
  const vj = f.local(F64);
  const pj = f.local(F64);
  const lj = f.local(F64);
  const at = (base: number): void => void f.get(base).get(x).add32();
  const r_ = (i: number, list: number[]): number => list[i] as number;

  // end2 = 8 * (cnt rounded down to even), end1 = 8 * cnt
  f.get(cnt).i32(-2).op(0x71).i32(3).shl32().set(end2);
  f.get(cnt).i32(3).shl32().set(end1);
  for (let r = 0; r < R; r++) {
    f.get(a).get(stride).i32(r).mul32().add32().set(r_(r, rowAt));
    f.get(pvR)
      .loadF(8 * r)
      .splatF()
      .set(r_(r, PVr));
    f.get(pwR)
      .loadF(8 * r)
      .splatF()
      .set(r_(r, PWr));
    f.get(vR)
      .loadF(8 * r)
      .splatF()
      .set(r_(r, Vr));
    f.f64(0).splatF().set(r_(r, Sr));
  }
  f.i32(0).set(x);
  f.block(() => {
    f.loop(() => {
      f.get(x).get(end2).geS32().brIf(1);
      at(pw);
      f.loadV().set(PW);
      at(pv);
      f.loadV().set(PV);
      at(v);
      f.loadV().set(V);
      at(p);
      f.loadV().set(P);
      for (let r = 0; r < R; r++) {
        // L[r][j..j+1] -= pv_r pw[j..] + pw_r pv[j..]
        at(r_(r, rowAt));
        at(r_(r, rowAt));
        f.loadV().get(r_(r, PVr)).get(PW).mulV().get(r_(r, PWr)).get(PV).mulV().addV().subV().tee(Lv).storeV();
        f.get(r_(r, Sr)).get(Lv).get(V).mulV().addV().set(r_(r, Sr));
        f.get(P).get(Lv).get(r_(r, Vr)).mulV().addV().set(P);
      }
      at(p);
      f.get(P).storeV();
      f.get(x).i32(16).add32().set(x);
      f.br(0);
    });
  });
  for (let r = 0; r < R; r++) {
    f.get(r_(r, Sr)).laneF(0).get(r_(r, Sr)).laneF(1).addF().set(r_(r, sr));
  }
  // an odd column left over (x = end2)
  f.block(() => {
    f.get(x).get(end1).geS32().brIf(0);
    at(pw);
    f.loadF().set(pwj);
    at(pv);
    f.loadF().set(pvj);
    at(v);
    f.loadF().set(vj);
    at(p);
    f.loadF().set(pj);
    for (let r = 0; r < R; r++) {
      at(r_(r, rowAt));
      at(r_(r, rowAt));
      f.loadF()
        .get(pvR)
        .loadF(8 * r)
        .get(pwj)
        .mulF()
        .get(pwR)
        .loadF(8 * r)
        .get(pvj)
        .mulF()
        .addF()
        .subF()
        .tee(lj)
        .storeF();
      f.get(r_(r, sr)).get(lj).get(vj).mulF().addF().set(r_(r, sr));
      f.get(pj)
        .get(lj)
        .get(vR)
        .loadF(8 * r)
        .mulF()
        .addF()
        .set(pj);
    }
    at(p);
    f.get(pj).storeF();
  });
  for (let r = 0; r < R; r++)
    f.get(out)
      .get(r_(r, sr))
      .storeF(8 * r);
  return f;
}

type RowsFn = (
  a: number,
  stride: number,
  pv: number,
  pw: number,
  v: number,
  p: number,
  pvR: number,
  pwR: number,
  vR: number,
  cnt: number,
  out: number,
) => void;

// eigenSmall.ts's module, kept pre-assembled, holds these two kernels (assembled from rowsKernel
// above, checked byte for byte by its test): loading it skips running the assembler, which costs a
// fresh process about 8 ms of interpreted JS
const module = compiledModule(EIGEN_SMALL_WASM);
const acquire = keptInstance(module, (ex) => ({ rows4: ex.rows4 as RowsFn, rows1: ex.rows1 as RowsFn }));

/** the matrix and the vectors of one tridiagonalization, in wasm memory, with the fused pass */
export interface WasmWorkspace {
  /** n x n, row-major; only the lower triangle is used */
  readonly L: Float64Array;
  /** four length-n vectors (pv, pw, v, w, swapped by the caller) and p */
  readonly vectors: Float64Array[];
  readonly p: Float64Array;
  /**
   * eigen.ts's fusedUpdate on the trailing block from row and column k0, with vectors[ipv] etc.;
   * also copies the block's first column (after the pass) into col[k0 ..]
   */
  fused(k0: number, ipv: number, ipw: number, iv: number, col: Float64Array): void;
  /** done with it: the kept memory may serve the next solve */
  release(): void;
}

/** largest matrix side the workspace takes (its memory stays under 2 GB, so i32 offsets are safe) */
export const WASM_MAX_SIDE = 16000;

/** set by tests to force the JS loop */
export const wasmSwitch = { enabled: true };

/** whether wasmWorkspace(n) will give a workspace (SIMD compiled here, n in range) */
export function wasmWorks(n: number): boolean {
  return wasmSwitch.enabled && n >= 2 && n <= WASM_MAX_SIDE && module() !== null && wasmApi !== undefined;
}

export function wasmWorkspace(n: number): WasmWorkspace | undefined {
  if (!wasmSwitch.enabled || n < 2 || n > WASM_MAX_SIDE) return undefined;
  const count = n * n + 5 * n + 4;
  const inst = acquire(Math.ceil((count * 8) / 65536));
  if (!inst) return undefined;
  const { rows4, rows1 } = inst.exports;
  const all = new Float64Array(inst.memory.buffer, 0, count);
  const vecAt = (s: number): number => n * n + s * n;
  // the vectors start at zero (the first step's pending update is none); the matrix part is
  // written by the caller, and only its lower triangle is read
  all.fill(0, vecAt(0));
  const vectors = [0, 1, 2, 3].map((s) => all.subarray(vecAt(s), vecAt(s) + n));
  const pAt = vecAt(4);
  const outAt = vecAt(5);
  return {
    L: all.subarray(0, n * n),
    vectors,
    p: all.subarray(pAt, pAt + n),
    release: inst.release,
    fused(k0, ipv, ipw, iv, col) {
      const pvA = vecAt(ipv);
      const pwA = vecAt(ipw);
      const vA = vecAt(iv);
      for (let i = k0; i < n;) {
        const R = i + 4 <= n ? 4 : 1;
        const run = R === 4 ? rows4 : rows1;
        run(
          8 * (i * n + k0),
          8 * n,
          8 * (pvA + k0),
          8 * (pwA + k0),
          8 * (vA + k0),
          8 * (pAt + k0),
          8 * (pvA + i),
          8 * (pwA + i),
          8 * (vA + i),
          i - k0,
          8 * outAt,
        );
        // the R x R diagonal block (lower triangle), in the same order of operations
        for (let r = 0; r < R; r++) {
          const row = (i + r) * n;
          const pvr = all[pvA + i + r] as number;
          const pwr = all[pwA + i + r] as number;
          const vr = all[vA + i + r] as number;
          let sr = all[outAt + r] as number;
          for (let c = 0; c < r; c++) {
            const j = i + c;
            const l = (all[row + j] as number) - (pvr * (all[pwA + j] as number) + pwr * (all[pvA + j] as number));
            all[row + j] = l;
            sr += l * (all[vA + j] as number);
            all[pAt + j] = (all[pAt + j] as number) + l * vr;
          }
          const lrr = (all[row + i + r] as number) - 2 * pvr * pwr;
          all[row + i + r] = lrr;
          all[pAt + i + r] = (all[pAt + i + r] as number) + sr + lrr * vr;
          col[i + r] = all[row + k0] as number;
        }
        i += R;
      }
    },
  };
}
