/**
 * Dispersive loss log(mean_{(i,j)} exp(-t ||z^_i - z^_j||^2)) over a row sample, exact at any t > 0.
 *
 * The kernel returns, per row of a tile, the row's smallest distance m and the sums of exp and
 * expm1 of the terms shifted by it (DispersiveRows); the i = j pairs are masked inside the kernel.
 * Everything after that is float64 here:
 * - large t: log-sum-exp of the per-row, per-tile logs -t m + log(sum), so exp(-t d) never
 *   underflows (t = 200 gives values near exp(-800)) and the N^2 values are never summed in one
 *   float32 reduction (DESIGN.md section 2's trap);
 * - small t: every term is nearly 1, and log(mean) would lose the deviations from 1 to rounding;
 *   log1p(sum of (term - 1) / pairs), from the expm1 sums, keeps them.
 * With pairs 'all' the N diagonal terms are exactly exp(0) = 1 and are added as such (a kernel
 * distance of a row to itself is 0 only up to float32 rounding, which t = 200 would magnify).
 * The distances are symmetric, so only the tiles on and above the diagonal are computed: a tile
 * above it stands for itself and its mirror image below (its row sums counted twice, in float64),
 * which halves the O(N^2 d) work.
 */
import type { PairsMode } from '../protocol/report';
import { pairTileShape } from './rows';
import type { GeometryBackend } from './types';
import { throwIfAborted } from './types';

/** log(sum exp(v)) over streamed values, in float64 with a running maximum */
class LogSumExp {
  private max = -Infinity;
  private sum = 0;

  add(v: number): void {
    if (v === -Infinity) return;
    if (v > this.max) {
      this.sum = this.sum * Math.exp(this.max - v) + 1;
      this.max = v;
    } else {
      this.sum += Math.exp(v - this.max);
    }
  }

  value(): number {
    return this.max + Math.log(this.sum);
  }
}

/** mean kernel value above which log1p of the deviations is the better-conditioned formula */
const LOG1P_ABOVE = 0.5;

/** the sample's column sums and the sum of its squared norms, in float64, rows in order (rows.ts normalizedEveryRow makes the same sums) */
export interface SampleSums {
  total: Float64Array;
  norms: number;
}

function sampleSums(z: Float32Array, sq: Float32Array, s: number, d: number): SampleSums {
  const total = new Float64Array(d);
  let norms = 0;
  for (let i = 0; i < s; i++) {
    norms += sq[i] as number;
    for (let j = 0; j < d; j++) total[j] = (total[j] as number) + (z[i * d + j] as number);
  }
  return { total, norms };
}

/**
 * The mean off-diagonal squared distance of the sample, exactly, from its sums in O(s d):
 * sum_{i != j} ||z_i - z_j||^2 = 2 s sum_i ||z_i||^2 - 2 ||sum_i z_i||^2. By Jensen's inequality
 * the mean kernel value is at least exp(-t times it), which tells in advance that the deviations
 * (the costlier kernel) will be needed.
 */
function meanOffDiagonalDistance(z: Float32Array, sq: Float32Array, s: number, d: number, sums?: SampleSums): number {
  const { total, norms } = sums ?? sampleSums(z, sq, s, d);
  let t2 = 0;
  for (const v of total) t2 += v * v;
  return Math.max(0, (2 * s * norms - 2 * t2) / (s * (s - 1)));
}

/**
 * z: the normalized sample rows (s x d, float32), sq: their squared norms.
 * onTile reports the fraction of tiles done; `sums`, where the caller made them in its own pass.
 */
export async function dispersiveLoss(
  z: Float32Array,
  sq: Float32Array,
  s: number,
  d: number,
  t: number,
  pairs: PairsMode,
  backend: GeometryBackend,
  signal?: AbortSignal,
  onTile?: (fraction: number) => void,
  sums?: SampleSums,
): Promise<number> {
  // a dispersed sample (the usual case) needs only the log-sum-exp: one cheaper pass. Where the
  // bound says the mean kernel is above 1/2, or the pass finds it so, the deviations are computed.
  const surelyHigh = s >= 2 && Math.exp(-t * meanOffDiagonalDistance(z, sq, s, d, sums)) > LOG1P_ABOVE;
  if (!surelyHigh) {
    // the last tile's fraction 1 completes the caller's stage: hold it back until it is the end
    const r = await dispersivePass(z, sq, s, d, t, pairs, false, backend, signal, (f) => f < 1 && onTile?.(f));
    if (r.meanKernel <= LOG1P_ABOVE) {
      onTile?.(1);
      return r.value;
    }
  }
  const progress = surelyHigh ? onTile : (f: number): void => void (f >= 1 && onTile?.(1));
  return (await dispersivePass(z, sq, s, d, t, pairs, true, backend, signal, progress)).value;
}

