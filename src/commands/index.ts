/**
 * Every palette and menu command, bound to the shared services. Ids match package.json
 * (contributes.commands); the titles live there.
 */
import * as vscode from 'vscode';
import type { Services } from '../panels/services';
import { compareCheckpoints, inspectCheckpoint, openReport, openRun } from './inspect';
import { exportReport } from './export';
import { showEngineInfo } from './engineInfo';
import { embedWithOnnx } from './embed';
import { compareWithDagrOff, startFineTuning, sweep } from './training';
import type { FineTuneArgs } from './trainAsk';
import { analyzeAsEmbeddings, analyzeAsWeights } from './analyzeAs';
import { revealWarning } from './revealWarning';

/** A menu passes a Uri; a warning passes { checkpoint }; the palette passes nothing. */
function fineTuneArgs(arg: unknown): FineTuneArgs | undefined {
  if (arg instanceof vscode.Uri) return { dataset: arg.fsPath };
  if (typeof arg === 'object' && arg !== null) {
    const a = arg as { checkpoint?: unknown; dataset?: unknown };
    const out: FineTuneArgs = {};
    if (typeof a.checkpoint === 'string') out.checkpoint = a.checkpoint;
    if (typeof a.dataset === 'string') out.dataset = a.dataset;
    return out;
  }
  return undefined;
}

export function registerCommands(svc: Services): vscode.Disposable[] {
  const commands: Record<string, (...args: unknown[]) => Promise<void>> = {
    'dagr.inspectCheckpoint': (...a) => inspectCheckpoint(svc, ...a),
    'dagr.openRun': (...a) => openRun(svc, ...a),
    'dagr.compareCheckpoints': (...a) => compareCheckpoints(svc, ...a),
    'dagr.embedOnnx': (...a) => embedWithOnnx(svc, ...a),
    'dagr.exportReport': () => exportReport(svc),
    'dagr.exportHtml': () => exportReport(svc, 'html'),
    'dagr.exportJson': () => exportReport(svc, 'json'),
    'dagr.showEngineInfo': () => showEngineInfo(svc),
    'dagr.startFineTuning': (a) => startFineTuning(svc, fineTuneArgs(a)),
    'dagr.compareDagrOff': (a) => compareWithDagrOff(svc, fineTuneArgs(a)),
    'dagr.sweep': (a) => sweep(svc, fineTuneArgs(a)),
    'dagr.openReport': (a) => openReport(svc, a),
    'dagr.revealWarning': (a) => revealWarning(svc, a),
    'dagr.restartCompute': () => {
      svc.compute.restart();
      return Promise.resolve();
    },
    'dagr.analyzeAsWeights': (...a) => analyzeAsWeights(svc, ...a),
    'dagr.analyzeAsEmbeddings': (...a) => analyzeAsEmbeddings(svc, ...a),
  };
  return Object.entries(commands).map(([id, fn]) => vscode.commands.registerCommand(id, fn));
}
