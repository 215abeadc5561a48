/**
 * The pair matrix's numbers (issue 12), without DOM: which metric, the value of an ordered pair
 * (R@1 is directional: a → b is a's queries against b's rows), and its shade. ./pairMatrix draws them.
 */
import type { PairReport } from '../../src/protocol/report';
import { GLOSSARY } from '../../src/protocol/glossary';

export type PairMetric = 'driftMean' | 'linearCka' | 'r1' | 'modalityGap';

export const PAIR_METRICS: { key: PairMetric; label: string; range: [number, number]; higherIsBetter: boolean; tooltip: string }[] = [
  { key: 'driftMean', label: 'drift mean (alignment)', range: [0, 4], higherIsBetter: false, tooltip: GLOSSARY.driftMean.tooltip },
  { key: 'linearCka', label: 'linear CKA', range: [0, 1], higherIsBetter: true, tooltip: GLOSSARY.linearCka.tooltip },
  { key: 'r1', label: 'R@1 (row → column)', range: [0, 1], higherIsBetter: true, tooltip: GLOSSARY.r1.tooltip },
  { key: 'modalityGap', label: 'modality gap', range: [0, 2], higherIsBetter: false, tooltip: GLOSSARY.modalityGap.tooltip },
];

/** the value of `metric` for the ordered pair (a, b), or null when not computed or not defined */
export function pairValue(pairs: readonly PairReport[], a: string, b: string, metric: PairMetric): number | null {
  const p = pairs.find((x) => (x.a === a && x.b === b) || (x.a === b && x.b === a));
  if (!p) return null;
  switch (metric) {
    case 'driftMean':
      return p.drift?.mean ?? null;
    case 'linearCka':
      return p.linearCka;
    case 'modalityGap':
      return p.modalityGap;
    case 'r1':
      return p.retrieval ? (p.a === a ? p.retrieval.aToB.r1 : p.retrieval.bToA.r1) : null;
  }
}

export const HEAT_LEVELS = 6;

/** shade 0 (worst) … HEAT_LEVELS-1 (best), from the metric's range and direction */
export function heatLevel(v: number, metric: PairMetric): number {
  const m = PAIR_METRICS.find((x) => x.key === metric) as (typeof PAIR_METRICS)[number];
  const [lo, hi] = m.range;
  const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  const good = m.higherIsBetter ? t : 1 - t;
  return Math.min(HEAT_LEVELS - 1, Math.floor(good * HEAT_LEVELS));
}
