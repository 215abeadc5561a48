/**
 * The pairwise kernels of a small file (dispersive rows and retrieval counts) as WebAssembly, run
 * in-process: the wasm backend (../wasmBackend.ts) that `auto` picks below a size where
 * onnxruntime's start (its library, environment and sessions, about 0.15 s of CPU) outweighs the
 * arithmetic (see SMALL_JOB_PAIRS in ../wasmBackend.ts).
 *
 * - `dots4` / `dots1`: the dot products of four (or one) rows of a with every row of b, float32
 *   products accumulated in four float32 lanes over the row, the lanes added in float64 (as a
 *   float32 GEMM would; rows are zero-padded to a multiple of four by the caller).
 * - `dispersiveRow`: one row's dist_j = max(0, na + nb_j - 2 dot_j), its minimum m over the
 *   counted j, and sum_j exp(t (m - dist_j)) and sum_j expm1(t (m - dist_j)) in float64.
 * - `dispersiveUpper`: a sample's tile against itself, unshifted, by its upper half: row sums
 *   and, added to the columns, the mirror rows' sums (half the products and exponentials).
 * - `retrievalRow`: one row's count of dot_j > posA, and cols[j] += 1 where dot_j > posB_j.
 * exp and expm1 are written out here (WebAssembly has no transcendental instructions): see expOf;
 * expm1 near 0 is its own Taylor polynomial, so a small t keeps its digits. The unit tests hold
 * both to Math.exp / Math.expm1.
 */
import { assemble, F64, FnBuilder, I32, V128 } from './wasmAsm';
import { kernelInstance, onNewKernelMemory, wasmApi, type WasmApi } from './kernelMemory';
import { PAIR_WASM } from './kernelBytes';

const LN2_HI = 0.6931471803691238; // ln 2 with its low 32 bits cleared: n * LN2_HI / 64 is exact for |n| < 2^21
const LN2_LO = 1.9082149292705877e-10;
/** below this exp underflows past the smallest normal number; the term is taken as 0 */
const EXP_FLOOR = -708.3;
/** expm1 uses its own series for |x| below this (exp(x) - 1 would cancel) */
const EXPM1_SERIES = 0.34;
/** 2^(j/64), j = 0 .. 63, at byte 0 of the kernels' memory (written by writeExpTable), inside its reserved bytes */
const EXP_TABLE_BYTES = 64 * 8;

/** Horner's rule for sum_{n=lo..hi} x^n / n! / x^lo, leaving it on the stack (x in local `x`) */
function factorialSeries(f: FnBuilder, x: number, lo: number, hi: number): void {
  let fact = 1;
  const inv: number[] = [];
  for (let n = 1; n <= hi; n++) {
    fact *= n;
    if (n >= lo) inv.push(1 / fact);
  }
  if (lo === 0) inv.unshift(1);
  // inv[k] = 1 / (lo + k)!
  f.f64(inv[inv.length - 1] as number);
  for (let k = inv.length - 2; k >= 0; k--)
    f.get(x)
      .mulF()
      .f64(inv[k] as number)
      .addF();
}

/** the locals exp needs: n (f64), its integer (i32), r (f64) */
interface ExpLocals {
  n: number;
  ni: number;
  r: number;
}

/**
 * exp(local x) on the stack, for x <= 709: x = (64 k + j) ln2/64 + r with |r| <= ln2/128, so
 * exp(x) = 2^k 2^(j/64) exp(r); exp(r) is its Taylor polynomial of degree 5 (truncation below
 * 4e-17). A short polynomial keeps the dependency chain short: this is the inner loop's latency.
 */
