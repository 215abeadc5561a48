/** 2-D PCA scatter of every modality with thin lines joining a sample of pairs. */
import type { ChartConfiguration } from 'chart.js';
import { getOwn } from '../../src/protocol/keys';
import { strideSample } from '../analysis';
import { withAlpha } from '../color';
import type { Palette } from '../theme';
import { linearAxis } from './common';
import type { XY } from './common';

export interface Projection { rows: number[]; points: Record<string, number[]> }

export interface ScatterPlan {
  /** indices into projection.rows that are drawn */
  drawn: number[];
  /** indices (subset of drawn) whose pair line is drawn */
  linked: number[];
  modalities: string[];
}

/** At most `maxPoints` points in total across modalities, and at most `maxLines` pair lines. */
export function planScatter(proj: Projection, modalities: string[], maxPoints: number, maxLines = 150): ScatterPlan {
  const present = modalities.filter((m) => (getOwn(proj.points, m)?.length ?? 0) >= 2);
  const per = present.length > 0 ? Math.floor(Math.max(0, maxPoints) / present.length) : 0;
  const drawn = strideSample(proj.rows.length, Math.min(per, proj.rows.length));
  const linked = present.length >= 2 ? strideSample(drawn.length, Math.min(maxLines, drawn.length)).map((j) => drawn[j] ?? 0) : [];
  return { drawn, linked, modalities: present };
}

function pointAt(flat: number[], i: number): XY {
  return { x: flat[2 * i] ?? 0, y: flat[2 * i + 1] ?? 0 };
}

export function scatterConfig(p: Palette, proj: Projection, plan: ScatterPlan, colorOf: (m: string) => string): ChartConfiguration {
  const datasets = plan.modalities.map((m) => {
    const flat = getOwn(proj.points, m) ?? [];
    const color = colorOf(m);
    return {
      type: 'scatter' as const,
      label: m,
      data: plan.drawn.map((i) => pointAt(flat, i)),
      backgroundColor: withAlpha(color, p.highContrast ? 1 : 0.7),
      borderColor: color,
      borderWidth: 0,
      pointRadius: plan.drawn.length > 600 ? 1.75 : 2.5,
      pointHoverRadius: 4,
    };
  });
  const [ma, mb] = plan.modalities;
  const segments: number[] = [];
  if (ma !== undefined && mb !== undefined) {
    const fa = getOwn(proj.points, ma) ?? [];
    const fb = getOwn(proj.points, mb) ?? [];
    for (const i of plan.linked) {
      const a = pointAt(fa, i);
      const b = pointAt(fb, i);
      segments.push(a.x, a.y, b.x, b.y);
    }
  }
  return {
    type: 'scatter',
    data: { datasets },
    options: {
      // parsing stays on: with it off Chart.js takes the x range from the first and last point
      // (it assumes sorted data), which clips an unsorted scatter
      // grace: a margin beyond the outermost points, which would otherwise sit half outside the plot
      scales: { x: linearAxis(p, 'PC 1', { grace: '4%' }), y: linearAxis(p, 'PC 2', { grace: '4%' }) },
      plugins: {
        legend: { display: true, position: 'bottom', labels: { color: p.fg, usePointStyle: true, pointStyle: 'circle' } },
        dagrPairLines: { segments, color: withAlpha(p.muted, p.highContrast ? 0.5 : 0.35), width: p.highContrast ? 1 : 0.75 },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''} row ${proj.rows[plan.drawn[item.dataIndex] ?? 0] ?? ''}` } },
      },
    },
  };
}
