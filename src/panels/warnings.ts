/**
 * Collapse warnings where the user works: a Problems entry per warning on the checkpoint file,
 * a status-bar item with the worst one, and a notification the first time a warning appears.
 * Holds the last report per file so a thresholds change re-judges them without recomputing.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { GeometryReport, GeometryWarning, Severity } from '../protocol/report';
import type { ComputeService } from '../compute/service';
import { readSettings } from '../settings/config';

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

interface Entry {
  uri: vscode.Uri;
  report: GeometryReport;
}

const keyOf = (file: string, w: GeometryWarning): string => `${file}|${w.code}|${w.modality ?? w.pair ?? ''}`;

export class WarningCenter implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('dagr');
  private readonly status = vscode.window.createStatusBarItem('dagr.warning', vscode.StatusBarAlignment.Left, 50);
  private readonly entries = new Map<string, Entry>();
  /** warnings already notified, so a recompute does not notify again */
  private readonly notified = new Set<string>();
  private readonly changed = new vscode.EventEmitter<{ source: string; warnings: GeometryWarning[] }>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly compute: ComputeService) {
    this.status.name = 'DAGR geometry warning';
  }

  /** Records a fresh report for its file; notifies about warnings not seen before. */
  update(report: GeometryReport, notify = true): void {
    if (!path.isAbsolute(report.source)) return;
    const uri = vscode.Uri.file(report.source);
    this.entries.set(uri.toString(), { uri, report });
    this.render();
    if (notify) this.notifyNew(uri, report.warnings);
  }

  /** Thresholds changed: re-judge every stored report in the compute process (no file is re-read). */
  async reevaluate(): Promise<void> {
    const { thresholds } = readSettings();
    for (const [key, e] of [...this.entries]) {
      try {
        const warnings = await this.compute.run('evaluateWarnings', { core: e.report, thresholds });
        const current = this.entries.get(key);
        if (!current) continue;
        current.report = { ...current.report, thresholds, warnings };
        this.changed.fire({ source: current.report.source, warnings });
        this.notifyNew(current.uri, warnings);
      } catch {
        // a failed re-judgement keeps the old warnings; the next compute replaces them
      }
    }
    this.render();
  }

  /** The latest report of a file, for "Open Report" and the status bar. */
  reportFor(uri: vscode.Uri): GeometryReport | undefined {
    return this.entries.get(uri.toString())?.report;
  }

  private render(): void {
    let worst: { uri: vscode.Uri; w: GeometryWarning } | undefined;
    this.diagnostics.clear();
    for (const { uri, report } of this.entries.values()) {
      this.diagnostics.set(uri, report.warnings.map((w) => toDiagnostic(w)));
      for (const w of report.warnings) {
        if (!worst || RANK[w.severity] > RANK[worst.w.severity]) worst = { uri, w };
      }
    }
    if (!worst) {
      this.status.hide();
      return;
    }
    const icon = worst.w.severity === 'error' ? '$(error)' : worst.w.severity === 'warning' ? '$(warning)' : '$(info)';
    this.status.text = `${icon} DAGR: ${shortLabel(worst.w)}`;
    this.status.tooltip = `${path.basename(worst.uri.fsPath)}: ${worst.w.message}\nClick to open the report.`;
    this.status.command = { title: 'Open Report', command: 'dagr.openReport', arguments: [worst.uri] };
    this.status.backgroundColor = worst.w.severity === 'error'
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : worst.w.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.status.show();
  }

  private notifyNew(uri: vscode.Uri, warnings: GeometryWarning[]): void {
    const fresh = warnings.filter((w) => w.severity !== 'info' && !this.notified.has(keyOf(uri.fsPath, w)));
    fresh.forEach((w) => this.notified.add(keyOf(uri.fsPath, w)));
    const first = fresh.sort((a, b) => RANK[b.severity] - RANK[a.severity])[0];
    if (!first || !readSettings(uri).notifications) return;
    const more = fresh.length > 1 ? ` (+${fresh.length - 1} more)` : '';
    void vscode.window.showWarningMessage(`DAGR: ${path.basename(uri.fsPath)}: ${first.message}${more}`, 'Open Report', 'Fine-Tune with DAGR')
      .then((pick) => {
        if (pick === 'Open Report') void vscode.commands.executeCommand('dagr.openReport', uri);
        if (pick === 'Fine-Tune with DAGR') void vscode.commands.executeCommand('dagr.startFineTuning', { checkpoint: uri.fsPath });
      });
  }

  dispose(): void {
    this.diagnostics.dispose();
    this.status.dispose();
    this.changed.dispose();
  }
}

function toDiagnostic(w: GeometryWarning): vscode.Diagnostic {
  const severity = w.severity === 'error' ? vscode.DiagnosticSeverity.Error
    : w.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), w.message, severity);
  d.source = 'DAGR';
  d.code = w.code;
  return d;
}

function shortLabel(w: GeometryWarning): string {
  const what = w.code.replace(/-/g, ' ');
  const where = w.modality ?? w.pair;
  return where ? `${where} ${what}` : what;
}
