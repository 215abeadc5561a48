/**
 * Standard errors of the sampled metrics, so a report says how much the sample size matters.
 * The sample is drawn without replacement from the N rows, so each error carries the finite
 * population correction sqrt(1 - s / N): 0 when every row is used (the value is then exact for
 * this data, not an estimate).
 *
 * Dispersive loss L = log U, U the mean kernel over pairs of the s sampled rows: a U-statistic
 * of degree 2, whose variance is about 4 sigma_1^2 / s with sigma_1^2 the variance over rows i
 * of h_i = mean_j k(z_i, z_j) (Hoeffding 1948). sigma_1 is estimated from q <= 256 query rows
 * spread over the sample (q s d work, a small fraction of the loss itself), and the delta method
 * gives SE(L) = SE(U) / U; h_i / U is formed in log space so a large t cannot underflow it.
 *
 * Retrieval R@k is a mean of s indicators: SE = sqrt(p (1 - p) / s).
 */
import type { PairsMode, RetrievalDirection } from '../../protocol/report';
import type { GeometryBackend } from '../types';
import { throwIfAborted } from '../types';
import { tileRows } from '../rows';

const MAX_QUERIES = 256;

export function finitePopulation(s: number, n: number): number {
  return n > 0 ? Math.sqrt(Math.max(0, 1 - s / n)) : 0;
}

export function retrievalStdErr(r: RetrievalDirection, s: number, n: number): { r1: number; r5: number; r10: number } {
  const f = finitePopulation(s, n);
  const se = (p: number): number => (s > 0 ? Math.sqrt((p * (1 - p)) / s) * f : 0);
  return { r1: se(r.r1), r5: se(r.r5), r10: se(r.r10) };
}

/**
 * SE of the dispersive loss `loss` computed on the sample z (s x d normalized rows, sq their
 * squared norms) drawn from n rows.
 */
export async function dispersiveStdErr(
  z: Float32Array,
  sq: Float32Array,
  s: number,
  d: number,
  t: number,
  pairs: PairsMode,
  loss: number,
  n: number,
  backend: GeometryBackend,
  signal?: AbortSignal,
): Promise<number> {
  const fpc = finitePopulation(s, n);
  if (fpc === 0 || s < 3 || !Number.isFinite(loss)) return 0;
  const q = Math.min(MAX_QUERIES, s);
  // the query rows, evenly spread over the sample, first; then every other row: the queries'
  // own pairs then lie on the diagonal of the first gallery tile, which the kernel masks
  const isQuery = new Uint8Array(s);
  const order: number[] = [];
  for (let k = 0; k < q; k++) {
    const r = Math.floor((k * s) / q);
    isQuery[r] = 1;
    order.push(r);
  }
  for (let r = 0; r < s; r++) if (!isQuery[r]) order.push(r);
  const g = new Float32Array(s * d);
  const gs = new Float32Array(s);
  order.forEach((r, o) => {
    g.set(z.subarray(r * d, (r + 1) * d), o * d);
    gs[o] = sq[r] as number;
  });
  const a = g.subarray(0, q * d);
  const na = gs.subarray(0, q);
  // per query row: running log of sum_j exp(-t dist), as (max, scaled sum)
  const top = new Float64Array(q).fill(-Infinity);
  const acc = new Float64Array(q);
  const cols = Math.max(q, Math.min(s, tileRows(backend.maxTileElements, q)));
  for (let j0 = 0; j0 < s; j0 = j0 === 0 ? q : j0 + cols) {
    throwIfAborted(signal);
    const j1 = j0 === 0 ? q : Math.min(s, j0 + cols);
    const rows = await backend.dispersiveRows(
      a,
      na,
      q,
      g.subarray(j0 * d, j1 * d),
      gs.subarray(j0, j1),
      j1 - j0,
      d,
      t,
      j0 === 0 ? 0 : undefined,
      false,
    );
    for (let i = 0; i < q; i++) {
      const m = rows.min[i] as number;
      if (m === Infinity) continue;
      const v = -t * Math.max(0, m) + Math.log(rows.sum[i] as number);
      const hi = top[i] as number;
      if (v > hi) {
        acc[i] = (acc[i] as number) * Math.exp(hi - v) + 1;
        top[i] = v;
      } else {
        acc[i] = (acc[i] as number) + Math.exp(v - hi);
      }
    }
  }
  // ratio_i = h_i / U, U = exp(loss)
  let mean = 0;
  const ratio = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    let logRow = (top[i] as number) + Math.log(acc[i] as number);
    // 'all' pairs: the row's own term exp(0) = 1 is part of its mean
    if (pairs === 'all') logRow = logRow > 0 ? logRow + Math.log1p(Math.exp(-logRow)) : Math.log1p(Math.exp(logRow));
    const logMean = logRow - Math.log(pairs === 'all' ? s : s - 1);
    ratio[i] = Math.exp(logMean - loss);
    mean += ratio[i] as number;
  }
  mean /= q;
  let v = 0;
  for (const r of ratio) v += (r - mean) * (r - mean);
  v /= q - 1 || 1;
  return ((2 * Math.sqrt(v)) / Math.sqrt(s)) * fpc;
}
