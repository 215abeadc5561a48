/**
 * What a change between two reports means: each metric's tolerance (a relative one, or the
 * sampling error of a share of rows where the metric is one), whether better/worse has a meaning
 * for it, and the order in which changes are shown (beyond tolerance first, biggest first).
 * Pure (no DOM): the compare view, the CLI's `dagr compare` table and the HTML export share it,
 * so a change is judged the same way wherever it is read.
 */
import type { CompareReport, GeometryReport } from '../src/protocol/report';
import { getOwn } from '../src/protocol/keys';
import { fmtInt } from '../src/protocol/format';

/** up: larger is better; down: smaller is better; neutral: a change says nothing good or bad */
export type Direction = 'up' | 'down' | 'neutral';

/**
 * How a metric's noise is judged. `rel`/`abs`: a change within rel·max(|A|,|B|) + abs is noise.
 * `share`: the metric is a share of `count` rows (R@k of queries, pairs beyond τ); a change within
 * two standard errors of the difference of two proportions is noise.
 * `dims`: a share of dimensions, counted exactly: a whole dimension is a change.
 */
export interface MetricRule {
  dir: Direction;
  rel: number;
  abs: number;
  share?: 'queries' | 'rows';
  dims?: boolean;
  /** one line: why the direction is or is not judged */
  why: string;
}

const RULES: Record<string, MetricRule> = {
  dim: { dir: 'neutral', rel: 0, abs: 0, why: 'a different width is a different model, neither better nor worse' },
  effectiveRank: { dir: 'up', rel: 0.01, abs: 0, why: 'more directions in use = less collapse' },
  effectiveRankCentered: { dir: 'up', rel: 0.01, abs: 0, why: 'more directions in use = less collapse' },
  stableRank: { dir: 'up', rel: 0.01, abs: 0, why: 'energy spread over more directions' },
  dispersiveLoss: { dir: 'down', rel: 0.01, abs: 1e-3, why: 'lower = rows more spread out' },
  // near 0 a mean cosine moves with the sample and means nothing; only a climb toward 1 (complete
  // collapse) does, so a small change is noise and the direction is kept for large ones
  meanCosine: { dir: 'down', rel: 0, abs: 0.05, why: 'only a climb toward 1 (complete collapse) matters; changes under 0.05 are noise' },
  deadDimensionFraction: { dir: 'down', rel: 0, abs: 0, dims: true, why: 'fewer dimensions without variance' },
  anchoringLoss: { dir: 'down', rel: 0.02, abs: 1e-3, why: 'less drift beyond τ' },
  mean: { dir: 'down', rel: 0.02, abs: 2e-3, why: 'paired rows closer together' },
  median: { dir: 'down', rel: 0.02, abs: 2e-3, why: 'paired rows closer together' },
  p90: { dir: 'down', rel: 0.02, abs: 2e-3, why: 'paired rows closer together' },
  p99: { dir: 'down', rel: 0.02, abs: 2e-3, why: 'paired rows closer together' },
  max: { dir: 'neutral', rel: 0.05, abs: 5e-3, why: 'one row decides the maximum: it is reported, not judged' },
  fractionBeyondTau: { dir: 'down', rel: 0, abs: 0, share: 'rows', why: 'fewer paired rows beyond τ' },
  modalityGap: { dir: 'down', rel: 0.02, abs: 5e-3, why: 'modalities centred closer together' },
  linearCka: { dir: 'up', rel: 0, abs: 0.02, why: 'more similar representations' },
  r1: { dir: 'up', rel: 0, abs: 0, share: 'queries', why: 'more queries find their partner' },
  r5: { dir: 'up', rel: 0, abs: 0, share: 'queries', why: 'more queries find their partner' },
  r10: { dir: 'up', rel: 0, abs: 0, share: 'queries', why: 'more queries find their partner' },
  medianRank: { dir: 'down', rel: 0.05, abs: 1, why: 'partners rank nearer the top' },
};

