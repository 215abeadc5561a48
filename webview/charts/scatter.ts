/**
 * 2-D PCA scatter of the projected modalities (all of them, or the two the user picked when there
 * are 3+) with thin lines joining a sample of pairs, and the lasso's outline and selected points.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import { getOwn } from '../../src/protocol/keys';
import { extent } from '../analysis';
import { withAlpha } from '../color';
import type { Palette } from '../theme';
import { linearAxis } from './common';
import type { XY } from './common';
import type { Projection, ScatterPlan, ScatterPoint } from './scatterPlan';

export type { Projection, ScatterPlan, ScatterPoint } from './scatterPlan';
export { planScatter, projectedModalities, scatterChoices, validShown } from './scatterPlan';

function pointAt(flat: number[], i: number): XY {
  return { x: flat[2 * i] ?? 0, y: flat[2 * i + 1] ?? 0 };
}

/** Ranges centred on the data whose units per pixel agree on both axes (with a margin). */
export function equalAspectRanges(
  ext: { x: { min: number; max: number }; y: { min: number; max: number } },
  width: number,
  height: number,
  margin = 0.04,
): { x: [number, number]; y: [number, number] } {
  const cx = (ext.x.min + ext.x.max) / 2;
  const cy = (ext.y.min + ext.y.max) / 2;
  let xr = Math.max(ext.x.max - ext.x.min, 1e-12) * (1 + 2 * margin);
  let yr = Math.max(ext.y.max - ext.y.min, 1e-12) * (1 + 2 * margin);
  const ratio = width / height;
  if (xr / yr < ratio) xr = yr * ratio;
  else yr = xr / ratio;
  return { x: [cx - xr / 2, cx + xr / 2], y: [cy - yr / 2, cy + yr / 2] };
}

/** "PC 1 · 41% of variance" when the report has the share (one value when every modality agrees). */
export function axisTitle(proj: Projection, modalities: string[], k: 0 | 1): string {
  const shares = modalities.map((m) => getOwn(proj.variance ?? {}, m)?.[k]).filter((v): v is number => typeof v === 'number');
  const base = `PC ${k + 1}`;
  if (shares.length === 0) return base;
  const pct = (v: number): string => `${Math.round(v * 1000) / 10}%`;
  const same = shares.every((v) => Math.abs(v - (shares[0] ?? 0)) < 1e-9);
  return same
    ? `${base} · ${pct(shares[0] ?? 0)} of variance`
    : `${base} · ${modalities.map((m, i) => `${m} ${pct(shares[i] ?? 0)}`).join(', ')} of variance`;
}

/** A linear axis whose ends (set by the equal-aspect fit, not round numbers) get no tick label. */
function scatterAxis(p: Palette, title: string, e: { min: number; max: number }): ReturnType<typeof linearAxis> {
  const ax = linearAxis(p, title, { min: e.min, max: e.max });
  return { ...ax, ticks: { ...ax.ticks, includeBounds: false } };
}

/** The lasso: its outline while drawn (canvas pixels x0,y0,x1,y1,...) and the selected rows, ringed. */
export interface ScatterSelection {
  outline: number[];
  rows: Set<number>;
}

