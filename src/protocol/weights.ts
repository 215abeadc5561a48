/**
 * The weights report (model checkpoints, DESIGN.md section 2b): the tensor table, per-tensor
 * weight geometry, the comparison of two checkpoints, and the compute-process job parameters
 * that produce them. This is the JSON contract of `dagr inspect MODEL --json` and
 * `dagr compare A B --json` on model checkpoints, and what the weights view renders.
 * Field names are public API: never rename, only add. No vscode, DOM or node imports.
 */
import type { DeviceChoice, EngineChoice } from './jobs';
import { DEVICE_CHOICES } from './jobs';
import type { EngineInfo, ReportOptions, SkippedMember, WarningThresholds } from './report';

/** What a checkpoint holds: weight tensors of a model, or paired embedding arrays. */
export type CheckpointKind = 'weights' | 'embeddings';

/**
 * One tensor of the tensor table (header only: nothing of its values is read).
 * `module` is the name without its last dot-separated part ("encoder.layer.0.attention.self.query"
 * for "encoder.layer.0.attention.self.query.weight"), so a view can group rows as a tree.
 */
export interface TensorRow {
  name: string;
  /** the stored dtype as this project names it: float32, float16, bfloat16, int64, ... */
  dtype: string;
  shape: number[];
  /** product of the shape (1 for a 0-d tensor) */
  parameters: number;
  /** stored bytes (parameters x item size) */
  bytes: number;
  /** the shard file (base name) that holds it, for a sharded set; absent otherwise */
  shard?: string;
  /** module path: the name up to its last "." ("" when the name has none) */
  module: string;
  /** layer index parsed from the name ("layer.3", "layers.3", "h.3", "blocks.3", ...), else null */
  layer: number | null;
  /**
   * matrix role parsed from the name, one series per role in the depth charts: "q", "k", "v",
   * "o", "qkv", "up", "down", "gate", "fc", "embedding", "position", "norm", "bias", "head",
   * "conv", or "other"
   */
  role: string;
  /** the matrix the metrics see: [shape[0], product of the rest]; null for 0-d and 1-D tensors */
  matrix: [number, number] | null;
  /** true for a 2-D float tensor whose name marks it as an embedding table (word_embeddings, wte, ...) */
  embeddingTable: boolean;
}

export interface TensorTotals {
  tensors: number;
  parameters: number;
  bytes: number;
}

/** Result of the `weightsTable` job: the header-only listing of a checkpoint. */
export interface TensorTable {
  version: 1;
  kind: 'tensorTable';
  /** the path that was opened (a file, an index.json, a shard, a folder) */
  file: string;
  /** reader format: safetensors, sharded, pytorch, npz, npy, ... */
  format: string;
  tensors: TensorRow[];
  totals: TensorTotals;
  /** shard files of a sharded set, in index order; absent otherwise */
  shards?: string[];
  /** members that could not be decoded (F8 dtypes, pickled objects), with why */
  skipped?: SkippedMember[];
  /** what the file looks like (see looksLikeReason), so a view opens the right report */
  looksLike: CheckpointKind;
  /** one sentence: why looksLike was chosen */
  looksLikeReason: string;
  /** names of the tensors that are embedding tables (TensorRow.embeddingTable) */
  embeddingTables: string[];
  metadata: Record<string, unknown>;
  seconds: number;
}

/** Continuous power-law fit of the eigenvalue tail (Clauset, Shalizi & Newman 2009); experimental. */
export interface PowerLawFit {
  /** alpha = 1 + n / sum ln(lambda_i / xmin) */
  value: number;
  /** the lambda that starts the tail (the KS-minimizing candidate) */
  xmin: number;
  /** KS distance between the empirical and fitted tail CDFs */
  ks: number;
  /** n: eigenvalues >= xmin */
  tailCount: number;
}

/** Summary statistics (1-D tensors, tensors with a side of 1, and every analysed tensor's values). */
export interface ValueSummary {
  count: number;
  mean: number;
  /** population standard deviation (ddof = 0) */
  std: number;
  min: number;
  max: number;
}

/** Where the first NaN or Inf of a tensor is, in the stored tensor's flat (C-order) index and its multi-index. */
export interface NonFiniteAt {
  flatIndex: number;
  index: number[];
  value: 'NaN' | 'Inf' | '-Inf';
}

