/**
 * Seeded pseudo-random numbers (mulberry32) so initialization, splits and shuffles repeat exactly
 * for a given seed. Math.random is never used in training.
 */
export type Rng = () => number;

export function makeRng(seed: number): Rng {
  let a = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed derived from a base seed and a stream id, so streams (init, split, epoch k) are independent. */
export function deriveSeed(seed: number, stream: number): number {
  let h = (Math.floor(seed) * 2654435761 + stream * 40503 + 0x1234567) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Standard normal by Box-Muller. */
export function normal(rng: Rng): number {
  const u = Math.max(rng(), 1e-300);
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Fisher-Yates shuffle of a copy. */
export function shuffled(values: Int32Array, rng: Rng): Int32Array {
  const out = Int32Array.from(values);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = out[i] as number;
    out[i] = out[j] as number;
    out[j] = tmp;
  }
  return out;
}
