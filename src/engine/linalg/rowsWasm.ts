/**
 * The per-row passes every report makes over a modality (L2 norms, normalized rows, their sum,
 * and the drift between two modalities' rows) as WebAssembly, for matrices small enough to copy
 * into its memory. In a fresh process the JavaScript versions run in V8's interpreter until they
 * are optimized, boxing every float64 they compute (most of a small file's garbage collection);
 * WebAssembly is compiled before it runs. The arithmetic is the JavaScript versions' (rows.ts,
 * pairs.ts) operation for operation, in the same order, so the results are identical bit for bit
 * (the unit tests compare them with ===).
 */
import { assemble, F64, FnBuilder, I32 } from './wasmAsm';
import { kernelHeap, kernelInstance, RESERVED_BYTES } from './kernelMemory';
import { crossKernel } from './crossWasm';
import { ROWS_WASM } from './kernelBytes';

/** the L2 normalization floor of DESIGN.md section 2: z / max(||z||, 1e-12) (rows.ts re-exports it) */
export const NORM_FLOOR = 1e-12;

/** matrices up to this many values go through the kernels (their float32 copy is 16 MB at most) */
export const SMALL_ROWS_VALUES = 1 << 22;

/** set by tests to force the JavaScript loops */
export const rowsWasmSwitch = { enabled: true };

/** emits: local inv = 1 / max(sqrt(sum_j x_j^2), NORM_FLOOR) for the float32 row at local `row` */
function inverseNormOf(f: FnBuilder, row: number, d: number, j: number, s: number, x: number, inv: number): void {
  f.f64(0).set(s);
  f.forRange(j, d, () => {
    f.get(row).get(j).i32(2).shl32().add32().loadF32AsF().set(x);
    f.get(s).get(x).get(x).mulF().addF().set(s);
  });
  // f64.sqrt
  f.f64(1).get(s).op(0x9f).f64(NORM_FLOOR).maxF().divF().set(inv);
}

/** params: src, idx (i32 row numbers), count, d, z (count x d float32 out), sq (count float32 out) */
function normalizedSampleKernel(): FnBuilder {
  const f = new FnBuilder('normalizedSample', [I32, I32, I32, I32, I32, I32]);
  const [src, idx, count, d, z, sq] = [0, 1, 2, 3, 4, 5] as const;
  const r = f.local(I32);
  const j = f.local(I32);
  const row = f.local(I32);
  const out = f.local(I32);
  const s = f.local(F64);
  const x = f.local(F64);
  const inv = f.local(F64);
  const v = f.local(F64);
  f.get(z).set(out);
  f.forRange(r, count, () => {
    // row = src + 4 d idx[r]
    f.get(src).get(idx).get(r).i32(2).shl32().add32().op(0x28, 2, 0).get(d).mul32().i32(2).shl32().add32().set(row);
    inverseNormOf(f, row, d, j, s, x, inv);
    f.f64(0).set(s);
    f.forRange(j, d, () => {
      // v = fround(x * inv) (f32.demote_f64, then back); z[..] = v; s += v * v
      f.get(row).get(j).i32(2).shl32().add32().loadF32AsF().get(inv).mulF().op(0xb6, 0xbb).set(v);
      f.get(out).get(v).op(0xb6).op(0x38, 2, 0);
      f.get(s).get(v).get(v).mulF().addF().set(s);
      f.get(out).i32(4).add32().set(out);
    });
    f.get(sq).get(r).i32(2).shl32().add32().get(s).op(0xb6).op(0x38, 2, 0);
  });
  return f;
}

/** params: src, n, d, sum (d float64, added to); returns the sum over rows of the normalized rows' squared norms */
function normalizedSumKernel(): FnBuilder {
  const f = new FnBuilder('normalizedSum', [I32, I32, I32, I32], [F64]);
  const [src, n, d, sum] = [0, 1, 2, 3] as const;
  const i = f.local(I32);
  const j = f.local(I32);
  const row = f.local(I32);
  const at = f.local(I32);
  const s = f.local(F64);
  const x = f.local(F64);
  const inv = f.local(F64);
  const v = f.local(F64);
  const total = f.local(F64);
  f.f64(0).set(total);
  f.get(src).set(row);
  f.forRange(i, n, () => {
    inverseNormOf(f, row, d, j, s, x, inv);
    f.f64(0).set(s);
    f.forRange(j, d, () => {
      f.get(row).get(j).i32(2).shl32().add32().loadF32AsF().get(inv).mulF().set(v);
      f.get(sum).get(j).i32(3).shl32().add32().set(at);
      f.get(at).get(at).loadF().get(v).addF().storeF();
      f.get(s).get(v).get(v).mulF().addF().set(s);
    });
    f.get(total).get(s).addF().set(total);
    f.get(row).get(d).i32(2).shl32().add32().set(row);
  });
  f.get(total);
  return f;
}