/**
 * One tensor of the weights report: its table row plus its metrics. `analysed` is false when the
 * tensor was not computed (filtered out by --tensors, not a float dtype, a 0-d scalar) and then
 * every metric is null and `reason` says why. For a matrix with NaN/Inf the spectral metrics are
 * null and `nonFinite` counts the bad values.
 */
export interface WeightTensor extends TensorRow {
  analysed: boolean;
  /** why not analysed, or why the spectral metrics are null; absent when there is nothing to say */
  reason?: string;
  /** RankMe on sigma (DESIGN.md section 2), null when not a matrix or not finite */
  effectiveRank: number | null;
  /** ||M||_F^2 / sigma_max^2 */
  stableRank: number | null;
  /** sigma_max */
  spectralNorm: number | null;
  /** ||M||_F */
  frobeniusNorm: number | null;
  /** experimental; null when the tail has fewer than 10 eigenvalues or the matrix is not analysed */
  alpha: PowerLawFit | null;
  /** count of NaN and Inf values (0 when all finite; null when not read) */
  nonFinite: number | null;
  /** the first NaN/Inf, when nonFinite > 0 */
  firstNonFinite?: NonFiniteAt;
  /** summary of the values (every analysed tensor; the only metrics of a 1-D tensor) */
  summary: ValueSummary | null;
  /** singular values of M, descending (length min(m, n)); absent for 1-D and unanalysed tensors */
  spectrum?: number[];
  /** seconds spent on this tensor */
  seconds?: number;
}

export type WeightWarningCode = 'non-finite' | 'rank-collapse' | 'alpha-out-of-band';

export interface WeightWarning {
  code: WeightWarningCode;
  /** non-finite: error; rank-collapse: warning; alpha-out-of-band: info */
  severity: 'error' | 'warning' | 'info';
  tensor: string;
  value: number;
  threshold: number;
  message: string;
}

export interface WeightThresholds {
  /** rank-collapse when effectiveRank < weightRankFraction x min(m, n) (setting dagr.thresholds.weightRankFraction) */
  weightRankFraction: number;
  /** alpha outside [alphaMin, alphaMax] is reported as information (WeightWatcher's 2..6) */
  alphaMin: number;
  alphaMax: number;
}

export const DEFAULT_WEIGHT_THRESHOLDS: WeightThresholds = {
  weightRankFraction: 0.05,
  alphaMin: 2,
  alphaMax: 6,
};

/** Which tensors an analysis covers and in which order. */
export interface TensorSelection {
  /** a JavaScript regular expression (source, no slashes) matched against tensor names; absent = all */
  regex?: string;
  /** exact tensor names; absent = all (combined with regex: both must match) */
  names?: string[];
}

/**
 * Order of computation: 'largest' first (the default), or file order; `first` lists names to do
 * before all others (the rows a view shows), then the rest in `order`.
 */
export interface AnalysisOrder {
  order?: 'largest' | 'file';
  first?: string[];
}

export interface WeightsReport {
  version: 1;
  kind: 'weights';
  /** the path that was opened */
  file: string;
  format: string;
  engine: EngineInfo;
  /** every tensor of the file in file order (analysed or not), so a view needs nothing else */
  tensors: WeightTensor[];
  totals: TensorTotals;
  /** tensors analysed / analysable matrices and vectors */
  analysed: number;
  warnings: WeightWarning[];
  thresholds: WeightThresholds;
  selection: TensorSelection;
  embeddingTables: string[];
  shards?: string[];
  skipped?: SkippedMember[];
  metadata: Record<string, unknown>;
  seconds: number;
}

/** The update of one tensor from A to B (DESIGN.md section 2b, "update"): metrics of dW = M_B - M_A itself. */
export interface WeightDelta {
  name: string;
  shape: number[];
  parameters: number;
  layer: number | null;
  role: string;
  /**
   * ||dW||_F / ||M_A||_F, 0 when nothing changed; null when not computed, and when ||M_A||_F = 0
   * while dW is not (the change is infinite, which JSON cannot hold; `reason` says so)
   */
  relativeChange: number | null;
  /** ||dW||_F */
  deltaFrobenius: number | null;
  /** RankMe of the singular values of dW; null for 1-D tensors and unchanged (dW = 0) matrices */
  deltaEffectiveRank: number | null;
  deltaStableRank: number | null;
  deltaSpectralNorm: number | null;
  /** why a metric is null (1-D tensor, NaN in a side, identical tensors, not selected) */
  reason?: string;
}

