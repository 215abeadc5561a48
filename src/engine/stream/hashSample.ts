/**
 * The row sample of the O(N^2) metrics when rows are streamed or split across machines
 * (DESIGN.md section 2c): row i is in the sample when its seeded hash key is among the `size`
 * smallest of all N keys. The key depends only on (seed, i), so a part that sees rows [s, e)
 * knows which of its rows the single-process run would pick, and the union of the parts'
 * picks is that run's sample. Selecting costs O(N) hashes and O(size) memory (a max-heap),
 * never an index table of N entries.
 */

/** murmur3's 32-bit finalizer: a bijection of uint32 that mixes every input bit */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const TWO32 = 4294967296;

/**
 * The key of global row i (0 <= i < 2^53) under `seed`: a float64 in [0, 2^53) built from two
 * 32-bit hashes of the row's low and high words, so keys of different rows almost never tie
 * (ties are broken by the row index, see keyLess).
 */
export function rowKey(i: number, seed: number): number {
  const lo = (i % TWO32) >>> 0;
  const hi = Math.floor(i / TWO32) >>> 0;
  const a = fmix32((lo ^ fmix32((hi + seed) >>> 0)) >>> 0);
  const b = fmix32((a ^ 0x9e3779b9 ^ seed) >>> 0);
  // 32 bits of a, 21 of b: exactly representable in a float64
  return a * 2097152 + (b >>> 11);
}

function keyLess(ka: number, ia: number, kb: number, ib: number): boolean {
  return ka < kb || (ka === kb && ia < ib);
}

/**
 * The sample: min(size, n) global row indices of [0, n), ascending; all rows when size <= 0 or
 * size >= n (as sampleRows does). Float64Array, so row indices beyond 2^31 fit.
 */
export function hashSample(n: number, size: number, seed: number): Float64Array {
  if (size <= 0 || size >= n) {
    const all = new Float64Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  // max-heap on (key, index) of the `size` smallest keys seen so far
  const keys = new Float64Array(size);
  const idx = new Float64Array(size);
  let count = 0;
  const swap = (x: number, y: number): void => {
    const k = keys[x] as number;
    keys[x] = keys[y] as number;
    keys[y] = k;
    const j = idx[x] as number;
    idx[x] = idx[y] as number;
    idx[y] = j;
  };
  const bigger = (x: number, y: number): boolean => keyLess(keys[y] as number, idx[y] as number, keys[x] as number, idx[x] as number);
  for (let i = 0; i < n; i++) {
    const k = rowKey(i, seed);
    if (count < size) {
      keys[count] = k;
      idx[count] = i;
      let c = count++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!bigger(c, p)) break;
        swap(c, p);
        c = p;
      }
    } else if (keyLess(k, i, keys[0] as number, idx[0] as number)) {
      keys[0] = k;
      idx[0] = i;
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < size && bigger(l, m)) m = l;
        if (r < size && bigger(r, m)) m = r;
        if (m === p) break;
        swap(p, m);
        p = m;
      }
    }
  }
  return idx.sort();
}

/**
 * The `size` rows of `rows` (a sample, ascending) with the smallest keys, ascending: a smaller
 * sample nested in the bigger one, equal to hashSample(n, size, seed) when `rows` is
 * hashSample(n, k, seed) with k >= size (the projection's rows come from the pairwise sample).
 */
export function nestedSample(rows: Float64Array, size: number, seed: number): Float64Array {
  if (size >= rows.length) return Float64Array.from(rows);
  const order = Array.from(rows, (i) => ({ i, k: rowKey(i, seed) }));
  order.sort((x, y) => (keyLess(x.k, x.i, y.k, y.i) ? -1 : 1));
  return Float64Array.from(order.slice(0, size).map((o) => o.i)).sort();
}
