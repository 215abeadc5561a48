/**
 * Opening geometry panels (runs, comparisons, training, sweeps, and files the custom editor does
 * not cover), and bringing them back after a window reload from their persisted source paths.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { readPersistedState } from '../protocol/viewState';
import { GeometryView } from './geometryView';
import type { ViewSource } from './geometryView';
import { PANEL_VIEW_TYPE } from './services';
import type { Services } from './services';
import { webviewOptions } from './html';

export function titleFor(source: ViewSource): string {
  const names = source.paths.map((p) => path.basename(p));
  switch (source.kind) {
    case 'file':
      return `Geometry: ${names[0] ?? ''}`;
    case 'run':
      return `Run: ${names[0] ?? ''}`;
    case 'compare':
      return `Compare: ${names.join(' ↔ ')}`;
    case 'training':
      return `Training: ${names[0] ?? ''}`;
    case 'sweep':
      return 'DAGR Sweep';
  }
}

/** Opens (or reveals) a panel for a source; recomputable sources start computing at once. */
export function openPanel(svc: Services, source: ViewSource, opts: { reuse?: boolean } = {}): GeometryView {
  const existing = opts.reuse !== false ? svc.views.find(source.kind, source.paths) : undefined;
  // every registered view is a GeometryView; the registry only knows what its other callers use
  if (existing instanceof GeometryView) {
    existing.panel.reveal();
    return existing;
  }
  const panel = vscode.window.createWebviewPanel(
    PANEL_VIEW_TYPE,
    titleFor(source),
    vscode.ViewColumn.Active,
    webviewOptions(svc.extensionUri),
  );
  const view = new GeometryView(panel, source, svc, false);
  if (view.recomputable) void view.compute();
  return view;
}

export class PanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly svc: Services) {}

  deserializeWebviewPanel(panel: vscode.WebviewPanel, saved: unknown): Promise<void> {
    // the webview reads its saved state with the same function (webview/state.ts)
    const state = readPersistedState(saved);
    if (!state) {
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
