/** One card per modality: its numbers, spectrum and cumulative explained variance. */
import type { ModalityReport } from '../../src/protocol/report';
import { spectrumConfig, varianceConfig } from '../charts/spectrum';
import { card, chartBox, h, statTable } from '../dom';
import { fmtFixed, fmtInt, fmtNum, fmtPct, idPart, plural } from '../format';
import type { ViewContext } from './context';

export function modalityCard(ctx: ViewContext, name: string, m: ModalityReport, n: number): HTMLElement {
  const id = idPart(name);
  const sampled = m.pairwiseRows < n;
  const table = statTable([
    { label: 'dimension', value: fmtInt(m.dim), id: `dim-${id}`, raw: m.dim },
    { label: 'effective rank', value: fmtFixed(m.effectiveRank, 2), id: `effective-rank-${id}`, raw: m.effectiveRank, className: 'key', title: 'RankMe: exp(entropy of normalized singular values), raw Z' },
    { label: 'effective rank (centered)', value: fmtFixed(m.effectiveRankCentered, 2), id: `effective-rank-centered-${id}`, raw: m.effectiveRankCentered },
    { label: 'stable rank', value: fmtFixed(m.stableRank, 2), id: `stable-rank-${id}`, raw: m.stableRank, title: '‖Z‖_F² / σ_max²' },
    { label: 'dispersive loss', value: fmtNum(m.dispersiveLoss, 4), id: `dispersive-loss-${id}`, raw: m.dispersiveLoss, title: 'lower = more dispersed' },
    { label: 'mean cosine', value: fmtNum(m.meanCosine), id: `mean-cosine-${id}`, raw: m.meanCosine },
    { label: 'dead dimensions', value: fmtPct(m.deadDimensionFraction), id: `dead-dimensions-${id}`, raw: m.deadDimensionFraction },
    { label: 'pairwise rows', value: sampled ? `${fmtInt(m.pairwiseRows)} of ${fmtInt(n)} (sampled)` : fmtInt(m.pairwiseRows), id: `pairwise-rows-${id}`, raw: m.pairwiseRows },
  ], `${name} metrics`);
  const spec = chartBox(`spectrum-${id}`, `Singular-value spectrum of ${name}, log scale`);
  const vari = chartBox(`variance-${id}`, `Cumulative explained variance of ${name}`, 'sm');
  ctx.charts.add(spec.canvas, (p) => spectrumConfig(p, [{ label: name, values: m.spectrum, color: ctx.color(name, p) }]));
  ctx.charts.add(vari.canvas, (p) => varianceConfig(p, [{ label: name, values: m.explainedVariance, color: ctx.color(name, p) }]));
  const zeros = m.spectrum.filter((v) => !(v > 0)).length;
  const k90 = m.explainedVariance.findIndex((v) => v >= 0.9);
  const title = card(name, { id: `modality-${id}`, className: 'card-modality' },
    table,
    h('h3', { class: 'chart-title' }, 'Singular-value spectrum'),
    spec.box,
    zeros > 0 ? h('p', { class: 'caption' }, `${plural(zeros, 'zero singular value')} not shown on the log scale.`) : null,
    h('h3', { class: 'chart-title' }, 'Cumulative explained variance (centered)'),
    vari.box,
    k90 >= 0 ? h('p', { class: 'caption' }, `90% of the variance in ${fmtInt(k90 + 1)} of ${plural(m.explainedVariance.length, 'component')}.`) : null);
  title.querySelector('h2')?.prepend(h('span', { class: `swatch series-${ctx.seriesIndex(name) % 6}`, 'aria-hidden': 'true' }));
  return title;
}
