/**
 * The `weightsAnalyze` job: weight geometry of every selected tensor of a model checkpoint
 * (DESIGN.md section 2b), one tensor in memory at a time, largest first (or the names the caller
 * wants first), with progress per tensor and cancel between (and inside) tensors.
 */
import { openModel, tensorMatrix, tensorRow } from '../io/tensorTable';
import type { ArrayEntry, Checkpoint } from '../io/types';
import { ReaderError } from '../io/types';
import { isFloatDType } from '../io/dtype';
import type { GeometryBackend } from '../engine';
import { matrixMetrics, nonFiniteAt, summarize } from '../engine/weights/matrix';
import { weightWarnings } from '../engine/weights/warnings';
import { DEFAULT_WEIGHT_THRESHOLDS } from '../protocol/weights';
import type { TensorSelection, WeightsAnalyzeParams, WeightsReport, WeightTensor, WeightThresholds } from '../protocol/weights';
import type { JobControl } from './types';
import { throwIfAborted } from './types';
import { withFloat64Backend } from './sizeRule';
import { plainMetadata, shardsOf, totalsOf } from './weightsTable';
import { skippedOf } from './inspect';
import { detectCheckpointKind } from '../engine/weights/detect';
import { tensorRows } from '../io/tensorTable';

/** params.device: where onnxruntime computes; 'auto' (the default) never looks for WebGPU here (weightsBackend) */
export interface WeightsAnalyzeRequest extends WeightsAnalyzeParams {
  threads?: number;
}

/**
 * The backend of a weights job. Its only backend work is float64 (each tensor's Gram matrix, and
 * the products of the eigensolver), which WebGPU cannot run: its float64 graphs stay on the CPU
 * provider (providerFor, src/engine/ortDevice.ts). So 'auto' takes CUDA where it is usable and
 * otherwise the CPU, without the WebGPU adapter probe; an explicit --device is obeyed.
 */
export async function weightsBackend<T>(
  req: Pick<WeightsAnalyzeRequest, 'engine' | 'threads' | 'device'>,
  what: string,
  fn: (b: GeometryBackend) => Promise<T>,
): Promise<T> {
  const ask = {
    engine: req.engine ?? 'onnxruntime',
    ...(req.threads ? { threads: req.threads } : {}),
    ...(req.device ? { device: req.device } : {}),
  };
  return withFloat64Backend(ask, what, fn);
}

/** What the weights report's backend computes, for its engine note. */
export const WEIGHTS_WORK = "each tensor's Gram matrix";