function expOf(f: FnBuilder, x: number, L: ExpLocals): void {
  f.get(x)
    .f64(EXP_FLOOR)
    .maxF()
    .f64(64 / Math.LN2)
    .mulF()
    .nearestF()
    .tee(L.n)
    .op(0xaa)
    .set(L.ni);
  f.get(x)
    .f64(EXP_FLOOR)
    .maxF()
    .get(L.n)
    .f64(LN2_HI / 64)
    .mulF()
    .subF()
    .get(L.n)
    .f64(LN2_LO / 64)
    .mulF()
    .subF()
    .set(L.r);
  factorialSeries(f, L.r, 0, 5);
  // times 2^(j/64) from the table, times 2^k in the exponent bits (i32.shr_s, i64.extend_i32_s)
  f.get(L.ni).i32(63).op(0x71).i32(3).shl32().loadF().mulF();
  f.get(L.ni).i32(6).op(0x75).op(0xac).i64(1023).op(0x7c).i64(52).op(0x86, 0xbf).mulF();
  // below the floor: 0 (f64.ge leaves 1 where x is at or above it)
  f.f64(0).get(x).f64(EXP_FLOOR).op(0x66).select();
}

/** expm1(local x) from e = exp(x) (local): its own series near 0, else e - 1 */
function expm1From(f: FnBuilder, x: number, e: number): void {
  factorialSeries(f, x, 1, 14);
  f.get(x).mulF();
  f.get(e).f64(1).subF();
  // |x| < EXPM1_SERIES: the series (f64.abs, f64.lt)
  f.get(x).op(0x99).f64(EXPM1_SERIES).ltF().select();
}

/** writes the table expOf reads into memory at byte 0 */
function writeExpTable(buffer: ArrayBuffer): void {
  const t = new Float64Array(buffer, 0, EXP_TABLE_BYTES / 8);
  for (let j = 0; j < 64; j++) t[j] = 2 ** (j / 64);
}

function dotsKernel(R: number): FnBuilder {
  // params: a = &row i of a, b = &b, rb, rowBytes = 4 * padded d, out = &dots (R rows of rb f64)
  const f = new FnBuilder(`dots${R}`, [I32, I32, I32, I32, I32]);
  const [a, b, rb, rowBytes, out] = [0, 1, 2, 3, 4] as const;
  const j = f.local(I32);
  const k = f.local(I32);
  const bj = f.local(I32);
  const A = f.local(V128);
  const B: number[] = [f.local(V128), f.local(V128)];
  /** acc[c][r]: row r of a with row j + c of b */
  const acc: number[][] = [[], []];
  const aRow: number[] = [];
  for (let r = 0; r < R; r++) {
    acc[0]?.push(f.local(V128));
    acc[1]?.push(f.local(V128));
    aRow.push(f.local(I32));
  }
  const accOf = (c: number, r: number): number => acc[c]?.[r] as number;
  const rowOf = (r: number): number => aRow[r] as number;
  const bOf = (c: number): number => B[c] as number;
  for (let r = 0; r < R; r++) f.get(a).get(rowBytes).i32(r).mul32().add32().set(rowOf(r));

  /** the dots of the R rows with `cols` (1 or 2) rows of b from bj, stored at column j */
  const columns = (cols: number): void => {
    for (let c = 0; c < cols; c++) for (let r = 0; r < R; r++) f.zeroV().set(accOf(c, r));
    f.forRange(
      k,
      rowBytes,
      () => {
        for (let c = 0; c < cols; c++) {
          f.get(bj).get(k).add32();
          if (c > 0) f.get(rowBytes).add32();
          f.loadV().set(bOf(c));
        }
        // each row of a is loaded once for both rows of b
        for (let r = 0; r < R; r++) {
          f.get(rowOf(r)).get(k).add32().loadV().set(A);
          for (let c = 0; c < cols; c++) f.get(accOf(c, r)).get(A).get(bOf(c)).mulV4().addV4().set(accOf(c, r));
        }
      },
      16,
    );
    for (let c = 0; c < cols; c++) {
      for (let r = 0; r < R; r++) {
        // out[r * rb + j + c] = (l0 + l1) + (l2 + l3), in float64
        f.get(out).get(j).i32(3).shl32().add32();
        if (r > 0)
          f.get(rb)
            .i32(8 * r)
            .mul32()
            .add32();
        const x = accOf(c, r);
        f.get(x).laneF32AsF(0).get(x).laneF32AsF(1).addF();
        f.get(x).laneF32AsF(2).get(x).laneF32AsF(3).addF();
        f.addF().storeF(8 * c);
      }
    }
  };

  f.i32(0).set(j);
  f.get(b).set(bj);
  // two rows of b at a time while two are left, then the last one
  f.block(() => {
    f.loop(() => {
      f.get(j).i32(1).add32().get(rb).geS32().brIf(1);
      columns(2);
      f.get(bj).get(rowBytes).i32(2).mul32().add32().set(bj);
      f.get(j).i32(2).add32().set(j);
      f.br(0);
    });
  });
  f.block(() => {
    f.get(j).get(rb).geS32().brIf(0);
    columns(1);
  });
  return f;
}

