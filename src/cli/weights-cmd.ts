/**
 * `dagr inspect MODEL` and `dagr compare A B` on model checkpoints (issue 9): which report a path
 * gets (weights or embeddings: from the header, or `--as`), and the weights report / comparison
 * with their flags (--tensors REGEX, --weight-rank-fraction, --alpha-min/--alpha-max).
 */
import { stat } from 'node:fs/promises';
import type { CheckpointKind, TensorSelection, WeightsReport, WeightsRunReport, WeightThresholds } from '../protocol/weights';
import { DEFAULT_WEIGHT_THRESHOLDS } from '../protocol/weights';
import type { FlagSpec, ParsedArgs } from './args';
import { choiceFlag, numberFlag } from './args';
import { EXIT_OK, EXIT_WARNING, UsageError } from './errors';
import { printJson } from './json';
import { deviceFlag, ENGINES, METRIC_FLAGS } from './options';
import type { EngineDevice } from '../engine/types';
import type { FailOn } from './options';
import { createProgress } from './progress';
import type { CommandContext } from './context';
import { formatWeights, formatWeightsComparison, formatWeightsRun } from './weights-format';

export const WEIGHTS_HELP = `Model checkpoints (a file whose tensors have parameter names, several row counts, or
3-D+ kernels; a sharded set by its index, a shard or its folder) get the weights report instead:
per tensor dtype, shape, parameters, shard, and for each matrix (conv kernels as out x in*kh*kw)
effective rank, stable rank, spectral norm and the power-law alpha of the eigenvalue tail
(experimental); 1-D tensors get mean, std, min, max. JSON: kind "weights".
  --as weights|embeddings              which report, instead of deciding from the header
  --tensors REGEX                      analyse only the tensors whose names match
  --weight-rank-fraction X             rank-collapse warning below X * min(m, n) (default ${DEFAULT_WEIGHT_THRESHOLDS.weightRankFraction})
  --alpha-min X / --alpha-max X        alpha outside the band is information (default ${DEFAULT_WEIGHT_THRESHOLDS.alphaMin}..${DEFAULT_WEIGHT_THRESHOLDS.alphaMax})
NaN/Inf in a tensor is an error (--fail-on error exits 3), rank collapse a warning; alpha never
fails a run. An embedding table as embeddings: --as embeddings --modalities TENSOR_NAME.
`;

export const WEIGHTS_COMPARE_HELP = `Two model checkpoints (any formats) give the update dW = B - A of every tensor with the same
name and shape: ||dW||_F / ||W_A||_F and the effective rank, stable rank and spectral norm of dW;
tensors only in A, only in B, or with a changed shape are listed. JSON: kind "weightsComparison".
--tensors REGEX restricts it; --as weights|embeddings chooses the report.
`;

/** inspect/compare flags plus the weights report's own */
export const WEIGHTS_FLAGS: FlagSpec = {
  ...METRIC_FLAGS,
  values: [...METRIC_FLAGS.values, 'as', 'tensors', 'weight-rank-fraction', 'alpha-min', 'alpha-max'],
};

const WEIGHT_ONLY = ['tensors', 'weight-rank-fraction', 'alpha-min', 'alpha-max'];

/**
 * Which report a path gets: `--as`, else embeddings when --modalities names arrays, else what the
 * header says (src/engine/weights/detect.ts). A file that cannot be opened goes the embeddings way,
 * so its error line is the one it always was.
 */
export async function reportKind(path: string, args: ParsedArgs): Promise<CheckpointKind> {
  const as = choiceFlag(args, 'as', ['weights', 'embeddings'] as const);
  const weightOnly = WEIGHT_ONLY.filter((f) => args.values.has(f));
  if (as === 'embeddings' && weightOnly.length)
    throw new UsageError(`--${weightOnly[0] ?? ''} applies to the weights report, not to --as embeddings`);
  if (as) return as;
  if (args.values.has('modalities')) return 'embeddings';
  if (weightOnly.length) return 'weights';
  try {
    const st = await stat(path);
    const { openModel, modelInFolder } = await import('../io/tensorTable');
    if (st.isDirectory() && !(await modelInFolder(path))) {
      const { isWeightsRun } = await import('../jobs/weightsRun');
      return (await isWeightsRun(path)) ? 'weights' : 'embeddings';
    }
    const cp = await openModel(path);
    const { detectCheckpointKind } = await import('../engine/weights/detect');
    return detectCheckpointKind(cp.entries).kind;
  } catch {
    return 'embeddings';
  }
}