/** A selection as a predicate; a bad regular expression is the user's input error, in one line. */
export function selector(sel: TensorSelection | undefined, file: string): (name: string) => boolean {
  let re: RegExp | null = null;
  if (sel?.regex !== undefined) {
    try {
      re = new RegExp(sel.regex);
    } catch (e) {
      throw new ReaderError(
        file,
        `--tensors ${JSON.stringify(sel.regex)} is not a valid regular expression (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  }
  const names = sel?.names ? new Set(sel.names) : null;
  return (name) => (re === null || re.test(name)) && (names === null || names.has(name));
}

/** Empty metrics for a row; `analysed` false with the reason. */
export function unanalysed(row: ReturnType<typeof tensorRow>, reason: string): WeightTensor {
  return {
    ...row,
    analysed: false,
    reason,
    effectiveRank: null,
    stableRank: null,
    spectralNorm: null,
    frobeniusNorm: null,
    alpha: null,
    nonFinite: null,
    summary: null,
  };
}

/** Weight geometry of one entry (it must be a float tensor of at least one element). */
export async function analyseEntry(
  cp: Checkpoint,
  e: ArrayEntry,
  backend: GeometryBackend,
  signal?: AbortSignal,
  onStage?: (f: number, s: string) => void,
): Promise<WeightTensor> {
  const started = performance.now();
  const row = tensorRow(cp, e);
  const src = tensorMatrix(e);
  const base: WeightTensor = { ...unanalysed(row, ''), analysed: true };
  delete base.reason;
  const isMatrix = row.matrix !== null && src.rows >= 2 && src.cols >= 2;
  if (!isMatrix) {
    const st = await summarize(src, signal);
    const out: WeightTensor = { ...base, summary: st.summary, nonFinite: st.nonFinite };
    const at = nonFiniteAt(st, e.shape);
    if (at) out.firstNonFinite = at;
    if (row.matrix) out.reason = `a side of ${Math.min(src.rows, src.cols)}: summary statistics only`;
    out.seconds = (performance.now() - started) / 1000;
    return out;
  }
  const m = await matrixMetrics(src, backend, signal, onStage);
  const out: WeightTensor = { ...base, summary: m.summary, nonFinite: m.nonFinite };
  const at = nonFiniteAt(m, e.shape);
  if (at) out.firstNonFinite = at;
  if (m.spectral) {
    out.effectiveRank = m.spectral.effectiveRank;
    out.stableRank = m.spectral.stableRank;
    out.spectralNorm = m.spectral.spectralNorm;
    out.frobeniusNorm = m.spectral.frobeniusNorm;
    out.alpha = m.spectral.alpha;
    out.spectrum = Array.from(m.spectral.spectrum);
  } else if (m.nonFinite > 0) {
    out.reason = 'holds NaN/Inf: no spectrum';
  } else {
    out.reason = 'all zeros: no spectrum';
    out.frobeniusNorm = 0;
    out.spectralNorm = 0;
  }
  out.seconds = (performance.now() - started) / 1000;
  return out;
}

/** Why an entry is not analysed, or null when it is. */
function skipReason(e: ArrayEntry, picked: boolean): string | null {
  if (!picked) return 'not selected (--tensors)';
  if (!isFloatDType(e.dtype)) return `${e.dtype}: not a float tensor`;
  if (e.shape.some((s) => s === 0)) return 'empty tensor';
  return null;
}

export function thresholdsOf(t: Partial<WeightThresholds> | undefined): WeightThresholds {
  return { ...DEFAULT_WEIGHT_THRESHOLDS, ...(t ?? {}) };
}

/** The analysis of an opened checkpoint on a caller's backend (a run shares one). */
export async function analyseCheckpoint(
  cp: Checkpoint,
  req: WeightsAnalyzeRequest,
  backend: GeometryBackend,
  ctl?: JobControl,
  started = performance.now(),
): Promise<WeightsReport> {
  const pick = selector(req.selection, req.path);
  const thresholds = thresholdsOf(req.thresholds);
  const rows = tensorRows(cp);
  const tensors: WeightTensor[] = cp.entries.map((e, i) => {
    const why = skipReason(e, pick(e.name));
    return why === null ? unanalysed(rows[i] as WeightTensor, 'pending') : unanalysed(rows[i] as WeightTensor, why);
  });
  const todo = cp.entries.map((e, i) => i).filter((i) => tensors[i]?.reason === 'pending');
  // largest first (the slowest; a view sees the big picture soonest), or file order; named ones before all
  if ((req.order ?? 'largest') === 'largest') todo.sort((a, b) => (rows[b]?.parameters ?? 0) - (rows[a]?.parameters ?? 0) || a - b);
  if (req.first?.length) {
    const rank = new Map(req.first.map((n, k) => [n, k]));
    const r = (i: number): number => rank.get(cp.entries[i]?.name ?? '') ?? Infinity;
    todo.sort((a, b) => r(a) - r(b));
  }
  const work = todo.map((i) => Math.max(1, rows[i]?.parameters ?? 1));
  const totalWork = work.reduce((a, b) => a + b, 0);
  let done = 0;
  for (const [k, i] of todo.entries()) {
    throwIfAborted(ctl?.signal);
    const e = cp.entries[i] as ArrayEntry;
    const share = (work[k] as number) / totalWork;
    ctl?.onProgress?.(done / totalWork, `${k + 1}/${todo.length} ${e.name}`);
    tensors[i] = await analyseEntry(cp, e, backend, ctl?.signal, (f) =>
      ctl?.onProgress?.((done + f * share * totalWork) / totalWork, `${k + 1}/${todo.length} ${e.name}`),
    );
    done += work[k] as number;
  }
  const report: WeightsReport = {
    version: 1,
    kind: 'weights',
    file: req.path,
    format: cp.format,
    engine: backend.info,
    tensors,
    totals: totalsOf(rows),
    analysed: todo.length,
    warnings: weightWarnings(tensors, thresholds),
    thresholds,
    selection: req.selection ?? {},
    embeddingTables: rows.filter((r) => r.embeddingTable).map((r) => r.name),
    metadata: plainMetadata(cp),
    seconds: 0,
  };
  const shards = shardsOf(cp);
  if (shards) report.shards = shards;
  const skipped = skippedOf(cp);
  if (skipped.length) report.skipped = skipped;
  report.seconds = (performance.now() - started) / 1000;
  ctl?.onProgress?.(1, 'done');
  return report;
}

export async function analyzeWeightsJob(req: WeightsAnalyzeRequest, ctl?: JobControl): Promise<WeightsReport> {
  const started = performance.now();
  throwIfAborted(ctl?.signal);
  ctl?.onProgress?.(0, 'reading headers');
  const cp = await openModel(req.path);
  return weightsBackend(req, WEIGHTS_WORK, (b) => analyseCheckpoint(cp, req, b, ctl, started));
}

/** True when the file's header says it is a model checkpoint (see detectCheckpointKind). */
export function looksLikeWeights(cp: Checkpoint): boolean {
  return detectCheckpointKind(cp.entries).kind === 'weights';
}
