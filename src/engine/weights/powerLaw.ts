/**
 * Power-law exponent of an eigenvalue tail (DESIGN.md section 2b; Clauset, Shalizi & Newman 2009,
 * continuous case): for each candidate x_min among the distinct eigenvalues with at least
 * MIN_TAIL eigenvalues >= it, alpha = 1 + n / sum ln(lambda_i / x_min) over that tail, and the
 * KS distance D = max_i |(i - 1)/n - P(x_i)| with x_1 <= ... <= x_n the tail ascending and
 * P(x) = 1 - (x / x_min)^(1 - alpha) the fitted CDF (the definition of Clauset's plfit). The
 * candidate with the smallest D wins (the first, i.e. the largest x_min, on a tie).
 * Experimental, as WeightWatcher's: such fits are fragile.
 */
import type { PowerLawFit } from '../../protocol/weights';

export const MIN_TAIL = 10;

/** `lambda` in any order, non-negative; null when fewer than MIN_TAIL positive eigenvalues can form a tail. */
export function fitPowerLaw(lambda: ArrayLike<number>): PowerLawFit | null {
  const desc: number[] = [];
  for (let i = 0; i < lambda.length; i++) {
    const x = lambda[i] as number;
    if (x > 0 && Number.isFinite(x)) desc.push(x);
  }
  desc.sort((a, b) => b - a);
  const total = desc.length;
  if (total < MIN_TAIL) return null;
  // prefix sums of ln lambda in descending order: the tail of the k largest is desc[0..k)
  const logs = new Float64Array(total + 1);
  for (let i = 0; i < total; i++) logs[i + 1] = (logs[i] as number) + Math.log(desc[i] as number);
  let best: PowerLawFit | null = null;
  for (let k = MIN_TAIL; k <= total; k++) {
    const xmin = desc[k - 1] as number;
    // a distinct candidate: the tail is every lambda >= xmin, so ties below are included
    if (k < total && (desc[k] as number) === xmin) continue;
    const sumLog = (logs[k] as number) - k * Math.log(xmin);
    if (!(sumLog > 0)) continue; // every tail value equals xmin: no exponent
    const alpha = 1 + k / sumLog;
    // ascending x_i = desc[k - i] (i = 1..k)
    let d = 0;
    for (let i = 1; i <= k; i++) {
      const x = desc[k - i] as number;
      const p = 1 - Math.pow(x / xmin, 1 - alpha);
      const gap = Math.abs((i - 1) / k - p);
      if (gap > d) d = gap;
    }
    if (best === null || d < best.ks) best = { value: alpha, xmin, ks: d, tailCount: k };
  }
  return best;
}