/**
 * params: dots = &row (rb f64, overwritten with the distances), nb = &nb (rb f64), rb, na (f64),
 * skip (the j left out, or -1), t (f64), deviations (i32: 1 to sum expm1 too), out = &(min, sum,
 * sumExpm1)
 */
function dispersiveRowKernel(): FnBuilder {
  const f = new FnBuilder('dispersiveRow', [I32, I32, I32, F64, I32, F64, I32, I32]);
  const [dots, nb, rb, na, skip, t, deviations, out] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
  const j = f.local(I32);
  const at = f.local(I32);
  const v = f.local(F64);
  const m = f.local(F64);
  const x = f.local(F64);
  const L: ExpLocals = { n: f.local(F64), ni: f.local(I32), r: f.local(F64) };
  const e = f.local(F64);
  const sum = f.local(F64);
  const sumM1 = f.local(F64);
  // pass 1: distances in place, and the minimum over the counted j
  f.f64(Infinity).set(m);
  f.forRange(j, rb, () => {
    f.get(j).i32(3).shl32().set(at);
    f.get(dots).get(at).add32();
    f.get(na).get(nb).get(at).add32().loadF().addF().f64(2).get(dots).get(at).add32().loadF().mulF().subF().f64(0).maxF().tee(v);
    f.storeF();
    f.block(() => {
      f.get(j).get(skip).eq32().brIf(0);
      f.get(m).get(v).minF().set(m);
    });
  });
  // pass 2: the shifted terms
  f.f64(0).set(sum);
  f.f64(0).set(sumM1);
  f.forRange(j, rb, () => {
    f.block(() => {
      f.get(j).get(skip).eq32().brIf(0);
      f.get(t).get(m).get(dots).get(j).i32(3).shl32().add32().loadF().subF().mulF().set(x);
      expOf(f, x, L);
      f.tee(e).get(sum).addF().set(sum);
      f.get(deviations).when(() => {
        f.get(sumM1);
        expm1From(f, x, e);
        f.addF().set(sumM1);
      });
    });
  });
  f.get(out).get(m).storeF(0);
  f.get(out).get(sum).storeF(8);
  f.get(out).get(sumM1).storeF(16);
  return f;
}

/**
 * A sample's tile against itself, upper half (j > i), unshifted (no term can underflow: see
 * UNSHIFTED_MAX_T in ../onnx/graphs.ts): params dots = &row's dots with rows i+1 .. (count f64),
 * nb = &nb[i+1], count, na (f64), t (f64), cols = &colSums[i+1] (count f64, added to); returns
 * sum_j exp(-t dist_j), each term also added to its column (the mirror row's share).
 */
