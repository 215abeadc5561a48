/**
 * Opening geometry panels (runs, comparisons, training, sweeps, and files the custom editor does
 * not cover), and bringing them back after a window reload from their persisted source paths.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { PersistedState } from '../protocol/webview';
import { WEBVIEW_STATE_VERSION } from '../protocol/webview';
import { GeometryView } from './geometryView';
import type { ViewSource } from './geometryView';
import { PANEL_VIEW_TYPE } from './services';
import type { Services } from './services';
import { webviewOptions } from './html';

export function titleFor(source: ViewSource): string {
  const names = source.paths.map((p) => path.basename(p));
  switch (source.kind) {
    case 'file': return `Geometry: ${names[0] ?? ''}`;
    case 'run': return `Run: ${names[0] ?? ''}`;
    case 'compare': return `Compare: ${names.join(' ↔ ')}`;
    case 'training': return `Training: ${names[0] ?? ''}`;
    case 'sweep': return 'DAGR Sweep';
  }
}

/** Opens (or reveals) a panel for a source; recomputable sources start computing at once. */
export function openPanel(svc: Services, source: ViewSource, opts: { reuse?: boolean } = {}): GeometryView {
  const existing = opts.reuse !== false ? svc.views.find(source.kind, source.paths) : undefined;
  if (existing) {
    existing.panel.reveal();
    return existing;
  }
  const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, titleFor(source), vscode.ViewColumn.Active, webviewOptions(svc.extensionUri));
  const view = new GeometryView(panel, source, svc, false);
  if (view.recomputable) void view.compute();
  return view;
}

function isPersistedState(x: unknown): x is PersistedState {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Partial<PersistedState>;
  return s.version === WEBVIEW_STATE_VERSION && typeof s.source === 'object' && s.source !== null &&
    Array.isArray(s.source.paths) && s.source.paths.every((p) => typeof p === 'string') &&
    ['file', 'run', 'compare', 'training', 'sweep'].includes(s.source.kind as string);
}

export class PanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly svc: Services) {}

  deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    if (!isPersistedState(state)) {
      // nothing to rebuild from: close rather than leave an empty panel behind
      panel.dispose();
      return Promise.resolve();
    }
    panel.title = titleFor(state.source);
    const view = new GeometryView(panel, state.source, this.svc, false, state);
    if (view.recomputable) void view.compute();
    return Promise.resolve();
  }
}
