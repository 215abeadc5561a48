/**
 * The Geometry view as a read-only custom editor: the default editor for .safetensors, .npz, .npy,
 * PyTorch .pt/.pth/.ckpt and .parquet, so opening one from the Explorer or Quick Open shows its
 * report. Not for .bin: most .bin files are not PyTorch, and they keep the normal editor (Inspect
 * Checkpoint on a pytorch_model.bin still opens its report in a panel). The document is only
 * the URI: the compute process reads the file, never the extension host.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { GeometryView } from './geometryView';
import type { Services } from './services';

export class GeometryEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly svc: Services) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(doc: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    if (doc.uri.scheme !== 'file') {
      panel.webview.html = `<!DOCTYPE html><html><body><p>DAGR reads checkpoints from disk; ${doc.uri.scheme}: files are not supported.</p></body></html>`;
      return;
    }
    panel.title = path.basename(doc.uri.fsPath);
    const view = new GeometryView(panel, { kind: 'file', paths: [doc.uri.fsPath] }, this.svc, true);
    void view.compute();
  }
}
