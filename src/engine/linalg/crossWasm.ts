/**
 * Small float64 products a^T b (and the Gram a^T a) as WebAssembly f64x2 code, run in-process.
 * The onnxruntime backend hands them here when they are small (smallProduct): for a 2000 x 64
 * modality, creating the float64 MatMul session and its first run cost 66 ms, where this kernel
 * takes a few, from its first call (WebAssembly is compiled before it runs; plain JS would start
 * in the interpreter). Large products stay with onnxruntime's multi-threaded GEMM.
 *
 * The kernel adds four rows' outer products at a time: out[i][j..j+1] += sum_r a_r[i] b_r[j..j+1],
 * so each output pair is loaded and stored once per four rows. A Gram does only j >= i (from the
 * even column at or before i) and mirrors the upper triangle. Sums are float64 throughout, in
 * a fixed order, so results differ from the plain-JS kernel only by reassociation.
 */
import { assemble, F64, FnBuilder, I32, V128 } from './wasmAsm';
import { kernelHeap, kernelInstance, RESERVED_BYTES } from './kernelMemory';
import { CROSS_WASM } from './kernelBytes';

/**
 * params (i32): a, b = byte addresses of the row-major inputs (rows x da, rows x db); rows; da;
 * db; out = byte address of the da x db float64 accumulator; upper = 1 for a Gram's upper triangle
 */
export function crossKernel(): FnBuilder {
  const f = new FnBuilder('cross', [I32, I32, I32, I32, I32, I32, I32]);
  const [a, b, rows, da, db, out, upper] = [0, 1, 2, 3, 4, 5, 6] as const;
  const r = f.local(I32);
  const i = f.local(I32);
  const x = f.local(I32);
  const end2 = f.local(I32);
  const end1 = f.local(I32);
  const oRow = f.local(I32);
  const strideA = f.local(I32);
  const strideB = f.local(I32);
  const R = 4;
  const aRow: number[] = [];
  const bRow: number[] = [];
  const X: number[] = [];
  for (let k = 0; k < R; k++) {
    aRow.push(f.local(I32));
    bRow.push(f.local(I32));
    X.push(f.local(V128));
  }
  const G = f.local(V128);
  const g = f.local(F64);
  const at = (k: number, list: number[]): number => list[k] as number;
  const shl3 = (): void => void f.i32(3).shl32();

  f.get(da).i32(3).shl32().set(strideA);
  f.get(db).i32(3).shl32().set(strideB);
  f.get(db).i32(-2).op(0x71).i32(3).shl32().set(end2);
  f.get(db).i32(3).shl32().set(end1);

  // one sweep over the output for rows r .. r+n-1 (n = 4, or 1 for the rows left over)
  const sweep = (n: number): void => {
    for (let k = 0; k < n; k++) {
      f.get(a).get(r).i32(k).add32().get(strideA).mul32().add32().set(at(k, aRow));
      f.get(b).get(r).i32(k).add32().get(strideB).mul32().add32().set(at(k, bRow));
    }
    f.forRange(i, da, () => {
      for (let k = 0; k < n; k++) {
        f.get(at(k, aRow)).get(i);
        shl3();
        f.add32().loadF().splatF().set(at(k, X));
      }
      f.get(out).get(i).get(strideB).mul32().add32().set(oRow);
      // x = 8 * first column: 0, or (i rounded down to even) for a Gram's upper triangle
      f.get(upper).get(i).i32(-2).op(0x71).mul32().i32(3).shl32().set(x);
      f.block(() => {
        f.loop(() => {
          f.get(x).get(end2).geS32().brIf(1);
          f.get(oRow).get(x).add32();
          f.get(oRow).get(x).add32().loadV().set(G);
          f.get(G);
          for (let k = 0; k < n; k++) {
            f.get(at(k, X)).get(at(k, bRow)).get(x).add32().loadV().mulV().addV();
          }
          f.storeV();
          f.get(x).i32(16).add32().set(x);
          f.br(0);
        });
      });
      // an odd last column
      f.block(() => {
        f.get(x).get(end1).geS32().brIf(0);
        f.get(oRow).get(x).add32();
        f.get(oRow).get(x).add32().loadF().set(g);
        f.get(g);
        for (let k = 0; k < n; k++) {
          f.get(at(k, X)).laneF(0).get(at(k, bRow)).get(x).add32().loadF().mulF().addF();
        }
        f.storeF();
      });
    });
  };

  f.i32(0).set(r);
  f.block(() => {
    f.loop(() => {
      f.get(r).i32(R).add32().get(rows).op(0x4a).brIf(1); // r + 4 > rows (i32.gt_s)
      sweep(R);
      f.get(r).i32(R).add32().set(r);
      f.br(0);
    });
  });
  f.block(() => {
    f.loop(() => {
      f.get(r).get(rows).geS32().brIf(1);
      sweep(1);
      f.get(r).i32(1).add32().set(r);
      f.br(0);
    });
  });
  return f;
}

