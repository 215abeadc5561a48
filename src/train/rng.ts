/**
 * Seeded pseudo-random numbers (the engine's mulberry32) so initialization, splits and shuffles repeat exactly
 * for a given seed. Math.random is never used in training.
 */
import { mulberry32 } from '../engine/random';

export type Rng = () => number;

/** The engine's mulberry32, its seed mixed first so small seeds (0, 1, 2) start far apart. */
export function makeRng(seed: number): Rng {
  return mulberry32((Math.floor(seed) ^ 0x9e3779b9) >>> 0);
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
