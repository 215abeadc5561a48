/**
 * Small pure computations the views need: which direction of a metric is good (compare view),
 * the Pareto front of a sweep, and the pair sample for the projection. Pure for unit tests.
 */
import type { CompareReport, GeometryReport } from '../src/protocol/report';
import type { SweepPoint } from '../src/protocol/train';
import { getOwn } from '../src/protocol/keys';

export type Direction = 'up' | 'down' | 'neutral';

const UP = new Set(['effectiveRank', 'effectiveRankCentered', 'stableRank', 'linearCka', 'r1', 'r5', 'r10']);
const DOWN = new Set([
  'dispersiveLoss',
  'anchoringLoss',
  'meanCosine',
  'deadDimensionFraction',
  'modalityGap',
  'fractionBeyondTau',
  'medianRank',
]);
const DRIFT_STATS = new Set(['mean', 'median', 'p90', 'p99', 'max']);

/** Whether a larger value of a flat metric path is better ("modalities.audio.effectiveRank"). */
export function metricDirection(metric: string): Direction {
  const parts = metric.split('.');
  const leaf = parts[parts.length - 1] ?? metric;
  if (UP.has(leaf)) return 'up';
  if (DOWN.has(leaf)) return 'down';
  // drift statistics are distances between paired rows: smaller is better; a bare "mean"
  // elsewhere says nothing about direction
  if (DRIFT_STATS.has(leaf) && parts.includes('drift')) return 'down';
  return 'neutral';
}

export type ChangeClass = 'good' | 'bad' | 'neutral';

export function changeClass(delta: number | null, dir: Direction): ChangeClass {
  if (delta === null || !Number.isFinite(delta) || delta === 0 || dir === 'neutral') return 'neutral';
  return delta > 0 === (dir === 'up') ? 'good' : 'bad';
}

export interface ChangeRow {
  metric: string;
  label: string;
  a: number | null;
  b: number | null;
  delta: number | null;
  cls: ChangeClass;
}

const LABELS: Record<string, string> = {
  dim: 'dim',
  effectiveRank: 'effective rank',
  effectiveRankCentered: 'eff. rank (centered)',
  stableRank: 'stable rank',
  dispersiveLoss: 'dispersive loss',
  meanCosine: 'mean cosine',
  deadDimensionFraction: 'dead dimensions',
  anchoringLoss: 'anchoring loss',
  modalityGap: 'modality gap',
  linearCka: 'linear CKA',
  fractionBeyondTau: 'drift beyond τ',
  mean: 'drift mean',
  median: 'drift median',
  p90: 'drift p90',
  p99: 'drift p99',
  max: 'drift max',
  r1: 'R@1',
  r5: 'R@5',
  r10: 'R@10',
  medianRank: 'median rank',
};

/**
 * "modalities.audio.effectiveRank" -> "audio · effective rank";
 * "pairs.audio/visual.retrieval.bToA.r1" -> "visual → audio · R@1" (the query's modality first);
 * "pairs.audio/visual.linearCka" -> "audio ↔ visual · linear CKA".
 */
export function metricLabel(metric: string): string {
  const parts = metric.split('.');
  const leaf = parts[parts.length - 1] ?? metric;
  const owner = parts[1] ?? '';
  const name = getOwn(LABELS, leaf) ?? leaf;
  if (parts[0] === 'modalities' && owner) return `${owner} · ${name}`;
  if (parts[0] === 'pairs' && owner) {
    const slash = owner.indexOf('/');
    const [a, b] = slash >= 0 ? [owner.slice(0, slash), owner.slice(slash + 1)] : [owner, ''];
    if (parts.includes('aToB')) return `${a} → ${b} · ${name}`;
    if (parts.includes('bToA')) return `${b} → ${a} · ${name}`;
    return `${a} ↔ ${b} · ${name}`;
  }
  return name;
}

function pairKey(p: { a: string; b: string }): string {
  return `${p.a}/${p.b}`;
}

/** Key numbers of one report as flat metric paths, the same scheme CompareReport.changes uses. */
export function flattenReport(r: GeometryReport): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const [m, mr] of Object.entries(r.modalities)) {
    for (const k of [
      'dim',
      'effectiveRank',
      'effectiveRankCentered',
      'stableRank',
      'dispersiveLoss',
      'meanCosine',
      'deadDimensionFraction',
    ] as const) {
      out.set(`modalities.${m}.${k}`, mr[k]);
    }
  }
  for (const p of r.pairs) {
    const base = `pairs.${pairKey(p)}`;
    out.set(`${base}.anchoringLoss`, p.anchoringLoss);
    out.set(`${base}.drift.mean`, p.drift?.mean ?? null);
    out.set(`${base}.drift.fractionBeyondTau`, p.drift?.fractionBeyondTau ?? null);
    out.set(`${base}.modalityGap`, p.modalityGap);
    out.set(`${base}.linearCka`, p.linearCka);
    out.set(`${base}.retrieval.aToB.r1`, p.retrieval?.aToB.r1 ?? null);
    out.set(`${base}.retrieval.bToA.r1`, p.retrieval?.bToA.r1 ?? null);
  }
  return out;
}

/** Rows for the compare table: the host's `changes` when given, else derived from both reports. */
export function compareRows(c: CompareReport): ChangeRow[] {
  let rows: { metric: string; a: number | null; b: number | null; delta: number | null }[] = c.changes;
  if (rows.length === 0) {
    const fa = flattenReport(c.a);
    const fb = flattenReport(c.b);
    const keys = [...new Set([...fa.keys(), ...fb.keys()])];
    rows = keys.map((metric) => {
      const a = fa.get(metric) ?? null;
      const b = fb.get(metric) ?? null;
      return { metric, a, b, delta: a !== null && b !== null ? b - a : null };
    });
  }
  return rows.map((r) => ({ ...r, label: metricLabel(r.metric), cls: changeClass(r.delta, metricDirection(r.metric)) }));
}

/** Non-dominated points when both accuracies are maximized, sorted by unimodal accuracy. */
export function paretoFront(points: readonly SweepPoint[]): SweepPoint[] {
  const front = points.filter(
    (p) =>
      !points.some(
        (q) =>
          q !== p &&
          q.meanUnimodalAccuracy >= p.meanUnimodalAccuracy &&
          q.fusionAccuracy >= p.fusionAccuracy &&
          (q.meanUnimodalAccuracy > p.meanUnimodalAccuracy || q.fusionAccuracy > p.fusionAccuracy),
      ),
  );
  return front.sort((x, y) => x.meanUnimodalAccuracy - y.meanUnimodalAccuracy);
}

/** Evenly spaced indices: a deterministic sample of `k` out of `n` (no RNG, so redraws agree). */
export function strideSample(n: number, k: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  if (k <= 0) return [];
  const out: number[] = [];
  for (let j = 0; j < k; j++) out.push(Math.floor((j * n) / k));
  return out;
}

/**
 * Smallest and largest of the values, by a loop: Math.min(...values) passes every value as an
 * argument and overflows the call stack past about 100,000 of them. Undefined when empty.
 */
export function extent(values: Iterable<number>): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : undefined;
}
