/**
 * The Geometry webview's saved state (vscode setState/getState) and its one reader, used by both
 * sides: the webview restores the saved view at once, and the host's panel serializer reads the
 * same state after a window reload to recompute the view from its source. One function, so a
 * state one side accepts is never refused (or misread) by the other. Pure: no vscode, DOM or node.
 */
import type { Controls, PairMetric, PersistedState, ViewModel } from './webview';
import { PAIR_METRIC_KEYS, WEBVIEW_STATE_VERSION } from './webview';

type Source = PersistedState['source'];

/** Every kind of source a view is recomputed from: the one list the state checks use. */
export const SOURCE_KINDS = ['file', 'run', 'compare', 'training', 'sweep'] as const satisfies readonly Source['kind'][];

function obj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** A weights view: its table's rows, and the report so far when there is one. */
function isWeightsModel(x: Record<string, unknown>): boolean {
  const t = x.table;
  const r = x.report;
  return (
    obj(t) &&
    Array.isArray(t.tensors) &&
    obj(t.totals) &&
    (r === null || (obj(r) && Array.isArray(r.tensors) && Array.isArray(r.warnings))) &&
    obj(x.progress) &&
    typeof x.progress.total === 'number'
  );
}

/** A view model complete enough to render: each kind's payload, not only its `kind`. */
export function isViewModel(x: unknown): x is ViewModel {
  if (!obj(x)) return false;
  switch (x.kind) {
    case 'report': {
      const r = x.report;
      return (
        obj(r) &&
        obj(r.modalities) &&
        Array.isArray(r.pairs) &&
        Array.isArray(r.warnings) &&
        obj(r.engine) &&
        Array.isArray(x.availableModalities) &&
        typeof x.maxPointsPlotted === 'number'
      );
    }
    case 'run':
      return obj(x.run) && Array.isArray(x.run.checkpoints) && obj(x.run.firstWarning);
    case 'compare':
      return obj(x.compare) && obj(x.compare.a) && obj(x.compare.b) && Array.isArray(x.compare.changes);
    case 'training':
      return obj(x.config) && Array.isArray(x.epochs) && typeof x.runDir === 'string';
    case 'sweep':
      return Array.isArray(x.points) && Array.isArray(x.axes) && typeof x.done === 'boolean';
    case 'weights':
      return isWeightsModel(x);
    case 'weightsCompare':
      return obj(x.compare) && Array.isArray(x.compare.tensors) && Array.isArray(x.compare.onlyInA) && Array.isArray(x.compare.onlyInB);
    default:
      return false;
  }
}

export function isControls(x: unknown): x is Controls {
  if (!obj(x)) return false;
  const c = x as Partial<Controls>;
  return (
    typeof c.tau === 'number' &&
    typeof c.t === 'number' &&
    (c.hinge === 'linear' || c.hinge === 'squared') &&
    (c.pairs === 'offdiag' || c.pairs === 'all') &&
    Array.isArray(c.modalities) &&
    c.modalities.every((m) => typeof m === 'string')
  );
}

/** A source the host can recompute from: a known kind and file paths. */
export function isViewSource(x: unknown): x is Source {
  return (
    obj(x) && (SOURCE_KINDS as readonly unknown[]).includes(x.kind) && Array.isArray(x.paths) && x.paths.every((p) => typeof p === 'string')
  );
}

/** The inputs a view was computed from. */
export function sourceOf(view: ViewModel): Source {
  switch (view.kind) {
    case 'report':
      return { kind: 'file', paths: [view.report.source] };
    case 'run':
      return { kind: 'run', paths: [view.run.source] };
    case 'compare':
      return { kind: 'compare', paths: [view.compare.a.source, view.compare.b.source] };
    case 'training':
      return { kind: 'training', paths: [view.runDir] };
    case 'sweep':
      return { kind: 'sweep', paths: view.points.map((p) => p.runDir) };
    case 'weights':
      return { kind: 'file', paths: [view.table.file] };
    case 'weightsCompare':
      return { kind: 'compare', paths: [view.compare.a, view.compare.b] };
  }
}

/** the report view's own picks, saved beside it (each optional, so the version stays) */
export interface ReportPicks {
  scatter?: [string, string];
  pair?: string;
  pairMetric?: PairMetric;
}

export function makeState(view: ViewModel, controls?: Controls, picks: ReportPicks = {}): PersistedState {
  const state: PersistedState = { version: WEBVIEW_STATE_VERSION, source: sourceOf(view), view };
  if (controls) state.controls = controls;
  if (view.kind !== 'report') return state;
  if (isScatterPick(picks.scatter)) state.scatter = picks.scatter;
  if (isPairPick(picks.pair)) state.pair = picks.pair;
  // the default metric is not saved: a state without the field reads the same
  if (isPairMetric(picks.pairMetric) && picks.pairMetric !== PAIR_METRIC_KEYS[0]) state.pairMetric = picks.pairMetric;
  return state;
}

/** one of the pair matrix's metrics (a name from a newer version is dropped, and the default shown) */
export function isPairMetric(x: unknown): x is PairMetric {
  return typeof x === 'string' && (PAIR_METRIC_KEYS as readonly string[]).includes(x);
}

/** a pair of the report's pair matrix, "a/b" (an optional field, so the version stays; the view checks it names a pair) */
export function isPairPick(x: unknown): x is string {
  return typeof x === 'string' && x.length > 2 && x.includes('/');
}

/** two different modality names (the scatter's pick); an optional field, so the version stays */
export function isScatterPick(x: unknown): x is [string, string] {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'string' && x[0] !== x[1];
}

/**
 * Brings whatever getState() returned (or the serializer was handed) to the current version, or
 * undefined when it cannot be used. Unversioned state (written before versioning: a bare
 * `{ view }`) is upgraded; a state from a newer extension is dropped rather than misread; a view
 * that lost its payload is dropped but its source kept, so the host can still recompute.
 */
export function readPersistedState(raw: unknown): PersistedState | undefined {
  if (!obj(raw)) return undefined;
  if (raw.version !== undefined && raw.version !== WEBVIEW_STATE_VERSION) return undefined;
  const controls = isControls(raw.controls) ? raw.controls : undefined;
  if (isViewModel(raw.view))
    return makeState(raw.view, controls, {
      scatter: isScatterPick(raw.scatter) ? raw.scatter : undefined,
      pair: isPairPick(raw.pair) ? raw.pair : undefined,
      pairMetric: isPairMetric(raw.pairMetric) ? raw.pairMetric : undefined,
    });
  if (!isViewSource(raw.source)) return undefined;
  const state: PersistedState = { version: WEBVIEW_STATE_VERSION, source: raw.source };
  if (controls) state.controls = controls;
  return state;
}
