/**
 * Registers only the Chart.js parts the views use (keeps the bundle small) and applies the
 * current theme to Chart.js's global defaults before charts are (re)created.
 */
import {
  BarController,
  BarElement,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import { withAlpha } from '../color';
import type { Palette } from '../theme';
import { bandPlugin } from './band';
import { markersPlugin } from './markers';
import { pairLinesPlugin } from './pairLines';

let registered = false;

export function registerCharts(): void {
  if (registered) return;
  registered = true;
  Chart.register(
    LineController,
    LineElement,
    PointElement,
    BarController,
    BarElement,
    ScatterController,
    LinearScale,
    LogarithmicScale,
    Legend,
    Tooltip,
    Filler,
    bandPlugin,
    markersPlugin,
    pairLinesPlugin,
  );
}

export function applyChartDefaults(p: Palette): void {
  const d = Chart.defaults;
  d.color = p.fg;
  d.borderColor = p.grid;
  d.font.family = p.fontFamily;
  d.font.size = Math.max(11, Math.round(p.fontSize - 1));
  // diagnostics, not a show: instant draws also make screenshots and theme switches exact
  d.animation = false;
  d.maintainAspectRatio = false;
  d.responsive = true;
  d.plugins.legend.labels.boxWidth = 12;
  d.plugins.legend.labels.boxHeight = 12;
  d.plugins.tooltip.backgroundColor = withAlpha(p.fg, 0.92);
  d.plugins.tooltip.titleColor = p.bg;
  d.plugins.tooltip.bodyColor = p.bg;
  d.plugins.tooltip.borderColor = p.highContrast ? p.focus : withAlpha(p.fg, 0);
  d.plugins.tooltip.borderWidth = p.highContrast ? 1 : 0;
  d.elements.line.borderWidth = p.highContrast ? 2.5 : 1.75;
}
