/**
 * The kernels as in-process WebAssembly (linalg/pairWasm.ts, linalg/crossWasm.ts): the backend
 * for small problems, where onnxruntime's start (loading the library, its environment and one
 * session per graph: about 0.15 s of CPU before the first number) costs more than the arithmetic.
 * Same semantics as the other backends: float32 products for the pairwise kernels (as onnxruntime's
 * float32 GEMM), float64 row terms, float64 Grams. One thread.
 */
import { pairKernels, type PairKernels } from './linalg/pairWasm';
import { kernelHeap, RESERVED_BYTES } from './linalg/kernelMemory';
import { wasmCross } from './linalg/crossWasm';
import { UNSHIFTED_MAX_T } from './onnx/graphs';
import type { DispersiveRows, GeometryBackend } from './types';
import { afterEventLoop } from './jsBackend';
import { sameRows } from './rows';

/**
 * Pairwise rows (N in the O(N^2) passes, per modality) up to which `auto` computes here rather than
 * in onnxruntime: measured on the dev VM (bench/small-file.ts), a 2000 x 64 file's whole report
 * takes less CPU here than onnxruntime's start-up alone, while at 8192 x 768 onnxruntime's threaded
 * GEMM is several times faster.
 */
export const SMALL_JOB_ROWS = 4096;

/** whether the WebAssembly kernels compile here (SIMD present) */
export function wasmKernelsWork(): boolean {
  return pairKernels() !== null;
}

/** where one tile's inputs sit in the kernels' memory (byte offsets), the rows zero-padded to a multiple of four */
interface TileLayout {
  rowBytes: number;
  a: number;
  b: number;
  /** rb float64 values (nb, or posB) */
  vec: number;
  /** rb float64 (the retrieval column counts) */
  cols: number;
  /** 4 x rb float64: a row block's dots, then its distances */
  dots: number;
  /** 3 float64: one row's min, sum, sumExpm1 */
  out: number;
  heap: Float64Array;
}

function layTile(a: Float32Array, ra: number, b: Float32Array, rb: number, d: number, vec: Float32Array): TileLayout {
  const dp = (d + 3) & ~3;
  const rowBytes = dp * 4;
  const at = { a: RESERVED_BYTES, b: RESERVED_BYTES + ra * rowBytes };
  const vecAt = at.b + rb * rowBytes;
  const colsAt = vecAt + rb * 8;
  const dotsAt = colsAt + rb * 8;
  const outAt = dotsAt + 4 * rb * 8;
  const buffer = kernelHeap(outAt + 32);
  const f32 = new Float32Array(buffer);
  const put = (src: Float32Array, rows: number, byteAt: number): void => {
    if (dp === d) {
      f32.set(src.subarray(0, rows * d), byteAt / 4);
      return;
    }
    for (let i = 0; i < rows; i++) {
      const o = byteAt / 4 + i * dp;
      f32.set(src.subarray(i * d, (i + 1) * d), o);
      f32.fill(0, o + d, o + dp);
    }
  };
  put(a, ra, at.a);
  put(b, rb, at.b);
  const heap = new Float64Array(buffer);
  heap.set(vec.subarray(0, rb), vecAt / 8);
  heap.fill(0, colsAt / 8, colsAt / 8 + rb);
  return { rowBytes, a: at.a, b: at.b, vec: vecAt, cols: colsAt, dots: dotsAt, out: outAt, heap };
}

/** the dots of rows i .. i+n-1 of a (n = 4 or fewer) with every row of b, into L.dots */
function rowBlock(k: PairKernels, L: TileLayout, i: number, n: number, rb: number): void {
  if (n === 4) k.dots4(L.a + i * L.rowBytes, L.b, rb, L.rowBytes, L.dots);
  else for (let r = 0; r < n; r++) k.dots1(L.a + (i + r) * L.rowBytes, L.b, rb, L.rowBytes, L.dots + r * rb * 8);
}

/**
 * A sample's tile against itself, diagonal left out, unshifted (min = 0: no term can underflow at
 * this t): each pair once, its term added to both rows (dispersiveUpper's row and column sums).
 */
