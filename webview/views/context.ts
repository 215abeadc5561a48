/** What every view receives from main.ts, and what it gives back. */
import type { Controls } from '../../src/protocol/webview';
import type { EpochMetrics, SweepPoint } from '../../src/protocol/train';
import type { ChartHost } from '../charts/registry';
import type { Host } from '../host';
import type { Palette } from '../theme';
import { seriesColor } from '../theme';

export interface ViewContext {
  host: Host;
  charts: ChartHost;
  palette(): Palette;
  /** the series color of a modality/pair/head, stable within a view and across theme changes */
  color(name: string, p: Palette): string;
  /** the series index behind color(): CSS mirrors it as .series-<i % 6> for swatches */
  seriesIndex(name: string): number;
  /** remember the controls (persisted with the view) */
  saveControls(c: Controls): void;
}

export interface ViewHandle {
  onEpoch?(m: EpochMetrics): void;
  onSweepPoint?(p: SweepPoint): void;
}

export function colorAssigner(): { color(name: string, p: Palette): string; seriesIndex(name: string): number } {
  const index = new Map<string, number>();
  const seriesIndex = (name: string): number => {
    let i = index.get(name);
    if (i === undefined) { i = index.size; index.set(name, i); }
    return i;
  };
  return { seriesIndex, color: (name, p) => seriesColor(p, seriesIndex(name)) };
}
