/** Singular-value spectrum (log y) and cumulative explained variance charts. */
import type { ChartConfiguration } from 'chart.js';
import { withAlpha } from '../color';
import type { Palette } from '../theme';
import { legend, lineDataset, linearAxis, logAxis, percentAxis } from './common';
import type { Series, XY } from './common';

export interface SpectrumSeries { label: string; values: number[]; color: string; dashed?: boolean }

/** Zero singular values cannot sit on a log axis; they are left out (the caption says so). */
export function spectrumPoints(values: number[]): XY[] {
  const out: XY[] = [];
  values.forEach((v, i) => { if (v > 0 && Number.isFinite(v)) out.push({ x: i + 1, y: v }); });
  return out;
}

export function spectrumConfig(p: Palette, series: SpectrumSeries[]): ChartConfiguration {
  const datasets = series.map((s) => lineDataset(p, { label: s.label, points: spectrumPoints(s.values), color: s.color, dashed: s.dashed, dots: s.values.length <= 24 } satisfies Series));
  const maxK = Math.max(1, ...series.map((s) => s.values.length));
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      scales: { x: linearAxis(p, 'index k', { min: 1, max: maxK }), y: logAxis(p, 'singular value σₖ') },
      plugins: { legend: legend(p, series.length > 1), tooltip: { mode: 'index', intersect: false } },
    },
  };
}

export function varianceConfig(p: Palette, series: SpectrumSeries[]): ChartConfiguration {
  const datasets = series.map((s) => {
    const d = lineDataset(p, { label: s.label, points: s.values.map((v, i) => ({ x: i + 1, y: v })), color: s.color, dashed: s.dashed, dots: s.values.length <= 24 });
    // a single curve reads better filled; overlaid curves stay outlines
    if (series.length === 1) { d.fill = 'origin'; d.backgroundColor = withAlpha(s.color, 0.15); }
    return d;
  });
  const maxK = Math.max(1, ...series.map((s) => s.values.length));
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      scales: { x: linearAxis(p, 'components k', { min: 1, max: maxK }), y: percentAxis(p, 'explained variance', { min: 0, max: 1 }) },
      plugins: { legend: legend(p, series.length > 1), tooltip: { mode: 'index', intersect: false } },
    },
  };
}