function upperHalf(k: PairKernels, L: TileLayout, na: Float32Array, n: number, t: number): DispersiveRows {
  const sum = new Float64Array(n);
  const colsAt = L.cols / 8;
  for (let i = 0; i < n; i += 4) {
    const rows = Math.min(4, n - i);
    const width = n - (i + 1); // the rows j > i
    if (width <= 0) break;
    // dots of rows i .. i+rows-1 with rows i+1 .. n-1; row i+r uses its entries from r on (j > i + r)
    if (rows === 4) k.dots4(L.a + i * L.rowBytes, L.b + (i + 1) * L.rowBytes, width, L.rowBytes, L.dots);
    else
      for (let r = 0; r < rows; r++)
        k.dots1(L.a + (i + r) * L.rowBytes, L.b + (i + 1) * L.rowBytes, width, L.rowBytes, L.dots + r * width * 8);
    for (let r = 0; r < rows && r < width; r++) {
      const from = i + 1 + r;
      sum[i + r] = k.dispersiveUpper(L.dots + (r * width + r) * 8, L.vec + from * 8, n - from, na[i + r] as number, t, L.cols + from * 8);
    }
  }
  // each row's terms with the rows above it arrived as column sums
  for (let i = 0; i < n; i++) sum[i] = (sum[i] as number) + (L.heap[colsAt + i] as number);
  return { min: new Float64Array(n), sum, sumExpm1: null };
}

export function createWasmBackend(note?: string): GeometryBackend {
  if (!pairKernels()) throw new Error('WebAssembly SIMD is not available here');
  // fetched per call: after an idle spell the shared memory is replaced and the kernels instantiated again
  const kernels = (): PairKernels => pairKernels() as PairKernels;
  return {
    info: {
      name: 'wasm',
      device: 'cpu',
      threads: 1,
      note: `in-process WebAssembly SIMD kernels: float32 pairwise products with float64 row terms, float64 Gram matrices${note ? `; ${note}` : ''}`,
    },
    maxTileElements: 1 << 22,

    dispersiveRows(a, na, ra, b, nb, rb, d, t, skip, deviations) {
      const k = kernels();
      const L = layTile(a, ra, b, rb, d, nb);
      if (skip === 0 && ra === rb && sameRows(a, b) && !deviations && t <= UNSHIFTED_MAX_T)
        return afterEventLoop(upperHalf(k, L, na, ra, t));
      const min = new Float64Array(ra);
      const sum = new Float64Array(ra);
      const sumExpm1 = deviations ? new Float64Array(ra) : null;
      const outAt = L.out / 8;
      for (let i = 0; i < ra; i += 4) {
        const n = Math.min(4, ra - i);
        rowBlock(k, L, i, n, rb);
        for (let r = 0; r < n; r++) {
          const row = i + r;
          const j = skip === undefined ? -1 : row + skip;
          k.dispersiveRow(L.dots + r * rb * 8, L.vec, rb, na[row] as number, j >= 0 && j < rb ? j : -1, t, deviations ? 1 : 0, L.out);
          min[row] = L.heap[outAt] as number;
          sum[row] = L.heap[outAt + 1] as number;
          if (sumExpm1) sumExpm1[row] = L.heap[outAt + 2] as number;
        }
      }
      const result: DispersiveRows = { min, sum, sumExpm1 };
      return afterEventLoop(result);
    },

    retrievalCounts(a, ra, b, rb, d, posA, posB, aIdx, bIdx) {
      const k = kernels();
      const L = layTile(a, ra, b, rb, d, posB);
      const rows = new Float64Array(ra);
      // the pairs left out (aIdx_i == bIdx_j): the kernel counts them, and they are taken back out here
      const partners = new Map<number, number[]>();
      if (aIdx && bIdx) for (let j = 0; j < rb; j++) partners.set(bIdx[j] as number, [...(partners.get(bIdx[j] as number) ?? []), j]);
      const colsAt = L.cols / 8;
      for (let i = 0; i < ra; i += 4) {
        const n = Math.min(4, ra - i);
        rowBlock(k, L, i, n, rb);
        for (let r = 0; r < n; r++) {
          const row = i + r;
          const p = posA[row] as number;
          const dotsRow = L.dots + r * rb * 8;
          let c = k.retrievalRow(dotsRow, rb, p, L.vec, L.cols);
          for (const j of aIdx ? (partners.get(aIdx[row] as number) ?? []) : []) {
            const s = L.heap[dotsRow / 8 + j] as number;
            if (s > p) c--;
            if (s > (posB[j] as number)) L.heap[colsAt + j] = (L.heap[colsAt + j] as number) - 1;
          }
          rows[row] = c;
        }
      }
      return afterEventLoop({ rows, cols: L.heap.slice(colsAt, colsAt + rb) });
    },

    gram(a, rows, d) {
      return afterEventLoop(wasmCross(a, undefined, rows, d, d));
    },

    cross(a, b, rows, da, db) {
      return afterEventLoop(wasmCross(a, b, rows, da, db));
    },

    dispose() {
      return Promise.resolve();
    },
  };
}