function dispersiveUpperKernel(): FnBuilder {
  const f = new FnBuilder('dispersiveUpper', [I32, I32, I32, F64, F64, I32], [F64]);
  const [dots, nb, count, na, t, cols] = [0, 1, 2, 3, 4, 5] as const;
  const j = f.local(I32);
  const at = f.local(I32);
  const x = f.local(F64);
  const L: ExpLocals = { n: f.local(F64), ni: f.local(I32), r: f.local(F64) };
  const e = f.local(F64);
  const sum = f.local(F64);
  const V = { x: f.local(V128), n: f.local(V128), r: f.local(V128), ni: f.local(V128), e: f.local(V128), sum: f.local(V128) };
  const end2 = f.local(I32);
  // two columns at a time in f64x2 lanes (each lane the scalar expOf's operations), then the odd one
  f.zeroV().set(V.sum);
  f.get(count).i32(-2).op(0x71).set(end2);
  f.forRange(
    j,
    end2,
    () => {
      f.get(j).i32(3).shl32().set(at);
      // x = -t max(0, na + nb_j - 2 dot_j), two lanes
      f.get(na).splatF().get(nb).get(at).add32().loadV().addV().f64(2).splatF().get(dots).get(at).add32().loadV().mulV().subV();
      f.zeroV().simdOp(0xf5); // f64x2.max
      f.get(t).f64(-1).mulF().splatF().mulV().set(V.x);
      expOfLanes(f, V);
      f.get(V.e).get(V.sum).addV().set(V.sum);
      f.get(cols).get(at).add32();
      f.get(cols).get(at).add32().loadV().get(V.e).addV().storeV();
    },
    2,
  );
  f.get(V.sum).laneF(0).get(V.sum).laneF(1).addF().set(sum);
  f.block(() => {
    f.get(j).get(count).geS32().brIf(0);
    f.get(j).i32(3).shl32().set(at);
    f.get(na).get(nb).get(at).add32().loadF().addF().f64(2).get(dots).get(at).add32().loadF().mulF().subF().f64(0).maxF();
    f.get(t).mulF().f64(-1).mulF().set(x);
    expOf(f, x, L);
    f.tee(e).get(sum).addF().set(sum);
    f.get(cols).get(at).add32();
    f.get(cols).get(at).add32().loadF().get(e).addF().storeF();
  });
  f.get(sum);
  return f;
}

/**
 * expOf on both f64x2 lanes of V.x, into V.e: the same steps per lane (the table's two entries
 * are loaded one lane at a time; 2^k is built in i64x2 lanes).
 */
function expOfLanes(f: FnBuilder, V: { x: number; n: number; r: number; ni: number; e: number }): void {
  // xc = max(x, floor); n = nearest(xc 64/ln2); ni = (i32) n
  f.get(V.x).f64(EXP_FLOOR).splatF().simdOp(0xf5).set(V.r);
  f.get(V.r)
    .f64(64 / Math.LN2)
    .splatF()
    .mulV()
    .simdOp(0x94)
    .tee(V.n)
    .simdOp(0xfc)
    .set(V.ni);
  // r = (xc - n ln2_hi/64) - n ln2_lo/64
  f.get(V.r)
    .get(V.n)
    .f64(LN2_HI / 64)
    .splatF()
    .mulV()
    .subV()
    .get(V.n)
    .f64(LN2_LO / 64)
    .splatF()
    .mulV()
    .subV()
    .set(V.r);
  // Horner's rule for the degree-5 Taylor polynomial, lane by lane
  let fact = 1;
  const inv = [1];
  for (let k = 1; k <= 5; k++) inv.push(1 / (fact *= k));
  f.f64(inv[5] as number).splatF();
  for (let k = 4; k >= 0; k--)
    f.get(V.r)
      .mulV()
      .f64(inv[k] as number)
      .splatF()
      .addV();
  // times 2^(j/64): the table's entry for each lane (i32x4.extract_lane, f64x2.replace_lane)
  f.get(V.ni).simdOp(0x1b, 0).i32(63).op(0x71).i32(3).shl32().loadF().splatF();
  f.get(V.ni).simdOp(0x1b, 1).i32(63).op(0x71).i32(3).shl32().loadF().simdOp(0x22, 1);
  f.mulV();
  // times 2^k: (ni >> 6) widened to i64x2, + 1023, << 52 (i32x4.shr_s, i64x2.extend_low_i32x4_s, i64x2.add, i64x2.shl)
  f.get(V.ni).i32(6).simdOp(0xac).simdOp(0xc7).i64(1023).simdOp(0x12).simdOp(0xce).i32(52).simdOp(0xcb);
  f.mulV();
  // below the floor: 0 (f64x2.ge gives all-ones lanes where x is at or above it; v128.and)
  f.get(V.x).f64(EXP_FLOOR).splatF().simdOp(0x4c).simdOp(0x4e).set(V.e);
}