const NEUTRAL: MetricRule = { dir: 'neutral', rel: 0.01, abs: 0, why: 'no better or worse for this number' };

/** metrics that are bookkeeping (row counts, sample sizes), not geometry: not listed as changes */
export function isBookkeeping(metric: string): boolean {
  // standard errors (dispersiveLossStdErr, retrieval.*.stdErr.r1) belong to their metric's tolerance
  return /(^n|\.pairwiseRows|\.galleryRows|StdErr)$/.test(metric) || metric.includes('.stdErr.');
}

/** The standard error a report gives for a sampled metric (row subsampling), 0 when none. */
export function reportedStdErr(r: GeometryReport, metric: string): number {
  const mod = /^modalities\.(.+)\.dispersiveLoss$/.exec(metric);
  if (mod?.[1] !== undefined) return getOwn(r.modalities, mod[1])?.dispersiveLossStdErr ?? 0;
  const ret = /^pairs\.(.+)\.retrieval\.(aToB|bToA)\.(r1|r5|r10)$/.exec(metric);
  if (ret) {
    const p = r.pairs.find((q) => `${q.a}/${q.b}` === ret[1]);
    const dir = ret[2] === 'aToB' ? p?.retrieval?.aToB : p?.retrieval?.bToA;
    const k = ret[3] as 'r1' | 'r5' | 'r10';
    return dir?.stdErr?.[k] ?? 0;
  }
  return 0;
}

/** The rule of a flat metric path ("modalities.audio.effectiveRank", "pairs.a/b.drift.mean"). */
export function metricRule(metric: string): MetricRule {
  const parts = metric.split('.');
  const leaf = parts[parts.length - 1] ?? metric;
  // drift statistics are named mean/median/...: only under "drift" do they mean drift
  if (['mean', 'median', 'p90', 'p99', 'max'].includes(leaf) && !parts.includes('drift')) return NEUTRAL;
  return getOwn(RULES, leaf) ?? NEUTRAL;
}

export type Verdict = 'better' | 'worse' | 'changed' | 'same' | 'missing';

export interface JudgedChange {
  metric: string;
  a: number | null;
  b: number | null;
  delta: number | null;
  /** half-width of the noise band around A; a change inside it is 'same' */
  tolerance: number | null;
  /** how the tolerance was found, for its tooltip and the CLI column */
  basis: string;
  verdict: Verdict;
  /** |B − A| / max(|A|, |B|): the size the table is ordered by */
  size: number;
  dir: Direction;
}

/** Two standard errors of the difference of two shares of n rows (pooled proportion). */
export function shareTolerance(a: number, b: number, na: number, nb: number): number {
  if (!(na > 0) || !(nb > 0)) return 0;
  const pooled = (a * na + b * nb) / (na + nb);
  const se = Math.sqrt(Math.max(0, pooled * (1 - pooled)) * (1 / na + 1 / nb));
  // at a pooled share of 0 or 1 (no hit on either side) the error is zero: one row is then the step
  return Math.max(2 * se, 0.5 / Math.min(na, nb));
}

/** Rows behind a share metric of one report: queries for R@k, paired rows for drift beyond τ. */
export function countOf(r: GeometryReport, metric: string, share: 'queries' | 'rows'): number {
  if (share === 'rows') return r.n;
  const m = /^pairs\.(.+)\.retrieval\./.exec(metric);
  const key = m?.[1];
  const p = key === undefined ? undefined : r.pairs.find((q) => `${q.a}/${q.b}` === key);
  return p?.retrieval?.galleryRows ?? r.n;
}

export function dimOf(r: GeometryReport, metric: string): number {
  const m = /^modalities\.(.+)\.deadDimensionFraction$/.exec(metric);
  return (m?.[1] !== undefined ? getOwn(r.modalities, m[1])?.dim : undefined) ?? 0;
}

