/** Singular-value spectrum (log y) and cumulative explained variance charts. */
import type { ChartConfiguration, ChartDataset, ScaleOptions } from 'chart.js';
import { withAlpha } from '../color';
import type { Palette } from '../theme';
import { legend, lineDataset, linearAxis, logAxis, percentAxis } from './common';
import type { Series, XY } from './common';

export interface SpectrumSeries {
  label: string;
  values: number[];
  color: string;
  dashed?: boolean;
}

/** Zero singular values cannot sit on a log axis; they are left out (the caption says so). */
export function spectrumPoints(values: number[]): XY[] {
  const out: XY[] = [];
  values.forEach((v, i) => {
    if (v > 0 && Number.isFinite(v)) out.push({ x: i + 1, y: v });
  });
  return out;
}

/** A line chart over component index k = 1…K (the longest series), with the given y axis. */
function perComponent(
  p: Palette,
  series: SpectrumSeries[],
  datasets: ChartDataset<'line', XY[]>[],
  xTitle: string,
  y: ScaleOptions<'linear'> | ScaleOptions<'logarithmic'>,
): ChartConfiguration {
  const maxK = series.reduce((k, s) => Math.max(k, s.values.length), 1);
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      scales: { x: linearAxis(p, xTitle, { min: 1, max: maxK }), y },
      plugins: { legend: legend(p, series.length > 1), tooltip: { mode: 'index', intersect: false } },
    },
  };
}

/** One line per series; dots only on short spectra, where they show individual components. */
function line(p: Palette, s: SpectrumSeries, points: XY[]): ChartDataset<'line', XY[]> {
  return lineDataset(p, { label: s.label, points, color: s.color, dashed: s.dashed, dots: s.values.length <= 24 } satisfies Series);
}

export function spectrumConfig(p: Palette, series: SpectrumSeries[]): ChartConfiguration {
  const datasets = series.map((s) => line(p, s, spectrumPoints(s.values)));
  return perComponent(p, series, datasets, 'index k', logAxis(p, 'singular value σₖ'));
}

export function varianceConfig(p: Palette, series: SpectrumSeries[]): ChartConfiguration {
  const datasets = series.map((s) => {
    const d = line(
      p,
      s,
      s.values.map((v, i) => ({ x: i + 1, y: v })),
    );
    // a single curve reads better filled; overlaid curves stay outlines
    if (series.length === 1) {
      d.fill = 'origin';
      d.backgroundColor = withAlpha(s.color, 0.15);
    }
    return d;
  });
  return perComponent(p, series, datasets, 'components k', percentAxis(p, 'explained variance', { min: 0, max: 1 }));
}
