/**
 * Parts and merging (DESIGN.md section 2c): one part of a dataset to a partial summary file, and
 * partial summary files back to the report one process would have written.
 */
import { openCheckpoint } from '../io';
import { datasetFromCheckpoint, openShardSet } from '../io/shardSet';
import type { RowDataset } from '../io/shardSet';
import { ReaderError } from '../io/types';
import { EngineError } from '../engine';
import { mergeSummaries } from '../engine/stream/summary';
import type { GeometryReport, WarningThresholds } from '../protocol/report';
import { withFloat64Backend, withSizedBackend } from './sizeRule';
import { partialOf, readPartial, writePartial } from './streamPartial';
import { partRows, reportFromSummary, summarizeRows } from './stream';
import type { InspectRequest, JobControl } from './types';

/** A shard set (folder or glob) when the path is laid out as one, else the checkpoint's modalities. */
export async function openDataset(req: Pick<InspectRequest, 'path' | 'modalities'>): Promise<RowDataset> {
  const set = await openShardSet(req.path, req.modalities);
  if (set) return set;
  return datasetFromCheckpoint(await openCheckpoint(req.path), req.modalities);
}

/** Writes the partial summary of part `index` of `count` of the dataset; returns the rows it covers. */
export async function writePartPartial(
  req: InspectRequest,
  out: string,
  index: number,
  count: number,
  ctl?: JobControl,
): Promise<{ rows: number; totalRows: number; ranges: [number, number][] }> {
  const ds = await openDataset(req);
  // a part only adds float64 co-moments (no O(N^2) pass: that is the merge's), so 'auto' does not look for WebGPU
  return withFloat64Backend(req, 'a partial summary (co-moment Gram matrices only)', async (backend) => {
    const summary = await summarizeRows(req, ds, backend, partRows(ds, index, count), ctl);
    const meta: Record<string, unknown> = { ...ds.metadata };
    if (ds.labels) meta.labels = ds.labels;
    try {
      await writePartial(out, partialOf(summary, req.path, { index, count }, req.thresholds, backend.info, meta));
    } catch (e) {
      throw new ReaderError(out, `cannot write the partial summary (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    ctl?.onProgress?.(1, 'done');
    const rows = summary.ranges.reduce((a, [s, e]) => a + (e - s), 0);
    return { rows, totalRows: summary.totalRows, ranges: summary.ranges };
  });
}

/**
 * The report of partial summary files that together cover a dataset. Thresholds are the first
 * part's unless given (they only judge warnings; the numbers do not depend on them).
 */
export async function mergePartials(
  files: string[],
  engine: Pick<InspectRequest, 'engine' | 'threads' | 'device'>,
  thresholds?: WarningThresholds,
  ctl?: JobControl,
): Promise<GeometryReport> {
  const started = performance.now();
  if (files.length === 0) throw new EngineError('merge needs at least one partial summary file');
  const parts = [];
  for (const f of files) parts.push(await readPartial(f));
  // in row order, so the float64 sums are added in one fixed order whatever the command line's
  parts.sort((a, b) => (a.summary.ranges[0]?.[0] ?? 0) - (b.summary.ranges[0]?.[0] ?? 0));
  const first = parts[0] as (typeof parts)[number];
  let merged = first.summary;
  for (const p of parts.slice(1)) {
    try {
      merged = mergeSummaries(merged, p.summary, p.file);
    } catch (e) {
      if (e instanceof EngineError) throw new ReaderError(p.file, e.message.replace(`${p.file}: `, ''));
      throw e;
    }
  }
  const count = first.partial.part.count;
  // rows no part covered: name the first gap (a part that failed or was not copied back)
  let at = 0;
  for (const [s, e] of [...merged.ranges, [merged.totalRows, merged.totalRows] as [number, number]]) {
    if (s > at) {
      throw new ReaderError(
        first.file,
        `the ${parts.length} partial summaries given cover ${merged.ranges.reduce((x, [a, b]) => x + b - a, 0)} of ${merged.totalRows} rows; rows ${at}..${s} are in none (${count} parts were made: is one missing?)`,
      );
    }
    at = e;
  }
  // the final pass's O(N^2) metrics run on the merged hash sample (min(N, maxPairwiseRows) rows,
  // as a one-process streamed inspect's do), so 'auto' is sized by it as that inspect is
  return withSizedBackend(engine, merged.sample.size, async (backend) => {
    const report = await reportFromSummary(
      { thresholds: thresholds ?? first.partial.thresholds },
      merged,
      backend,
      first.partial.source,
      { ...first.partial.metadata, streamed: true, parts: parts.length, ...(count !== parts.length ? { partsExpected: count } : {}) },
      ctl,
      started,
      1,
    );
    const labels = first.partial.metadata.labels;
    if (typeof labels === 'string') report.labels = labels;
    ctl?.onProgress?.(1, 'done');
    return report;
  });
}
