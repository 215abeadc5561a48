/**
 * Weight warnings where the user works (issue 9 item 5): a Problems entry per warning on the
 * model checkpoint (NaN/Inf naming the tensor and its first bad index: error; a rank-collapsed
 * matrix: warning; a power-law α outside the configured band: information), and a notification
 * the first time a checkpoint shows an error. The warnings are judged here from the reported
 * metrics with the current settings, so a thresholds change re-judges without recomputing.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { weightWarnings } from '../engine/weights/warnings';
import { DEFAULT_WEIGHT_THRESHOLDS } from '../protocol/weights';
import type { WeightTensor, WeightThresholds, WeightWarning, WeightsReport } from '../protocol/weights';

/** dagr.thresholds.weightRankFraction, .alphaMin, .alphaMax; a value out of range falls back to its default. */
export function readWeightThresholds(scope?: vscode.Uri): WeightThresholds {
  const cfg = vscode.workspace.getConfiguration('dagr.thresholds', scope);
  const num = (key: keyof WeightThresholds, ok: (v: number) => boolean): number => {
    const v = cfg.get<unknown>(key);
    return typeof v === 'number' && Number.isFinite(v) && ok(v) ? v : DEFAULT_WEIGHT_THRESHOLDS[key];
  };
  const th = {
    weightRankFraction: num('weightRankFraction', (v) => v >= 0 && v <= 1),
    alphaMin: num('alphaMin', (v) => v >= 0),
    alphaMax: num('alphaMax', (v) => v >= 0),
  };
  // a band given upside down is no band: keep the defaults rather than flag every matrix
  return th.alphaMin <= th.alphaMax
    ? th
    : { ...th, alphaMin: DEFAULT_WEIGHT_THRESHOLDS.alphaMin, alphaMax: DEFAULT_WEIGHT_THRESHOLDS.alphaMax };
}

export function affectsWeightWarnings(e: vscode.ConfigurationChangeEvent): boolean {
  return ['weightRankFraction', 'alphaMin', 'alphaMax'].some((k) => e.affectsConfiguration(`dagr.thresholds.${k}`));
}

/** The report's warnings judged with `th` (the report keeps its own as the compute process judged them). */
export function judge(report: WeightsReport, th: WeightThresholds): WeightsReport {
  return { ...report, thresholds: th, warnings: weightWarnings(report.tensors, th) };
}

const SEVERITY: Record<WeightWarning['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function toDiagnostic(w: WeightWarning): vscode.Diagnostic {
  const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), w.message, SEVERITY[w.severity]);
  d.source = 'DAGR weights';
  d.code = w.code;
  return d;
}

export class WeightWarningCenter implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('dagr-weights');
  /** the analysed tensors per checkpoint (without spectra), to re-judge on a settings change */
  private readonly tensors = new Map<string, { uri: vscode.Uri; tensors: readonly WeightTensor[] }>();
  private readonly notified = new Set<string>();

  /** Judges `report` with the current settings, shows its warnings, and returns it judged. */
  update(file: string, report: WeightsReport): WeightsReport {
    const uri = vscode.Uri.file(file);
    const judged = judge(report, readWeightThresholds(uri));
    this.tensors.set(uri.toString(), { uri, tensors: report.tensors });
    this.diagnostics.set(uri, judged.warnings.map(toDiagnostic));
    this.notifyErrors(uri, judged.warnings);
    return judged;
  }

  /** The warnings of every shown checkpoint, judged again with the settings as they are now. */
  rejudge(): Map<string, WeightWarning[]> {
    const out = new Map<string, WeightWarning[]>();
    for (const { uri, tensors } of this.tensors.values()) {
      const warnings = weightWarnings(tensors, readWeightThresholds(uri));
      this.diagnostics.set(uri, warnings.map(toDiagnostic));
      out.set(uri.fsPath, warnings);
    }
    return out;
  }

  /** NaN/Inf in a weight is worth an interruption, once per tensor; the other warnings wait in Problems. */
  private notifyErrors(uri: vscode.Uri, warnings: WeightWarning[]): void {
    const fresh = warnings.filter((w) => w.severity === 'error' && !this.notified.has(`${uri.fsPath}|${w.tensor}`));
    fresh.forEach((w) => this.notified.add(`${uri.fsPath}|${w.tensor}`));
    const first = fresh[0];
    if (!first || vscode.workspace.getConfiguration('dagr', uri).get<boolean>('notifications') === false) return;
    const more = fresh.length > 1 ? ` (+${fresh.length - 1} more)` : '';
    void vscode.window.showWarningMessage(`DAGR: ${path.basename(uri.fsPath)}: ${first.message}${more}`, 'Show Problems').then((pick) => {
      if (pick) void vscode.commands.executeCommand('workbench.actions.view.problems');
    });
  }

  dispose(): void {
    this.diagnostics.dispose();
  }
}