export function scatterConfig(
  p: Palette,
  proj: Projection,
  plan: ScatterPlan,
  colorOf: (m: string) => string,
  selection?: ScatterSelection,
): ChartConfiguration {
  const datasets = plan.modalities.map((m) => {
    const flat = getOwn(proj.points, m) ?? [];
    const color = colorOf(m);
    return {
      type: 'scatter' as const,
      label: m,
      data: plan.drawn.map((i): ScatterPoint => ({ ...pointAt(flat, i), row: proj.rows[i] ?? i })),
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
  const xs: number[] = [];
  const ys: number[] = [];
  for (const d of datasets)
    for (const pt of d.data) {
      xs.push(pt.x);
      ys.push(pt.y);
    }
  const ext = { x: extent(xs) ?? { min: -1, max: 1 }, y: extent(ys) ?? { min: -1, max: 1 } };
  // equal aspect: a unit on PC 1 is as long on screen as a unit on PC 2, so distances and the
  // unit circle are not stretched; the ranges follow the plot area after each layout
  let fixes = 0;
  let lastSize = '';
  const equalAspect: Plugin<'scatter'> = {
    id: 'dagrEqualAspect',
    afterLayout(chart) {
      const a = chart.chartArea;
      if (a.width <= 0 || a.height <= 0) return;
      const size = `${Math.round(a.width)}x${Math.round(a.height)}`;
      if (size !== lastSize) {
        lastSize = size;
        fixes = 0;
      }
      const want = equalAspectRanges(ext, a.width, a.height);
      const sx = chart.options.scales?.x;
      const sy = chart.options.scales?.y;
      if (!sx || !sy) return;
      const close = (u: unknown, v: number, r: number): boolean => typeof u === 'number' && Math.abs(u - v) <= 0.005 * r;
      const xr = want.x[1] - want.x[0];
      const yr = want.y[1] - want.y[0];
      if (close(sx.min, want.x[0], xr) && close(sx.max, want.x[1], xr) && close(sy.min, want.y[0], yr) && close(sy.max, want.y[1], yr))
        return;
      // the tick labels may change the plot area again: a few rounds settle it
      if (++fixes > 3) return;
      Object.assign(sx, { min: want.x[0], max: want.x[1] });
      Object.assign(sy, { min: want.y[0], max: want.y[1] });
      chart.update('none');
    },
  };
  // the lasso's outline and a ring around each selected row's points, drawn over the datasets;
  // the view calls chart.draw() after changing `selection` (no data change, no re-layout)
  const lasso: Plugin<'scatter'> = {
    id: 'dagrLasso',
    afterDatasetsDraw(chart) {
      if (!selection) return;
      const c = chart.ctx;
      c.save();
      c.strokeStyle = p.fg;
      c.lineWidth = p.highContrast ? 2 : 1.25;
      if (selection.rows.size > 0) {
        chart.data.datasets.forEach((d, di) => {
          const meta = chart.getDatasetMeta(di);
          (d.data as ScatterPoint[]).forEach((pt, j) => {
            const el = meta.data[j];
            if (!el || !selection.rows.has(pt.row)) return;
            c.beginPath();
            c.arc(el.x, el.y, 4.5, 0, 2 * Math.PI);
            c.stroke();
          });
        });
      }
      const o = selection.outline;
      if (o.length >= 4) {
        c.setLineDash([4, 3]);
        c.beginPath();
        c.moveTo(o[0] ?? 0, o[1] ?? 0);
        for (let i = 2; i + 1 < o.length; i += 2) c.lineTo(o[i] ?? 0, o[i + 1] ?? 0);
        c.closePath();
        c.stroke();
        c.fillStyle = withAlpha(p.fg, 0.06);
        c.fill();
      }
      c.restore();
    },
  };
  const labelOf = (i: number): string => {
    const l = proj.labels?.[i];
    return l === undefined ? '' : ` · label ${l}`;
  };
  return {
    type: 'scatter',
    data: { datasets },
    plugins: [equalAspect as Plugin, lasso as Plugin],
    options: {
      // parsing stays on: with it off Chart.js takes the x range from the first and last point
      // (it assumes sorted data), which clips an unsorted scatter
      scales: {
        x: scatterAxis(p, axisTitle(proj, plan.modalities, 0), ext.x),
        y: scatterAxis(p, axisTitle(proj, plan.modalities, 1), ext.y),
      },
      plugins: {
        legend: { display: true, position: 'bottom', labels: { color: p.fg, usePointStyle: true, pointStyle: 'circle' } },
        dagrPairLines: { segments, color: withAlpha(p.muted, p.highContrast ? 0.5 : 0.35), width: p.highContrast ? 1 : 0.75 },
        tooltip: {
          callbacks: {
            label: (item) => {
              const i = plan.drawn[item.dataIndex] ?? 0;
              return `${item.dataset.label ?? ''} row ${proj.rows[i] ?? ''}${labelOf(i)}`;
            },
          },
        },
      },
    },
  };
}
