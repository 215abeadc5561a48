/**
 * Streaming inspection (DESIGN.md section 2c): a RowDataset (a checkpoint, or a folder of shards)
 * is read in row blocks that are added to a StreamAccumulator and dropped, so memory does not
 * grow with N. The same code writes a part's summary (--partial): the rows of one part, with the
 * part chosen by --shard I/N or by a scheduler's array index (see partOf in streamParts.ts).
 */
import { loadMatrix } from '../io';
import { openShardSet } from '../io/shardSet';
import type { RowDataset, RowPiece } from '../io/shardSet';
import type { Matrix } from '../io/types';
import { ReaderError } from '../io/types';
import type { GeometryBackend } from '../engine';
import { selectPairs, validateOptions } from '../engine/geometry';
import { finalizeSummary } from '../engine/stream/finalize';
import { sampleSizeFor, StreamAccumulator } from '../engine/stream/summary';
import type { StreamSummary } from '../engine/stream/summary';
import { tileRows } from '../engine/rows';
import type { GeometryReport } from '../protocol/report';
import type { InspectRequest, JobControl } from './types';
import { throwIfAborted } from './types';
import { withSizedBackend } from './sizeRule';

/** float64 bytes of one block across all modalities: small enough to drop, big enough for the GEMM */
const BLOCK_BYTES = 48 * 1024 * 1024;
/** reading takes this share of the progress bar when streaming (the O(N^2) work comes after) */
const READ_SHARE = 0.8;

/** The rows of one part: [piece, first local row, end local row] triples. */
export type PartRows = [RowPiece, number, number][];

/**
 * Part `index` of `count` (0-based): whole shards when there are at least as many shards as
 * parts (contiguous runs of shards, so each process reads its own files), else an even split of
 * the global row range. Parts are disjoint and together cover every row.
 */
export function partRows(ds: RowDataset, index: number, count: number): PartRows {
  const out: PartRows = [];
  if (ds.pieces.length >= count) {
    const p = ds.pieces.length;
    const lo = Math.floor((index * p) / count);
    const hi = Math.floor(((index + 1) * p) / count);
    for (const piece of ds.pieces.slice(lo, hi)) out.push([piece, 0, piece.rows]);
    return out;
  }
  const s = Math.floor((index * ds.n) / count);
  const e = Math.floor(((index + 1) * ds.n) / count);
  for (const piece of ds.pieces) {
    const a = Math.max(s, piece.start);
    const b = Math.min(e, piece.start + piece.rows);
    if (a < b) out.push([piece, a - piece.start, b - piece.start]);
  }
  return out;
}

export function blockRows(ds: RowDataset, backend: GeometryBackend): number {
  const width = ds.dims.reduce((a, b) => a + b, 0);
  return Math.max(1, Math.min(tileRows(backend.maxTileElements, Math.max(...ds.dims)), Math.floor(BLOCK_BYTES / (8 * width))));
}

/** The summary of `rows` (all rows by default) of a dataset. */
export async function summarizeRows(
  req: InspectRequest,
  ds: RowDataset,
  backend: GeometryBackend,
  rows: PartRows = partRows(ds, 0, 1),
  ctl?: JobControl,
): Promise<StreamSummary> {
  validateOptions(req.options);
  const { pairs } = selectPairs(ds.names, req.options);
  const acc = new StreamAccumulator(ds.names, ds.dims, ds.n, req.options, pairs, backend);
  const step = blockRows(ds, backend);
  const blocks: [RowPiece, number, number][] = [];
  for (const [piece, s, e] of rows) for (let b = s; b < e; b += step) blocks.push([piece, b, Math.min(e, b + step)]);
  const total = blocks.reduce((a, [, s, e]) => a + (e - s), 0);
  const read = ([piece, s, e]: [RowPiece, number, number]): Promise<Matrix[]> =>
    Promise.all(piece.entries.map((en) => loadMatrix(en, [s, e])));
  // one block read ahead: the next block's bytes arrive while this one is multiplied
  let next = blocks.length > 0 ? read(blocks[0] as [RowPiece, number, number]) : null;
  let done = 0;
  for (let k = 0; k < blocks.length; k++) {
    throwIfAborted(ctl?.signal);
    const [piece, s, e] = blocks[k] as [RowPiece, number, number];
    const mats = await (next as Promise<Matrix[]>);
    next = k + 1 < blocks.length ? read(blocks[k + 1] as [RowPiece, number, number]) : null;
    // keep a rejected read-ahead from being reported as unhandled if this block fails first
    next?.catch(() => undefined);
    await acc.addBlock(piece.start + s, mats, ctl?.signal);
    done += e - s;
    ctl?.onProgress?.((READ_SHARE * done) / Math.max(1, total), `reading rows (${done} of ${total})`);
  }
  return acc.finish();
}

/** A GeometryReport of a summary that covers every row. */
export async function reportFromSummary(
  req: Pick<InspectRequest, 'thresholds'>,
  summary: StreamSummary,
  backend: GeometryBackend,
  source: string,
  metadata: GeometryReport['metadata'],
  ctl?: JobControl,
  started = performance.now(),
  share = 1 - READ_SHARE,
): Promise<GeometryReport> {
  const base = 1 - share;
  const core = await finalizeSummary(summary, req.thresholds, backend, {
    signal: ctl?.signal,
    onProgress: ctl?.onProgress ? (f, stage) => ctl.onProgress?.(base + share * f, stage) : undefined,
  });
  return { version: 1, kind: 'embeddings', source, ...core, metadata, seconds: (performance.now() - started) / 1000 };
}

/** The streamed report of a whole dataset in one process. */
export async function streamReport(
  req: InspectRequest,
  ds: RowDataset,
  backend: GeometryBackend,
  ctl?: JobControl,
): Promise<GeometryReport> {
  const started = performance.now();
  const summary = await summarizeRows(req, ds, backend, undefined, ctl);
  const report = await reportFromSummary(req, summary, backend, req.path, { ...ds.metadata, streamed: true }, ctl, started);
  if (ds.labels) report.labels = ds.labels;
  ctl?.onProgress?.(1, 'done');
  return report;
}

/**
 * Inputs at least this big (float32 bytes of the chosen modalities) are streamed: loading them
 * whole would take that much memory and more (the in-memory path holds float32 and float64 copies).
 */
export const STREAM_ABOVE_BYTES = 256 * 1024 * 1024;

/** Whether a dataset is streamed rather than loaded whole (tfjs recomputes from whole matrices). */
export function shouldStream(req: Pick<InspectRequest, 'stream' | 'engine'>, ds: Pick<RowDataset, 'n' | 'dims' | 'pieces'>): boolean {
  if (req.engine === 'tfjs') return false;
  if (req.stream || ds.pieces.length > 1) return true;
  return ds.n * ds.dims.reduce((a, b) => a + b, 0) * 4 >= STREAM_ABOVE_BYTES;
}

/** The streamed report of `req.path` when it is a shard set (folder or glob), else null. */
export async function inspectShardSetIfAny(req: InspectRequest, ctl?: JobControl): Promise<GeometryReport | null> {
  const ds = await openShardSet(req.path, req.modalities);
  if (!ds) return null;
  if (req.engine === 'tfjs')
    throw new ReaderError(
      req.path,
      'a shard set is streamed, which --engine tfjs cannot do (it recomputes from whole matrices); use onnxruntime or js',
    );
  // the O(N^2) passes run on the hash sample: min(N, maxPairwiseRows) rows, as a merge's final pass does
  return withSizedBackend(req, sampleSizeFor(ds.n, req.options), (backend) => streamReport(req, ds, backend, ctl));
}
