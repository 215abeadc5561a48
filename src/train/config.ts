/**
 * Validation and defaults for TrainConfig / SweepConfig read from a JSON file. Every problem is one
 * ConfigError line naming the file and the field, e.g. `train.json: dagr.tau must be a number >= 0`.
 */
import type { SweepConfig, TrainConfig } from '../protocol/train';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${field} ${problem}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_CONFIG: Omit<TrainConfig, 'dataset' | 'outDir'> = {
  hidden: [128],
  embeddingDim: 32,
  dagr: { enabled: true, lambdaDisp: 0.1, lambdaAnc: 0.1, tau: 0.5, t: 2, pairs: 'offdiag', hinge: 'linear' },
  unimodalWeight: 1,
  gradientDecoupling: false,
  optimizer: 'adam',
  learningRate: 1e-3,
  momentum: 0.9,
  schedule: 'constant',
  batchSize: 64,
  epochs: 10,
  seed: 0,
  backend: 'auto',
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Reader {
  constructor(readonly file: string) {}
  fail(field: string, problem: string): never {
    throw new ConfigError(this.file, field, problem);
  }
  num(o: Obj, key: string, field: string, def: number | undefined, check: (x: number) => boolean, rule: string): number {
    const v = o[key];
    if (v === undefined) return def ?? this.fail(field, 'is required');
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) this.fail(field, `must be ${rule} (got ${JSON.stringify(v)})`);
    return v;
  }
  int(o: Obj, key: string, field: string, def: number | undefined, min: number): number {
    return this.num(o, key, field, def, (x) => Number.isInteger(x) && x >= min, `an integer >= ${min}`);
  }
  str(o: Obj, key: string, field: string, def?: string): string {
    const v = o[key];
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'string' || v.length === 0)
      this.fail(field, v === undefined ? 'is required' : `must be a non-empty string (got ${JSON.stringify(v)})`);
    return v;
  }
  optStr(o: Obj, key: string, field: string): string | undefined {
    return o[key] === undefined ? undefined : this.str(o, key, field);
  }
  oneOf<T extends string>(o: Obj, key: string, field: string, def: T, allowed: readonly T[]): T {
    const v = o[key];
    if (v === undefined) return def;
    if (typeof v !== 'string' || !allowed.includes(v as T))
      this.fail(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')} (got ${JSON.stringify(v)})`);
    return v as T;
  }
  bool(o: Obj, key: string, field: string, def: boolean): boolean {
    const v = o[key];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') this.fail(field, `must be true or false (got ${JSON.stringify(v)})`);
    return v;
  }
  known(o: Obj, prefix: string, keys: string[]): void {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(prefix + k, `is not a known field (known: ${keys.join(', ')})`);
  }
}

const TOP_KEYS = [
  'dataset',
  'modalities',
  'labels',
  'outDir',
  'name',
  'hidden',
  'embeddingDim',
  'dagr',
  'unimodalWeight',
  'gradientDecoupling',
  'optimizer',
  'learningRate',
  'momentum',
  'schedule',
  'batchSize',
  'epochs',
  'seed',
  'backend',
  'resumeFrom',
];
const DAGR_KEYS = ['enabled', 'lambdaDisp', 'lambdaAnc', 'tau', 't', 'pairs', 'hinge'];

