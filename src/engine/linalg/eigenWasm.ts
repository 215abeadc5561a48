/**
 * The Householder tridiagonalization's hot loop (eigen.ts's fused pass) as WebAssembly f64x2
 * code. The pass is the whole O(d^3) of the one-stage eigensolver; in plain JS it runs at about
 * one multiply-add per cycle, where SIMD lanes and no bounds checks do two to three. Everything
 * else (the reflectors, the O(d) vector work per column) stays in eigen.ts.
 *
 * One exported function, `pair`, does two rows i, i + 1 of the trailing block for columns
 * k0 .. i-1 (the part left of the 2 x 2 diagonal block, which eigen.ts finishes):
 *   L[r][j] -= pv[r] pw[j] + pw[r] pv[j]          (the pending rank-2 update, r = i, i + 1)
 *   s_r     += L[r][j] v[j]                       (row r's share of p[r] = (B v)[r])
 *   p[j]    += L[i][j] v[i] + L[i+1][j] v[i+1]    (the transposed share, lower storage)
 * All addresses are byte offsets into one memory that holds the matrix and the vectors; the two
 * row sums go to `out`. Where WebAssembly SIMD is missing (or the matrix does not fit in 2 GB of
 * wasm memory) wasmWorkspace returns undefined and eigen.ts uses its JS loop.
 */
import { assemble, F64, FnBuilder, I32, V128 } from './wasmAsm';

function pairKernel(): FnBuilder {
  // params: a0 a1 pv pw v p cnt out (i32), pv0 pw0 pv1 pw1 v0 v1 (f64)
  const f = new FnBuilder('pair', [I32, I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64]);
  const a0 = 0;
  const a1 = 1;
  const pv = 2;
  const pw = 3;
  const v = 4;
  const p = 5;
  const cnt = 6;
  const out = 7;
  const pv0 = 8;
  const pw0 = 9;
  const pv1 = 10;
  const pw1 = 11;
  const v0 = 12;
  const v1 = 13;
  const x = f.local(I32);
  const end2 = f.local(I32);
  const end1 = f.local(I32);
  const vl = (): number => f.local(V128);
  const PV0 = vl();
  const PW0 = vl();
  const PV1 = vl();
  const PW1 = vl();
  const V0 = vl();
  const V1 = vl();
  const S0 = vl();
  const S1 = vl();
  const PW = vl();
  const PV = vl();
  const V = vl();
  const L0 = vl();
  const L1 = vl();
  const s0 = f.local(F64);
  const s1 = f.local(F64);
  const l0 = f.local(F64);
  const l1 = f.local(F64);
  const addr = (base: number): void => void f.get(base).get(x).add32();

  // end2 = 8 * (cnt rounded down to even), end1 = 8 * cnt
  f.get(cnt).i32(-2).op(0x71).i32(3).op(0x74).set(end2);
  f.get(cnt).i32(3).op(0x74).set(end1);
  for (const [s, vv] of [
    [pv0, PV0],
    [pw0, PW0],
    [pv1, PV1],
    [pw1, PW1],
    [v0, V0],
    [v1, V1],
  ] as const) {
    f.get(s).splatF().set(vv);
  }
  f.f64(0).splatF().tee(S0).set(S1);
  f.i32(0).set(x);
  f.block(() => {
    f.loop(() => {
      f.get(x).get(end2).geS32().brIf(1);
      addr(pw);
      f.loadV().set(PW);
      addr(pv);
      f.loadV().set(PV);
      addr(v);
      f.loadV().set(V);
      // L0 = L[i][j..j+1] - (pv0 pw[j] + pw0 pv[j])
      addr(a0);
      addr(a0);
      f.loadV().get(PV0).get(PW).mulV().get(PW0).get(PV).mulV().addV().subV().tee(L0).storeV();
      addr(a1);
      addr(a1);
      f.loadV().get(PV1).get(PW).mulV().get(PW1).get(PV).mulV().addV().subV().tee(L1).storeV();
      f.get(S0).get(L0).get(V).mulV().addV().set(S0);
      f.get(S1).get(L1).get(V).mulV().addV().set(S1);
      addr(p);
      addr(p);
      f.loadV().get(L0).get(V0).mulV().get(L1).get(V1).mulV().addV().addV().storeV();
      f.get(x).i32(16).add32().set(x);
      f.br(0);
    });
  });
  f.get(S0).laneF(0).get(S0).laneF(1).addF().set(s0);
  f.get(S1).laneF(0).get(S1).laneF(1).addF().set(s1);
  // an odd column left over (x = end2)
  f.block(() => {
    f.get(x).get(end1).geS32().brIf(0);
    addr(a0);
    addr(a0);
    f.loadF().get(pv0);
    addr(pw);
    f.loadF().mulF().get(pw0);
    addr(pv);
    f.loadF().mulF().addF().subF().tee(l0).storeF();
    addr(a1);
    addr(a1);
    f.loadF().get(pv1);
    addr(pw);
    f.loadF().mulF().get(pw1);
    addr(pv);
    f.loadF().mulF().addF().subF().tee(l1).storeF();
    f.get(s0).get(l0);
    addr(v);
    f.loadF().mulF().addF().set(s0);
    f.get(s1).get(l1);
    addr(v);
    f.loadF().mulF().addF().set(s1);
    addr(p);
    addr(p);
    f.loadF().get(l0).get(v0).mulF().get(l1).get(v1).mulF().addF().addF().storeF();
  });
  f.get(out).get(s0).storeF(0);
  f.get(out).get(s1).storeF(8);
  return f;
}

