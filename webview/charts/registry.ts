/**
 * Owns the Chart instances of the current view. Each chart is kept with the function that
 * builds its configuration from the palette, so a theme change destroys and rebuilds it in the
 * new colors and a data change (a live epoch) updates it in place.
 */
import { Chart } from 'chart.js';
import type { ChartConfiguration } from 'chart.js';
import type { Palette } from '../theme';
import { applyChartDefaults, registerCharts } from './setup';

export type ChartBuild = (p: Palette) => ChartConfiguration;

interface Item {
  canvas: HTMLCanvasElement;
  build: ChartBuild;
  chart?: Chart;
}

/** Test hook: how many data points the chart holds, on the canvas as data-points. */
function markPoints(canvas: HTMLCanvasElement, chart: Chart): void {
  const n = chart.data.datasets.reduce((s, d) => s + d.data.length, 0);
  canvas.dataset.points = String(n);
}

export class ChartHost {
  private items: Item[] = [];

  constructor(private readonly palette: () => Palette) {
    registerCharts();
  }

  /** Queue a chart; it is created by mount() once its canvas is in the document. */
  add(canvas: HTMLCanvasElement, build: ChartBuild): void {
    this.items.push({ canvas, build });
  }

  mount(): void {
    const p = this.palette();
    applyChartDefaults(p);
    for (const it of this.items) {
      if (it.chart) continue;
      it.chart = new Chart(it.canvas, it.build(p));
      markPoints(it.canvas, it.chart);
    }
  }

  /** New data, same theme: update in place (keeps the canvas and avoids flicker). */
  refresh(): void {
    const p = this.palette();
    for (const it of this.items) {
      if (!it.chart) continue;
      const cfg = it.build(p);
      it.chart.data = cfg.data;
      if (cfg.options) it.chart.options = cfg.options;
      it.chart.update('none');
      markPoints(it.canvas, it.chart);
    }
  }

  /** Theme changed: rebuild every chart with the new palette and Chart.js defaults. */
  retheme(): void {
    const p = this.palette();
    applyChartDefaults(p);
    for (const it of this.items) {
      it.chart?.destroy();
      it.chart = new Chart(it.canvas, it.build(p));
      markPoints(it.canvas, it.chart);
    }
  }

  /** One chart's data and plugins changed (the scatter's shown pair): build it again in place. */
  rebuild(canvas: HTMLCanvasElement): void {
    const it = this.items.find((x) => x.canvas === canvas);
    if (!it?.chart) return;
    it.chart.destroy();
    it.chart = new Chart(canvas, it.build(this.palette()));
    markPoints(canvas, it.chart);
  }

  /** A chart's canvas left the page (the pair matrix opened another pair): destroy it and forget it. */
  drop(canvas: HTMLCanvasElement): void {
    const it = this.items.find((x) => x.canvas === canvas);
    if (!it) return;
    it.chart?.destroy();
    this.items = this.items.filter((x) => x !== it);
  }

  destroy(): void {
    for (const it of this.items) it.chart?.destroy();
    this.items = [];
  }

  get count(): number {
    return this.items.length;
  }
}
