/**
 * Cross-modal retrieval over the pairwise row sample: for query i of modality a, the rank of its
 * own partner among all sampled rows of b by cosine similarity (rank = 1 + number of strictly
 * more similar gallery rows), then R@1/5/10 and the median rank; both directions from one pass
 * over the similarities (cos(b_j, a_i) is the same S_ij as cos(a_i, b_j)).
 */
import type { RetrievalDirection } from '../protocol/report';
import { pairTileShape } from './rows';
import type { GeometryBackend } from './types';
import { throwIfAborted } from './types';

/**
 * Ranks of the true partner for each row, both ways: aToB[i] for query row i of a among the rows
 * of b, bToA[j] for query row j of b among the rows of a. za/zb are the normalized sample rows
 * (s x d); each tile of S = za zb^T is computed once and counted by rows and by columns.
 */
export async function retrievalRanks(
  za: Float32Array,
  zb: Float32Array,
  s: number,
  d: number,
  backend: GeometryBackend,
  signal?: AbortSignal,
  onTile?: (fraction: number) => void,
): Promise<{ aToB: Float64Array; bToA: Float64Array }> {
  // the partner's similarity in float64 from the same float32 rows the kernel multiplies; the
  // same value serves both directions (the products are the same numbers, summed in one order)
  const pos = new Float32Array(s);
  for (let i = 0; i < s; i++) {
    let dot = 0;
    const b = i * d;
    for (let k = 0; k < d; k++) dot += (za[b + k] as number) * (zb[b + k] as number);
    pos[i] = dot;
  }
  const index = new Int32Array(s);
  for (let i = 0; i < s; i++) index[i] = i;
  const aToB = new Float64Array(s).fill(1);
  const bToA = new Float64Array(s).fill(1);
  const { rows: rowsPerTile, cols: tileCols } = pairTileShape(s, backend.maxTileElements);
  const tilesTotal = Math.ceil(s / rowsPerTile) * Math.ceil(s / tileCols);
  let done = 0;
  for (let i0 = 0; i0 < s; i0 += rowsPerTile) {
    const i1 = Math.min(s, i0 + rowsPerTile);
    for (let j0 = 0; j0 < s; j0 += tileCols) {
      throwIfAborted(signal);
      const j1 = Math.min(s, j0 + tileCols);
      // a tile that meets the diagonal holds true matches: the masked kernel skips them by index
      // (over the whole tile: one shape per tile runs faster in onnxruntime than split parts)
      const masked = j0 < i1 && i0 < j1;
      const { rows, cols } = await backend.retrievalCounts(
        za.subarray(i0 * d, i1 * d),
        i1 - i0,
        zb.subarray(j0 * d, j1 * d),
        j1 - j0,
        d,
        pos.subarray(i0, i1),
        pos.subarray(j0, j1),
        masked ? index.subarray(i0, i1) : undefined,
        masked ? index.subarray(j0, j1) : undefined,
      );
      for (let i = 0; i < rows.length; i++) aToB[i0 + i] = (aToB[i0 + i] as number) + (rows[i] as number);
      for (let j = 0; j < cols.length; j++) bToA[j0 + j] = (bToA[j0 + j] as number) + (cols[j] as number);
      onTile?.(++done / tilesTotal);
    }
  }
  return { aToB, bToA };
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