/**
 * params (i32): src = byte address of rows x d float32 values, rows, d, mean = byte address of d
 * float64 (used when centered = 1), centered, dst = byte address of rows x d float64, sums = byte
 * address of d float64 column sums (added to, of the values written)
 */
function widenKernel(): FnBuilder {
  const f = new FnBuilder('widen', [I32, I32, I32, I32, I32, I32, I32]);
  const [src, rows, d, mean, centered, dst, sums] = [0, 1, 2, 3, 4, 5, 6] as const;
  const r = f.local(I32);
  const j = f.local(I32);
  const at = f.local(I32);
  const v = f.local(F64);
  f.i32(0).set(at);
  f.forRange(r, rows, () => {
    f.forRange(j, d, () => {
      // v = src[at] - (centered ? mean[j] : 0)
      f.get(src).get(at).i32(2).shl32().add32().loadF32AsF();
      f.get(mean).get(j).i32(3).shl32().add32().loadF().f64(0).get(centered).select().subF().set(v);
      f.get(dst).get(at).i32(3).shl32().add32().get(v).storeF();
      f.get(sums).get(j).i32(3).shl32().add32();
      f.get(sums).get(j).i32(3).shl32().add32().loadF().get(v).addF().storeF();
      f.get(at).i32(1).add32().set(at);
    });
  });
  return f;
}

type CrossFn = (a: number, b: number, rows: number, da: number, db: number, out: number, upper: number) => void;
type WidenFn = (src: number, rows: number, d: number, mean: number, centered: number, dst: number, sums: number) => void;

/** set by tests and benches to force the backend's own kernel */
export const crossWasmSwitch = { enabled: true };

/**
 * Largest product handed to the kernel, in multiply-adds (rows x da x db) and in output width.
 * Measured on the dev VM (bench/small-file.ts --kernels, CPU ms, first call / warm): a 2000 x 64
 * Gram 14 / 0.7 here against onnxruntime's 78 / 0.6 (its first run makes the session); 2000 x 128
 * 8 / 3.2 against 4 / 2.8; 2000 x 256 19 / 11 against 10 / 11. So small products come here (one
 * session fewer for a small file, about the same warm), up to 2^25 multiply-adds and 128 wide;
 * anything bigger keeps the threaded GEMM.
 */
export const SMALL_PRODUCT_MACS = 1 << 25;
export const SMALL_PRODUCT_SIDE = 128;

interface Kernels {
  cross: CrossFn;
  widen: WidenFn;
}

/** the module's bytes from its builders: what kernelBytes.ts holds as CROSS_WASM */
export function assembleCrossModule(): Uint8Array {
  return assemble([crossKernel(), widenKernel()]);
}

/** the kernels on the shared kernel memory (./kernelMemory.ts), or null where WebAssembly SIMD is missing */
const kernel = kernelInstance(CROSS_WASM, (e): Kernels => ({ cross: e.cross as CrossFn, widen: e.widen as WidenFn }));

/** whether a^T b of this size goes to the kernel here (small enough, and WebAssembly SIMD present) */
export function smallProduct(rows: number, da: number, db: number): boolean {
  return (
    crossWasmSwitch.enabled &&
    da <= SMALL_PRODUCT_SIDE &&
    db <= SMALL_PRODUCT_SIDE &&
    rows * da * db <= SMALL_PRODUCT_MACS &&
    kernel() !== null
  );
}

/**
 * a^T b for a (rows x da) and b (rows x db), da x db row-major, float64; with b undefined the
 * Gram a^T a (da = db). Callers check smallProduct first. Rows go through the kernel a block at a
 * time (BLOCK_VALUES per matrix), so the memory it touches stays small whatever the row count.
 */
