/**
 * The questions of Start Fine-Tuning…: dataset, modalities, DAGR on/off, λ and τ. Each proposes
 * the last answer; the dataset of a checkpoint's run is found from the run's config.json.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { TrainConfig } from '../protocol/train';
import type { Services } from '../panels/services';
import { pickFile } from './pick';
import { DEFAULT_TRAIN } from './trainDefaults';
// the webview's count formatter (pure, no DOM): the same words in notifications and in the panel
import { plural } from '../../webview/format';

export interface FineTuneArgs {
  /** a checkpoint whose warning led here: its run's dataset is proposed */
  checkpoint?: string;
  dataset?: string;
}

/** A run folder written by the trainer has config.json naming its dataset (small: read on the host). */
export async function datasetOfCheckpoint(checkpoint: string): Promise<string | undefined> {
  for (const dir of [path.dirname(checkpoint), path.dirname(path.dirname(checkpoint))]) {
    try {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(path.join(dir, 'config.json')));
      const cfg = JSON.parse(Buffer.from(bytes).toString('utf8')) as { dataset?: unknown };
      if (typeof cfg.dataset === 'string') return path.resolve(dir, cfg.dataset);
    } catch {
      // not a run folder
    }
  }
  return undefined;
}

function number(title: string, value: number, ok: (v: number) => boolean, hint: string): Thenable<number | undefined> {
  return vscode.window.showInputBox({
    title, value: String(value), ignoreFocusOut: true,
    validateInput: (s) => (s.trim() !== '' && ok(Number(s)) ? undefined : hint),
  }).then((s) => (s === undefined ? undefined : Number(s)));
}

// The questions of a fine-tuning set-up keep their place when focus moves (a view that finishes
// drawing, a notification): a multi-step dialog that vanishes half-way loses the user's answers.
export async function askTrainConfig(svc: Services, args: FineTuneArgs = {}): Promise<TrainConfig | undefined> {
  const m = svc.memory;
  let dataset = args.dataset ?? (args.checkpoint ? await datasetOfCheckpoint(args.checkpoint) : undefined);
  if (dataset === undefined) {
    dataset = (await pickFile(m, 'last.dataset', 'Paired dataset for fine-tuning (features per modality + labels)',
      { Datasets: ['npz', 'safetensors', 'npy', 'json', 'pt', 'pth', 'bin', 'ckpt', 'parquet'] }))?.fsPath;
  }
  if (dataset === undefined) return undefined;
  await m.set('last.dataset', dataset);

  // modality choice from the file's headers (read in the compute process)
  const { arrays } = await svc.compute.run('describe', { path: dataset }, { title: 'DAGR: reading the dataset header' });
  const candidates = arrays.filter((a) => a.shape.length === 2 && a.dtype.startsWith('float'));
  let modalities: string[] | undefined;
  if (candidates.length > 2) {
    const last = m.get<string[]>('last.modalities', []);
    const picks = await vscode.window.showQuickPick(
      candidates.map((a) => ({ label: a.name, description: `${a.dtype} [${a.shape.join(', ')}]`, picked: last.length === 0 || last.includes(a.name) })),
      { title: 'Modalities to train (at least two)', canPickMany: true, ignoreFocusOut: true },
    );
    if (!picks) return undefined;
    if (picks.length < 2) {
      void vscode.window.showWarningMessage('DAGR: fine-tuning needs at least two modalities.');
      return undefined;
    }
    modalities = picks.map((p) => p.label);
    await m.set('last.modalities', modalities);
  } else if (candidates.length < 2) {
    void vscode.window.showErrorMessage(`DAGR: ${path.basename(dataset)} has ${plural(candidates.length, '2-D float array')}; fine-tuning needs two modalities.`);
    return undefined;
  }

  const prev = m.get<TrainConfig['dagr']>('last.dagr', DEFAULT_TRAIN.dagr, 'global');
  const onOff = await vscode.window.showQuickPick([
    { label: 'DAGR on', description: 'dispersive + anchoring terms', on: true },
    { label: 'DAGR off', description: 'task loss only (baseline)', on: false },
  ].sort((a, b) => Number(b.on === prev.enabled) - Number(a.on === prev.enabled)), { title: 'Regularizer', ignoreFocusOut: true });
  if (!onOff) return undefined;
  const dagr = { ...prev, enabled: onOff.on };
  if (onOff.on) {
    const lambda = await number('λ (weight of both DAGR terms)', prev.lambdaAnc, (v) => Number.isFinite(v) && v >= 0, 'a number ≥ 0, e.g. 0.1');
    if (lambda === undefined) return undefined;
    const tau = await number('τ (anchoring tolerance, squared distance on the unit sphere)', prev.tau, (v) => Number.isFinite(v) && v >= 0 && v <= 4, 'a number in [0, 4], e.g. 0.5');
    if (tau === undefined) return undefined;
    Object.assign(dagr, { lambdaDisp: lambda, lambdaAnc: lambda, tau });
  }
  await m.set('last.dagr', dagr, 'global');

  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(dataset);
  const config: TrainConfig = { ...DEFAULT_TRAIN, ...m.get<Partial<TrainConfig>>('last.trainExtras', {}, 'global'), dataset, outDir: path.join(root, 'runs'), dagr };
  if (modalities) config.modalities = modalities;
  return config;
}
