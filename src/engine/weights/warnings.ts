/**
 * Warnings of a weights report (issue 9 item 5): NaN/Inf in a weight (error, naming the tensor and
 * the first bad index), a rank-collapsed matrix (effective rank below weightRankFraction x
 * min(m, n): warning), and a power-law alpha outside [alphaMin, alphaMax] (information only: the
 * fit is experimental). Pure: re-judging a finished report with new thresholds recomputes nothing.
 */
import type { WeightTensor, WeightThresholds, WeightWarning } from '../../protocol/weights';

const fmt = (x: number): string =>
  Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : String(Number(x.toPrecision(4)));

export function weightWarnings(tensors: readonly WeightTensor[], th: WeightThresholds): WeightWarning[] {
  const out: WeightWarning[] = [];
  for (const t of tensors) {
    if (!t.analysed) continue;
    if (t.nonFinite !== null && t.nonFinite > 0) {
      const at = t.firstNonFinite;
      const where = at ? ` (first: ${at.value} at index [${at.index.join(', ')}])` : '';
      out.push({
        code: 'non-finite',
        severity: 'error',
        tensor: t.name,
        value: t.nonFinite,
        threshold: 0,
        message: `${t.name}: ${t.nonFinite} NaN/Inf value${t.nonFinite === 1 ? '' : 's'}${where}`,
      });
    }
    if (t.matrix && t.effectiveRank !== null) {
      const limit = th.weightRankFraction * Math.min(t.matrix[0], t.matrix[1]);
      if (t.effectiveRank < limit) {
        out.push({
          code: 'rank-collapse',
          severity: 'warning',
          tensor: t.name,
          value: t.effectiveRank,
          threshold: limit,
          message: `${t.name}: effective rank ${fmt(t.effectiveRank)} is below ${th.weightRankFraction} x min(${t.matrix[0]}, ${t.matrix[1]}) = ${fmt(limit)} (rank-collapsed matrix)`,
        });
      }
    }
    if (t.alpha) {
      const a = t.alpha.value;
      if (a < th.alphaMin || a > th.alphaMax) {
        out.push({
          code: 'alpha-out-of-band',
          severity: 'info',
          tensor: t.name,
          value: a,
          threshold: a < th.alphaMin ? th.alphaMin : th.alphaMax,
          message: `${t.name}: power-law alpha ${fmt(a)} is outside [${th.alphaMin}, ${th.alphaMax}] (experimental fit over the ${t.alpha.tailCount} largest eigenvalues)`,
        });
      }
    }
  }
  return out;
}