/** params: a, b (n x d float32 each), n, d, out (n float64): out_i = ||a_i/|a_i| - b_i/|b_i| ||^2 */
function driftKernel(): FnBuilder {
  const f = new FnBuilder('drift', [I32, I32, I32, I32, I32]);
  const [a, b, n, d, out] = [0, 1, 2, 3, 4] as const;
  const i = f.local(I32);
  const j = f.local(I32);
  const rowA = f.local(I32);
  const rowB = f.local(I32);
  const s = f.local(F64);
  const x = f.local(F64);
  const ia = f.local(F64);
  const ib = f.local(F64);
  f.get(a).set(rowA);
  f.get(b).set(rowB);
  f.forRange(i, n, () => {
    inverseNormOf(f, rowA, d, j, s, x, ia);
    inverseNormOf(f, rowB, d, j, s, x, ib);
    f.f64(0).set(s);
    f.forRange(j, d, () => {
      f.get(rowA).get(j).i32(2).shl32().add32().loadF32AsF().get(ia).mulF();
      f.get(rowB).get(j).i32(2).shl32().add32().loadF32AsF().get(ib).mulF().subF().set(x);
      f.get(s).get(x).get(x).mulF().addF().set(s);
    });
    f.get(out).get(i).i32(3).shl32().add32().get(s).storeF();
    f.get(rowA).get(d).i32(2).shl32().add32().set(rowA);
    f.get(rowB).get(d).i32(2).shl32().add32().set(rowB);
  });
  return f;
}

/** params: src, idx (i32 row numbers), count, d, dst (count x d float64 out): the rows of src at idx, L2-normalized in float64 */
function normalizedRows64Kernel(): FnBuilder {
  const f = new FnBuilder('normalizedRows64', [I32, I32, I32, I32, I32]);
  const [src, idx, count, d, dst] = [0, 1, 2, 3, 4] as const;
  const r = f.local(I32);
  const j = f.local(I32);
  const row = f.local(I32);
  const out = f.local(I32);
  const s = f.local(F64);
  const x = f.local(F64);
  const inv = f.local(F64);
  f.get(dst).set(out);
  f.forRange(r, count, () => {
    f.get(src).get(idx).get(r).i32(2).shl32().add32().op(0x28, 2, 0).get(d).mul32().i32(2).shl32().add32().set(row);
    inverseNormOf(f, row, d, j, s, x, inv);
    f.forRange(j, d, () => {
      f.get(out).get(row).get(j).i32(2).shl32().add32().loadF32AsF().get(inv).mulF().storeF();
      f.get(out).i32(8).add32().set(out);
    });
  });
  return f;
}

/** params: x (total x d float64, centered in place), total, d, mean (d float64 out) */
function centerColumnsKernel(): FnBuilder {
  const f = new FnBuilder('centerColumns', [I32, I32, I32, I32]);
  const [x, total, d, mean] = [0, 1, 2, 3] as const;
  const k = f.local(I32);
  const end = f.local(I32);
  const j = f.local(I32);
  const at = f.local(I32);
  // the column sums in row order, then / total, then x -= mean (rows.ts's order: the same bits)
  const sweep = (body: () => void): void => {
    f.i32(0).set(j);
    f.i32(0).set(k);
    f.block(() => {
      f.loop(() => {
        f.get(k).get(end).geS32().brIf(1);
        f.get(mean).get(j).i32(3).shl32().add32().set(at);
        body();
        f.get(k).i32(1).add32().set(k);
        f.get(j).i32(1).add32().set(j);
        // j wraps at d (i32.eq)
        f.get(j)
          .get(d)
          .eq32()
          .when(() => void f.i32(0).set(j));
        f.br(0);
      });
    });
  };
  f.get(total).get(d).mul32().set(end);
  sweep(() => {
    f.get(at).get(at).loadF().get(x).get(k).i32(3).shl32().add32().loadF().addF().storeF();
  });
  f.forRange(j, d, () => {
    f.get(mean).get(j).i32(3).shl32().add32().set(at);
    f.get(at).get(at).loadF().get(total).op(0xb7).divF().storeF();
  });
  sweep(() => {
    f.get(x).get(k).i32(3).shl32().add32();
    f.get(x).get(k).i32(3).shl32().add32().loadF().get(at).loadF().subF().storeF();
  });
  return f;
}

