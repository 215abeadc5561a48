/**
 * The kernels in plain JavaScript with float64 arithmetic: the fallback when onnxruntime-node does
 * not load, and the cross-check for the ONNX graphs. Loops are unrolled by four over the inner
 * dimension, which is what V8 turns into the fastest scalar code.
 */
import type { GeometryBackend } from './types';

function dot(a: Float32Array | Float64Array, ao: number, b: Float32Array | Float64Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    s0 += (a[ao + k] as number) * (b[bo + k] as number);
    s1 += (a[ao + k + 1] as number) * (b[bo + k + 1] as number);
    s2 += (a[ao + k + 2] as number) * (b[bo + k + 2] as number);
    s3 += (a[ao + k + 3] as number) * (b[bo + k + 3] as number);
  }
  for (; k < d; k++) s0 += (a[ao + k] as number) * (b[bo + k] as number);
  return s0 + s1 + s2 + s3;
}

/**
 * Settles after the event loop has run once. Every kernel here computes synchronously, so a job of
 * many tiles would otherwise hold the loop until it ends: a cancel message from the host (or any
 * other message to the compute process) would be read only after the whole job. A macrotask per
 * tile (microseconds against a tile's milliseconds) lets it in between tiles.
 */
export function afterEventLoop<T>(value: T): Promise<T> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(() => resolve(value)) : setTimeout(() => resolve(value), 0)));
}

export function createJsBackend(note?: string): GeometryBackend {
  return {
    info: { name: 'js', device: 'cpu', threads: 1, ...(note ? { note } : {}) },
    // plain JS holds no native buffers; smaller tiles only cost loop overhead
    maxTileElements: 1 << 22,

    // plain JS always returns the deviations: expm1 costs what exp does here
    dispersiveRows(a, na, ra, b, nb, rb, d, t, skip) {
      const min = new Float64Array(ra);
      const sum = new Float64Array(ra);
      const sumExpm1 = new Float64Array(ra);
      const dist = new Float64Array(rb);
      for (let i = 0; i < ra; i++) {
        const ni = na[i] as number;
        const self = skip === undefined ? -1 : i + skip;
        let m = Infinity;
        for (let j = 0; j < rb; j++) {
          const v = ni + (nb[j] as number) - 2 * dot(a, i * d, b, j * d, d);
          dist[j] = v > 0 ? v : 0;
          if (j !== self && (dist[j] as number) < m) m = dist[j] as number;
        }
        // one transcendental per pair: sum = count + sumExpm1 is exact enough in float64, since
        // sum >= 1 (the row minimum's own term) while count <= rb
        let e = 0;
        let count = 0;
        for (let j = 0; j < rb; j++) {
          if (j === self) continue;
          e += Math.expm1(t * (m - (dist[j] as number)));
          count++;
        }
        min[i] = m;
        sumExpm1[i] = e;
        sum[i] = count + e;
      }
      return afterEventLoop({ min, sum, sumExpm1 });
    },

    retrievalCounts(a, ra, b, rb, d, posA, posB, aIdx, bIdx) {
      const rows = new Float64Array(ra);
      const cols = new Float64Array(rb);
      for (let i = 0; i < ra; i++) {
        const p = posA[i] as number;
        const self = aIdx ? (aIdx[i] as number) : -1;
        let c = 0;
        for (let j = 0; j < rb; j++) {
          // strict >: ties count in favour of the true match; the match itself is skipped by index
          if ((bIdx ? bIdx[j] : -2) === self) continue;
          const s = dot(a, i * d, b, j * d, d);
          if (s > p) c++;
          if (s > (posB[j] as number)) cols[j] = (cols[j] as number) + 1;
        }
        rows[i] = c;
      }
      return afterEventLoop({ rows, cols });
    },

    gram(a, rows, d) {
      const g = new Float64Array(d * d);
      // upper triangle, four rows of a per sweep so each G row is loaded once per four updates
      let r = 0;
      for (; r + 3 < rows; r += 4) {
        const o0 = r * d;
        const o1 = o0 + d;
        const o2 = o1 + d;
        const o3 = o2 + d;
        for (let i = 0; i < d; i++) {
          const x0 = a[o0 + i] as number;
          const x1 = a[o1 + i] as number;
          const x2 = a[o2 + i] as number;
          const x3 = a[o3 + i] as number;
          const gi = i * d;
          for (let j = i; j < d; j++) {
            g[gi + j] =
              (g[gi + j] as number) +
              x0 * (a[o0 + j] as number) +
              x1 * (a[o1 + j] as number) +
              x2 * (a[o2 + j] as number) +
              x3 * (a[o3 + j] as number);
          }
        }
      }
      for (; r < rows; r++) {
        const o = r * d;
        for (let i = 0; i < d; i++) {
          const x = a[o + i] as number;
          const gi = i * d;
          for (let j = i; j < d; j++) g[gi + j] = (g[gi + j] as number) + x * (a[o + j] as number);
        }
      }
      for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) g[i * d + j] = g[j * d + i] as number;
      return afterEventLoop(g);
    },

    cross(a, b, rows, da, db) {
      const out = new Float64Array(da * db);
      for (let r = 0; r < rows; r++) {
        const ao = r * da;
        const bo = r * db;
        for (let i = 0; i < da; i++) {
          const x = a[ao + i] as number;
          if (x === 0) continue;
          const oi = i * db;
          for (let j = 0; j < db; j++) out[oi + j] = (out[oi + j] as number) + x * (b[bo + j] as number);
        }
      }
      return afterEventLoop(out);
    },

    dispose() {
      return Promise.resolve();
    },
  };
}
