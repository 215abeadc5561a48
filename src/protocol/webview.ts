/**
 * Messages between the extension host and the Geometry webview (both directions), and the
 * persisted webview state. No vscode, DOM or node imports.
 */
import type { CompareReport, GeometryReport, HingeMode, PairsMode, RunReport } from './report';
import type { EpochMetrics, RunSummary, SweepPoint, TrainConfig } from './train';
import type { WeightsCompareViewModel, WeightsProgressMessage, WeightsRequest, WeightsViewModel } from './weightsView';
import { WEIGHTS_REQUEST_TYPES } from './weightsView';
import type { NeighborsMessage, NeighborsRequest } from './neighborsView';
import { NEIGHBORS_MESSAGE_TYPES, NEIGHBORS_REQUEST_TYPES } from './neighborsView';

export const WEBVIEW_STATE_VERSION = 1;

/**
 * training/sweep `detached`: restored after a window reload, so no job of this window feeds the
 * view (nothing to cancel); a training run without a summary, or a sweep not done, was interrupted.
 */
export type ViewModel =
  | { kind: 'report'; report: GeometryReport; availableModalities: string[]; maxPointsPlotted: number }
  | { kind: 'run'; run: RunReport; live?: RunLive }
  | { kind: 'compare'; compare: CompareReport }
  | {
      kind: 'training';
      config: TrainConfig;
      runDir: string;
      epochs: EpochMetrics[];
      summary?: RunSummary;
      comparison?: { label: string; epochs: EpochMetrics[] };
      detached?: boolean;
    }
  | { kind: 'sweep'; points: SweepPoint[]; axes: [string, string]; done: boolean; detached?: boolean }
  /** model checkpoints (issue 9, ./weightsView) */
  | WeightsViewModel
  | WeightsCompareViewModel;

/** A run view following its folder while training writes it (src/panels/runFollow.ts). */
export interface RunLive {
  /** false once following stopped (the folder went away) */
  following: boolean;
  /** files seen but not shown yet, and why (a temporary name, still being written) */
  pending: { file: string; reason: string }[];
  /** files that stopped changing but could not be read, or stayed incomplete past the grace period */
  problems: { file: string; message: string }[];
}

export interface Controls {
  tau: number;
  t: number;
  hinge: HingeMode;
  pairs: PairsMode;
  modalities: string[];
}

/** host -> webview */
export type HostToWebview =
  | { type: 'init'; view: ViewModel }
  | { type: 'update'; view: ViewModel }
  /** focus: the user started this from the view, so the keyboard focus may move to Cancel */
  | { type: 'busy'; message: string; focus?: boolean }
  | { type: 'error'; message: string }
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'sweepPoint'; point: SweepPoint }
  | WeightsProgressMessage
  /** neighbours panel and movers answers (issue 12, ./neighborsView) */
  | NeighborsMessage
  /** a Problems entry's link: scroll the report to the card its warning is about */
  | { type: 'reveal'; place: WarningPlace };

/** What a warning is about: its code, and the modality or pair ("a/b") when it has one. */
export interface WarningPlace {
  code: string;
  modality?: string;
  pair?: string;
}

/** webview -> host */
export type WebviewToHost =
  | { type: 'ready'; restoredVersion?: number }
  | { type: 'recompute'; controls: Controls }
  | { type: 'export'; format: 'html' | 'json' }
  | { type: 'openCheckpoint'; file: string }
  | { type: 'cancel' }
  | { type: 'fineTune' }
  /** a run folder (a sweep point's run, a finished training run) to open as a run view */
  | { type: 'openRun'; dir: string }
  | WeightsRequest
  | NeighborsRequest;

/** what the webview saves with vscode.setState, and the serializer restores from */
export interface PersistedState {
  version: typeof WEBVIEW_STATE_VERSION;
  /** enough for the host to recompute the view after a reload */
  source: { kind: 'file' | 'run' | 'compare' | 'training' | 'sweep'; paths: string[] };
  controls?: Controls;
  view?: ViewModel;
  /** the two modalities the report's scatter shows of its 3+ projected ones (absent: all) */
  scatter?: [string, string];
  /** the pair whose card the report's pair matrix opens ("a/b", as a warning names it; absent: the default) */
  pair?: string;
  /** the metric the report's pair matrix shades (absent: drift mean) */
  pairMetric?: PairMetric;
}

/** the metrics the report's pair matrix can shade; the first is its default */
export const PAIR_METRIC_KEYS = ['driftMean', 'linearCka', 'r1', 'modalityGap'] as const;
export type PairMetric = (typeof PAIR_METRIC_KEYS)[number];

/**
 * The message types of each direction, as the lists the checks below read. The `true` constants
 * make each list equal to its union's `type`s at compile time: a message added to HostToWebview or
 * WebviewToHost without its name here (or a name left over here) does not compile.
 */
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const HOST_TO_WEBVIEW_TYPES = [
  'init',
  'update',
  'busy',
  'error',
  'epoch',
  'sweepPoint',
  'weightsProgress',
  ...NEIGHBORS_MESSAGE_TYPES,
  'reveal',
] as const;
const _hostToWebviewListed: SameSet<(typeof HOST_TO_WEBVIEW_TYPES)[number], HostToWebview['type']> = true;

export const WEBVIEW_TO_HOST_TYPES = [
  'ready',
  'recompute',
  'export',
  'openCheckpoint',
  'cancel',
  'fineTune',
  'openRun',
  ...WEIGHTS_REQUEST_TYPES,
  ...NEIGHBORS_REQUEST_TYPES,
] as const;
const _webviewToHostListed: SameSet<(typeof WEBVIEW_TO_HOST_TYPES)[number], WebviewToHost['type']> = true;

const hasTypeIn = (x: unknown, types: readonly string[]): boolean =>
  typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string' && types.includes((x as { type: string }).type);

export function isHostToWebview(x: unknown): x is HostToWebview {
  return hasTypeIn(x, HOST_TO_WEBVIEW_TYPES);
}

export function isWebviewToHost(x: unknown): x is WebviewToHost {
  return hasTypeIn(x, WEBVIEW_TO_HOST_TYPES);
}
