/**
 * Start Fine-Tuning…, Compare with DAGR Off, and Sweep…: the trainer runs in the compute process;
 * epochs and sweep points stream into a panel, the notification and the panel can cancel, and
 * the run folder opens when training ends.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { EpochMetrics, RunSummary, SweepConfig, TrainConfig } from '../protocol/train';
import type { ViewModel } from '../protocol/webview';
import type { Services } from '../panels/services';
import { openPanel } from '../panels/panels';
import type { GeometryView } from '../panels/geometryView';
import { reportJobError } from '../compute/service';
import { isAbortError } from '../protocol/messages';

/** A cancelled run keeps what it wrote; say so in the panel instead of an error. */
function failureText(e: unknown): string {
  if (isAbortError(e)) return 'Cancelled. The epochs finished so far are kept in the run folder.';
  return e instanceof Error ? e.message : String(e);
}
import { askTrainConfig } from './trainAsk';
import type { FineTuneArgs } from './trainAsk';
import { parseGrid, withDagrOff } from './trainDefaults';

/** One cancellation for a whole command (two runs, or a grid), tied to the panel's Cancel button. */
/** The run folder is named only when training starts writing: title the panel by dataset meanwhile. */
function titleTraining(view: GeometryView, config: TrainConfig, what = 'Training'): void {
  view.panel.title = `${what}: ${path.basename(config.dataset)}`;
}

function cancelFor(view: GeometryView): vscode.CancellationTokenSource {
  const cts = new vscode.CancellationTokenSource();
  view.onCancel = () => cts.cancel();
  view.panel.onDidDispose(() => cts.cancel());
  return cts;
}

async function trainOne(svc: Services, config: TrainConfig, label: string, token: vscode.CancellationToken, onEpoch: (m: EpochMetrics) => void): Promise<RunSummary> {
  return svc.compute.run('train', { config }, {
    title: `DAGR: training ${label} on ${path.basename(config.dataset)}`,
    token,
    onEpoch,
    // the trainer stops after the current batch and reports its run folder as 'cancelled'
    cooperativeCancel: true,
  });
}

function finish(svc: Services, summary: RunSummary): void {
  const how = summary.status === 'completed' ? 'finished' : summary.status;
  svc.log.appendLine(`training ${how}: ${summary.runDir} (${summary.epochsCompleted} epochs, ${summary.backend})${summary.message ? `: ${summary.message}` : ''}`);
  if (summary.status === 'failed') void vscode.window.showErrorMessage(`DAGR: training failed: ${summary.message ?? 'see the log'}`);
  // the run's geometry over epochs, from the checkpoints it wrote
  if (summary.epochsCompleted > 0) openPanel(svc, { kind: 'run', paths: [summary.runDir] });
}

export async function startFineTuning(svc: Services, args?: FineTuneArgs): Promise<void> {
  let config: TrainConfig | undefined;
  try {
    config = await askTrainConfig(svc, args);
  } catch (e) {
    reportJobError(e, 'reading the dataset');
    return;
  }
  if (!config) return;
  const view = openPanel(svc, { kind: 'training', paths: [config.outDir] }, { reuse: false });
  titleTraining(view, config);
  let model: Extract<ViewModel, { kind: 'training' }> = { kind: 'training', config, runDir: config.outDir, epochs: [] };
  view.setView(model);
  const cts = cancelFor(view);
  try {
    const summary = await trainOne(svc, config, config.dagr.enabled ? 'with DAGR' : 'without DAGR', cts.token, (m) => {
      model = { ...model, epochs: [...model.epochs, m] };
      view.pushEpoch(m);
    });
    model = { ...model, runDir: summary.runDir, summary };
    view.setView(model);
    finish(svc, summary);
  } catch (e) {
    view.post({ type: 'error', message: failureText(e) });
    reportJobError(e, 'training');
  } finally {
    cts.dispose();
  }
}

