/**
 * Messages between the extension host and the compute process (Node IPC over child_process.fork).
 * Only paths and small JSON cross this channel: the compute process reads files itself, so a big
 * checkpoint never passes through the extension host. No vscode, DOM or node imports.
 */
import type { CompareReport, EngineInfo, GeometryReport, GeometryWarning, RunReport, WarningThresholds } from './report';
import type { EpochMetrics, RunSummary, SweepConfig, SweepPoint, TrainConfig } from './train';
import type { DeviceChoice, EmbedParams, EmbedResult, EngineChoice, InspectParams } from './jobs';
import { ENGINE_CHOICES } from './jobs';
import { DEVICE_CHOICES } from './jobs';
import type {
  TensorTable,
  WeightsAnalyzeParams,
  WeightsComparison,
  WeightsCompareParams,
  WeightsEmbeddingParams,
  WeightsReport,
  WeightsTableParams,
} from './weights';
import type { MoverRow, MoversSummary, NeighborsParams, NeighborsResult } from './neighbors';
import { isTensorSelection, isWeightsAnalyzeParams, isWeightsCompareParams, isWeightsEmbeddingParams } from './weights';
import type { RowMetricsParams, RowMetricsResult } from './rowMetrics';
import { isRowMetricsParams } from './rowMetrics';

export type { EngineChoice } from './jobs';
export type InspectJob = InspectParams;
export type EmbedJob = EmbedParams;

/** What each job kind takes and returns; the single source for the unions below. */
export interface JobTable {
  /** a file -> GeometryReport, a run folder -> RunReport */
  inspect: { params: InspectJob; result: GeometryReport | RunReport };
  compare: { params: { a: InspectJob; b: InspectJob }; result: CompareReport };
  embed: { params: EmbedJob; result: EmbedResult };
  train: { params: { config: TrainConfig }; result: RunSummary };
  sweep: { params: { config: SweepConfig }; result: SweepPoint[] };
  /** `device` is the dagr.device setting: the report says where the engine would compute with it */
  engineInfo: { params: { engine?: EngineChoice; device?: DeviceChoice }; result: EngineReport };
  /** array names, dtypes and shapes of a file (headers only): for the fine-tuning modality picker */
  describe: { params: { path: string }; result: { arrays: { name: string; dtype: string; shape: number[] }[] } };
  /** thresholds changed in the settings: re-judge a finished report without recomputing it */
  evaluateWarnings: { params: { core: WarningInput; thresholds: WarningThresholds }; result: GeometryWarning[] };
  /** model checkpoints (src/protocol/weights.ts): the header-only tensor table */
  weightsTable: { params: WeightsTableParams; result: TensorTable };
  /** per-tensor weight geometry, largest (or the named ones) first, with progress and cancel */
  weightsAnalyze: { params: WeightsAnalyzeParams; result: WeightsReport };
  /** the update A -> B of every tensor with the same name and shape */
  weightsCompare: { params: WeightsCompareParams; result: WeightsComparison };
  /** one embedding table of a model analysed as embeddings (kind: 'embeddings') */
  weightsEmbedding: { params: WeightsEmbeddingParams; result: GeometryReport };
  /** one row's k nearest rows in each modality (issue 12, the neighbours panel) */
  neighbors: { params: NeighborsParams; result: NeighborsResult };
  /** the rows whose k-NN sets changed between two checkpoints (compare view) */
  movers: {
    params: { a: InspectJob; b: InspectJob; k: number; maxRows?: number };
    result: { movers: MoverRow[]; moversSummary: MoversSummary[] };
  };
  /** drift, partner cosine and partner rank of selected rows per pair (a scatter selection's export) */
  rowMetrics: { params: RowMetricsParams; result: RowMetricsResult };
}

export type WarningInput = Pick<GeometryReport, 'n' | 'modalities' | 'pairs' | 'options' | 'classes'>;

export type JobKind = keyof JobTable;

/** Engine Info: the geometry engine actually loaded, plus what the trainer would pick. */
export interface EngineReport {
  /** info.note says why when onnxruntime-node could not load and the js engine runs instead */
  geometry: EngineInfo;
  training?: { backend: string; note?: string };
  node: string;
  platform: string;
}

/** host -> compute process */
export type JobRequest = { [K in JobKind]: { type: 'job'; id: number; kind: K; params: JobTable[K]['params'] } }[JobKind];
export type CancelRequest = { type: 'cancel'; id: number };
export type HostToCompute = JobRequest | CancelRequest;

/** errors cross the channel as plain data; AbortError means the job was cancelled */
export interface WireError {
  name: string;
  message: string;
  file?: string;
}

/** compute process -> host */
export type ComputeToHost =
  | { type: 'progress'; id: number; fraction: number; message: string }
  | { type: 'epoch'; id: number; metrics: EpochMetrics }
  | { type: 'sweepPoint'; id: number; point: SweepPoint }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: WireError }
  /** sent once when the process has loaded and is listening */
  | { type: 'ready'; pid: number };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isId = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isStr = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isOptStrArray = (x: unknown): boolean => x === undefined || (Array.isArray(x) && x.every((s) => typeof s === 'string'));

const isOptDevice = (x: unknown): boolean => x === undefined || (DEVICE_CHOICES as readonly unknown[]).includes(x);

