/**
 * The questions of Start Fine-Tuning…, Compare with DAGR Off and Sweep…: a paired dataset or a
 * training config (train.json), the modalities, DAGR on/off, λ and τ, then one list of every
 * setting (epochs, learning rate, batch size, λ, τ, the modalities found in the file, …) where any
 * can be changed before the run starts. Each question proposes the config's value, else the last
 * answer; titles count the steps. The dataset of a checkpoint's run is found from its config.json.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { TrainConfig } from '../protocol/train';
import type { Services } from '../panels/services';
import { ConfigError, validateTrainConfig } from '../train/config';
import { pickFile } from './pick';
import { DEFAULT_TRAIN, fmt, trainConfigFrom, trainSummary } from './trainDefaults';

export { trainSummary };
// the webview's count formatter (pure, no DOM): the same words in notifications and in the panel
import { plural } from '../protocol/format';

export interface FineTuneArgs {
  /** a checkpoint whose warning led here: its run's dataset is proposed */
  checkpoint?: string;
  /** a dataset, or a training config (.json naming its dataset) */
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

/**
 * A training config when `file` is one (a .json object naming a "dataset" file), with its paths
 * resolved against the config's folder as `dagr train` does; undefined for anything else (a JSON
 * dataset is a dataset). A config with a bad field throws its one-line ConfigError.
 */
export async function readTrainConfigFile(file: string): Promise<TrainConfig | undefined> {
  if (!file.toLowerCase().endsWith('.json')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(file))).toString('utf8'));
  } catch {
    return undefined;
  }
  return trainConfigFrom(raw, file);
}

/** Step counter for the titles: the number of questions depends on the answers. */
class Steps {
  private i = 0;
  constructor(private total: number) {}
  next(title: string, more = 0): string {
    this.total += more;
    this.i++;
    return `${title} (step ${this.i} of ${Math.max(this.total, this.i)})`;
  }
  skip(n = 1): void {
    this.total -= n;
  }
}

function number(title: string, value: number, ok: (v: number) => boolean, hint: string): Thenable<number | undefined> {
  return vscode.window
    .showInputBox({
      title,
      value: String(value),
      ignoreFocusOut: true,
      validateInput: (s) => (s.trim() !== '' && ok(Number(s)) ? undefined : hint),
    })
    .then((s) => (s === undefined ? undefined : Number(s)));
}

interface Detected {
  name: string;
  dtype: string;
  shape: number[];
}

/** The settings remembered as the next set-up's proposals (besides the dataset, modalities and DAGR's). */
const REMEMBERED = [
  'epochs',
  'learningRate',
  'batchSize',
  'optimizer',
  'schedule',
  'momentum',
  'seed',
  'hidden',
  'embeddingDim',
  'unimodalWeight',
  'gradientDecoupling',
  'backend',
] as const satisfies readonly (keyof TrainConfig)[];

