/**
 * One checkpoint -> one GeometryReport: read (io), choose modalities, load, compute (engine).
 * Reader and engine errors propagate unchanged so the CLI can print their one line.
 */
import { loadMatrix, openCheckpoint, selectModalities } from '../io';
import { computeGeometry, createBackend, evaluateWarnings } from '../engine';
import type { EngineDevice, GeometryBackend } from '../engine';
import type { Checkpoint, Matrix } from '../io/types';
import type { GeometryReport, SkippedMember } from '../protocol/report';
import { getOwn } from '../protocol/keys';
import type { InspectRequest, JobControl } from './types';
import { throwIfAborted } from './types';
import { applyTfjsGeometry } from './tfjs';
import { addClassGeometry } from './classes';
import { datasetFromCheckpoint } from '../io/shardSet';
import { shouldStream, streamReport } from './stream';

/** Loading is cheap next to the O(N^2) metrics; this share of the bar is for reading. */
const LOAD_SHARE = 0.2;

/** The backend an InspectRequest asks for; 'tfjs' still uses ONNX Runtime for everything tfjs does not recompute. */
export async function backendFor(req: Pick<InspectRequest, 'engine' | 'threads' | 'device'>): Promise<GeometryBackend> {
  const name = req.engine === 'js' ? 'js' : 'onnxruntime';
  return createBackend(name, { ...(req.threads ? { threads: req.threads } : {}), ...(req.device ? { device: req.device } : {}) });
}

/** Runs fn with a backend created for it and always disposed afterwards. */
export async function withBackend<T>(
  req: Pick<InspectRequest, 'engine' | 'threads' | 'device'>,
  fn: (b: GeometryBackend) => Promise<T>,
): Promise<T> {
  const backend = await backendFor(req);
  try {
    return await fn(backend);
  } finally {
    await backend.dispose();
  }
}

/**
 * Rows in the O(N^2) passes below which 'auto' stays on the CPU without looking for a GPU. Measured
 * on an H200 beside 16 CPU threads, d = 768 (bench/RESULTS.md, gpu-check): the CPU was faster at
 * 8192 and 16384 rows, WebGPU at 32768 (1.1x) and 65536 (1.45x); below this the GPU's fixed costs
 * (the adapter probe, its sessions, each tile's upload) outweigh its arithmetic.
 */
export const AUTO_GPU_MIN_ROWS = 32768;

/** How many rows the O(N^2) metrics of this checkpoint take: the largest modality, capped by maxPairwiseRows. */
export function pairwiseRows(cp: Checkpoint, req: Pick<InspectRequest, 'modalities' | 'options'>): number {
  let rows = 0;
  try {
    for (const m of selectModalities(cp, req.modalities).modalities) rows = Math.max(rows, m.shape[0] ?? 0);
  } catch {
    return 0; // the report's own path says what is wrong with the file
  }
  const cap = req.options.maxPairwiseRows;
  return cap > 0 ? Math.min(rows, cap) : rows;
}

/** 'auto' on a small problem: the CPU, and the sentence the report gives for it. */
export function deviceForSize(device: InspectRequest['device'], rows: number): { device?: EngineDevice; note?: string } {
  if ((device ?? 'auto') !== 'auto' || rows >= AUTO_GPU_MIN_ROWS) return device ? { device } : {};
  return {
    device: 'cpu',
    note: `GPU not looked for: ${rows} rows in the pairwise metrics, below ${AUTO_GPU_MIN_ROWS}, where the CPU is faster (--device webgpu or cuda to use one anyway)`,
  };
}

export async function inspectCheckpoint(req: InspectRequest, ctl?: JobControl): Promise<GeometryReport> {
  const started = performance.now();
  try {
    throwIfAborted(ctl?.signal);
    ctl?.onProgress?.(0, 'reading');
    const cp = await openCheckpoint(req.path);
    return await withSizedBackend(req, pairwiseRows(cp, req), (b) => reportFromCheckpoint(req, cp, b, ctl, started));
  } catch (e) {
    throw withFile(e, req.path);
  }
}

/**
 * withBackend on the device deviceForSize picks for `rows` pairwise rows; a report it returns
 * gets the reason in engine.note when 'auto' stayed on the CPU for the size.
 */