export function isInspectJob(x: unknown): x is InspectJob {
  return (
    isObj(x) &&
    isStr(x.path) &&
    isObj(x.options) &&
    isObj(x.thresholds) &&
    isOptStrArray(x.modalities) &&
    (x.engine === undefined || (ENGINE_CHOICES as readonly unknown[]).includes(x.engine)) &&
    isOptDevice(x.device)
  );
}

/**
 * Why a request failed its check, in words for the error the compute process answers with: a
 * device outside the four values is named (a hand-edited dagr.device, an older or newer host);
 * anything else is a malformed request.
 */
export function requestProblem(x: unknown): string {
  const params = isObj(x) && isObj(x.params) ? x.params : undefined;
  for (const p of params ? [params, params.a, params.b] : []) {
    if (isObj(p) && !isOptDevice(p.device)) {
      return `device ${JSON.stringify(p.device)} is not one of ${DEVICE_CHOICES.join(', ')} (the dagr.device setting or --device)`;
    }
  }
  return 'malformed request';
}

/**
 * Shallow shape checks per job: enough that the worker never dereferences undefined. Typed over
 * JobTable, so a kind added there without a check here does not compile; JOB_KINDS is read off it.
 */
const paramChecks: { [K in JobKind]: (p: unknown) => boolean } = {
  inspect: isInspectJob,
  compare: (p) => isObj(p) && isInspectJob(p.a) && isInspectJob(p.b),
  embed: (p) => isObj(p) && isStr(p.model) && isStr(p.input) && isStr(p.out),
  train: (p) => isObj(p) && isObj(p.config) && isStr(p.config.dataset) && isStr(p.config.outDir),
  sweep: (p) => isObj(p) && isObj(p.config) && isStr(p.config.dataset) && isStr(p.config.outDir) && isObj(p.config.grid),
  engineInfo: (p) => isObj(p) && isOptDevice(p.device),
  describe: (p) => isObj(p) && isStr(p.path),
  evaluateWarnings: (p) => isObj(p) && isObj(p.core) && isObj(p.core.modalities) && Array.isArray(p.core.pairs) && isObj(p.thresholds),
  weightsTable: (p) => isObj(p) && isStr(p.path),
  weightsAnalyze: isWeightsAnalyzeParams,
  weightsCompare: (p) => isWeightsCompareParams(p) && isTensorSelection(p.selection),
  weightsEmbedding: isWeightsEmbeddingParams,
  neighbors: (p) =>
    isObj(p) &&
    isStr(p.path) &&
    isStr(p.modality) &&
    isNum(p.k) &&
    (isNum(p.row) || isNum(p.label)) &&
    isOptStrArray(p.in) &&
    isOptStrArray(p.modalities),
  movers: (p) => isObj(p) && isInspectJob(p.a) && isInspectJob(p.b) && isNum(p.k) && (p.maxRows === undefined || isNum(p.maxRows)),
  rowMetrics: isRowMetricsParams,
};

/** Every job kind, in JobTable's order: derived from the checks, so it cannot miss one. */
export const JOB_KINDS = Object.keys(paramChecks) as readonly JobKind[];

export function isJobRequest(x: unknown): x is JobRequest {
  if (!isObj(x) || x.type !== 'job' || !isId(x.id) || typeof x.kind !== 'string') return false;
  // a listed kind only: "toString" must not find Object.prototype's
  if (!(JOB_KINDS as readonly string[]).includes(x.kind)) return false;
  return paramChecks[x.kind as JobKind](x.params);
}

export function isHostToCompute(x: unknown): x is HostToCompute {
  return isJobRequest(x) || (isObj(x) && x.type === 'cancel' && isId(x.id));
}

export function isWireError(x: unknown): x is WireError {
  return isObj(x) && typeof x.name === 'string' && typeof x.message === 'string' && (x.file === undefined || typeof x.file === 'string');
}

/** One check per message type of ComputeToHost; typed over the union, so none can be missing. */
const computeToHostChecks: { [T in ComputeToHost['type']]: (m: Record<string, unknown>) => boolean } = {
  ready: (m) => isId(m.pid),
  progress: (m) => isId(m.id) && isNum(m.fraction) && typeof m.message === 'string',
  epoch: (m) => isId(m.id) && isObj(m.metrics) && typeof m.metrics.epoch === 'number',
  sweepPoint: (m) => isId(m.id) && isObj(m.point) && isObj(m.point.params),
  result: (m) => isId(m.id) && 'result' in m,
  error: (m) => isId(m.id) && isWireError(m.error),
};

export function isComputeToHost(x: unknown): x is ComputeToHost {
  if (!isObj(x) || typeof x.type !== 'string' || !Object.hasOwn(computeToHostChecks, x.type)) return false;
  return computeToHostChecks[x.type as ComputeToHost['type']](x);
}

/** Turns any thrown value into wire data; keeps ReaderError's file so the host can point at it. */
export function toWireError(e: unknown): WireError {
  if (e instanceof Error) {
    const file = (e as { file?: unknown }).file;
    return typeof file === 'string' ? { name: e.name, message: e.message, file } : { name: e.name, message: e.message };
  }
  return { name: 'Error', message: String(e) };
}

/** The error a settled-by-error request rejects with on the host side. */
export class ComputeError extends Error {
  readonly file?: string;
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    if (wire.file !== undefined) this.file = wire.file;
  }
}

export { isAbortError } from './abort';