// The questions of a fine-tuning set-up keep their place when focus moves (a view that finishes
// drawing, a notification): a multi-step dialog that vanishes half-way loses the user's answers.
export async function askTrainConfig(svc: Services, args: FineTuneArgs = {}): Promise<TrainConfig | undefined> {
  const m = svc.memory;
  let file = args.dataset ?? (args.checkpoint ? await datasetOfCheckpoint(args.checkpoint) : undefined);
  // file?, modalities?, regularizer, λ, τ, review: the optional ones are counted when asked
  const steps = new Steps(4 + (file === undefined ? 1 : 0));
  if (file === undefined) {
    const why = args.checkpoint ? `${path.basename(args.checkpoint)} has no run folder naming its dataset. ` : '';
    file = (
      await pickFile(
        m,
        'last.dataset',
        steps.next(`Paired dataset (features per modality + labels) or training config (.json) for fine-tuning. ${why}`.trim()),
        { 'Datasets and training configs': ['npz', 'safetensors', 'npy', 'json', 'pt', 'pth', 'bin', 'ckpt', 'parquet'] },
      )
    )?.fsPath;
  }
  if (file === undefined) return undefined;
  await m.set('last.dataset', file);

  const fromFile = await readTrainConfigFile(file);
  const prev = m.get<TrainConfig['dagr']>('last.dagr', DEFAULT_TRAIN.dagr, 'global');
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(file);
  const config: TrainConfig = fromFile ?? {
    ...DEFAULT_TRAIN,
    ...m.get<Partial<TrainConfig>>('last.trainExtras', {}, 'global'),
    dataset: file,
    outDir: path.join(root, 'runs'),
    dagr: { ...prev },
  };
  if (fromFile) svc.log.appendLine(`fine-tuning set-up from the training config ${file}: dataset ${fromFile.dataset}`);

  // modality choice from the dataset's headers (read in the compute process)
  const { arrays } = await svc.compute.run('describe', { path: config.dataset }, { title: 'DAGR: reading the dataset header' });
  const candidates: Detected[] = arrays.filter((a) => a.shape.length === 2 && a.dtype.startsWith('float'));
  const missing = (config.modalities ?? []).filter((n) => !candidates.some((c) => c.name === n));
  if (missing.length > 0) {
    throw new ConfigError(
      path.basename(file),
      'modalities',
      `names ${missing.join(', ')}, not a 2-D float array of ${path.basename(config.dataset)} (it has ${candidates.map((c) => c.name).join(', ') || 'none'})`,
    );
  }
  if (candidates.length < 2) {
    void vscode.window.showErrorMessage(
      `DAGR: ${path.basename(config.dataset)} has ${plural(candidates.length, '2-D float array')}; fine-tuning needs two modalities.`,
    );
    return undefined;
  }
  if (candidates.length > 2 && !config.modalities) {
    const last = m.get<string[]>('last.modalities', []);
    const picks = await vscode.window.showQuickPick(
      candidates.map((a) => ({
        label: a.name,
        description: `${a.dtype} [${a.shape.join(', ')}]`,
        picked: last.length === 0 || last.includes(a.name),
      })),
      { title: steps.next('Modalities to train (at least two)', 1), canPickMany: true, ignoreFocusOut: true },
    );
    if (!picks) return undefined;
    if (picks.length < 2) {
      void vscode.window.showWarningMessage('DAGR: fine-tuning needs at least two modalities.');
      return undefined;
    }
    config.modalities = picks.map((p) => p.label);
    await m.set('last.modalities', config.modalities);
  }

  const onOff = await vscode.window.showQuickPick(
    [
      { label: 'DAGR on', description: 'dispersive + anchoring terms', on: true },
      { label: 'DAGR off', description: 'task loss only (baseline)', on: false },
    ].sort((a, b) => Number(b.on === config.dagr.enabled) - Number(a.on === config.dagr.enabled)),
    { title: steps.next('Regularizer'), ignoreFocusOut: true },
  );
  if (!onOff) return undefined;
  config.dagr = { ...config.dagr, enabled: onOff.on };
  if (onOff.on) {
    const lambda = await number(
      steps.next('λ (weight of both DAGR terms)'),
      config.dagr.lambdaAnc,
      (v) => Number.isFinite(v) && v >= 0,
      'a number ≥ 0, e.g. 0.1',
    );
    if (lambda === undefined) return undefined;
    const tau = await number(
      steps.next('τ (anchoring tolerance, squared distance on the unit sphere)'),
      config.dagr.tau,
      (v) => Number.isFinite(v) && v >= 0 && v <= 4,
      'a number in [0, 4], e.g. 0.5',
    );
    if (tau === undefined) return undefined;
    Object.assign(config.dagr, { lambdaDisp: lambda, lambdaAnc: lambda, tau });
  } else {
    steps.skip(2);
  }

  const reviewed = await reviewSettings(config, candidates, steps.next('Every setting: Enter starts, or pick one to change it'), {
    fromConfig: fromFile ? file : undefined,
    checkpoint: args.checkpoint,
  });
  if (!reviewed) return undefined;
  await m.set('last.dagr', reviewed.dagr, 'global');
  if (!fromFile) await m.set('last.trainExtras', Object.fromEntries(REMEMBERED.map((k) => [k, reviewed[k]])), 'global');
  return reviewed;
}

type Item = vscode.QuickPickItem & { edit?: (c: TrainConfig) => Promise<void>; start?: true };

async function pickOne<T extends string>(title: string, options: readonly T[], current: T): Promise<T | undefined> {
  const picked = await vscode.window.showQuickPick(
    options.map((o) => ({ label: o, description: o === current ? 'current' : undefined })),
    { title, ignoreFocusOut: true },
  );
  return picked?.label as T | undefined;
}