export interface WeightsComparison {
  version: 1;
  kind: 'weightsComparison';
  a: string;
  b: string;
  engine: EngineInfo;
  /** tensors with the same name and shape on both sides, in A's file order */
  tensors: WeightDelta[];
  /** names of the tensors of `tensors` by relativeChange, largest first (at most 10) */
  mostChanged: string[];
  onlyInA: string[];
  onlyInB: string[];
  shapeChanged: { name: string; shapeA: number[]; shapeB: number[] }[];
  selection: TensorSelection;
  seconds: number;
}

/** A run folder of model checkpoints: one weights report per checkpoint, ordered by epoch/step. */
export interface WeightsRunReport {
  version: 1;
  kind: 'weightsRun';
  source: string;
  engine: EngineInfo;
  checkpoints: { file: string; epoch: number | null; step: number | null; report: WeightsReport }[];
}

// ---- compute-process jobs (src/protocol/messages.ts JobTable) ----

export interface WeightsTableParams {
  path: string;
}

export interface WeightsAnalyzeParams extends AnalysisOrder {
  path: string;
  selection?: TensorSelection;
  thresholds?: Partial<WeightThresholds>;
  engine?: EngineChoice;
  /** the dagr.device setting or --device; 'auto' (the default) takes CUDA or the CPU, never WebGPU (float64 work) */
  device?: DeviceChoice;
}

export interface WeightsCompareParams {
  a: string;
  b: string;
  selection?: TensorSelection;
  engine?: EngineChoice;
  /** as WeightsAnalyzeParams.device */
  device?: DeviceChoice;
}

/** An embedding table inside a model, analysed as embeddings (its rows are the samples of one modality). */
export interface WeightsEmbeddingParams {
  path: string;
  tensor: string;
  options: ReportOptions;
  thresholds: WarningThresholds;
  engine?: EngineChoice;
  /** as an inspect's device: 'auto' is sized by the table's rows */
  device?: DeviceChoice;
}

const isOptDevice = (x: unknown): boolean => x === undefined || (DEVICE_CHOICES as readonly unknown[]).includes(x);

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
const isStrList = (x: unknown): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string');

export function isTensorSelection(x: unknown): x is TensorSelection {
  return (
    x === undefined || (isObj(x) && (x.regex === undefined || typeof x.regex === 'string') && (x.names === undefined || isStrList(x.names)))
  );
}

export function isWeightsAnalyzeParams(x: unknown): x is WeightsAnalyzeParams {
  return (
    isObj(x) &&
    isStr(x.path) &&
    isTensorSelection(x.selection) &&
    (x.order === undefined || x.order === 'largest' || x.order === 'file') &&
    (x.first === undefined || isStrList(x.first)) &&
    (x.thresholds === undefined || isObj(x.thresholds)) &&
    isOptDevice(x.device)
  );
}

export function isWeightsCompareParams(x: unknown): x is WeightsCompareParams {
  return isObj(x) && isStr(x.a) && isStr(x.b) && isTensorSelection(x.selection) && isOptDevice(x.device);
}

export function isWeightsEmbeddingParams(x: unknown): x is WeightsEmbeddingParams {
  return isObj(x) && isStr(x.path) && isStr(x.tensor) && isObj(x.options) && isObj(x.thresholds) && isOptDevice(x.device);
}

/**
 * B's analysed tensors over A's (same file): a view that runs the analysis in batches (the visible
 * rows first) merges each batch into what it shows. Warnings are recomputed by the caller.
 */
export function mergeWeightsReports(a: WeightsReport, b: WeightsReport): WeightsReport {
  const byName = new Map(b.tensors.filter((t) => t.analysed).map((t) => [t.name, t]));
  const tensors = a.tensors.map((t) => byName.get(t.name) ?? t);
  const names = new Set(tensors.filter((t) => t.analysed).map((t) => t.name));
  const warnings = [...a.warnings.filter((w) => !byName.has(w.tensor)), ...b.warnings.filter((w) => names.has(w.tensor))];
  return { ...a, tensors, analysed: names.size, warnings, seconds: a.seconds + b.seconds };
}
