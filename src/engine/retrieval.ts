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
      // only the gallery columns [i0, i1) can hold this tile's true matches: those go to the
      // masked kernel, the columns before and after to the plain one
      const m0 = Math.max(j0, i0);
      const m1 = Math.min(j1, i1);
      const parts: [number, number, boolean][] = m0 < m1
        ? [[j0, m0, false], [m0, m1, true], [m1, j1, false]]
        : [[j0, j1, false]];
      for (const [c0, c1, masked] of parts) {
        if (c1 <= c0) continue;
        const counts = await backend.retrievalCounts(
          qz.subarray(i0 * d, i1 * d), i1 - i0, gz.subarray(c0 * d, c1 * d), c1 - c0, d, pos.subarray(i0, i1),
          masked ? index.subarray(i0, i1) : undefined, masked ? index.subarray(c0, c1) : undefined,
        );
        for (let i = 0; i < counts.length; i++) ranks[i0 + i] = (ranks[i0 + i] as number) + (counts[i] as number);
      }
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
