/**
 * Cross-modal retrieval over the pairwise row sample: for query i of modality a, the rank of its
 * own partner among all sampled rows of b by cosine similarity (rank = 1 + number of strictly
 * more similar gallery rows), then R@1/5/10 and the median rank; both directions.
 */
import type { RetrievalDirection } from '../protocol/report';
import { tileRows } from './rows';
import type { GeometryBackend } from './types';
import { throwIfAborted } from './types';

const MAX_TILE_COLS = 16384;

/** ranks of the true partner for each query row; qz/gz are the normalized sample rows (s x d) */
export async function retrievalRanks(
  qz: Float32Array, gz: Float32Array, s: number, d: number,
  backend: GeometryBackend, signal?: AbortSignal, onTile?: (fraction: number) => void,
): Promise<Float64Array> {
  // the partner's similarity in float64 from the same float32 rows the kernel multiplies
  const pos = new Float32Array(s);
  for (let i = 0; i < s; i++) {
    let dot = 0;
    const b = i * d;
    for (let k = 0; k < d; k++) dot += (qz[b + k] as number) * (gz[b + k] as number);
    pos[i] = dot;
  }
  const index = new Int32Array(s);
  for (let i = 0; i < s; i++) index[i] = i;
  const ranks = new Float64Array(s).fill(1);
  // at least 64 rows per tile, so small tile budgets (tests) also split the columns
  const cols = Math.min(s, MAX_TILE_COLS, Math.max(1, Math.floor(backend.maxTileElements / 64)));
  const rowsPerTile = Math.min(s, tileRows(backend.maxTileElements, cols));
  const tilesTotal = Math.ceil(s / rowsPerTile) * Math.ceil(s / cols);
  let done = 0;
  for (let i0 = 0; i0 < s; i0 += rowsPerTile) {
    const i1 = Math.min(s, i0 + rowsPerTile);
    for (let j0 = 0; j0 < s; j0 += cols) {
      throwIfAborted(signal);
      const j1 = Math.min(s, j0 + cols);
      const counts = await backend.retrievalCounts(
        qz.subarray(i0 * d, i1 * d), i1 - i0, gz.subarray(j0 * d, j1 * d), j1 - j0, d,
        pos.subarray(i0, i1), index.subarray(i0, i1), index.subarray(j0, j1),
      );
      for (let i = 0; i < counts.length; i++) ranks[i0 + i] = (ranks[i0 + i] as number) + (counts[i] as number);
      onTile?.(++done / tilesTotal);
    }
  }
  return ranks;
}

export function summarizeRanks(ranks: Float64Array): RetrievalDirection {
  const n = ranks.length;
  let r1 = 0;
  let r5 = 0;
  let r10 = 0;
  for (const r of ranks) {
    if (r <= 1) r1++;
    if (r <= 5) r5++;
    if (r <= 10) r10++;
  }
  const sorted = Float64Array.from(ranks).sort();
  const mid = (n - 1) / 2;
  const medianRank = ((sorted[Math.floor(mid)] as number) + (sorted[Math.ceil(mid)] as number)) / 2;
  return { r1: r1 / n, r5: r5 / n, r10: r10 / n, medianRank };
}
