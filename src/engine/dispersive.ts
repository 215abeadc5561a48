/**
 * Dispersive loss log(mean_{(i,j)} exp(-t ||z^_i - z^_j||^2)) over a row sample. The kernel sums
 * each row of a tile; rows and tiles are combined here in float64, which is what keeps the result
 * at numpy's value for large N (DESIGN.md section 2's trap).
 */
import type { PairsMode } from '../protocol/report';
import { tileRows } from './rows';
import type { GeometryBackend } from './types';
import { throwIfAborted } from './types';

/** widest gallery tile (columns) per kernel call; rows then fill maxTileElements */
const MAX_TILE_COLS = 16384;

/**
 * z: the normalized sample rows (s x d, float32), sq: their squared norms.
 * onTile reports the fraction of tiles done.
 */
export async function dispersiveLoss(
  z: Float32Array, sq: Float32Array, s: number, d: number, t: number, pairs: PairsMode,
  backend: GeometryBackend, signal?: AbortSignal, onTile?: (fraction: number) => void,
): Promise<number> {
  // at least 64 rows per tile, so small tile budgets (tests) also split the columns
  const cols = Math.min(s, MAX_TILE_COLS, Math.max(1, Math.floor(backend.maxTileElements / 64)));
  const rowsPerTile = Math.min(s, tileRows(backend.maxTileElements, cols));
  const tilesTotal = Math.ceil(s / rowsPerTile) * Math.ceil(s / cols);
  let done = 0;
  let total = 0;
  for (let i0 = 0; i0 < s; i0 += rowsPerTile) {
    const i1 = Math.min(s, i0 + rowsPerTile);
    const a = z.subarray(i0 * d, i1 * d);
    const na = sq.subarray(i0, i1);
    for (let j0 = 0; j0 < s; j0 += cols) {
      throwIfAborted(signal);
      const j1 = Math.min(s, j0 + cols);
      const sums = await backend.expRowSums(a, na, i1 - i0, z.subarray(j0 * d, j1 * d), sq.subarray(j0, j1), j1 - j0, d, t);
      for (const v of sums) total += v;
      onTile?.(++done / tilesTotal);
    }
  }
  if (pairs === 'offdiag') {
    // remove the i = j terms, each exp(-t * max(0, 2||z_i||^2 - 2 z_i.z_i)) computed the same way in float64
    for (let i = 0; i < s; i++) {
      let dot = 0;
      const b = i * d;
      for (let k = 0; k < d; k++) {
        const v = z[b + k] as number;
        dot += v * v;
      }
      const sqi = sq[i] as number;
      total -= Math.exp(-t * Math.max(0, sqi + sqi - 2 * dot));
    }
    return Math.log(Math.max(total, 0) / (s * (s - 1)));
  }
  return Math.log(total / (s * s));
}
