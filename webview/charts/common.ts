/** Pieces every chart configuration shares: axes with titles, series styling, legends. */
import type { ChartDataset, ScaleOptions } from 'chart.js';
import { withAlpha } from '../color';
import { fmtNum } from '../format';
import type { Palette } from '../theme';

export interface XY { x: number; y: number }

export interface Series {
  label: string;
  points: XY[];
  color: string;
  /** the comparison run ("DAGR off") and the second report of a compare are dashed */
  dashed?: boolean;
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
    borderDash: s.dashed ? [6, 4] : [],
    borderWidth: (p.highContrast ? 2.5 : 1.75) * (s.faint ? 0.8 : 1),
    pointRadius: s.dots ? (p.highContrast ? 3 : 2.5) : 0,
    pointHoverRadius: 4,
    tension: 0,
    spanGaps: true,
  };
}

type LinearAxis = ScaleOptions<'linear'>;

export function linearAxis(p: Palette, title: string, extra: LinearAxis = {}): LinearAxis {
  return {
    type: 'linear',
    title: { display: title.length > 0, text: title, color: p.muted },
    grid: { color: p.grid },
    border: { color: p.grid },
    ticks: { color: p.fg, maxTicksLimit: 7, callback: (v) => fmtNum(Number(v)) },
    ...extra,
  };
}

export function logAxis(p: Palette, title: string): ScaleOptions<'logarithmic'> {
  return {
    type: 'logarithmic',
    title: { display: true, text: title, color: p.muted },
    grid: { color: p.grid },
    border: { color: p.grid },
    // only powers of ten: the default 1,2,5 labels collide over many decades
    ticks: {
      color: p.fg,
      autoSkip: true,
      callback: (v) => {
        const n = Number(v);
        const e = Math.log10(n);
        return Math.abs(e - Math.round(e)) < 1e-9 ? fmtNum(n, 1) : '';
      },
    },
  };
}

export function percentAxis(p: Palette, title: string, extra: LinearAxis = {}): LinearAxis {
  return linearAxis(p, title, { ...extra, ticks: { color: p.fg, maxTicksLimit: 6, callback: (v) => `${Math.round(Number(v) * 100)}%` } });
}

export function legend(p: Palette, show: boolean): { display: boolean; position: 'bottom'; labels: { color: string; usePointStyle: boolean; pointStyle: 'line' } } {
  return { display: show, position: 'bottom', labels: { color: p.fg, usePointStyle: true, pointStyle: 'line' } };
}