/** A number setting of the config, or of its dagr part: how to read and write it. */
interface NumberField {
  get(c: TrainConfig): number;
  set(c: TrainConfig, v: number): void;
}
type TopNumber = 'epochs' | 'learningRate' | 'batchSize' | 'momentum' | 'seed' | 'embeddingDim' | 'unimodalWeight';
type DagrNumber = 'lambdaDisp' | 'lambdaAnc' | 'tau' | 't';
const top = (k: TopNumber): NumberField => ({
  get: (c) => c[k],
  set: (c, v) => {
    c[k] = v;
  },
});
const dagrPart = (k: DagrNumber): NumberField => ({
  get: (c) => c.dagr[k],
  set: (c, v) => {
    c.dagr[k] = v;
  },
});

/**
 * A review item for a number: shows its value (`show`: fmt for a real, String for a count); picking
 * it asks for a new one under `title`, checked by `ok` (else `hint` shows).
 */
function numberItem(
  label: string,
  title: string,
  c: TrainConfig,
  field: NumberField,
  ok: (v: number) => boolean,
  hint: string,
  show: (v: number) => string = fmt,
): Item {
  return {
    label,
    description: show(field.get(c)),
    edit: async (x) => {
      const v = await number(title, field.get(x), ok, hint);
      if (v !== undefined) field.set(x, v);
    },
  };
}

/** A review item for a choice among named options: shows the current one (or `shown`); picking it offers them all. */
function choiceItem<T extends string>(
  label: string,
  title: string,
  c: TrainConfig,
  options: readonly T[],
  get: (c: TrainConfig) => T,
  set: (c: TrainConfig, v: T) => void,
  shown: string = get(c),
): Item {
  return {
    label,
    description: shown,
    edit: async (x) => {
      const v = await pickOne(title, options, get(x));
      if (v) set(x, v);
    },
  };
}

/**
 * The review list: Start first (Enter starts), then one item per setting; picking one asks for
 * its new value and comes back here. Undefined when dismissed.
 */