type PairFn = (
  a0: number,
  a1: number,
  pv: number,
  pw: number,
  v: number,
  p: number,
  cnt: number,
  out: number,
  pv0: number,
  pw0: number,
  pv1: number,
  pw1: number,
  v0: number,
  v1: number,
) => void;

/** the few WebAssembly calls used here (the project's lib settings leave the global untyped) */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Memory: new (desc: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Instance: new (mod: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

function module(): object | null {
  if (compiled === undefined) {
    compiled = null;
    try {
      const bytes = assemble([pairKernel()]);
      if (wasmApi?.validate(bytes)) compiled = new wasmApi.Module(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

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
}

/** largest matrix side the workspace takes (its memory stays under 2 GB, so i32 offsets are safe) */
export const WASM_MAX_SIDE = 16000;

/** set by tests to force the JS loop */
export const wasmSwitch = { enabled: true };

/**
 * One memory and instance, kept between calls: a fresh wasm memory is page-faulted in on first
 * touch, which on some machines costs as much as the whole d = 768 reduction (measured on the
 * dev VM: 50-100 ms for 4.7 MB), and the spectra solve several problems of one size in a row.
 * It grows to the largest size asked for and is dropped after KEEP_MS without use.
 */
let kept: { memory: { buffer: ArrayBuffer; grow(pages: number): number }; pair: PairFn } | undefined;
let keptTimer: ReturnType<typeof setTimeout> | undefined;
const KEEP_MS = 10_000;

export function wasmWorkspace(n: number): WasmWorkspace | undefined {
  if (!wasmSwitch.enabled || n < 2 || n > WASM_MAX_SIDE) return undefined;
  const mod = module();
  if (!mod || !wasmApi) return undefined;
  const count = n * n + 5 * n + 2;
  const pages = Math.ceil((count * 8) / 65536);
  if (!kept) {
    const memory = new wasmApi.Memory({ initial: pages });
    const inst = new wasmApi.Instance(mod, { env: { memory } });
    kept = { memory, pair: inst.exports.pair as PairFn };
  } else {
    const have = kept.memory.buffer.byteLength / 65536;
    if (have < pages) kept.memory.grow(pages - have);
  }
  if (keptTimer) clearTimeout(keptTimer);
  keptTimer = setTimeout(() => {
    kept = undefined;
    keptTimer = undefined;
  }, KEEP_MS);
  keptTimer.unref?.();
  const pair = kept.pair;
  const all = new Float64Array(kept.memory.buffer, 0, count);
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
    fused(k0, ipv, ipw, iv, col) {
      const pvA = vecAt(ipv);
      const pwA = vecAt(ipw);
      const vA = vecAt(iv);
      let i = k0;
      for (; i + 1 < n; i += 2) {
        const r0 = i * n;
        const r1 = r0 + n;
        const pv0 = all[pvA + i] as number;
        const pw0 = all[pwA + i] as number;
        const pv1 = all[pvA + i + 1] as number;
        const pw1 = all[pwA + i + 1] as number;
        const v0 = all[vA + i] as number;
        const v1 = all[vA + i + 1] as number;
        pair(
          8 * (r0 + k0),
          8 * (r1 + k0),
          8 * (pvA + k0),
          8 * (pwA + k0),
          8 * (vA + k0),
          8 * (pAt + k0),
          i - k0,
          8 * outAt,
          pv0,
          pw0,
          pv1,
          pw1,
          v0,
          v1,
        );
        const s0 = all[outAt] as number;
        const s1 = all[outAt + 1] as number;
        // the 2 x 2 diagonal block: (i, i), (i + 1, i), (i + 1, i + 1)
        const lii = (all[r0 + i] as number) - 2 * pv0 * pw0;
        const l10 = (all[r1 + i] as number) - (pv1 * pw0 + pw1 * pv0);
        const l11 = (all[r1 + i + 1] as number) - 2 * pv1 * pw1;
        all[r0 + i] = lii;
        all[r1 + i] = l10;
        all[r1 + i + 1] = l11;
        all[pAt + i] = (all[pAt + i] as number) + s0 + lii * v0 + l10 * v1;
        all[pAt + i + 1] = (all[pAt + i + 1] as number) + s1 + l10 * v0 + l11 * v1;
        col[i] = all[r0 + k0] as number;
        col[i + 1] = all[r1 + k0] as number;
      }
      if (i < n) {
        // an odd row left over
        const row = i * n;
        const vi = all[vA + i] as number;
        const pvi = all[pvA + i] as number;
        const pwi = all[pwA + i] as number;
        let s = 0;
        for (let j = k0; j < i; j++) {
          const lij = (all[row + j] as number) - (pvi * (all[pwA + j] as number) + pwi * (all[pvA + j] as number));
          all[row + j] = lij;
          s += lij * (all[vA + j] as number);
          all[pAt + j] = (all[pAt + j] as number) + lij * vi;
        }
        const lii = (all[row + i] as number) - 2 * pvi * pwi;
        all[row + i] = lii;
        all[pAt + i] = (all[pAt + i] as number) + s + lii * vi;
        col[i] = all[row + k0] as number;
      }
    },
  };
}
