/**
 * Seeded, deterministic row samples. The generator (./random) is reimplemented in
 * scripts/make_reference.py so the reference can use the very same rows; keep the two in step.
 */
import { mulberry32 } from './random';

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
