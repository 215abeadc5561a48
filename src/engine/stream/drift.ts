/**
 * Streamed, mergeable drift of one modality pair: exact moments (count, sum, sum of squares,
 * max, count beyond tau, hinge sum for the anchoring loss), the report's 40-bin histogram by
 * numpy's bin rule (exact counts), and a fine histogram of 2^16 bins on [0, 4] from which the
 * percentiles are read to within one fine bin (4 / 65536 ~ 6.1e-5) without keeping the N values.
 */
import type { DriftStats, HingeMode } from '../../protocol/report';
import { HISTOGRAM_BINS, HISTOGRAM_MAX, histogram } from '../pairs';

export const FINE_BINS = 65536;
/** one fine bin: an exact power of two, so the bin of a value is floor(v / width) with no rounding */
export const FINE_WIDTH = HISTOGRAM_MAX / FINE_BINS;

export interface DriftSummary {
  count: number;
  sum: number;
  sumSq: number;
  max: number;
  /** rows with d_i > tau */
  beyond: number;
  /** sum_i h(d_i - tau) */
  hingeSum: number;
  /** the report's histogram counts (HISTOGRAM_BINS bins) */
  coarse: Float64Array;
  /** FINE_BINS counts on [0, 4] */
  fine: Float64Array;
}

export function emptyDrift(): DriftSummary {
  return {
    count: 0,
    sum: 0,
    sumSq: 0,
    max: -Infinity,
    beyond: 0,
    hingeSum: 0,
    coarse: new Float64Array(HISTOGRAM_BINS),
    fine: new Float64Array(FINE_BINS),
  };
}

export function fineBin(v: number): number {
  const c = Math.min(HISTOGRAM_MAX, Math.max(0, v));
  return Math.min(FINE_BINS - 1, Math.floor(c / FINE_WIDTH));
}

/** adds a block's drift values (in row order) */
export function addDrift(s: DriftSummary, values: Float64Array, tau: number, hinge: HingeMode): void {
  for (const v of values) {
    s.sum += v;
    s.sumSq += v * v;
    if (v > s.max) s.max = v;
    if (v > tau) s.beyond++;
    const x = Math.max(0, v - tau);
    s.hingeSum += hinge === 'squared' ? x * x : x;
    const k = fineBin(v);
    s.fine[k] = (s.fine[k] as number) + 1;
  }
  s.count += values.length;
  const { counts } = histogram(values);
  for (let k = 0; k < HISTOGRAM_BINS; k++) s.coarse[k] = (s.coarse[k] as number) + (counts[k] as number);
}

export function mergeDriftInto(acc: DriftSummary, part: DriftSummary): void {
  acc.count += part.count;
  acc.sum += part.sum;
  acc.sumSq += part.sumSq;
  acc.max = Math.max(acc.max, part.max);
  acc.beyond += part.beyond;
  acc.hingeSum += part.hingeSum;
  for (let k = 0; k < acc.coarse.length; k++) acc.coarse[k] = (acc.coarse[k] as number) + (part.coarse[k] as number);
  for (let k = 0; k < acc.fine.length; k++) acc.fine[k] = (acc.fine[k] as number) + (part.fine[k] as number);
}

/**
 * The value of rank r (0-based, of the sorted values) read off the fine histogram: inside the
 * bin that holds it, spread evenly, and never above the exact max. Off by less than one bin.
 */
function valueAtRank(s: DriftSummary, r: number, cumulative: Float64Array): number {
  // first bin whose cumulative count exceeds r
  let lo = 0;
  let hi = FINE_BINS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) > r) hi = mid;
    else lo = mid + 1;
  }
  const before = lo > 0 ? (cumulative[lo - 1] as number) : 0;
  const inBin = s.fine[lo] as number;
  const v = (lo + (r - before + 0.5) / inBin) * FINE_WIDTH;
  return Math.min(v, s.max);
}

/** numpy's linear-interpolation percentile, each end read off the fine histogram */
export function driftPercentile(s: DriftSummary, q: number, cumulative: Float64Array): number {
  const n = s.count;
  if (n === 0) return 0;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = valueAtRank(s, lo, cumulative);
  const b = valueAtRank(s, hi, cumulative);
  return a + (b - a) * (pos - lo);
}

export function driftStatsOf(s: DriftSummary): DriftStats {
  const cumulative = new Float64Array(FINE_BINS);
  let acc = 0;
  for (let k = 0; k < FINE_BINS; k++) {
    acc += s.fine[k] as number;
    cumulative[k] = acc;
  }
  const step = HISTOGRAM_MAX / HISTOGRAM_BINS;
  const edges: number[] = [];
  for (let k = 0; k <= HISTOGRAM_BINS; k++) edges.push(k * step);
  return {
    mean: s.sum / s.count,
    median: driftPercentile(s, 50, cumulative),
    p90: driftPercentile(s, 90, cumulative),
    p99: driftPercentile(s, 99, cumulative),
    max: s.max,
    fractionBeyondTau: s.beyond / s.count,
    histogram: { edges, counts: Array.from(s.coarse) },
  };
}
