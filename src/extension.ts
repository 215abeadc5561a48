/**
 * DAGR Lens entry point. activate() only registers things: the compute process starts on the
 * first job, and no engine or TensorFlow.js module is loaded in the extension host.
 */
import * as vscode from 'vscode';
import { ComputeService } from './compute/service';
import { Memory } from './settings/memory';
import { affectsMetrics, affectsWarnings } from './settings/config';
import { WarningCenter } from './panels/warnings';
import { ViewRegistry } from './panels/registry';
import { GeometryEditorProvider } from './panels/geometryEditor';
import { PanelSerializer } from './panels/panels';
import { GEOMETRY_EDITOR, PANEL_VIEW_TYPE } from './panels/services';
import type { Services } from './panels/services';
import { registerCommands } from './commands';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('DAGR Lens');
  const compute = new ComputeService(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath, log);
  const warnings = new WarningCenter(compute);
  const views = new ViewRegistry();
  const svc: Services = { context, extensionUri: context.extensionUri, compute, memory: new Memory(context), warnings, views, log };

  context.subscriptions.push(
    log,
    compute,
    warnings,
    vscode.window.registerCustomEditorProvider(GEOMETRY_EDITOR, new GeometryEditorProvider(svc), {
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    }),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, new PanelSerializer(svc)),
    ...registerCommands(svc),
    warnings.onDidChange(({ source, warnings: w }) => views.all().forEach((v) => v.patchWarnings(source, w))),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // settings are read live: numbers that depend on them are recomputed, thresholds only re-judged
      if (affectsMetrics(e))
        views
          .all()
          .filter((v) => v.recomputable)
          .forEach((v) => void v.compute());
      else if (affectsWarnings(e)) void warnings.reevaluate();
    }),
  );
}

export function deactivate(): void {
  // subscriptions (including the compute process) are disposed by VS Code
}
