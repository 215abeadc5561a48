/**
 * Shades an x-range of a chart (the drift beyond τ) with an optional label. Our own plugin:
 * the annotation package is one more dependency for one rectangle.
 */
import type { Chart, ChartType, Plugin } from 'chart.js';
import type { BandOptions } from './pluginOptions';

export const bandPlugin: Plugin<ChartType, BandOptions> = {
  id: 'dagrBand',
  beforeDatasetsDraw(chart: Chart, _args, opts) {
    if (opts.from === undefined || opts.to === undefined) return;
    const x = chart.scales.x;
    if (!x) return;
    const area = chart.chartArea;
    const left = Math.max(area.left, x.getPixelForValue(opts.from));
    const right = Math.min(area.right, x.getPixelForValue(opts.to));
    if (!(right > left)) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = opts.color ?? 'transparent';
    ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
    if (opts.edgeColor) {
      ctx.strokeStyle = opts.edgeColor;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([5, 3]);
      ctx.beginPath();
      ctx.moveTo(left, area.top);
      ctx.lineTo(left, area.bottom);
      ctx.stroke();
    }
    if (opts.label) {
      ctx.setLineDash([]);
      ctx.fillStyle = opts.labelColor ?? opts.edgeColor ?? 'black';
      ctx.font = `600 ${chart.options.font?.size ?? 12}px ${chart.options.font?.family ?? 'sans-serif'}`;
      ctx.textBaseline = 'top';
      const w = ctx.measureText(opts.label).width;
      // inside the band when it fits, else to the left of its edge, never clipped
      const fitsRight = left + 6 + w <= area.right;
      ctx.textAlign = fitsRight ? 'left' : 'right';
      ctx.fillText(opts.label, fitsRight ? left + 6 : Math.max(area.left + w, left - 6), area.top + 4);
    }
    ctx.restore();
  },
};