export function weightSelection(args: ParsedArgs): TensorSelection {
  const regex = args.values.get('tensors');
  if (regex === undefined) return {};
  if (regex === '') throw new UsageError('--tensors needs a regular expression matched against tensor names');
  try {
    new RegExp(regex);
  } catch (e) {
    throw new UsageError(
      `--tensors ${JSON.stringify(regex)} is not a valid regular expression (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  return { regex };
}

export function weightThresholds(args: ParsedArgs): WeightThresholds {
  const frac = numberFlag(args, 'weight-rank-fraction', (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
  const lo = numberFlag(args, 'alpha-min', (x) => x >= 0, 'a number >= 0');
  const hi = numberFlag(args, 'alpha-max', (x) => x >= 0, 'a number >= 0');
  const t: WeightThresholds = {
    weightRankFraction: frac ?? DEFAULT_WEIGHT_THRESHOLDS.weightRankFraction,
    alphaMin: lo ?? DEFAULT_WEIGHT_THRESHOLDS.alphaMin,
    alphaMax: hi ?? DEFAULT_WEIGHT_THRESHOLDS.alphaMax,
  };
  if (t.alphaMin > t.alphaMax) throw new UsageError(`--alpha-min ${t.alphaMin} is above --alpha-max ${t.alphaMax}`);
  return t;
}

function engineOf(args: ParsedArgs): { engine: 'onnxruntime' | 'js'; threads?: number; device?: EngineDevice } {
  const e = choiceFlag(args, 'engine', ENGINES);
  const threads = numberFlag(args, 'threads', (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
  // tfjs has no eigensolver: weight spectra run on onnxruntime's float64 GEMM (or plain JS);
  // --device is obeyed as given ('auto' leaves WebGPU out here: weightsBackend, src/jobs/weightsAnalyze.ts)
  return { engine: e === 'js' ? 'js' : 'onnxruntime', ...(threads ? { threads } : {}), ...deviceFlag(args) };
}

/** Exit 3 when --fail-on is given and a warning of that severity fired (alpha's information never counts). */
export function weightsExit(reports: readonly WeightsReport[], fail: FailOn): number {
  if (!fail) return EXIT_OK;
  const fired = reports.some((r) => r.warnings.some((w) => w.severity === 'error' || (fail === 'warning' && w.severity === 'warning')));
  return fired ? EXIT_WARNING : EXIT_OK;
}

export async function inspectWeights(path: string, args: ParsedArgs, fail: FailOn, cx: CommandContext): Promise<number> {
  if (args.values.has('html')) throw new UsageError('--html is not available for the weights report yet; use --json');
  const { analyzeWeightsJob } = await import('../jobs/weights');
  if (await isRunOfModels(path)) return inspectWeightsRun(path, args, fail, cx);
  const progress = createProgress();
  let report: WeightsReport;
  try {
    report = await analyzeWeightsJob(
      { path, selection: weightSelection(args), thresholds: weightThresholds(args), ...engineOf(args) },
      { onProgress: (f, s) => progress.update(f, s), signal: cx.signal },
    );
  } finally {
    progress.done();
  }
  if (args.booleans.has('json')) printJson(cx.print, report);
  else cx.print(formatWeights(report));
  return weightsExit([report], fail);
}

/** A folder that is not one model but a run of model checkpoints (a run of embeddings takes --as weights too). */
async function isRunOfModels(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) return false;
  } catch {
    return false;
  }
  const { modelInFolder } = await import('../io/tensorTable');
  if (await modelInFolder(path)) return false;
  const { isRunFolder } = await import('../io/run');
  return isRunFolder(path);
}

async function inspectWeightsRun(path: string, args: ParsedArgs, fail: FailOn, cx: CommandContext): Promise<number> {
  const { weightsRunJob } = await import('../jobs/weightsRun');
  const progress = createProgress();
  let run: WeightsRunReport;
  try {
    run = await weightsRunJob(
      { path, selection: weightSelection(args), thresholds: weightThresholds(args), ...engineOf(args) },
      { onProgress: (f, s) => progress.update(f, s), signal: cx.signal },
    );
  } finally {
    progress.done();
  }
  if (args.booleans.has('json')) printJson(cx.print, run);
  else cx.print(formatWeightsRun(run));
  return weightsExit(
    run.checkpoints.map((c) => c.report),
    fail,
  );
}

export async function compareWeights(a: string, b: string, args: ParsedArgs, cx: CommandContext): Promise<number> {
  if (args.values.has('html')) throw new UsageError('--html is not available for a weights comparison yet; use --json');
  const { compareWeightsJob } = await import('../jobs/weights');
  const progress = createProgress();
  let result;
  try {
    result = await compareWeightsJob(
      { a, b, selection: weightSelection(args), ...engineOf(args) },
      { onProgress: (f, s) => progress.update(f, s), signal: cx.signal },
    );
  } finally {
    progress.done();
  }
  if (args.booleans.has('json')) printJson(cx.print, result);
  else cx.print(formatWeightsComparison(result));
  return EXIT_OK;
}