/** Judges one change with its reports (for the counts behind shares). */
export function judgeChange(metric: string, a: number | null, b: number | null, ra: GeometryReport, rb: GeometryReport): JudgedChange {
  const rule = metricRule(metric);
  const delta = a !== null && b !== null ? b - a : null;
  if (a === null || b === null || delta === null || !Number.isFinite(delta)) {
    return {
      metric,
      a,
      b,
      delta,
      tolerance: null,
      basis: 'only one side has it',
      verdict: 'missing',
      size: a === null && b === null ? 0 : 1,
      dir: rule.dir,
    };
  }
  let tolerance: number;
  let basis: string;
  if (rule.share) {
    const na = countOf(ra, metric, rule.share);
    const nb = countOf(rb, metric, rule.share);
    tolerance = shareTolerance(a, b, na, nb);
    basis = `2 standard errors of a share of ${na === nb ? fmtInt(na) : `${fmtInt(na)} and ${fmtInt(nb)}`} ${rule.share}`;
  } else if (rule.dims) {
    const d = Math.max(dimOf(ra, metric), dimOf(rb, metric), 1);
    tolerance = 0.5 / d;
    basis = 'a whole dimension';
  } else {
    tolerance = rule.rel * Math.max(Math.abs(a), Math.abs(b)) + rule.abs;
    basis =
      [rule.rel > 0 ? `${rule.rel * 100}% relative` : '', rule.abs > 0 ? `${rule.abs} absolute` : ''].filter((s) => s).join(' + ') ||
      'exact';
  }
  // a metric computed on a row sample carries its own standard error: two of them widen the band
  const seA = reportedStdErr(ra, metric);
  const seB = reportedStdErr(rb, metric);
  if (seA > 0 || seB > 0) {
    const sampled = 2 * Math.sqrt(seA * seA + seB * seB);
    if (sampled > tolerance) {
      tolerance = sampled;
      basis = `2 standard errors of the row samples (${basis} was narrower)`;
    }
  }
  const scale = Math.max(Math.abs(a), Math.abs(b));
  const size = scale > 0 ? Math.abs(delta) / scale : 0;
  let verdict: Verdict;
  if (Math.abs(delta) <= tolerance) verdict = 'same';
  else if (rule.dir === 'neutral') verdict = 'changed';
  else verdict = delta > 0 === (rule.dir === 'up') ? 'better' : 'worse';
  return { metric, a, b, delta, tolerance, basis, verdict, size, dir: rule.dir };
}

const RANK: Record<Verdict, number> = { worse: 0, better: 0, changed: 0, missing: 1, same: 2 };

/**
 * Every change of a comparison, judged and ordered: beyond tolerance first (worse and better
 * together, by size), then metrics one side lacks, then those within tolerance. Stable within
 * equal sizes, so the report's own order breaks ties.
 */
export function judgeCompare(
  c: CompareReport,
  rows: readonly { metric: string; a: number | null; b: number | null }[] = c.changes,
): JudgedChange[] {
  const judged = rows.filter((r) => !isBookkeeping(r.metric)).map((r) => judgeChange(r.metric, r.a, r.b, c.a, c.b));
  return judged
    .map((j, i) => ({ j, i }))
    .sort((x, y) => RANK[x.j.verdict] - RANK[y.j.verdict] || y.j.size - x.j.size || x.i - y.i)
    .map((x) => x.j);
}

/**
 * Significant digits for A and B so their printed values differ by the printed change: at least
 * 3, enough that the change shows in the last digits, at most 7.
 */
export function digitsFor(a: number | null, b: number | null, delta: number | null): number {
  if (a === null || b === null || delta === null || delta === 0 || !Number.isFinite(delta)) return 3;
  const scale = Math.max(Math.abs(a), Math.abs(b));
  if (!(scale > 0)) return 3;
  const need = Math.ceil(Math.log10(scale / Math.abs(delta))) + 2;
  return Math.min(7, Math.max(3, need));
}
