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
  /** remember the controls (persisted with the view) */
  saveControls(c: Controls): void;
}

export interface ViewHandle {
  onEpoch?(m: EpochMetrics): void;
  onSweepPoint?(p: SweepPoint): void;
}

export function colorAssigner(): (name: string, p: Palette) => string {
  const index = new Map<string, number>();
  return (name, p) => {
    let i = index.get(name);
    if (i === undefined) { i = index.size; index.set(name, i); }
    return seriesColor(p, i);
  };
}
