/** What every view receives from main.ts, and what it gives back. */
import type { Controls, PairMetric } from '../../src/protocol/webview';
import type { EpochMetrics, SweepPoint } from '../../src/protocol/train';
import type { WeightsProgressMessage } from '../../src/protocol/weightsView';
import type { ChartHost } from '../charts/registry';
import type { Host } from '../host';
import type { Palette } from '../theme';
import type { SeriesAssigner } from '../series';

/** color(), seriesIndex(), series(): the style of a modality/pair/head (series.ts) */
export interface ViewContext extends SeriesAssigner {
  host: Host;
  charts: ChartHost;
  palette(): Palette;
  /**
   * drawn from the state saved before the webview was rebuilt, not yet confirmed by the host:
   * whether a job still feeds the view is unknown, so no Cancel is offered until the host answers
   */
  fromSavedState: boolean;
  /** remember the controls (persisted with the view) */
  saveControls(c: Controls): void;
  /** the two modalities the report's scatter shows (saved state), and remembering a new pick */
  scatterPick(): [string, string] | undefined;
  saveScatterPick(pick: [string, string] | undefined): void;
  /** the pair ("a/b") whose card the pair matrix opens (saved state), and remembering a new one */
  pairPick(): string | undefined;
  savePairPick(pair: string): void;
  /** the metric the pair matrix shades, as saved (undefined: the default) */
  pairMetric(): PairMetric | undefined;
  savePairMetric(metric: PairMetric): void;
}

export interface ViewHandle {
  onEpoch?(m: EpochMetrics): void;
  onSweepPoint?(p: SweepPoint): void;
  /** a batch of weight metrics arrived (weights view) */
  onWeightsProgress?(m: WeightsProgressMessage): void;
}
