/**
 * The embeddings report on the rows of one 2-D tensor of a model checkpoint (an embedding table,
 * or any matrix the user picks): a Geometry panel whose controls name that tensor as the one
 * modality, so the ordinary inspect path computes it and its controls recompute it.
 */
import * as vscode from 'vscode';
import type { Controls } from '../protocol/webview';
import { WEBVIEW_STATE_VERSION } from '../protocol/webview';
import { readSettings } from '../settings/config';
import { GeometryView } from './geometryView';
import type { ViewSource } from './geometryView';
import { webviewOptions } from './html';
import { PANEL_VIEW_TYPE } from './services';
import type { Services } from './services';

/** Panels showing an embedding table's rows, by file and tensor, so a second click reveals the first. */
const tablePanels = new Map<string, GeometryView>();

/** Opens the embeddings report on the rows of one 2-D tensor of a model checkpoint. */
export function openTensorAsEmbeddings(svc: Services, file: string, tensor: string): void {
  const key = `${file}\u0000${tensor}`;
  const open = tablePanels.get(key);
  if (open) {
    open.panel.reveal();
    return;
  }
  const { options } = readSettings();
  const controls: Controls = { tau: options.tau, t: options.t, hinge: options.hinge, pairs: options.pairs, modalities: [tensor] };
  const source: ViewSource = { kind: 'file', paths: [file] };
  const panel = vscode.window.createWebviewPanel(
    PANEL_VIEW_TYPE,
    `Embeddings: ${tensor}`,
    vscode.ViewColumn.Active,
    webviewOptions(svc.extensionUri),
  );
  const view = new GeometryView(panel, source, svc, false, { version: WEBVIEW_STATE_VERSION, source, controls });
  tablePanels.set(key, view);
  panel.onDidDispose(() => tablePanels.delete(key));
  void view.compute();
}