/** params: x (float64 rows), count, d, u, v (d float64 each), out (2 count float64: x_r.u, x_r.v) */
function projectKernel(): FnBuilder {
  const f = new FnBuilder('project', [I32, I32, I32, I32, I32, I32]);
  const [x, count, d, u, v, out] = [0, 1, 2, 3, 4, 5] as const;
  const r = f.local(I32);
  const j = f.local(I32);
  const row = f.local(I32);
  const px = f.local(F64);
  const py = f.local(F64);
  const xv = f.local(F64);
  f.get(x).set(row);
  f.forRange(r, count, () => {
    f.f64(0).set(px);
    f.f64(0).set(py);
    f.forRange(j, d, () => {
      f.get(row).get(j).i32(3).shl32().add32().loadF().set(xv);
      f.get(px).get(xv).get(u).get(j).i32(3).shl32().add32().loadF().mulF().addF().set(px);
      f.get(py).get(xv).get(v).get(j).i32(3).shl32().add32().loadF().mulF().addF().set(py);
    });
    f.get(out).get(r).i32(4).shl32().add32().get(px).storeF(0);
    f.get(out).get(r).i32(4).shl32().add32().get(py).storeF(8);
    f.get(row).get(d).i32(3).shl32().add32().set(row);
  });
  return f;
}

interface Kernels {
  normalizedSample: (src: number, idx: number, count: number, d: number, z: number, sq: number) => void;
  normalizedSum: (src: number, n: number, d: number, sum: number) => number;
  drift: (a: number, b: number, n: number, d: number, out: number) => void;
  normalizedRows64: (src: number, idx: number, count: number, d: number, dst: number) => void;
  centerColumns: (x: number, total: number, d: number, mean: number) => void;
  project: (x: number, count: number, d: number, u: number, v: number, out: number) => void;
  cross: (a: number, b: number, rows: number, da: number, db: number, out: number, upper: number) => void;
}

/** the module's bytes from its builders: what kernelBytes.ts holds as ROWS_WASM */
export function assembleRowsModule(): Uint8Array {
  return assemble([
    normalizedSampleKernel(),
    normalizedSumKernel(),
    driftKernel(),
    normalizedRows64Kernel(),
    centerColumnsKernel(),
    projectKernel(),
    // crossWasm's Gram kernel, so the projection's covariance is made where its rows already are
    crossKernel(),
  ]);
}

/** the kernels on the shared kernel memory (./kernelMemory.ts), or null where WebAssembly SIMD is missing */
const compiled = kernelInstance(ROWS_WASM, (e): Kernels => ({
  normalizedSample: e.normalizedSample as Kernels['normalizedSample'],
  normalizedSum: e.normalizedSum as Kernels['normalizedSum'],
  drift: e.drift as Kernels['drift'],
  normalizedRows64: e.normalizedRows64 as Kernels['normalizedRows64'],
  centerColumns: e.centerColumns as Kernels['centerColumns'],
  project: e.project as Kernels['project'],
  cross: e.cross as Kernels['cross'],
}));

/** whether a matrix of this many values goes through the kernels here */
export function smallRows(values: number): boolean {
  return rowsWasmSwitch.enabled && values <= SMALL_ROWS_VALUES && compiled() !== null;
}

/** the kernels, with the shared memory grown to `bytes` past its reserved start (layouts begin at R) */
function withMemory(bytes: number): Kernels & { buffer: ArrayBuffer } {
  const k = compiled() as Kernels;
  return { ...k, buffer: kernelHeap(bytes) };
}
const R = RESERVED_BYTES;

const align8 = (bytes: number): number => (bytes + 7) & ~7;

/** rows.ts normalizedSample for a small matrix (check smallRows first) */
export function normalizedSampleWasm(data: Float32Array, d: number, rows: Int32Array): { z: Float32Array; sq: Float32Array } {
  const count = rows.length;
  const idxAt = align8(R + data.length * 4);
  const zAt = align8(idxAt + count * 4);
  const sqAt = align8(zAt + count * d * 4);
  const k = withMemory(sqAt + count * 4);
  new Float32Array(k.buffer).set(data, R / 4);
  new Int32Array(k.buffer).set(rows, idxAt / 4);
  k.normalizedSample(R, idxAt, count, d, zAt, sqAt);
  const f32 = new Float32Array(k.buffer);
  return { z: f32.slice(zAt / 4, zAt / 4 + count * d), sq: f32.slice(sqAt / 4, sqAt / 4 + count) };
}

