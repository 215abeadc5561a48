/**
 * Collapse warnings from a computed report (pure: the extension re-runs this when the user changes
 * thresholds, without recomputing geometry). Comparisons are strict: a value equal to its
 * threshold does not warn.
 */
import type { GeometryReport, GeometryWarning, WarningThresholds } from '../protocol/report';

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2));
const pct = (x: number): string => `${(100 * x).toFixed(x < 0.01 ? 2 : 0)}%`;

export function evaluateWarnings(
  core: Pick<GeometryReport, 'n' | 'modalities' | 'pairs' | 'options'>,
  thresholds: WarningThresholds,
): GeometryWarning[] {
  const out: GeometryWarning[] = [];
  for (const [name, m] of Object.entries(core.modalities)) {
    const limit = thresholds.dimensionalCollapse * Math.min(core.n, m.dim);
    if (m.effectiveRank < limit) {
      out.push({
        code: 'dimensional-collapse',
        severity: 'warning',
        modality: name,
        value: m.effectiveRank,
        threshold: limit,
        message: `'${name}' uses few directions: effective rank ${fmt(m.effectiveRank)} is below ${pct(thresholds.dimensionalCollapse)} of min(N, d) = ${Math.min(core.n, m.dim)} (${fmt(limit)}) (dimensional collapse).`,
      });
    }
    if (m.meanCosine > thresholds.completeCollapse) {
      out.push({
        code: 'complete-collapse',
        severity: 'error',
        modality: name,
        value: m.meanCosine,
        threshold: thresholds.completeCollapse,
        message: `'${name}' has collapsed to nearly one point: mean cosine similarity between different rows is ${fmt(m.meanCosine)}, above ${fmt(thresholds.completeCollapse)} (complete collapse).`,
      });
    }
    if (m.deadDimensionFraction > thresholds.deadDimensions) {
      out.push({
        code: 'dead-dimensions',
        severity: 'warning',
        modality: name,
        value: m.deadDimensionFraction,
        threshold: thresholds.deadDimensions,
        message: `'${name}' has ${pct(m.deadDimensionFraction)} dead dimensions (variance below ${thresholds.deadVariance.toExponential(0)} over all rows), above ${pct(thresholds.deadDimensions)}.`,
      });
    }
  }
  for (const p of core.pairs) {
    const pair = `${p.a}/${p.b}`;
    if (p.drift && p.drift.fractionBeyondTau > thresholds.excessDrift) {
      out.push({
        code: 'excess-drift',
        severity: 'warning',
        pair,
        value: p.drift.fractionBeyondTau,
        threshold: thresholds.excessDrift,
        message: `'${p.a}' and '${p.b}' drift apart: ${pct(p.drift.fractionBeyondTau)} of paired rows are farther than tau = ${fmt(core.options.tau)} (squared distance of normalized embeddings), above ${pct(thresholds.excessDrift)}.`,
      });
    }
    if (p.modalityGap !== null && p.modalityGap > thresholds.modalityGap) {
      out.push({
        code: 'modality-gap',
        severity: 'warning',
        pair,
        value: p.modalityGap,
        threshold: thresholds.modalityGap,
        message: `'${p.a}' and '${p.b}' occupy separate regions: the distance between their normalized means (modality gap) is ${fmt(p.modalityGap)}, above ${fmt(thresholds.modalityGap)}.`,
      });
    }
  }
  return out;
}
