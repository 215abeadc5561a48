/**
 * Vertical markers with a label at given x values: the epoch where a warning first fires.
 * Labels at the same x stack downwards; a label that would run past the right edge is drawn on
 * the left of its line, so nothing is clipped.
 */
import type { Chart, ChartType, Plugin } from 'chart.js';

export interface Marker { x: number; label: string }

export interface MarkerOptions {
  markers?: Marker[];
  color?: string;
  background?: string;
}

declare module 'chart.js' {
  // merged declarations must repeat Chart.js's type parameter name, used or not
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface PluginOptionsByType<TType extends ChartType> {
    dagrMarkers?: MarkerOptions | false;
  }
}

export const markersPlugin: Plugin<ChartType, MarkerOptions> = {
  id: 'dagrMarkers',
  afterDatasetsDraw(chart: Chart, _args, opts) {
    const markers = opts.markers;
    const x = chart.scales.x;
    if (!markers || markers.length === 0 || !x) return;
    const area = chart.chartArea;
    const ctx = chart.ctx;
    const size = Math.max(10, (chart.options.font?.size ?? 12) - 1);
    const lineHeight = size + 6;
    const stackAt = new Map<number, number>();
    ctx.save();
    ctx.font = `600 ${size}px ${chart.options.font?.family ?? 'sans-serif'}`;
    ctx.textBaseline = 'middle';
    for (const m of markers) {
      const px = x.getPixelForValue(m.x);
      if (!Number.isFinite(px) || px < area.left - 1 || px > area.right + 1) continue;
      const slot = stackAt.get(m.x) ?? 0;
      stackAt.set(m.x, slot + 1);
      ctx.strokeStyle = opts.color ?? 'black';
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(px, area.top);
      ctx.lineTo(px, area.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      const w = ctx.measureText(m.label).width;
      const onRight = px + 4 + w + 6 <= area.right;
      const left = onRight ? px + 4 : Math.max(area.left, px - 4 - w - 6);
      const y = area.top + 2 + slot * lineHeight;
      if (opts.background) {
        ctx.fillStyle = opts.background;
        ctx.fillRect(left, y, w + 6, lineHeight - 2);
      }
      ctx.fillStyle = opts.color ?? 'black';
      ctx.textAlign = 'left';
      ctx.fillText(m.label, left + 3, y + (lineHeight - 2) / 2);
    }
    ctx.restore();
  },
};