export function wasmCross(a: Float64Array, b: Float64Array | undefined, rows: number, da: number, db: number): Float64Array {
  const k = kernel() as Kernels;
  const block = Math.max(4, Math.min(rows, Math.floor(BLOCK_VALUES / Math.max(da, db, 1))));
  const aAt = RESERVED_BYTES;
  const bAt = aAt + block * da * 8;
  const outAt = bAt + (b ? block * db * 8 : 0);
  const mem = new Float64Array(kernelHeap(outAt + da * db * 8));
  const acc = mem.subarray(outAt / 8, outAt / 8 + da * db);
  acc.fill(0);
  for (let s = 0; s < rows; s += block) {
    const n = Math.min(block, rows - s);
    mem.set(a.subarray(s * da, (s + n) * da), aAt / 8);
    if (b) mem.set(b.subarray(s * db, (s + n) * db), bAt / 8);
    k.cross(aAt, b ? bAt : aAt, n, da, db, outAt, b ? 0 : 1);
  }
  const result = acc.slice();
  if (!b) for (let i = 0; i < da; i++) for (let j = 0; j < i; j++) result[i * da + j] = result[j * da + i] as number;
  return result;
}

const align16 = (bytes: number): number => (bytes + 15) & ~15;
/**
 * values per matrix in one block of rows (wasmCross, productOfRows): 256 KB of float64, which stays
 * in cache and keeps the pages the kernels touch few (a fresh page costs more than its arithmetic)
 */
const BLOCK_VALUES = 1 << 15;

/** float32 rows with an optional column mean to subtract (in float64) */
export interface RowsOf {
  data: Float32Array;
  cols: number;
  mean?: Float64Array;
}

/**
 * a^T b in float64 for float32 rows a (n x da) and b (n x db), each minus its mean when given,
 * or with b undefined the Gram a^T a; also the column sums of a's values as used (of Z, or of the
 * centered rows). Rows are widened (and centered) to float64 inside the kernel, a block at a time,
 * so no float64 copy of a matrix is made in JavaScript. Callers check smallProduct(n, da, db) first.
 */
export function productOfRows(a: RowsOf, b: RowsOf | undefined, n: number): { product: Float64Array; sums: Float64Array } {
  const da = a.cols;
  const db = b ? b.cols : da;
  const k = kernel() as Kernels;
  const block = Math.max(4, Math.min(n, Math.floor(BLOCK_VALUES / Math.max(1, da, db))));
  const srcAt = RESERVED_BYTES;
  const dstA = align16(srcAt + block * Math.max(da, db) * 4);
  const dstB = align16(dstA + block * da * 8);
  const meanA = align16(dstB + (b ? block * db * 8 : 0));
  const meanB = meanA + da * 8;
  const sumsA = meanB + db * 8;
  const sumsB = sumsA + da * 8;
  const outAt = sumsB + db * 8;
  const heap = kernelHeap(outAt + da * db * 8);
  const f32 = new Float32Array(heap);
  const f64 = new Float64Array(heap);
  if (a.mean) f64.set(a.mean.subarray(0, da), meanA / 8);
  if (b?.mean) f64.set(b.mean.subarray(0, db), meanB / 8);
  f64.fill(0, sumsA / 8, outAt / 8 + da * db);
  for (let s = 0; s < n; s += block) {
    const rows = Math.min(block, n - s);
    f32.set(a.data.subarray(s * da, (s + rows) * da), srcAt / 4);
    k.widen(srcAt, rows, da, meanA, a.mean ? 1 : 0, dstA, sumsA);
    if (b) {
      f32.set(b.data.subarray(s * db, (s + rows) * db), srcAt / 4);
      k.widen(srcAt, rows, db, meanB, b.mean ? 1 : 0, dstB, sumsB);
    }
    k.cross(dstA, b ? dstB : dstA, rows, da, db, outAt, b ? 0 : 1);
  }
  const product = f64.slice(outAt / 8, outAt / 8 + da * db);
  if (!b) for (let i = 0; i < da; i++) for (let j = 0; j < i; j++) product[i * da + j] = product[j * da + i] as number;
  return { product, sums: f64.slice(sumsA / 8, sumsA / 8 + da) };
}
