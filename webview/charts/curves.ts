/** Metric curves over epochs, with warning markers and click-to-open. */
import type { ChartConfiguration } from 'chart.js';
import type { Palette } from '../theme';
import { extent, legend, lineDataset, linearAxis, percentAxis } from './common';
import type { Series } from './common';
import { markerPadding, mergeMarkers } from './markers';
import type { Marker } from './markers';
import { Chart } from 'chart.js';

export interface CurveOptions {
  xTitle: string;
  yTitle: string;
  series: Series[];
  percent?: boolean;
  markers?: Marker[];
  /** called with the x value of the clicked point */
  onClickX?: (x: number) => void;
  beginAtZero?: boolean;
  /** legend entries to keep (the dashed twin of every series need not repeat its entry) */
  legendFilter?: (label: string) => boolean;
}

export function curvesConfig(p: Palette, o: CurveOptions): ChartConfiguration {
  const ext = extent(
    (function* () {
      for (const s of o.series) for (const pt of s.points) yield pt.x;
    })(),
  );
  const xMin = ext ? ext.min : 0;
  const xMax = ext ? ext.max : 1;
  const y = o.percent
    ? percentAxis(p, o.yTitle, { suggestedMin: 0, suggestedMax: 1 })
    : linearAxis(p, o.yTitle, { beginAtZero: o.beginAtZero ?? false });
  return {
    type: 'line',
    data: { datasets: o.series.map((s) => lineDataset(p, { ...s, dots: s.dots ?? s.points.length <= 40 })) },
    options: {
      parsing: false,
      layout: { padding: { top: markerPadding(mergeMarkers(o.markers ?? []).length, Number(Chart.defaults.font.size ?? 12)) } },
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: linearAxis(p, o.xTitle, {
          min: xMin,
          max: xMax === xMin ? xMin + 1 : xMax,
          ticks: { color: p.fg, precision: 0, maxTicksLimit: 10 },
        }),
        y,
      },
      onClick: o.onClickX
        ? (_e, elements, chart) => {
            const el = elements[0];
            if (!el) return;
            const pt = chart.data.datasets[el.datasetIndex]?.data[el.index] as { x?: number } | undefined;
            if (pt && typeof pt.x === 'number') o.onClickX?.(pt.x);
          }
        : undefined,
      onHover: o.onClickX
        ? (e, elements) => {
            const t = e.native?.target;
            if (t instanceof HTMLElement) t.classList.toggle('clickable', elements.length > 0);
          }
        : undefined,
      plugins: {
        legend: o.legendFilter
          ? {
              ...legend(p, o.series.length > 1),
              labels: { ...legend(p, true).labels, filter: (item) => o.legendFilter?.(item.text) ?? true },
            }
          : legend(p, o.series.length > 1),
        tooltip: { mode: 'nearest', axis: 'x', intersect: false },
        dagrMarkers: o.markers && o.markers.length ? { markers: o.markers, color: p.warning } : false,
      },
    },
  };
}