/**
 * params: dots = &row (rb f64), rb, posA (f64), posB = &posB (rb f64), cols = &cols (rb f64,
 * added to); returns the row's count of dot_j > posA. The true match is not left out here: the
 * caller takes it back out (one pair per row at most).
 */
function retrievalRowKernel(): FnBuilder {
  const f = new FnBuilder('retrievalRow', [I32, I32, F64, I32, I32], [F64]);
  const [dots, rb, posA, posB, cols] = [0, 1, 2, 3, 4] as const;
  const j = f.local(I32);
  const at = f.local(I32);
  const s = f.local(F64);
  const c = f.local(I32);
  f.i32(0).set(c);
  f.forRange(j, rb, () => {
    f.get(j).i32(3).shl32().set(at);
    f.get(dots).get(at).add32().loadF().set(s);
    f.get(c).get(s).get(posA).gtF().add32().set(c);
    // cols[j] += (s > posB[j]) (f64.convert_i32_u)
    f.get(cols).get(at).add32();
    f.get(cols).get(at).add32().loadF().get(s).get(posB).get(at).add32().loadF().gtF().op(0xb8).addF();
    f.storeF();
  });
  f.get(c).op(0xb8);
  return f;
}

type DotsFn = (a: number, b: number, rb: number, rowBytes: number, out: number) => void;
type DispersiveRowFn = (dots: number, nb: number, rb: number, na: number, skip: number, t: number, deviations: number, out: number) => void;
type RetrievalRowFn = (dots: number, rb: number, posA: number, posB: number, cols: number) => number;
type DispersiveUpperFn = (dots: number, nb: number, count: number, na: number, t: number, cols: number) => number;

/** the compiled kernels, on the shared kernel memory (./kernelMemory.ts) */
export interface PairKernels {
  dots4: DotsFn;
  dots1: DotsFn;
  dispersiveRow: DispersiveRowFn;
  dispersiveUpper: DispersiveUpperFn;
  retrievalRow: RetrievalRowFn;
}

// the exp table lives in the shared memory's reserved bytes
onNewKernelMemory(writeExpTable);

/** the module's bytes from its builders: what kernelBytes.ts holds as PAIR_WASM */
export function assemblePairModule(): Uint8Array {
  return assemble([dotsKernel(4), dotsKernel(1), dispersiveRowKernel(), retrievalRowKernel(), dispersiveUpperKernel()]);
}

/** the kernels, or null where WebAssembly SIMD is missing */
export const pairKernels = kernelInstance(PAIR_WASM, (e): PairKernels => ({
  dots4: e.dots4 as DotsFn,
  dots1: e.dots1 as DotsFn,
  dispersiveRow: e.dispersiveRow as DispersiveRowFn,
  dispersiveUpper: e.dispersiveUpper as DispersiveUpperFn,
  retrievalRow: e.retrievalRow as RetrievalRowFn,
}));

/** a test hook: exp or expm1 exactly as the kernels compute them, as a function of one value */
export function kernelFunction(which: 'exp' | 'expm1'): (x: number) => number {
  const f = new FnBuilder('f', [F64], [F64]);
  const L: ExpLocals = { n: f.local(F64), ni: f.local(I32), r: f.local(F64) };
  const e = f.local(F64);
  expOf(f, 0, L);
  if (which === 'expm1') {
    f.set(e);
    expm1From(f, 0, e);
  }
  // a memory of its own: the table at byte 0, as in the shared one
  const api = wasmApi as WasmApi;
  const memory = new api.Memory({ initial: 1 });
  writeExpTable(memory.buffer);
  return new api.Instance(new api.Module(assemble([f])), { env: { memory } }).exports.f as (x: number) => number;
}
