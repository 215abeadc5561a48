/**
 * Export Report: the shown view as one self-contained HTML file (the same UI, inline, no network)
 * or as the JSON of its report, to a file the user picks.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { PersistedState, ViewModel } from '../protocol/webview';

/** The JSON a user expects: the report itself, not the view wrapper around it. */
function payload(view: ViewModel): unknown {
  switch (view.kind) {
    case 'report':
      return view.report;
    case 'run':
      return view.run;
    case 'compare':
      return view.compare;
    case 'training':
      return { config: view.config, runDir: view.runDir, epochs: view.epochs, summary: view.summary, comparison: view.comparison };
    case 'sweep':
      return { axes: view.axes, points: view.points };
    // the weights report so far (the tensor table until the first batch is in)
    case 'weights':
      return view.report ?? view.table;
    case 'weightsCompare':
      return view.compare;
  }
}

/** `onError`: the view's own error banner and log, beside the notification (which hides). */
export async function exportView(
  view: ViewModel,
  format: 'html' | 'json',
  source: PersistedState['source'],
  onError?: (message: string) => void,
): Promise<vscode.Uri | undefined> {
  const first = source.paths[0] ?? 'report';
  const base = path.basename(first).replace(/\.(safetensors|npz|npy|json|pt|pth|ckpt|bin|parquet)$/i, '');
  const dir = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(first));
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(dir, `${base}.dagr.${format}`),
    filters: format === 'html' ? { 'HTML report': ['html'] } : { JSON: ['json'] },
    title: `Export DAGR report as ${format.toUpperCase()}`,
  });
  if (!target) return undefined;
  try {
    let text: string;
    if (format === 'html') {
      // loaded only here: it reads the webview bundle from disk
      const { renderStandaloneHtml } = await import('../report');
      text = await renderStandaloneHtml(view, { title: `DAGR: ${base}` });
    } else {
      text = JSON.stringify(payload(view), null, 2) + '\n';
    }
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    const pick = await vscode.window.showInformationMessage(`DAGR: report exported to ${target.fsPath}`, 'Open');
    if (pick) await vscode.commands.executeCommand('vscode.open', target);
    return target;
  } catch (e) {
    const message = `Export to ${target.fsPath} failed: ${e instanceof Error ? e.message : String(e)}`;
    onError?.(message);
    void vscode.window.showErrorMessage(`DAGR: ${message}`);
    return undefined;
  }
}
