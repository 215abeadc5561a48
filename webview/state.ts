/**
 * Versioned persisted state (vscode setState/getState). Pure, so unit tests import it.
 * The host's serializer reads `source` after a window reload to recompute the view; the webview
 * renders the saved `view` at once so the user never sees an empty panel while that runs.
 */
import type { Controls, PersistedState, ViewModel } from '../src/protocol/webview';
import { WEBVIEW_STATE_VERSION } from '../src/protocol/webview';
import { isViewModel } from './guards';

export function sourceOf(view: ViewModel): PersistedState['source'] {
  switch (view.kind) {
    case 'report': return { kind: 'file', paths: [view.report.source] };
    case 'run': return { kind: 'run', paths: [view.run.source] };
    case 'compare': return { kind: 'compare', paths: [view.compare.a.source, view.compare.b.source] };
    case 'training': return { kind: 'training', paths: [view.runDir] };
    case 'sweep': return { kind: 'sweep', paths: view.points.map((p) => p.runDir) };
    case 'weights': return { kind: 'file', paths: [view.table.file] };
    case 'weightsCompare': return { kind: 'compare', paths: [view.compare.a, view.compare.b] };
  }
}

export function makeState(view: ViewModel, controls?: Controls): PersistedState {
  const state: PersistedState = { version: WEBVIEW_STATE_VERSION, source: sourceOf(view), view };
  if (controls) state.controls = controls;
  return state;
}

function isControls(x: unknown): x is Controls {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Partial<Controls>;
  return typeof c.tau === 'number' && typeof c.t === 'number' &&
    (c.hinge === 'linear' || c.hinge === 'squared') && (c.pairs === 'offdiag' || c.pairs === 'all') &&
    Array.isArray(c.modalities) && c.modalities.every((m) => typeof m === 'string');
}

/**
 * Brings whatever getState() returned to the current version, or undefined when it cannot be
 * used. Unversioned state (written before versioning: a bare `{ view }`) is upgraded; a state
 * from a newer extension is dropped rather than misread.
 */
export function migrateState(raw: unknown): PersistedState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as { version?: unknown; view?: unknown; controls?: unknown; source?: unknown };
  if (s.version !== undefined && s.version !== WEBVIEW_STATE_VERSION) return undefined;
  const view = isViewModel(s.view) ? s.view : undefined;
  const controls = isControls(s.controls) ? s.controls : undefined;
  if (view) return makeState(view, controls);
  // no usable view: keep the source so the host can still recompute
  const src = s.source as PersistedState['source'] | undefined;
  if (src && typeof src === 'object' && Array.isArray(src.paths) && typeof src.kind === 'string') {
    const state: PersistedState = { version: WEBVIEW_STATE_VERSION, source: src };
    if (controls) state.controls = controls;
    return state;
  }
  return undefined;
}
