/**
 * The pair matrix's numbers (issue 12), without DOM: which metric, the value of an ordered pair
 * (R@1 is directional: a → b is a's queries against b's rows), and its shade. ./pairMatrix draws them.
 */
import type { GeometryWarning, PairReport } from '../../src/protocol/report';
import { GLOSSARY } from '../../src/protocol/glossary';

import type { PairMetric } from '../../src/protocol/webview';

export type { PairMetric };

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

/*
 * Which pairs are in trouble, and which pair the matrix opens (its card below the matrix). Warnings
 * name a pair "a/b" in the report's order; a saved pick is the same string.
 */

/** the name of a pair as warnings and the saved state write it */
export function pairName(p: { a: string; b: string }): string {
  return `${p.a}/${p.b}`;
}

const SEVERITY_RANK: Record<GeometryWarning['severity'], number> = { error: 2, warning: 1, info: 0 };

/**
 * How bad a warning is, to order them: its severity first, then how far its value is past its
 * threshold (every pair warning fires above its threshold: drift beyond τ, modality gap).
 */
function badness(w: GeometryWarning): [number, number] {
  return [SEVERITY_RANK[w.severity], w.threshold > 0 ? w.value / w.threshold : w.value];
}

function worse(x: GeometryWarning, y: GeometryWarning): boolean {
  const [sx, rx] = badness(x);
  const [sy, ry] = badness(y);
  return sx !== sy ? sx > sy : rx > ry;
}

/** the warnings about the pair (a, b), either way round, worst first */
export function pairWarnings(warnings: readonly GeometryWarning[], a: string, b: string): GeometryWarning[] {
  return warnings.filter((w) => w.pair === `${a}/${b}` || w.pair === `${b}/${a}`).sort((x, y) => (worse(x, y) ? -1 : worse(y, x) ? 1 : 0));
}

/**
 * The pair opened when nothing was picked: the one with the worst warning; without a pair warning
 * the one that drifts most (largest drift mean, the matrix's first metric); else the first pair.
 */
export function defaultPair(pairs: readonly PairReport[], warnings: readonly GeometryWarning[]): PairReport | undefined {
  let best: { p: PairReport; w: GeometryWarning } | undefined;
  for (const p of pairs) {
    const w = pairWarnings(warnings, p.a, p.b)[0];
    if (w && (!best || worse(w, best.w))) best = { p, w };
  }
  if (best) return best.p;
  let most: PairReport | undefined;
  for (const p of pairs) if (p.drift && (!most?.drift || p.drift.mean > most.drift.mean)) most = p;
  return most ?? pairs[0];
}

/** The pair to open: the saved pick when it still names a pair of this report, else the default. */
export function openedPair(
  pairs: readonly PairReport[],
  warnings: readonly GeometryWarning[],
  saved: string | undefined,
): PairReport | undefined {
  return findPair(pairs, saved) ?? defaultPair(pairs, warnings);
}

/** the pair a name "a/b" (either order) means, if the report has it */
export function findPair(pairs: readonly PairReport[], name: string | undefined): PairReport | undefined {
  if (name === undefined) return undefined;
  return pairs.find((p) => `${p.a}/${p.b}` === name || `${p.b}/${p.a}` === name);
}