async function reviewSettings(
  config: TrainConfig,
  detected: Detected[],
  title: string,
  from: { fromConfig?: string; checkpoint?: string },
): Promise<TrainConfig | undefined> {
  const c: TrainConfig = { ...config, dagr: { ...config.dagr } };
  const int = (v: number, min: number): boolean => Number.isInteger(v) && v >= min;
  for (;;) {
    const used = c.modalities ?? detected.map((d) => d.name);
    const origin = from.fromConfig
      ? `from ${path.basename(from.fromConfig)}`
      : from.checkpoint
        ? `the dataset of ${path.basename(from.checkpoint)}'s run`
        : 'defaults and your last answers';
    const items: Item[] = [
      {
        label: '$(play) Start training',
        start: true,
        description: trainSummary(c),
        detail:
          `Trains a new model (an MLP encoder and classifier head per modality, and a fusion head) on ${path.basename(c.dataset)}; settings ${origin}.` +
          (from.checkpoint ? ` ${path.basename(from.checkpoint)} itself is not changed and is not the starting point.` : ''),
      },
      { label: 'Data', kind: vscode.QuickPickItemKind.Separator },
      { label: 'Dataset', description: c.dataset },
      {
        label: 'Modalities',
        description: used.join(', '),
        detail: `found in the file: ${detected.map((d) => `${d.name} ${d.dtype} [${d.shape.join(', ')}]`).join('; ')}`,
        edit: async (x) => {
          if (detected.length <= 2) return;
          const picks = await vscode.window.showQuickPick(
            detected.map((d) => ({ label: d.name, description: `${d.dtype} [${d.shape.join(', ')}]`, picked: used.includes(d.name) })),
            { title: 'Modalities to train (at least two)', canPickMany: true, ignoreFocusOut: true },
          );
          if (picks && picks.length >= 2) x.modalities = picks.map((p) => p.label);
        },
      },
      { label: 'Labels', description: c.labels ?? 'found by name (labels, label, y)' },
      { label: 'DAGR', kind: vscode.QuickPickItemKind.Separator },
      choiceItem(
        'Regularizer',
        'Regularizer',
        c,
        ['on', 'off'] as const,
        (x) => (x.dagr.enabled ? 'on' : 'off'),
        (x, v) => {
          x.dagr.enabled = v === 'on';
        },
        c.dagr.enabled ? 'DAGR on' : 'DAGR off',
      ),
      numberItem('λ_disp (dispersive weight)', 'λ_disp', c, dagrPart('lambdaDisp'), (v) => v >= 0, 'a number ≥ 0'),
      numberItem('λ_anc (anchoring weight)', 'λ_anc', c, dagrPart('lambdaAnc'), (v) => v >= 0, 'a number ≥ 0'),
      numberItem('τ (anchoring tolerance)', 'τ', c, dagrPart('tau'), (v) => v >= 0 && v <= 4, 'a number in [0, 4]'),
      numberItem('t (dispersive temperature)', 't', c, dagrPart('t'), (v) => v > 0, 'a number > 0'),
      choiceItem(
        'Hinge',
        'Hinge',
        c,
        ['linear', 'squared'] as const,
        (x) => x.dagr.hinge,
        (x, v) => {
          x.dagr.hinge = v;
        },
      ),
      choiceItem(
        'Row pairs (dispersive)',
        'Row pairs',
        c,
        ['offdiag', 'all'] as const,
        (x) => x.dagr.pairs,
        (x, v) => {
          x.dagr.pairs = v;
        },
      ),
      { label: 'Optimization', kind: vscode.QuickPickItemKind.Separator },
      numberItem('Epochs', 'Epochs', c, top('epochs'), (v) => int(v, 1), 'an integer ≥ 1', String),
      numberItem('Learning rate', 'Learning rate', c, top('learningRate'), (v) => v > 0, 'a number > 0'),
      numberItem('Batch size', 'Batch size', c, top('batchSize'), (v) => int(v, 2), 'an integer ≥ 2', String),
      choiceItem(
        'Optimizer',
        'Optimizer',
        c,
        ['adam', 'sgd'] as const,
        (x) => x.optimizer,
        (x, v) => {
          x.optimizer = v;
        },
      ),
      choiceItem(
        'Schedule',
        'Schedule',
        c,
        ['constant', 'cosine', 'step'] as const,
        (x) => x.schedule,
        (x, v) => {
          x.schedule = v;
        },
      ),
      numberItem('Momentum (sgd)', 'Momentum', c, top('momentum'), (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
      numberItem('Seed', 'Seed', c, top('seed'), (v) => int(v, 0), 'an integer ≥ 0', String),
      { label: 'Model', kind: vscode.QuickPickItemKind.Separator },
      {
        label: 'Hidden layers',
        description: c.hidden.length ? c.hidden.join(', ') : 'none (linear encoder)',
        edit: async (x) => {
          const s = await vscode.window.showInputBox({
            title: 'Hidden layer widths (comma-separated, empty for none)',
            value: x.hidden.join(', '),
            ignoreFocusOut: true,
            validateInput: (t) =>
              t.trim() === '' || t.split(',').every((p) => int(Number(p.trim()), 1)) ? undefined : 'positive integers separated by commas',
          });
          if (s !== undefined) x.hidden = s.trim() === '' ? [] : s.split(',').map((p) => Number(p.trim()));
        },
      },
      numberItem('Embedding dimension', 'Embedding dimension', c, top('embeddingDim'), (v) => int(v, 2), 'an integer ≥ 2', String),
      numberItem('Unimodal weight', 'Unimodal weight', c, top('unimodalWeight'), (v) => v >= 0, 'a number ≥ 0'),
      choiceItem(
        'Gradient decoupling',
        'Gradient decoupling',
        c,
        ['on', 'off'] as const,
        (x) => (x.gradientDecoupling ? 'on' : 'off'),
        (x, v) => {
          x.gradientDecoupling = v === 'on';
        },
      ),
      { label: 'Run', kind: vscode.QuickPickItemKind.Separator },
      choiceItem(
        'Backend',
        'Backend',
        c,
        ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const,
        (x) => x.backend,
        (x, v) => {
          x.backend = v;
        },
      ),
      {
        label: 'Output folder',
        description: c.outDir,
        edit: async (x) => {
          const s = await vscode.window.showInputBox({
            title: 'Folder the run folder is written in',
            value: x.outDir,
            ignoreFocusOut: true,
            validateInput: (t) => (t.trim() ? undefined : 'a folder'),
          });
          if (s) x.outDir = s.trim();
        },
      },
    ];
    const picked = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true, matchOnDescription: true });
    if (!picked) return undefined;
    if (picked.start) {
      // the same rules as `dagr train --config`: nothing invalid reaches the trainer
      return validateTrainConfig(JSON.parse(JSON.stringify(c)), 'fine-tuning set-up');
    }
    await picked.edit?.(c);
  }
}
