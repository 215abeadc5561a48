/**
 * The order a weights view computes its tensors in, and how the queue is cut into batches: the
 * largest first, or the rows the view shows first; a batch is one compute-process job, small
 * enough that results arrive often and Cancel never waits long. Pure, for unit tests.
 */
import type { TensorRow } from '../protocol/weights';
import type { AnalysisPriority } from '../protocol/weightsView';

/** A batch holds at most this many parameters (one big matrix alone), so results arrive often. */
export const BATCH_PARAMETERS = 8_000_000;
/** ...and at most this many tensors (1-D tensors are cheap but each is a row to fill). */
export const BATCH_TENSORS = 24;

/** Tensors the analysis covers: float tensors with at least one value. */
export function analysable(t: TensorRow): boolean {
  return t.parameters > 0 && /^(b?float|f)/i.test(t.dtype);
}

/** The order of the names still to compute: `first` (the visible rows), then the largest first. */
export function orderQueue(
  rows: readonly TensorRow[],
  left: ReadonlySet<string>,
  priority: AnalysisPriority,
  visible: readonly string[] = [],
): string[] {
  const bySize = rows
    .filter((t) => left.has(t.name))
    .sort((a, b) => b.parameters - a.parameters)
    .map((t) => t.name);
  if (priority !== 'visible') return bySize;
  const first = visible.filter((n) => left.has(n));
  const firstSet = new Set(first);
  return [...first, ...bySize.filter((n) => !firstSet.has(n))];
}

/** The next batch off the front of the queue. */
export function takeBatch(queue: string[], params: ReadonlyMap<string, number>): string[] {
  const batch: string[] = [];
  let sum = 0;
  while (queue.length > 0 && batch.length < BATCH_TENSORS) {
    const next = queue[0] as string;
    const p = params.get(next) ?? 0;
    if (batch.length > 0 && sum + p > BATCH_PARAMETERS) break;
    batch.push(next);
    sum += p;
    queue.shift();
  }
  return batch;
}
