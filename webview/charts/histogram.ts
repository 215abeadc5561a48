/** Drift histogram on [0, 4] with the band beyond τ shaded and the fraction written in it. */
import type { ChartConfiguration } from 'chart.js';
import { withAlpha } from '../color';
import { fmtNum, fmtPct } from '../format';
import type { DriftStats } from '../../src/protocol/report';
import type { Palette } from '../theme';
import { linearAxis } from './common';

export function driftHistogramConfig(p: Palette, drift: DriftStats, tau: number, color: string): ChartConfiguration {
  const { edges, counts } = drift.histogram;
  // a linear x axis (not categories) so τ maps to its exact pixel
  const data = counts.map((c, i) => ({ x: ((edges[i] ?? 0) + (edges[i + 1] ?? 0)) / 2, y: c }));
  const lo = edges[0] ?? 0;
  const hi = edges[edges.length - 1] ?? 4;
  return {
    type: 'bar',
    data: {
      datasets: [
        {
          label: 'pairs',
          data,
          backgroundColor: withAlpha(color, 0.75),
          borderColor: color,
          borderWidth: p.highContrast ? 1 : 0,
          barPercentage: 1,
          categoryPercentage: 1,
          grouped: false,
        },
      ],
    },
    options: {
      parsing: false,
      scales: {
        x: linearAxis(p, 'squared distance ‖ẑᵃ − ẑᵇ‖²', { min: lo, max: hi, offset: false, ticks: { color: p.fg, stepSize: 0.5 } }),
        y: linearAxis(p, 'pairs', { beginAtZero: true }),
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => {
              const i = items[0]?.dataIndex ?? 0;
              return `${fmtNum(edges[i] ?? 0)} – ${fmtNum(edges[i + 1] ?? 0)}`;
            },
          },
        },
        dagrBand: {
          from: tau,
          to: hi,
          color: withAlpha(p.warning, p.highContrast ? 0.3 : 0.14),
          edgeColor: p.warning,
          label: `beyond τ = ${fmtNum(tau)}: ${fmtPct(drift.fractionBeyondTau)}`,
          labelColor: p.fg,
        },
      },
    },
  };
}
