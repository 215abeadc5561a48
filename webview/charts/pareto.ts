/** Sweep: every run as a point (mean unimodal vs fusion accuracy), the Pareto front joined. */
import type { ChartConfiguration } from 'chart.js';
import { paretoFront } from '../analysis';
import { withAlpha } from '../color';
import { fmtPct } from '../format';
import type { SweepPoint } from '../../src/protocol/train';
import type { Palette } from '../theme';
import { extent, percentAxis } from './common';

export function paramsLabel(p: SweepPoint): string {
  return Object.entries(p.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export function paretoConfig(p: Palette, points: SweepPoint[]): ChartConfiguration {
  const front = paretoFront(points);
  const others = points.filter((pt) => !front.includes(pt));
  const toXY = (pt: SweepPoint): { x: number; y: number } => ({ x: pt.meanUnimodalAccuracy, y: pt.fusionAccuracy });
  const frontColor = p.series[0] ?? p.fg;
  const all = points.map(toXY);
  const pad = (vals: number[], lo: boolean): number => {
    const ext = extent(vals) ?? { min: 0, max: 1 };
    const v = lo ? ext.min : ext.max;
    return lo ? Math.max(0, v - 0.05) : Math.min(1, v + 0.05);
  };
  const xs = all.map((q) => q.x);
  const ys = all.map((q) => q.y);
  return {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: 'Pareto front',
          data: front.map(toXY),
          showLine: true,
          borderColor: frontColor,
          backgroundColor: frontColor,
          borderWidth: p.highContrast ? 2.5 : 2,
          pointRadius: 5,
          pointHoverRadius: 7,
        },
        {
          label: 'dominated',
          data: others.map(toXY),
          backgroundColor: withAlpha(p.muted, 0.6),
          borderColor: p.muted,
          borderWidth: p.highContrast ? 1 : 0,
          pointRadius: 4,
          pointHoverRadius: 6,
        },
      ],
    },
    options: {
      // parsing stays on: with it off Chart.js takes the x range from the first and last point
      // (it assumes sorted data), which clips an unsorted scatter
      scales: {
        x: percentAxis(p, 'mean unimodal accuracy', points.length ? { min: pad(xs, true), max: pad(xs, false) } : {}),
        y: percentAxis(p, 'fusion accuracy', points.length ? { min: pad(ys, true), max: pad(ys, false) } : {}),
      },
      plugins: {
        legend: { display: true, position: 'bottom', labels: { color: p.fg, usePointStyle: true, pointStyle: 'circle' } },
        tooltip: {
          callbacks: {
            label: (item) => {
              const src = item.datasetIndex === 0 ? front : others;
              const pt = src[item.dataIndex];
              return pt ? `${paramsLabel(pt)}: unimodal ${fmtPct(pt.meanUnimodalAccuracy)}, fusion ${fmtPct(pt.fusionAccuracy)}` : '';
            },
          },
        },
      },
    },
  };
}