export async function compareWithDagrOff(svc: Services, args?: FineTuneArgs): Promise<void> {
  let config: TrainConfig | undefined;
  try {
    config = await askTrainConfig(svc, args);
  } catch (e) {
    reportJobError(e, 'reading the dataset');
    return;
  }
  if (!config) return;
  const on: TrainConfig = config.dagr.enabled ? config : { ...config, dagr: { ...config.dagr, enabled: true } };
  const off = withDagrOff(on);
  const view = openPanel(svc, { kind: 'training', paths: [on.outDir] }, { reuse: false });
  titleTraining(view, on, 'DAGR on vs off');
  let model: Extract<ViewModel, { kind: 'training' }> = { kind: 'training', config: on, runDir: on.outDir, epochs: [], comparison: { label: 'DAGR off (λ = 0)', epochs: [] } };
  view.setView(model);
  const cts = cancelFor(view);
  try {
    // sequential: both runs compete for the same cores otherwise, and the same seed keeps them comparable
    const summaryOn = await trainOne(svc, on, 'with DAGR (1 of 2)', cts.token, (m) => {
      model = { ...model, epochs: [...model.epochs, m] };
      view.pushEpoch(m);
    });
    model = { ...model, runDir: summaryOn.runDir, summary: summaryOn };
    view.setView(model);
    if (summaryOn.status !== 'completed') return finish(svc, summaryOn);
    const summaryOff = await trainOne(svc, off, 'without DAGR (2 of 2)', cts.token, (m) => {
      // the webview's 'epoch' message appends to the main run, so the baseline goes as whole updates
      const prevEpochs = model.comparison?.epochs ?? [];
      model = { ...model, comparison: { label: 'DAGR off (λ = 0)', epochs: [...prevEpochs, m] } };
      view.setView(model);
    });
    svc.log.appendLine(`baseline without DAGR: ${summaryOff.runDir}`);
    finish(svc, summaryOn);
  } catch (e) {
    view.post({ type: 'error', message: failureText(e) });
    reportJobError(e, 'training');
  } finally {
    cts.dispose();
  }
}

type Axes = { keys: [keyof SweepConfig['grid'], keyof SweepConfig['grid']]; label: string; defaults: [string, string] };
const AXES: Axes[] = [
  { keys: ['lambdaAnc', 'tau'], label: 'λ_anc × τ (anchoring)', defaults: ['0, 0.05, 0.1, 0.2', '0.25, 0.5, 1'] },
  { keys: ['lambdaDisp', 't'], label: 'λ_disp × t (dispersion)', defaults: ['0, 0.05, 0.1, 0.2', '1, 2, 4'] },
];

export async function sweep(svc: Services, args?: FineTuneArgs): Promise<void> {
  let base: TrainConfig | undefined;
  try {
    base = await askTrainConfig(svc, args);
  } catch (e) {
    reportJobError(e, 'reading the dataset');
    return;
  }
  if (!base) return;
  const lastAxes = svc.memory.get<string>('last.sweepAxes', 'lambdaAnc', 'global');
  const axes = await vscode.window.showQuickPick(
    AXES.map((a) => ({ label: a.label, axes: a })).sort((a, b) => Number(b.axes.keys[0] === lastAxes) - Number(a.axes.keys[0] === lastAxes)),
    { title: 'Sweep over' },
  );
  if (!axes) return;
  await svc.memory.set('last.sweepAxes', axes.axes.keys[0], 'global');
  const grid: SweepConfig['grid'] = {};
  for (const [i, key] of axes.axes.keys.entries()) {
    const remembered = svc.memory.get<string>(`last.sweep.${key}`, axes.axes.defaults[i] ?? '', 'global');
    const text = await vscode.window.showInputBox({
      title: `Values of ${key} (comma-separated)`, value: remembered,
      validateInput: (s) => (parseGrid(s) ? undefined : 'numbers ≥ 0 separated by commas'),
    });
    const values = text === undefined ? undefined : parseGrid(text);
    if (!values) return;
    await svc.memory.set(`last.sweep.${key}`, text, 'global');
    grid[key] = values;
  }
  const config: SweepConfig = { ...base, dagr: { ...base.dagr, enabled: true }, grid };
  const view = openPanel(svc, { kind: 'sweep', paths: [config.outDir] }, { reuse: false });
  titleTraining(view, config, 'Sweep');
  let model: Extract<ViewModel, { kind: 'sweep' }> = { kind: 'sweep', points: [], axes: [axes.axes.keys[0], axes.axes.keys[1]], done: false };
  view.setView(model);
  const cts = cancelFor(view);
  const size = axes.axes.keys.reduce((n, k) => n * (grid[k]?.length ?? 1), 1);
  try {
    const points = await svc.compute.run('sweep', { config }, {
      title: `DAGR: sweep of ${size} runs`,
      token: cts.token,
      cooperativeCancel: true,
      onSweepPoint: (p) => {
        model = { ...model, points: [...model.points, p] };
        view.pushSweepPoint(p);
      },
    });
    model = { ...model, points, done: true };
    view.setView(model);
  } catch (e) {
    model = { ...model, done: true };
    view.setView(model);
    reportJobError(e, 'the sweep');
  } finally {
    cts.dispose();
  }
}