/** pairs.ts normalizedRowSum for a small matrix (check smallRows first) */
export function normalizedRowSumWasm(data: Float32Array, n: number, d: number): { sum: Float64Array; sumSq: number } {
  const sumAt = align8(R + n * d * 4);
  const k = withMemory(sumAt + d * 8);
  new Float32Array(k.buffer).set(data.subarray(0, n * d), R / 4);
  const f64 = new Float64Array(k.buffer);
  f64.fill(0, sumAt / 8, sumAt / 8 + d);
  const sumSq = k.normalizedSum(R, n, d, sumAt);
  return { sum: f64.slice(sumAt / 8, sumAt / 8 + d), sumSq };
}

/** pairs.ts driftPerRow for small matrices (check smallRows of both first) */
export function driftPerRowWasm(a: Float32Array, b: Float32Array, n: number, d: number): Float64Array {
  const bAt = R + n * d * 4;
  const outAt = align8(bAt + n * d * 4);
  const k = withMemory(outAt + n * 8);
  const f32 = new Float32Array(k.buffer);
  f32.set(a.subarray(0, n * d), R / 4);
  f32.set(b.subarray(0, n * d), bAt / 4);
  k.drift(R, bAt, n, d, outAt);
  return new Float64Array(k.buffer).slice(outAt / 8, outAt / 8 + n);
}

/**
 * projection.ts's sample block, made in the kernels' memory and left there: the rows `rows` of
 * every matrix (datas, each n x d), L2-normalized in float64, one matrix after another, minus the
 * column mean. Returns where it is (the caller uses it before any other kernel call).
 */
function centeredSampleInHeap(
  datas: Float32Array[],
  rows: Int32Array,
  d: number,
  extra: number,
): { k: Kernels & { buffer: ArrayBuffer }; xAt: number; end: number } {
  const s = rows.length;
  const total = datas.length * s;
  const idxAt = align8(R + Math.max(0, ...datas.map((x) => x.length)) * 4);
  const xAt = align8(idxAt + s * 4);
  const meanAt = xAt + total * d * 8;
  const end = meanAt + d * 8;
  const k = withMemory(end + extra);
  new Int32Array(k.buffer).set(rows, idxAt / 4);
  for (const [g, data] of datas.entries()) {
    new Float32Array(k.buffer).set(data, R / 4);
    k.normalizedRows64(R, idxAt, s, d, xAt + g * s * d * 8);
  }
  new Float64Array(k.buffer).fill(0, meanAt / 8, meanAt / 8 + d);
  k.centerColumns(xAt, total, d, meanAt);
  return { k, xAt, end };
}

/**
 * projection.ts's covariance of the centered sample block (the Gram of its rows, d x d), with the
 * same kernel and order of sums as wasmCross, so every backend that hands small products to it
 * gets the same bits; the block stays in the kernels' memory (check smallRows of the block first)
 */
export function projectionCovarianceWasm(datas: Float32Array[], rows: Int32Array, d: number): Float64Array {
  const total = datas.length * rows.length;
  const { k, xAt, end } = centeredSampleInHeap(datas, rows, d, d * d * 8);
  const f64 = new Float64Array(k.buffer);
  f64.fill(0, end / 8, end / 8 + d * d);
  k.cross(xAt, xAt, total, d, d, end, 1);
  const cov = f64.slice(end / 8, end / 8 + d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i] as number;
  return cov;
}

/** projection.ts's coordinates: every sampled row of every matrix on u and v, [x_0.u, x_0.v, ...] per matrix */
export function projectionPointsWasm(datas: Float32Array[], rows: Int32Array, d: number, u: Float64Array, v: Float64Array): number[][] {
  const s = rows.length;
  const { k, xAt, end } = centeredSampleInHeap(datas, rows, d, 2 * d * 8 + s * 16);
  const uAt = end;
  const vAt = uAt + d * 8;
  const outAt = vAt + d * 8;
  const f64 = new Float64Array(k.buffer);
  f64.set(u, uAt / 8);
  f64.set(v, vAt / 8);
  return datas.map((_, g) => {
    k.project(xAt + g * s * d * 8, s, d, uAt, vAt, outAt);
    return Array.from(f64.subarray(outAt / 8, outAt / 8 + 2 * s));
  });
}
