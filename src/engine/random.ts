/**
 * The one seeded PRNG of the project (row samples, projections, training streams, example data,
 * benchmarks, fuzzing). Integer arithmetic only, so a seed gives the same sequence on every
 * platform, and scripts/make_reference.py mirrors it to pick the very same rows: keep them in step.
 */

export type Uniform = () => number;

/** mulberry32: uniforms in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Uniform {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1) >>> 0;
    z = (z ^ (z + Math.imul(z ^ (z >>> 7), z | 61))) >>> 0;
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard normals by Box-Muller, both outputs of each pair used (cos first, then sin), so one
 * pair of uniforms gives two normals. 1 - u keeps the log finite (u is never 1).
 */
export function normalSampler(u: Uniform): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const th = 2 * Math.PI * u();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}
