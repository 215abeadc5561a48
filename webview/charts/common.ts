/** Pieces every chart configuration shares: axes with titles, series styling, legends. */
import { Chart } from 'chart.js';
import type { ChartDataset, LegendItem, ScaleOptions } from 'chart.js';
import { extent } from '../analysis';
import { withAlpha } from '../color';
import { fmtNum } from '../format';
import type { Palette } from '../theme';

export interface XY {
  x: number;
  y: number;
}

export { extent };

export interface Series {
  label: string;
  points: XY[];
  color: string;
  /** the comparison run ("DAGR off") and the second report of a compare are dashed */
  dashed?: boolean;
  /** the series' own dash pattern (ViewContext.series), when `dashed` does not apply */
  pattern?: number[];
  /** lighter series (train accuracy next to validation) */
  faint?: boolean;
  /** show a dot at every point (short runs), else a clean line */
  dots?: boolean;
}

export function lineDataset(p: Palette, s: Series): ChartDataset<'line', XY[]> {
  const color = s.faint ? withAlpha(s.color, 0.5) : s.color;
  return {
    label: s.label,
    data: s.points,
    borderColor: color,
    backgroundColor: color,
    borderDash: s.dashed ? [6, 4] : (s.pattern ?? []),
    borderWidth: (p.highContrast ? 2.5 : 1.75) * (s.faint ? 0.8 : 1),
    pointRadius: s.dots ? (p.highContrast ? 3 : 2.5) : 0,
    pointHoverRadius: 4,
    tension: 0,
    spanGaps: true,
    // let a point on the plot's edge show whole instead of cut in half
    clip: 6,
  };
}

type LinearAxis = ScaleOptions<'linear'>;

export function linearAxis(p: Palette, title: string, extra: LinearAxis = {}): LinearAxis {
  return {
    type: 'linear',
    title: { display: title.length > 0, text: title, color: p.muted },
    grid: { color: p.grid },
    border: { color: p.grid },
    ticks: { color: p.fg, maxTicksLimit: 7, callback: (v, _i, ticks) => fmtNum(Number(v), tickDigits(ticks.map((t) => t.value))) },
    ...extra,
  };
}

/**
 * Significant digits that keep neighbouring tick labels apart: three by default, more when the
 * axis spans a narrow range far from zero (1.255 … 1.295 read "1.3, 1.3, 1.3" with three).
 */
export function tickDigits(values: readonly number[]): number {
  if (values.length < 2) return 3;
  const step = Math.abs((values[1] ?? 0) - (values[0] ?? 0));
  const big = Math.max(...values.slice(0, 2).map(Math.abs), Math.abs(values[values.length - 1] ?? 0));
  if (!(step > 0) || !(big > 0)) return 3;
  return Math.min(8, Math.max(3, Math.ceil(Math.log10(big / step)) + 1));
}

export function logAxis(p: Palette, title: string): ScaleOptions<'logarithmic'> {
  return {
    type: 'logarithmic',
    title: { display: true, text: title, color: p.muted },
    // a line at every labelled tick only: with every tick kept (below), lines at 3, 4, 6, 7, ...
    // of each decade would crowd the plot
    grid: { color: (c) => (c.tick?.label ? p.grid : 'transparent') },
    border: { color: p.grid },
    // powers of ten only when the axis spans several decades (1, 2, 5 would collide there);
    // 1, 2, 5 multiples too when it spans less, so a short axis still has labels. The callback
    // does the thinning: Chart.js's autoSkip would first drop ticks by position, and could keep
    // only ticks the callback blanks (a spectrum from 3 to 200 was left with "100" alone)
    ticks: {
      color: p.fg,
      autoSkip: false,
      callback: (v, _i, ticks) => {
        const n = Number(v);
        const vals = ticks.map((t) => t.value).filter((x) => x > 0);
        const ext = extent(vals);
        const span = ext ? Math.log10(ext.max / ext.min) : 0;
        const mant = n / 10 ** Math.floor(Math.log10(n) + 1e-9);
        // under one decade (a healthy spectrum from 30 to 110) 1, 2, 5 leave one or two labels
        const keep = span >= 2 ? [1] : span >= 1 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 8];
        return keep.some((k) => Math.abs(mant - k) < 1e-6) ? fmtNum(n, 2) : '';
      },
    },
  };
}

export function percentAxis(p: Palette, title: string, extra: LinearAxis = {}): LinearAxis {
  return linearAxis(p, title, { ...extra, ticks: { color: p.fg, maxTicksLimit: 6, callback: (v) => `${Math.round(Number(v) * 100)}%` } });
}

/**
 * Legend entries are short lines in the series' own dash: pointStyleWidth makes them long enough
 * (28 px) for a dashed or dotted line to read as one, which the default ~9 px line does not.
 */
export function legend(
  p: Palette,
  show: boolean,
): {
  display: boolean;
  position: 'bottom';
  labels: {
    color: string;
    usePointStyle: boolean;
    pointStyle: 'line';
    pointStyleWidth: number;
    generateLabels: (chart: Chart) => LegendItem[];
  };
} {
  return {
    display: show,
    position: 'bottom',
    labels: { color: p.fg, usePointStyle: true, pointStyle: 'line', pointStyleWidth: 28, generateLabels: dashedLabels },
  };
}

/**
 * Chart.js takes a point-style legend entry's style from the dataset's first point, which has no
 * dash: a dashed series showed a solid entry. The entry takes the line's own dash instead.
 */
function dashedLabels(chart: Chart): LegendItem[] {
  const items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
  for (const it of items) {
    const ds = it.datasetIndex === undefined ? undefined : chart.data.datasets[it.datasetIndex];
    const dash = (ds as { borderDash?: unknown } | undefined)?.borderDash;
    if (Array.isArray(dash)) it.lineDash = dash as number[];
  }
  return items;
}
