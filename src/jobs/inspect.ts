/**
 * One checkpoint -> one GeometryReport: read (io), choose modalities, load, compute (engine).
 * Reader and engine errors propagate unchanged so the CLI can print their one line.
 */
import { loadMatrix, openCheckpoint, selectModalities } from '../io';
import { computeGeometry, evaluateWarnings } from '../engine';
import type { GeometryBackend } from '../engine';
import type { KeptRanks } from '../engine/types';
import { withSizedBackend } from './sizeRule';
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

// the size rule and the backends of every job live in ./sizeRule; re-exported for their older importers
export { AUTO_GPU_MIN_ROWS, backendFor, deviceForSize, withBackend, withSizedBackend } from './sizeRule';

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

/**
 * About how many multiply-adds the pairwise passes of this checkpoint take: rows^2 per modality's
 * width for its dispersive loss, and as many again for the retrieval of its pairs. Undefined for a
 * streamed report (--stream), which is sized like a shard set and a merge of the same rows, so
 * their engines agree.
 */
export function pairwiseWork(cp: Checkpoint, req: Pick<InspectRequest, 'modalities' | 'options' | 'stream'>): number | undefined {
  if (req.stream) return undefined;
  const rows = pairwiseRows(cp, req);
  let widths = 0;
  try {
    for (const m of selectModalities(cp, req.modalities).modalities) widths += m.shape[1] ?? 0;
  } catch {
    return 0;
  }
  return 2 * rows * rows * widths;
}

/** pairwiseRows of the checkpoint at req.path; 0 when it cannot be opened (its own inspect then says why). */
export async function pairwiseRowsAt(req: Pick<InspectRequest, 'path' | 'modalities' | 'options'>): Promise<number> {
  return (await pairwiseSizeAt(req)).rows;
}

/** pairwiseRows and pairwiseWork of the checkpoint at req.path (0 and 0 when it cannot be opened) */
export async function pairwiseSizeAt(
  req: Pick<InspectRequest, 'path' | 'modalities' | 'options' | 'stream'>,
): Promise<{ rows: number; work: number | undefined }> {
  try {
    const cp = await openCheckpoint(req.path);
    return { rows: pairwiseRows(cp, req), work: pairwiseWork(cp, req) };
  } catch {
    return { rows: 0, work: 0 };
  }
}

/** the work of several reports on one backend: their sum, unknown if any is */
export function totalWork(works: (number | undefined)[]): number | undefined {
  let total = 0;
  for (const w of works) {
    if (w === undefined) return undefined;
    total += w;
  }
  return total;
}

export async function inspectCheckpoint(req: InspectRequest, ctl?: JobControl): Promise<GeometryReport> {
  const started = performance.now();
  try {
    throwIfAborted(ctl?.signal);
    ctl?.onProgress?.(0, 'reading');
    const cp = await openCheckpoint(req.path);
    return await withSizedBackend(req, pairwiseRows(cp, req), (b) => reportFromCheckpoint(req, cp, b, ctl, started), pairwiseWork(cp, req));
  } catch (e) {
    throw withFile(e, req.path);
  }
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
  // the pairs' retrieval ranks, for the per-class geometry to reuse (no second pass over every pair)
  const keptRanks: KeptRanks = new Map();
  const core = await computeGeometry(matrices, req.options, req.thresholds, backend, {
    keptRanks,
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
    await addClassGeometry(report, matrices, labels, req.thresholds, backend, ctl?.signal, keptRanks);
  }
  report.seconds = (performance.now() - started) / 1000;
  progress?.(1, 'done');
  return report;
}
