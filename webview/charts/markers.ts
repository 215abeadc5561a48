/**
 * Vertical markers with a label at given x values: the epoch where a warning first fires.
 * Labels sit above the plot, one row each; a label that would run past the right edge is drawn
 * on the left of its line, so nothing is clipped.
 */
import type { Chart, ChartType, Plugin } from 'chart.js';
import type { MarkerOptions } from './pluginOptions';

export type { Marker } from './pluginOptions';

const MARKER_GAP = 5;

function markerFontSize(chart: Chart): number {
  return Math.max(10, (chart.options.font?.size ?? 12) - 1);
}

/** Top padding a chart needs for `count` marker labels (one row each). */
export function markerPadding(count: number, fontSize = 12): number {
  return count > 0 ? count * (Math.max(10, fontSize - 1) + MARKER_GAP) + 2 : 0;
}

/**
 * Markers at the same x become one: one line and one label naming every warning there, so two
 * warnings that fire at the same epoch do not stack two labels over one line.
 */
export function mergeMarkers(markers: readonly { x: number; label: string }[]): { x: number; label: string }[] {
  const byX = new Map<number, string[]>();
  for (const m of markers) byX.set(m.x, [...(byX.get(m.x) ?? []), m.label]);
  return [...byX.entries()].sort((a, b) => a[0] - b[0]).map(([x, labels]) => ({ x, label: [...new Set(labels)].join(', ') }));
}

export const markersPlugin: Plugin<ChartType, MarkerOptions> = {
  id: 'dagrMarkers',
  afterDatasetsDraw(chart: Chart, _args, opts) {
    const markers = opts.markers;
    const x = chart.scales.x;
    if (!markers || markers.length === 0 || !x) return;
    const area = chart.chartArea;
    const ctx = chart.ctx;
    const size = markerFontSize(chart);
    const lineHeight = size + MARKER_GAP;
    ctx.save();
    ctx.font = `600 ${size}px ${chart.options.font?.family ?? 'sans-serif'}`;
    ctx.textBaseline = 'middle';
    // one label row per marker, in the padding above the plot (markerPadding), so a label never
    // covers data and two warnings at nearby epochs never overlap
    const sorted = mergeMarkers(markers);
    sorted.forEach((m, row) => {
      const px = x.getPixelForValue(m.x);
      if (!Number.isFinite(px) || px < area.left - 1 || px > area.right + 1) return;
      ctx.strokeStyle = opts.color ?? 'black';
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      const y = area.top - (sorted.length - row) * lineHeight;
      ctx.beginPath();
      ctx.moveTo(px, y + lineHeight / 2);
      ctx.lineTo(px, area.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      const w = ctx.measureText(m.label).width;
      const onRight = px + 4 + w <= chart.width - 2;
      ctx.fillStyle = opts.color ?? 'black';
      ctx.textAlign = onRight ? 'left' : 'right';
      ctx.fillText(m.label, onRight ? px + 4 : px - 4, y + lineHeight / 2);
    });
    ctx.restore();
  },
};
