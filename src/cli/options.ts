/**
 * The metric options and warning thresholds shared by `inspect` and `compare`, from flags.
 * Threshold flags are the WarningThresholds keys in kebab case: --threshold-excess-drift 0.3.
 */
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../protocol/report';
import type { ReportOptions, WarningThresholds } from '../protocol/report';
import type { EngineDevice } from '../engine/types';
import type { InspectRequest, JobEngine } from '../jobs/types';
import type { FlagSpec, ParsedArgs } from './args';
import { choiceFlag, numberFlag } from './args';
import { UsageError } from './errors';

export const ENGINES: readonly JobEngine[] = ['auto', 'onnxruntime', 'js', 'wasm', 'tfjs'];
export const DEVICES: readonly EngineDevice[] = ['auto', 'cpu', 'cuda', 'webgpu'];

export const METRIC_FLAGS: FlagSpec = {
  values: [
    'modalities',
    'tau',
    't',
    'pairs',
    'hinge',
    'max-pairwise-rows',
    'max-pairs',
    'pairs-of',
    'engine',
    'threads',
    'device',
    'html',
    'fail-on',
  ],
  booleans: ['json', 'help'],
  valuePrefixes: ['threshold-'],
  repeatable: ['pairs-of'],
};

/**
 * --pairs-of: items separated by ";" (or given as repeated flags); an item "a,b" is one pair, an
 * item "a" alone every pair of a with another modality. Names are trimmed; empty items are skipped.
 */
export function parsePairsOf(raw: string): string[][] {
  const items = raw
    .split(';')
    .map((item) => item.split(',').map((s) => s.trim()))
    .filter((item) => item.some((s) => s !== ''));
  for (const item of items) {
    if (item.length > 2 || item.some((s) => s === '')) {
      throw new UsageError(`--pairs-of takes "a,b" (one pair) or "a" (every pair of a), separated by ";", got "${item.join(',')}"`);
    }
    if (item.length === 2 && item[0] === item[1]) throw new UsageError(`--pairs-of pairs "${item[0] ?? ''}" with itself`);
  }
  if (items.length === 0) throw new UsageError('--pairs-of needs modality names: "a,b;c,d" or "a"');
  return items;
}

export const THRESHOLD_FLAGS: Record<string, keyof WarningThresholds> = Object.fromEntries(
  (Object.keys(DEFAULT_THRESHOLDS) as (keyof WarningThresholds)[]).map((k) => [`threshold-${kebab(k)}`, k]),
);

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function reportOptions(args: ParsedArgs): ReportOptions {
  const maxPairs = numberFlag(args, 'max-pairs', (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
  const pairsOf = args.values.get('pairs-of');
  return {
    t: numberFlag(args, 't', (x) => x > 0, 'a positive number') ?? DEFAULT_OPTIONS.t,
    tau:
      numberFlag(args, 'tau', (x) => x >= 0 && x <= 4, 'a number in [0, 4] (squared distance on the unit sphere)') ?? DEFAULT_OPTIONS.tau,
    pairs: choiceFlag(args, 'pairs', ['offdiag', 'all'] as const) ?? DEFAULT_OPTIONS.pairs,
    hinge: choiceFlag(args, 'hinge', ['linear', 'squared'] as const) ?? DEFAULT_OPTIONS.hinge,
    maxPairwiseRows:
      numberFlag(args, 'max-pairwise-rows', (x) => Number.isInteger(x) && (x === 0 || x >= 2), '0 (all rows) or an integer >= 2') ??
      DEFAULT_OPTIONS.maxPairwiseRows,
    ...(maxPairs !== undefined ? { maxPairs } : {}),
    ...(pairsOf !== undefined ? { pairsOf: parsePairsOf(pairsOf) } : {}),
  };
}

export function thresholds(args: ParsedArgs): WarningThresholds {
  const out: WarningThresholds = { ...DEFAULT_THRESHOLDS };
  for (const name of args.values.keys()) {
    if (!name.startsWith('threshold-')) continue;
    const key = THRESHOLD_FLAGS[name];
    if (!key)
      throw new UsageError(
        `unknown option --${name} (thresholds: ${Object.keys(THRESHOLD_FLAGS)
          .map((f) => `--${f}`)
          .join(', ')})`,
      );
    const value = numberFlag(args, name, (x) => x >= 0, 'a number >= 0');
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function inspectRequest(path: string, args: ParsedArgs): InspectRequest {
  const modalities = args.values.get('modalities');
  const list = modalities
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (modalities !== undefined && (!list || list.length === 0))
    throw new UsageError('--modalities needs a comma-separated list of array names');
  const threads = numberFlag(args, 'threads', (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
  return {
    path,
    ...(list ? { modalities: list } : {}),
    options: reportOptions(args),
    thresholds: thresholds(args),
    engine: choiceFlag(args, 'engine', ENGINES) ?? 'auto',
    ...(threads ? { threads } : {}),
    ...deviceFlag(args),
  };
}

/** --device auto|cpu|cuda|webgpu, absent when not given (the engine's default is 'auto'). */
export function deviceFlag(args: ParsedArgs): { device?: EngineDevice } {
  const device = choiceFlag(args, 'device', DEVICES);
  return device ? { device } : {};
}

export type FailOn = 'warning' | 'error' | undefined;

export function failOn(args: ParsedArgs): FailOn {
  return choiceFlag(args, 'fail-on', ['warning', 'error'] as const);
}
