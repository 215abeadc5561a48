/**
 * Seeded, deterministic row samples. The same generator is reimplemented in
 * scripts/make_reference.py so the reference can use the very same rows; keep the two in step.
 */

/** mulberry32: a tiny 32-bit generator, good enough to pick rows and easy to mirror in Python */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1) >>> 0;
    z = (z ^ (z + Math.imul(z ^ (z >>> 7), z | 61))) >>> 0;
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

export const PAIRWISE_SEED = 0x5eed;
export const PROJECTION_SEED = 0x9a7e;

/**
 * `size` distinct row indices of [0, n), ascending (all rows when size >= n): a partial
 * Fisher-Yates shuffle, O(n) memory for the index table only.
 */
export function sampleRows(n: number, size: number, seed: number): Int32Array {
  if (size >= n || size <= 0) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const rand = mulberry32(seed);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let k = 0; k < size; k++) {
    const j = k + Math.floor(rand() * (n - k));
    const tmp = idx[k] as number;
    idx[k] = idx[j] as number;
    idx[j] = tmp;
  }
  return idx.slice(0, size).sort();
}
