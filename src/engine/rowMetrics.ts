/**
 * Per-row pair metrics of chosen rows (issue 12, a scatter selection's export): for each row i and
 * a pair of modalities a, b of one width, the drift d_i = ||â_i − b̂_i||² (DESIGN.md section 2),
 * the cosine of â_i to its partner b_i, and where that partner ranks among all rows of b by cosine
 * to â_i (1 + rows strictly more similar). Cosine and rank are summed as the neighbours search
 * (./neighbors.ts) sums them, so a row gets the very numbers the neighbours panel shows for it;
 * all selected rows share one pass over b (a block at a time), not one pass each.
 */
import type { Matrix } from '../io/types';
import type { NeighborControl } from './neighbors';
import { checkRow, cosineTo, rowNorms, unitRow } from './neighbors';
import { ApproxScores, dotAt, QUERY_BLOCK, QueryScores } from './neighborScores';
import { inverseNorm } from './rows';
import { EngineError, throwIfAborted } from './types';

export interface RowPairMetrics {
  drift: Float64Array;
  /** cosine of â_i with b_i, within [-1, 1] */
  partnerCosine: Float64Array;
  /** 1 = b_i is the nearest row of b to â_i; ties count in its favour */
  partnerRank: Int32Array;
}

/** selected rows scored together in one pass over b (their unit rows are held in float64: 1.5 MB at d = 768) */
export { QUERY_BLOCK };

/** multiply-adds between yields to the event loop, so a Cancel can arrive while a big selection runs (tens of ms) */
const MACS_PER_TURN = 1 << 27;

function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** ||â_i − b̂_i||², each row scaled by 1 / max(||row||, 1e-12) as the report's drift (engine/pairs.ts) does */
function driftOf(qa: Float64Array, b: Matrix, i: number): number {
  const d = b.cols;
  const ib = inverseNorm(b, i);
  const base = i * d;
  let s = 0;
  for (let j = 0; j < d; j++) {
    const x = (qa[j] as number) - (b.data[base + j] as number) * ib;
    s += x * x;
  }
  return s;
}

/**
 * The metrics of `rows` (in the given order) for the pair a -> b, in one pass over b per block of
 * QUERY_BLOCK selected rows: every row j of b is scored against all of the block's unit rows â_i
 * (NeighborScores: the neighbour search's own sums, so each cosine is the float64 the neighbours
 * panel gets for it), and the partner's rank counts the rows with a cosine strictly above the
 * partner's: 1 + #{j : cos(â_i, b_j) > cos(â_i, b_i)}. The partner's own score is the very same
 * float64, so it never counts itself, and a duplicate of it ties (counts in its favour).
 * `normsB`: rowNorms(b) when the caller keeps them (the neighbours job's cache); else they are
 * worked out here once.
 */
export async function rowPairMetrics(
  a: Matrix,
  b: Matrix,
  rows: readonly number[],
  ctl: NeighborControl & { normsB?: Float64Array } = {},
): Promise<RowPairMetrics> {
  if (a.rows !== b.rows)
    throw new EngineError(`'${a.name}' has ${a.rows} rows but '${b.name}' has ${b.rows}; modalities must be paired row by row`);
  if (a.cols !== b.cols)
    throw new EngineError(`widths differ (${a.cols} vs ${b.cols}): cosine between '${a.name}' and '${b.name}' rows needs one space`);
  for (const r of rows) checkRow(a, r);
  const out: RowPairMetrics = {
    drift: new Float64Array(rows.length),
    partnerCosine: new Float64Array(rows.length),
    partnerRank: new Int32Array(rows.length),
  };
  throwIfAborted(ctl.signal);
  const normsB = ctl.normsB ?? rowNorms(b);
  const { rows: n, cols: d, data } = b;
  const work = rows.length * n;
  let done = 0;
  for (let first = 0; first < rows.length; first += QUERY_BLOCK) {
    const block = rows.slice(first, first + QUERY_BLOCK);
    const nq = block.length;
    const queries = new Float64Array(nq * d);
    const partnerSim = new Float64Array(nq);
    const better = new Int32Array(nq);
    for (const [t, i] of block.entries()) {
      const q = unitRow(a, i);
      queries.set(q, t * d);
      out.drift[first + t] = driftOf(q, b, i);
      partnerSim[t] = cosineTo(q, b, i);
    }
    const approx = ApproxScores.create(queries, nq, d, data);
    const scores = approx ?? new QueryScores(queries, nq, d);
    const rowsPerCall = scores.maxRows;
    // with the pre-pass: a cosine beyond its bound of the partner's is settled, the rest rescored
    const lo = partnerSim.map((p, t) => p - (approx?.bound(t) ?? 0));
    const hi = partnerSim.map((p, t) => p + (approx?.bound(t) ?? 0));
    const query = block.map((_, t) => queries.subarray(t * d, t * d + d));
    const tile = Math.max(1, ctl.tileRows ?? Math.max(rowsPerCall, Math.floor(MACS_PER_TURN / (nq * d))));
    try {
      for (let start = 0; start < n; start += tile) {
        throwIfAborted(ctl.signal);
        const end = Math.min(n, start + tile);
        for (let s = start; s < end; s += rowsPerCall) {
          const e = Math.min(end, s + rowsPerCall);
          const dots = scores.dots(data, s, e);
          for (let j = s; j < e; j++) {
            const norm = normsB[j] as number;
            const at = (j - s) * nq;
            for (let t = 0; t < nq; t++) {
              const sim = (dots[at + t] as number) / norm;
              // exact scores (no pre-pass) fall in the first two cases; an overflowed pre-pass score (infinite) is rescored
              let above: boolean;
              if (sim > (hi[t] as number) && sim !== Infinity) above = true;
              else if (sim < (lo[t] as number) && sim !== -Infinity) above = false;
              else if (!approx) above = sim > (partnerSim[t] as number);
              else above = dotAt(query[t] as Float64Array, data, j * d, d) / norm > (partnerSim[t] as number);
              if (above) better[t] = (better[t] as number) + 1;
            }
          }
        }
        done += (end - start) * nq;
        ctl.onProgress?.(done / work);
        if (done < work) await turn();
      }
    } finally {
      approx?.release();
    }
    for (let t = 0; t < nq; t++) {
      out.partnerCosine[first + t] = Math.max(-1, Math.min(1, partnerSim[t] as number));
      out.partnerRank[first + t] = 1 + (better[t] as number);
    }
  }
  return out;
}
