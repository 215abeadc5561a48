/**
 * Per-row pair metrics of chosen rows (issue 12, a scatter selection's export): for each row i and
 * a pair of modalities a, b of one width, the drift d_i = ||â_i − b̂_i||² (DESIGN.md section 2),
 * the cosine of â_i to its partner b_i, and where that partner ranks among all rows of b by cosine
 * to â_i (1 + rows strictly more similar). Cosine and rank come from the neighbours search
 * (./neighbors.ts), so a row gets the very numbers the neighbours panel shows for it.
 */
import type { Matrix } from '../io/types';
import type { NeighborControl } from './neighbors';
import { checkRow, nearestNeighbors, unitRow } from './neighbors';
import { inverseNorm } from './rows';
import { EngineError, throwIfAborted } from './types';

export interface RowPairMetrics {
  drift: Float64Array;
  /** cosine of â_i with b_i, within [-1, 1] */
  partnerCosine: Float64Array;
  /** 1 = b_i is the nearest row of b to â_i; ties count in its favour */
  partnerRank: Int32Array;
}

/** values scored between yields to the event loop, so a Cancel can arrive while a big selection runs */
const VALUES_PER_TURN = 1 << 22;

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
 * The metrics of `rows` (in the given order) for the pair a -> b. Each row costs one pass over b
 * (the partner's rank scores every row), so progress is reported per row. `normsB`: rowNorms(b)
 * when the caller keeps them (the neighbours job's cache), halving each pass.
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
  const perRow = b.rows * b.cols;
  let sinceTurn = 0;
  for (const [k, i] of rows.entries()) {
    throwIfAborted(ctl.signal);
    const q = unitRow(a, i);
    const s = await nearestNeighbors(q, b, 1, {
      partner: i,
      ...(ctl.normsB ? { norms: ctl.normsB } : {}),
      ...(ctl.signal ? { signal: ctl.signal } : {}),
      ...(ctl.tileRows !== undefined ? { tileRows: ctl.tileRows } : {}),
    });
    out.drift[k] = driftOf(q, b, i);
    out.partnerCosine[k] = Math.max(-1, Math.min(1, s.partnerSimilarity as number));
    out.partnerRank[k] = s.partnerRank as number;
    ctl.onProgress?.((k + 1) / rows.length);
    sinceTurn += perRow;
    if (sinceTurn >= VALUES_PER_TURN) {
      sinceTurn = 0;
      await turn();
    }
  }
  return out;
}