/** Validates a parsed TrainConfig; `file` names the source in error messages. */
export function validateTrainConfig(raw: unknown, file: string, extraKeys: string[] = []): TrainConfig {
  const r: Reader = new Reader(file);
  if (!isObj(raw)) r.fail('(top level)', 'must be a JSON object');
  r.known(raw, '', [...TOP_KEYS, ...extraKeys]);
  const d = DEFAULT_CONFIG;
  const dagrRaw = raw.dagr ?? {};
  if (!isObj(dagrRaw)) r.fail('dagr', 'must be an object');
  r.known(dagrRaw, 'dagr.', DAGR_KEYS);
  let modalities: string[] | undefined;
  if (raw.modalities !== undefined) {
    if (!Array.isArray(raw.modalities) || raw.modalities.length === 0 || raw.modalities.some((m) => typeof m !== 'string' || !m))
      r.fail('modalities', 'must be a non-empty array of array names');
    modalities = raw.modalities as string[];
    if (new Set(modalities).size !== modalities.length) r.fail('modalities', 'must not repeat a name');
  }
  let hidden = d.hidden;
  if (raw.hidden !== undefined) {
    if (!Array.isArray(raw.hidden) || raw.hidden.some((h) => typeof h !== 'number' || !Number.isInteger(h) || h < 1))
      r.fail('hidden', 'must be an array of positive integers (may be empty)');
    hidden = raw.hidden as number[];
  }
  const cfg: TrainConfig = {
    dataset: r.str(raw, 'dataset', 'dataset'),
    outDir: r.str(raw, 'outDir', 'outDir'),
    hidden,
    embeddingDim: r.int(raw, 'embeddingDim', 'embeddingDim', d.embeddingDim, 2),
    dagr: {
      enabled: r.bool(dagrRaw, 'enabled', 'dagr.enabled', d.dagr.enabled),
      lambdaDisp: r.num(dagrRaw, 'lambdaDisp', 'dagr.lambdaDisp', d.dagr.lambdaDisp, (x) => x >= 0, 'a number >= 0'),
      lambdaAnc: r.num(dagrRaw, 'lambdaAnc', 'dagr.lambdaAnc', d.dagr.lambdaAnc, (x) => x >= 0, 'a number >= 0'),
      tau: r.num(dagrRaw, 'tau', 'dagr.tau', d.dagr.tau, (x) => x >= 0 && x <= 4, 'a number in [0, 4]'),
      t: r.num(dagrRaw, 't', 'dagr.t', d.dagr.t, (x) => x > 0, 'a number > 0'),
      pairs: r.oneOf(dagrRaw, 'pairs', 'dagr.pairs', d.dagr.pairs, ['offdiag', 'all'] as const),
      hinge: r.oneOf(dagrRaw, 'hinge', 'dagr.hinge', d.dagr.hinge, ['linear', 'squared'] as const),
    },
    unimodalWeight: r.num(raw, 'unimodalWeight', 'unimodalWeight', d.unimodalWeight, (x) => x >= 0, 'a number >= 0'),
    gradientDecoupling: r.bool(raw, 'gradientDecoupling', 'gradientDecoupling', d.gradientDecoupling),
    optimizer: r.oneOf(raw, 'optimizer', 'optimizer', d.optimizer, ['adam', 'sgd'] as const),
    learningRate: r.num(raw, 'learningRate', 'learningRate', d.learningRate, (x) => x > 0, 'a number > 0'),
    momentum: r.num(raw, 'momentum', 'momentum', d.momentum, (x) => x >= 0 && x < 1, 'a number in [0, 1)'),
    schedule: r.oneOf(raw, 'schedule', 'schedule', d.schedule, ['constant', 'cosine', 'step'] as const),
    batchSize: r.int(raw, 'batchSize', 'batchSize', d.batchSize, 2),
    epochs: r.int(raw, 'epochs', 'epochs', d.epochs, 1),
    seed: r.int(raw, 'seed', 'seed', d.seed, 0),
    backend: r.oneOf(raw, 'backend', 'backend', d.backend, ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const),
  };
  if (modalities) cfg.modalities = modalities;
  const labels = r.optStr(raw, 'labels', 'labels');
  if (labels) cfg.labels = labels;
  const name = r.optStr(raw, 'name', 'name');
  if (name) {
    if (/[/\\]|^\.\.?$/.test(name)) r.fail('name', 'must be a plain folder name (no slashes)');
    cfg.name = name;
  }
  const resumeFrom = r.optStr(raw, 'resumeFrom', 'resumeFrom');
  if (resumeFrom) cfg.resumeFrom = resumeFrom;
  return cfg;
}

/** Validates a SweepConfig: a TrainConfig plus a grid over (lambdaAnc, tau) or (lambdaDisp, t). */
export function validateSweepConfig(raw: unknown, file: string): SweepConfig {
  const base = validateTrainConfig(raw, file, ['grid']);
  const r: Reader = new Reader(file);
  const g = (raw as Obj).grid;
  if (!isObj(g)) r.fail('grid', 'is required: an object with lambdaAnc/tau or lambdaDisp/t arrays');
  r.known(g, 'grid.', ['lambdaAnc', 'tau', 'lambdaDisp', 't']);
  const grid: SweepConfig['grid'] = {};
  for (const k of ['lambdaAnc', 'tau', 'lambdaDisp', 't'] as const) {
    const v = g[k];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x < 0))
      r.fail(`grid.${k}`, 'must be a non-empty array of numbers >= 0');
    if (k === 't' && v.some((x) => x === 0)) r.fail('grid.t', 'values must be > 0');
    if (k === 'tau' && v.some((x) => (x as number) > 4)) r.fail('grid.tau', 'values must be in [0, 4]');
    grid[k] = v as number[];
  }
  const anc = grid.lambdaAnc !== undefined || grid.tau !== undefined;
  const disp = grid.lambdaDisp !== undefined || grid.t !== undefined;
  if (!anc && !disp) r.fail('grid', 'needs lambdaAnc/tau or lambdaDisp/t values');
  if (anc && disp) r.fail('grid', 'is either (lambdaAnc, tau) or (lambdaDisp, t), not both');
  if (base.resumeFrom) r.fail('resumeFrom', 'is not supported in a sweep');
  return { ...base, grid };
}
