/**
 * Start Fine-Tuning…, Compare with DAGR Off, and Sweep…: the trainer runs in the compute process;
 * epochs and sweep points stream into a panel, the notification and the panel can cancel, and
 * the run folder opens when training ends.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { RunSummary, SweepConfig, TrainConfig } from '../protocol/train';
import type { ViewModel } from '../protocol/webview';
import type { Services } from '../panels/services';
import { openPanel } from '../panels/panels';
import type { GeometryView } from '../panels/geometryView';
import { reportJobError } from '../compute/service';
import { isAbortError } from '../protocol/messages';
import { askTrainConfig, trainSummary } from './trainAsk';
import type { FineTuneArgs } from './trainAsk';
import { parseGrid, withDagrOff } from './trainDefaults';
import { freeRunDir, runStamp } from './runName';
// the webview's count formatter (pure, no DOM): the same words in notifications and in the panel
import { plural } from '../protocol/format';

type TrainingView = Extract<ViewModel, { kind: 'training' }>;
type SweepView = Extract<ViewModel, { kind: 'sweep' }>;

/** A cancelled run keeps what it wrote; say so in the panel instead of an error. */
function failureText(e: unknown): string {
  if (isAbortError(e)) return 'Cancelled. The epochs finished so far are kept in the run folder.';
  return e instanceof Error ? e.message : String(e);
}

/** The questions of every command here; a dataset that cannot be read is reported once, here. */
async function askConfig(svc: Services, args: FineTuneArgs | undefined): Promise<TrainConfig | undefined> {
  try {
    const config = await askTrainConfig(svc, args);
    if (config) svc.log.appendLine(`fine-tuning set-up: ${trainSummary(config)}; dataset ${config.dataset}; output ${config.outDir}`);
    return config;
  } catch (e) {
    // a bad train.json or dataset: one line in the log too, since the notification hides
    if (!isAbortError(e))
      svc.log.appendLine(`[${new Date().toISOString()}] fine-tuning set-up failed: ${e instanceof Error ? e.message : String(e)}`);
    reportJobError(e, 'the fine-tuning set-up');
    return undefined;
  }
}

/** The config with its run folder fixed now (runName.ts says why), and that folder. */
function withRunDir(config: TrainConfig): { config: TrainConfig; runDir: string } {
  if (config.resumeFrom) return { config, runDir: config.resumeFrom };
  const runDir = freeRunDir(config.outDir, config.name ?? runStamp(new Date()), existsSync);
  return { config: { ...config, name: path.basename(runDir) }, runDir };
}

/**
 * A fresh panel for a job, titled by dataset, with one cancellation for the whole command (two
 * runs, or a grid) tied to the panel's Cancel button and to closing the panel.
 */
function jobPanel(
  svc: Services,
  first: ViewModel & { kind: 'training' | 'sweep' },
  config: TrainConfig,
  what: string,
): { view: GeometryView; cts: vscode.CancellationTokenSource } {
  const view = openPanel(svc, { kind: first.kind, paths: [first.kind === 'training' ? first.runDir : config.outDir] }, { reuse: false });
  view.panel.title = `${what}: ${path.basename(config.dataset)}`;
  view.setView(first);
  const cts = new vscode.CancellationTokenSource();
  view.onDidRequestCancel(() => cts.cancel());
  view.panel.onDidDispose(() => cts.cancel());
  return { view, cts };
}

/** The view's own model (pushEpoch keeps it current), for whole updates. */
function trainingOf(view: GeometryView, fallback: TrainingView): TrainingView {
  return view.current?.kind === 'training' ? view.current : fallback;
}

function trainOne(
  svc: Services,
  config: TrainConfig,
  label: string,
  token: vscode.CancellationToken,
  onEpoch: (m: TrainingView['epochs'][number]) => void,
): Promise<RunSummary> {
  return svc.compute.run(
    'train',
    { config },
    {
      title: `DAGR: training ${label} on ${path.basename(config.dataset)}`,
      token,
      onEpoch,
      // the trainer stops after the current batch and reports its run folder as 'cancelled'
      cooperativeCancel: true,
    },
  );
}

function finish(svc: Services, summary: RunSummary): void {
  const how = summary.status === 'completed' ? 'finished' : summary.status;
  svc.log.appendLine(
    `training ${how}: ${summary.runDir} (${plural(summary.epochsCompleted, 'epoch')}, ${summary.backend})${summary.message ? `: ${summary.message}` : ''}`,
  );
  if (summary.status === 'failed')
    void vscode.window.showErrorMessage(`DAGR: training failed: ${summary.message ?? 'see the DAGR Lens output'}`);
  // the run's geometry over epochs, from the checkpoints it wrote
  if (summary.epochsCompleted > 0) openPanel(svc, { kind: 'run', paths: [summary.runDir] });
}

/**
 * Trains `on` into a panel (and, when given, `off` after it as the dashed comparison), then shows
 * the summary and opens the run. Sequential: both runs would compete for the same cores otherwise,
 * and the same seed keeps them comparable.
 */
