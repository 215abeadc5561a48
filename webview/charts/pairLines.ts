/**
 * Thin segments joining paired points in the projection scatter. One plugin pass draws all of
 * them; a line dataset per pair would make hundreds of datasets and legend entries.
 */
import type { Chart, ChartType, Plugin } from 'chart.js';
import type { PairLinesOptions } from './pluginOptions';

export const pairLinesPlugin: Plugin<ChartType, PairLinesOptions> = {
  id: 'dagrPairLines',
  beforeDatasetsDraw(chart: Chart, _args, opts) {
    const seg = opts.segments;
    const x = chart.scales.x;
    const y = chart.scales.y;
    if (!seg || seg.length < 4 || !x || !y) return;
    const area = chart.chartArea;
    const ctx = chart.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
    ctx.clip();
    ctx.strokeStyle = opts.color ?? 'gray';
    ctx.lineWidth = opts.width ?? 0.75;
    ctx.beginPath();
    for (let i = 0; i + 3 < seg.length; i += 4) {
      ctx.moveTo(x.getPixelForValue(seg[i] ?? 0), y.getPixelForValue(seg[i + 1] ?? 0));
      ctx.lineTo(x.getPixelForValue(seg[i + 2] ?? 0), y.getPixelForValue(seg[i + 3] ?? 0));
    }
    ctx.stroke();
    ctx.restore();
  },
};
