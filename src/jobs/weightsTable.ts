/** The `weightsTable` job: a model checkpoint's tensor table from its headers, and what the file looks like. */
import { openModel, tensorRows } from '../io/tensorTable';
import type { Checkpoint } from '../io/types';
import { detectCheckpointKind } from '../engine/weights/detect';
import type { TensorRow, TensorTable, TensorTotals } from '../protocol/weights';
import type { JobControl } from './types';
import { throwIfAborted } from './types';
import { skippedOf } from './inspect';

export function totalsOf(rows: readonly TensorRow[]): TensorTotals {
  let parameters = 0;
  let bytes = 0;
  for (const r of rows) {
    parameters += r.parameters;
    bytes += r.bytes;
  }
  return { tensors: rows.length, parameters, bytes };
}

export function shardsOf(cp: Checkpoint): string[] | undefined {
  const s = cp.metadata.shards;
  return cp.format === 'sharded' && Array.isArray(s) ? s.map(String) : undefined;
}

/** Plain metadata for a report (no shard list: that has its own field). */
export function plainMetadata(cp: Checkpoint): Record<string, unknown> {
  const { shards: _s, ...rest } = cp.metadata;
  return rest;
}

export function tableOf(cp: Checkpoint, path: string, started: number): TensorTable {
  const tensors = tensorRows(cp);
  const { kind, reason } = detectCheckpointKind(cp.entries);
  const table: TensorTable = {
    version: 1,
    kind: 'tensorTable',
    file: path,
    format: cp.format,
    tensors,
    totals: totalsOf(tensors),
    looksLike: kind,
    looksLikeReason: reason,
    embeddingTables: tensors.filter((t) => t.embeddingTable).map((t) => t.name),
    metadata: plainMetadata(cp),
    seconds: 0,
  };
  const shards = shardsOf(cp);
  if (shards) table.shards = shards;
  const skipped = skippedOf(cp);
  if (skipped.length) table.skipped = skipped;
  table.seconds = (performance.now() - started) / 1000;
  return table;
}

export async function tensorTableJob(path: string, ctl?: JobControl): Promise<TensorTable> {
  const started = performance.now();
  throwIfAborted(ctl?.signal);
  ctl?.onProgress?.(0, 'reading headers');
  const cp = await openModel(path);
  const t = tableOf(cp, path, started);
  ctl?.onProgress?.(1, 'done');
  return t;
}