async function trainIntoPanel(
  svc: Services,
  ask: TrainConfig,
  what: string,
  baseline?: { label: string; config: (on: TrainConfig) => TrainConfig },
): Promise<void> {
  const { config: on, runDir } = withRunDir(ask);
  const first: TrainingView = { kind: 'training', config: on, runDir, epochs: [] };
  if (baseline) first.comparison = { label: baseline.label, epochs: [] };
  const { view, cts } = jobPanel(svc, first, on, what);
  const part = (i: number, label: string): string => (baseline ? `${label} (${i} of 2)` : label);
  try {
    const summary = await trainOne(svc, on, part(1, on.dagr.enabled ? 'with DAGR' : 'without DAGR'), cts.token, (m) => view.pushEpoch(m));
    view.setView({ ...trainingOf(view, first), runDir: summary.runDir, summary });
    if (summary.status === 'failed') view.showError(`Training failed: ${summary.message ?? 'no reason given'}`);
    if (baseline && summary.status === 'completed') {
      const off = await trainOne(svc, baseline.config(on), part(2, 'without DAGR'), cts.token, (m) => {
        // the webview's 'epoch' message appends to the main run, so the baseline goes as whole updates
        const now = trainingOf(view, first);
        view.setView({ ...now, comparison: { label: baseline.label, epochs: [...(now.comparison?.epochs ?? []), m] } });
      });
      svc.log.appendLine(`baseline without DAGR: ${off.runDir}`);
    }
    finish(svc, summary);
  } catch (e) {
    view.showError(failureText(e), !isAbortError(e));
    reportJobError(e, 'training');
  } finally {
    cts.dispose();
  }
}

export async function startFineTuning(svc: Services, args?: FineTuneArgs): Promise<void> {
  const config = await askConfig(svc, args);
  if (config) await trainIntoPanel(svc, config, 'Training');
}

export async function compareWithDagrOff(svc: Services, args?: FineTuneArgs): Promise<void> {
  const config = await askConfig(svc, args);
  if (!config) return;
  const on: TrainConfig = config.dagr.enabled ? config : { ...config, dagr: { ...config.dagr, enabled: true } };
  await trainIntoPanel(svc, on, 'DAGR on vs off', { label: 'DAGR off (λ = 0)', config: withDagrOff });
}

type Axes = { keys: [keyof SweepConfig['grid'], keyof SweepConfig['grid']]; label: string; defaults: [string, string] };
const AXES: Axes[] = [
  { keys: ['lambdaAnc', 'tau'], label: 'λ_anc × τ (anchoring)', defaults: ['0, 0.05, 0.1, 0.2', '0.25, 0.5, 1'] },
  { keys: ['lambdaDisp', 't'], label: 'λ_disp × t (dispersion)', defaults: ['0, 0.05, 0.1, 0.2', '1, 2, 4'] },
];

/** The sweep's axes and their values, each proposing the last answer; undefined when dismissed. */
async function askGrid(svc: Services): Promise<{ axes: Axes; grid: SweepConfig['grid'] } | undefined> {
  const lastAxes = svc.memory.get<string>('last.sweepAxes', 'lambdaAnc', 'global');
  const picked = await vscode.window.showQuickPick(
    AXES.map((a) => ({ label: a.label, axes: a })).sort(
      (a, b) => Number(b.axes.keys[0] === lastAxes) - Number(a.axes.keys[0] === lastAxes),
    ),
    { title: 'Sweep over', ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  await svc.memory.set('last.sweepAxes', picked.axes.keys[0], 'global');
  const grid: SweepConfig['grid'] = {};
  for (const [i, key] of picked.axes.keys.entries()) {
    const remembered = svc.memory.get<string>(`last.sweep.${key}`, picked.axes.defaults[i] ?? '', 'global');
    const text = await vscode.window.showInputBox({
      title: `Values of ${key} (comma-separated)`,
      value: remembered,
      ignoreFocusOut: true,
      validateInput: (s) => (parseGrid(s) ? undefined : 'numbers ≥ 0 separated by commas'),
    });
    const values = text === undefined ? undefined : parseGrid(text);
    if (!values) return undefined;
    await svc.memory.set(`last.sweep.${key}`, text, 'global');
    grid[key] = values;
  }
  return { axes: picked.axes, grid };
}

export async function sweep(svc: Services, args?: FineTuneArgs): Promise<void> {
  const base = await askConfig(svc, args);
  if (!base) return;
  const asked = await askGrid(svc);
  if (!asked) return;
  const { axes, grid } = asked;
  const config: SweepConfig = { ...base, dagr: { ...base.dagr, enabled: true }, grid };
  const first: SweepView = { kind: 'sweep', points: [], axes: [axes.keys[0], axes.keys[1]], done: false };
  const { view, cts } = jobPanel(svc, first, config, 'Sweep');
  const size = axes.keys.reduce((n, k) => n * (grid[k]?.length ?? 1), 1);
  const done = (points?: SweepView['points']): void => {
    const now = view.current?.kind === 'sweep' ? view.current : first;
    view.setView({ ...now, points: points ?? now.points, done: true });
  };
  try {
    const points = await svc.compute.run(
      'sweep',
      { config },
      {
        title: `DAGR: sweep of ${plural(size, 'run')}`,
        token: cts.token,
        cooperativeCancel: true,
        onSweepPoint: (p) => view.pushSweepPoint(p),
      },
    );
    done(points);
  } catch (e) {
    done();
    reportJobError(e, 'the sweep');
  } finally {
    cts.dispose();
  }
}