/**
 * The column ranges of row tile [i0, i1): tiles of `cols` columns, each cut where the diagonal
 * block [i0, i1) begins and ends. Only the diagonal piece needs the i = j pairs masked, and a
 * masked kernel call carries a full ra x rb mask matrix (measured: half again the time of a tile),
 * so the mask is kept to ra x ra.
 */
function columnPieces(i0: number, i1: number, s: number, cols: number): [number, number][] {
  const out: [number, number][] = [];
  for (let j0 = 0; j0 < s; j0 += cols) {
    const j1 = Math.min(s, j0 + cols);
    const cuts = [j0, ...[i0, i1].filter((c) => c > j0 && c < j1), j1];
    for (let k = 0; k + 1 < cuts.length; k++) out.push([cuts[k] as number, cuts[k + 1] as number]);
  }
  return out;
}

async function dispersivePass(
  z: Float32Array,
  sq: Float32Array,
  s: number,
  d: number,
  t: number,
  pairs: PairsMode,
  deviations: boolean,
  backend: GeometryBackend,
  signal?: AbortSignal,
  onTile?: (fraction: number) => void,
): Promise<{ value: number; meanKernel: number }> {
  const { rows: rowsPerTile, cols } = pairTileShape(s, backend.maxTileElements);
  // the pieces on and above the diagonal block of each row tile (those left of it are mirrors)
  const work: [number, number, [number, number][]][] = [];
  for (let i0 = 0; i0 < s; i0 += rowsPerTile) {
    const i1 = Math.min(s, i0 + rowsPerTile);
    work.push([i0, i1, columnPieces(i0, i1, s, cols).filter(([j0]) => j0 >= i0)]);
  }
  const tilesTotal = work.reduce((n, [, , p]) => n + p.length, 0);
  let done = 0;
  // the off-diagonal pairs, two ways: log of their sum (large t), sum of (term - 1) (small t)
  const logTotal = new LogSumExp();
  let deviation = 0;
  for (const [i0, i1, pieces] of work) {
    const a = z.subarray(i0 * d, i1 * d);
    const na = sq.subarray(i0, i1);
    for (const [j0, j1] of pieces) {
      throwIfAborted(signal);
      const rb = j1 - j0;
      // a piece right of the diagonal block also stands for its mirror image left of it
      const mirrored = j0 >= i1;
      const log2 = mirrored ? Math.LN2 : 0;
      const times = mirrored ? 2 : 1;
      // the piece meets the diagonal: its row i holds the pair (i0 + i, i0 + i) at column i + i0 - j0
      const diagonal = i0 < j1 && j0 < i1;
      const rows = await backend.dispersiveRows(
        a,
        na,
        i1 - i0,
        z.subarray(j0 * d, j1 * d),
        sq.subarray(j0, j1),
        rb,
        d,
        t,
        diagonal ? i0 - j0 : undefined,
        deviations,
      );
      const expm1Sums = rows.sumExpm1;
      for (let i = 0; i < i1 - i0; i++) {
        const raw = rows.min[i] as number;
        if (raw === Infinity) continue; // every pair of this row left out (a one-column tile on the diagonal)
        // a float32 distance can dip below 0 by rounding; a distance is >= 0
        const m = Math.max(0, raw);
        const sum = rows.sum[i] as number;
        // the row's sum of exp(-t dist) is exp(-t m) * sum; minus count it is, without cancellation:
        logTotal.add(-t * m + Math.log(sum) + log2);
        if (expm1Sums) deviation += times * (sum * Math.expm1(-t * m) + (expm1Sums[i] as number));
      }
      onTile?.(++done / tilesTotal);
    }
  }
  const count = pairs === 'offdiag' ? s * (s - 1) : s * s;
  // 'all': the s diagonal terms are 1 each (a deviation of 0)
  if (pairs === 'all') logTotal.add(Math.log(s));
  const logMean = logTotal.value() - Math.log(count);
  const meanKernel = Math.exp(logMean);
  if (!deviations) return { value: logMean, meanKernel };
  const meanMinusOne = deviation / count;
  // log1p is well conditioned while the mean is >= 1/2; below that the log-sum-exp is
  return { value: meanMinusOne > LOG1P_ABOVE - 1 ? Math.log1p(meanMinusOne) : logMean, meanKernel };
}
