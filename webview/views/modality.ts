/** One card per modality: its numbers, spectrum and cumulative explained variance. */
import type { GeometryWarning, ModalityReport } from '../../src/protocol/report';
import { spectrumConfig, varianceConfig } from '../charts/spectrum';
import { card, chartBox, h, statTable } from '../dom';
import { fmtFixed, fmtInt, fmtNum, fmtPct, idPart, plural } from '../format';
import { metricName } from '../help';
import type { ViewContext } from './context';

/** The message of the first warning of `code` about this modality, for marking its value. */
function flag(warnings: readonly GeometryWarning[], code: GeometryWarning['code'], name: string): string | undefined {
  return warnings.find((w) => w.code === code && w.modality === name)?.message;
}

export function modalityCard(
  ctx: ViewContext,
  name: string,
  m: ModalityReport,
  n: number,
  warnings: readonly GeometryWarning[] = [],
  t?: number,
): HTMLElement {
  const id = idPart(name);
  const sampled = m.pairwiseRows < n;
  const deadCount = Math.round(m.deadDimensionFraction * m.dim);
  const table = statTable(
    [
      { label: 'dimension', value: fmtInt(m.dim), id: `dim-${id}`, raw: m.dim },
      ...(m.dtype
        ? [
            {
              label: 'stored as',
              value: m.dtype === 'float32' || m.dtype === 'float64' ? m.dtype : `${m.dtype} (computed in float32)`,
              id: `dtype-${id}`,
              title: 'the dtype of the array in the file',
            },
          ]
        : []),
      {
        label: metricName('effective rank', 'effectiveRank'),
        value: fmtFixed(m.effectiveRank, 2),
        id: `effective-rank-${id}`,
        raw: m.effectiveRank,
        className: 'key',
        flagged: flag(warnings, 'dimensional-collapse', name),
      },
      {
        label: metricName('effective rank (centered)', 'effectiveRankCentered'),
        value: fmtFixed(m.effectiveRankCentered, 2),
        id: `effective-rank-centered-${id}`,
        raw: m.effectiveRankCentered,
      },
      { label: metricName('stable rank', 'stableRank'), value: fmtFixed(m.stableRank, 2), id: `stable-rank-${id}`, raw: m.stableRank },
      {
        label: metricName('dispersive loss', 'dispersiveLoss', t),
        value: fmtNum(m.dispersiveLoss, 4),
        id: `dispersive-loss-${id}`,
        raw: m.dispersiveLoss,
      },
      {
        label: metricName('mean cosine', 'meanCosine'),
        value: fmtNum(m.meanCosine),
        id: `mean-cosine-${id}`,
        raw: m.meanCosine,
        flagged: flag(warnings, 'complete-collapse', name),
      },
      {
        label: metricName('dead dimensions', 'deadDimensionFraction'),
        value: `${fmtPct(m.deadDimensionFraction)} (${fmtInt(deadCount)} of ${fmtInt(m.dim)})`,
        id: `dead-dimensions-${id}`,
        raw: m.deadDimensionFraction,
        flagged: flag(warnings, 'dead-dimensions', name),
      },
      {
        label: 'pairwise rows',
        value: sampled ? `${fmtInt(m.pairwiseRows)} of ${fmtInt(n)} (sampled)` : fmtInt(m.pairwiseRows),
        id: `pairwise-rows-${id}`,
        raw: m.pairwiseRows,
        title: 'rows behind the dispersive loss and mean cosine',
      },
    ],
    `${name} metrics`,
  );
  const spec = chartBox(`spectrum-${id}`, `Singular-value spectrum of ${name}, log scale`);
  const vari = chartBox(`variance-${id}`, `Cumulative explained variance of ${name}`, 'sm');
  ctx.charts.add(spec.canvas, (p) => spectrumConfig(p, [{ label: name, values: m.spectrum, color: ctx.color(name, p) }]));
  ctx.charts.add(vari.canvas, (p) => varianceConfig(p, [{ label: name, values: m.explainedVariance, color: ctx.color(name, p) }]));
  const zeros = m.spectrum.filter((v) => !(v > 0)).length;
  const k90 = m.explainedVariance.findIndex((v) => v >= 0.9);
  const title = card(
    name,
    { id: `modality-${id}`, className: 'card-modality' },
    table,
    h('h3', { class: 'chart-title' }, 'Singular-value spectrum'),
    spec.box,
    zeros > 0 ? h('p', { class: 'caption' }, `${plural(zeros, 'zero singular value')} not shown on the log scale.`) : null,
    h('h3', { class: 'chart-title' }, 'Cumulative explained variance (centered)'),
    vari.box,
    k90 >= 0
      ? h('p', { class: 'caption' }, `90% of the variance in ${fmtInt(k90 + 1)} of ${plural(m.explainedVariance.length, 'component')}.`)
      : null,
  );
  title.querySelector('h2')?.prepend(h('span', { class: `swatch series-${ctx.seriesIndex(name) % 6}`, 'aria-hidden': 'true' }));
  return title;
}