export async function withSizedBackend(
  req: InspectRequest,
  rows: number,
  fn: (b: GeometryBackend) => Promise<GeometryReport>,
): Promise<GeometryReport> {
  const sized = deviceForSize(req.device, rows);
  const { device: _asked, ...rest } = req;
  const run: InspectRequest = sized.device ? { ...rest, device: sized.device } : rest;
  return withBackend(run, async (b) => {
    const report = await fn(b);
    if (sized.note) report.engine = { ...report.engine, note: report.engine.note ? `${report.engine.note}; ${sized.note}` : sized.note };
    return report;
  });
}

/** The body of inspectCheckpoint on a backend owned by the caller (a run shares one across checkpoints). */
export async function inspectWith(req: InspectRequest, backend: GeometryBackend, ctl?: JobControl): Promise<GeometryReport> {
  try {
    return await inspectBody(req, backend, ctl);
  } catch (e) {
    throw withFile(e, req.path);
  }
}

/**
 * EngineError names the array but not the file; in a run the caller cannot tell which checkpoint
 * failed. Tags the same error object (its type and message are unchanged).
 */
function withFile(e: unknown, path: string): unknown {
  if (e instanceof Error && !('file' in e)) Object.assign(e, { file: path });
  return e;
}

async function inspectBody(req: InspectRequest, backend: GeometryBackend, ctl?: JobControl): Promise<GeometryReport> {
  const started = performance.now();
  throwIfAborted(ctl?.signal);
  ctl?.onProgress?.(0, 'reading');
  const cp = await openCheckpoint(req.path);
  return reportFromCheckpoint(req, cp, backend, ctl, started);
}

/** The members a reader could not decode, as the report lists them (a copy: plain name and reason). */
export function skippedOf(cp: Pick<Checkpoint, 'skipped'>): SkippedMember[] {
  return (cp.skipped ?? []).map((e) => ({ name: String(e.name), reason: String(e.reason) }));
}

/**
 * The report of an opened checkpoint: choose the modalities, load them, compute. Exported so a
 * checkpoint built in memory (a test's, with `skipped` filled in) goes through the same steps.
 */
export async function reportFromCheckpoint(
  req: InspectRequest,
  cp: Checkpoint,
  backend: GeometryBackend,
  ctl?: JobControl,
  started = performance.now(),
): Promise<GeometryReport> {
  const progress = ctl?.onProgress;
  const { modalities, labels } = selectModalities(cp, req.modalities);
  // too big to load whole (or --stream): row blocks read and dropped, DESIGN.md section 2c
  const ds = datasetFromCheckpoint(cp, req.modalities);
  if (shouldStream(req, ds)) {
    const streamed = await streamReport(req, ds, backend, ctl);
    const skippedMembers = skippedOf(cp);
    if (skippedMembers.length > 0) streamed.skipped = skippedMembers;
    streamed.seconds = (performance.now() - started) / 1000;
    return streamed;
  }
  const matrices: Matrix[] = [];
  for (const [i, entry] of modalities.entries()) {
    throwIfAborted(ctl?.signal);
    progress?.((LOAD_SHARE * i) / modalities.length, `loading ${entry.name}`);
    matrices.push(await loadMatrix(entry));
  }
  progress?.(LOAD_SHARE, 'computing');
  const core = await computeGeometry(matrices, req.options, req.thresholds, backend, {
    signal: ctl?.signal,
    onProgress: progress ? (f, stage) => progress(LOAD_SHARE + (1 - LOAD_SHARE) * f, stage) : undefined,
  });
  let report: GeometryReport = {
    version: 1,
    kind: 'embeddings',
    source: req.path,
    ...core,
    metadata: cp.metadata ?? {},
    ...(labels ? { labels: labels.name } : {}),
    seconds: 0,
  };
  // the stored dtype beside the numbers: a float16 checkpoint reads differently from a float32 one
  for (const entry of modalities) {
    const m = getOwn(report.modalities, entry.name);
    if (m) m.dtype = entry.dtype;
  }
  const skipped = skippedOf(cp);
  if (skipped.length > 0) report.skipped = skipped;
  if (req.engine === 'tfjs') {
    throwIfAborted(ctl?.signal);
    progress?.(0.99, 'tfjs');
    report = await applyTfjsGeometry(report, matrices);
    // The replaced ranks can move a warning across its threshold: re-judge with the same rules.
    report.warnings = evaluateWarnings(report, req.thresholds);
  }
  if (labels) {
    // no progress of its own: the bar has reached 1 and must not go back
    await addClassGeometry(report, matrices, labels, req.thresholds, backend, ctl?.signal);
  }
  report.seconds = (performance.now() - started) / 1000;
  progress?.(1, 'done');
  return report;
}
