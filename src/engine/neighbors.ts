/**
 * Exact nearest neighbours by cosine for one query row against every row of a modality (issue 12):
 * one pass over the gallery in row tiles, keeping the k best in a small sorted list, so memory is
 * O(k) beyond the inputs and N = 1,000,000 rows need no N-sized buffer. Similarities accumulate
 * in float64 from the stored float32 values (the numpy reference does the same), and ties are
 * broken by row index: among equal similarities the smaller row comes first.
 */
import type { Matrix } from '../io/types';
import type { NeighborList } from '../protocol/neighbors';
import { NORM_FLOOR } from './rows';
import { EngineError, throwIfAborted } from './types';
import { ApproxScores, dotAt, QueryScores, rowSquares, squaresAt } from './neighborScores';

export { dotAt, squaresAt };

export interface Neighbor {
  row: number;
  similarity: number;
}

export interface NeighborControl {
  signal?: AbortSignal;
  onProgress?(fraction: number): void;
  /** rows per tile between cancel checks (default 65536) */
  tileRows?: number;
}

const DEFAULT_TILE_ROWS = 65536;

/** yield to the event loop so a Cancel message (or the signal's abort) can arrive between tiles */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** row `row` of m scaled to unit length (float64), the query side of every cosine */
export function unitRow(m: Matrix, row: number): Float64Array {
  checkRow(m, row);
  const d = m.cols;
  const out = new Float64Array(d);
  let s = 0;
  for (let j = 0; j < d; j++) {
    const v = m.data[row * d + j] as number;
    out[j] = v;
    s += v * v;
  }
  if (!Number.isFinite(s)) throw new EngineError(`'${m.name}' has NaN or Inf at row ${row}`);
  const inv = 1 / Math.max(Math.sqrt(s), NORM_FLOOR);
  for (let j = 0; j < d; j++) out[j] = (out[j] as number) * inv;
  return out;
}

export function checkRow(m: Matrix, row: number): void {
  if (!(Number.isInteger(row) && row >= 0 && row < m.rows)) {
    throw new EngineError(`row ${row} is outside '${m.name}', which has rows 0..${m.rows - 1}`);
  }
}

/** cosine of the unit query q with row j of g (float64; the row's norm floored as in DESIGN.md section 2) */
export function cosineTo(q: Float64Array, g: Matrix, j: number): number {
  const base = j * g.cols;
  return dotAt(q, g.data, base, g.cols) / Math.max(Math.sqrt(squaresAt(g.data, base, g.cols)), NORM_FLOOR);
}

/**
 * The k best (similarity descending, row ascending), kept sorted in place. Rows arrive in
 * ascending order, so a later row with the same similarity as the worst kept one never enters.
 */
class TopK {
  readonly rows: Int32Array;
  readonly sims: Float64Array;
  size = 0;
  constructor(readonly k: number) {
    this.rows = new Int32Array(k);
    this.sims = new Float64Array(k);
  }
  /** the similarity a new row must beat (strictly) to enter; -Infinity while not full */
  get floor(): number {
    return this.size < this.k ? -Infinity : (this.sims[this.k - 1] as number);
  }
  /** rows must be offered in ascending order */
  offer(row: number, sim: number): void {
    if (this.size === this.k && !(sim > (this.sims[this.k - 1] as number))) return;
    let i = this.size < this.k ? this.size++ : this.k - 1;
    // shift worse entries down; an equal similarity stays ahead (it has the smaller row)
    while (i > 0 && (this.sims[i - 1] as number) < sim) {
      this.sims[i] = this.sims[i - 1] as number;
      this.rows[i] = this.rows[i - 1] as number;
      i--;
    }
    this.sims[i] = sim;
    this.rows[i] = row;
  }
  list(): Neighbor[] {
    const out: Neighbor[] = [];
    // a row parallel to the query can round to 1 + 2e-16: a cosine is shown within [-1, 1]
    for (let i = 0; i < this.size; i++)
      out.push({ row: this.rows[i] as number, similarity: Math.max(-1, Math.min(1, this.sims[i] as number)) });
    return out;
  }
}

/**
 * max(||row j||, 1e-12) of every row, in float64, summed exactly as the search pass sums them
 * (squaresAt), so a search given these norms returns the very same similarities. A caller that
 * asks many queries of one matrix computes them once and halves each query's work.
 */
export function rowNorms(m: Matrix): Float64Array {
  const out = rowSquares(m.data, m.cols, m.rows);
  for (let j = 0; j < m.rows; j++) {
    const sq = out[j] as number;
    if (!Number.isFinite(sq)) throw new EngineError(`'${m.name}' has NaN or Inf at row ${j}`);
    out[j] = Math.max(Math.sqrt(sq), NORM_FLOOR);
  }
  return out;
}

export interface NeighborSearch {
  /** the k nearest rows of the gallery, similarity descending, ties by row ascending */
  neighbors: Neighbor[];
  /** 1 + the number of gallery rows strictly more similar than the partner (null without a partner) */
  partnerRank: number | null;
  partnerSimilarity: number | null;
}

/**
 * The k nearest rows of `gallery` to the unit query q by cosine, leaving out row `exclude` (the
 * query itself, in its own modality), and where row `partner` ranks (the query's true match in a
 * paired modality; ties count in its favour, as in the report's retrieval). Exact: every row is
 * scored. NaN or Inf in a gallery row is an EngineError naming the array and the row.
 */
export async function nearestNeighbors(
  q: Float64Array,
  gallery: Matrix,
  k: number,
  opts: {
    exclude?: number;
    partner?: number;
    /** rowNorms(gallery), when the caller keeps them */ norms?: Float64Array;
  } & NeighborControl = {},
): Promise<NeighborSearch> {
  const { rows: n, cols: d, data } = gallery;
  if (q.length !== d) throw new EngineError(`the query has ${q.length} dimensions but '${gallery.name}' has ${d}; cosine needs one space`);
  if (!(Number.isInteger(k) && k >= 1)) throw new EngineError(`k must be an integer >= 1, got ${k}`);
  const available = n - (opts.exclude !== undefined ? 1 : 0);
  const top = new TopK(Math.min(k, Math.max(0, available)));
  const partner = opts.partner;
  if (partner !== undefined) checkRow(gallery, partner);
  const partnerSim = partner !== undefined ? cosineTo(q, gallery, partner) : null;
  let better = 0;
  const tile = Math.max(1, opts.tileRows ?? DEFAULT_TILE_ROWS);
  let scores: QueryScores | ApproxScores | undefined;
  let approx: ApproxScores | null = null;
  try {
    for (let start = 0; start < n; start += tile) {
      throwIfAborted(opts.signal);
      const end = Math.min(n, start + tile);
      const norms = opts.norms;
      if (norms) {
        // the norms are known: one multiply-add per value instead of two, in WebAssembly a
        // cache-sized block of rows at a time: the float32 pre-pass, with every row it cannot
        // settle (within its bound of the k-th best or of the partner) scored again by dotAt; or,
        // without the pre-pass, the float64 kernel (dotAt's very sums)
        if (!scores) {
          approx = ApproxScores.create(q, 1, d, data);
          scores = approx ?? new QueryScores(q, 1, d);
        }
        const bound = approx?.bound(0) ?? 0;
        const pLo = partnerSim !== null ? partnerSim - bound : 0;
        const pHi = partnerSim !== null ? partnerSim + bound : 0;
        for (let s = start; s < end; s += scores.maxRows) {
          const e = Math.min(end, s + scores.maxRows);
          const dots = scores.dots(data, s, e);
          for (let j = s; j < e; j++) {
            if (j === opts.exclude) continue;
            const norm = norms[j] as number;
            const pre = (dots[j - s] as number) / norm;
            // an infinite pre-pass score is a float32 overflow: never settled by it
            const finite = pre !== Infinity && pre !== -Infinity;
            let sim: number | undefined = approx ? undefined : pre;
            if (partnerSim !== null && j !== partner) {
              if (pre > pHi && finite) better++;
              else if (!(pre < pLo && finite)) {
                sim ??= dotAt(q, data, j * d, d) / norm;
                if (sim > partnerSim) better++;
              }
            }
            if (pre < top.floor - bound && finite) continue;
            sim ??= dotAt(q, data, j * d, d) / norm;
            if (sim > top.floor) top.offer(j, sim);
          }
        }
        opts.onProgress?.(end / n);
        if (end < n) await turn();
        continue;
      }
      for (let j = start; j < end; j++) {
        const base = j * d;
        // the row's squares in a second pass: its 4d bytes are in L1 by then, so it costs little
        const sq = squaresAt(data, base, d);
        if (!Number.isFinite(sq)) throw new EngineError(`'${gallery.name}' has NaN or Inf at row ${j}`);
        const sim = dotAt(q, data, base, d) / Math.max(Math.sqrt(sq), NORM_FLOOR);
        if (j === opts.exclude) continue;
        if (partnerSim !== null && sim > partnerSim && j !== partner) better++;
        if (sim > top.floor) top.offer(j, sim);
      }
      opts.onProgress?.(end / n);
      if (end < n) await turn();
    }
  } finally {
    // a resident gallery's scratch goes back for the next search, also after a Cancel
    approx?.release();
  }
  // the partner's own score: the same formula as the pass, so its rank never counts itself
  return {
    neighbors: top.list(),
    partnerRank: partnerSim !== null ? 1 + better : null,
    partnerSimilarity: partnerSim,
  };
}

/**
 * The neighbour panel's lists for one query row: its own modality first (the row itself left
 * out), then each modality of `targets` in its space, with where the row's partner ranks there.
 * A target of another width cannot hold the query (cosine needs one space) and gets a note.
 */
export async function neighborLists(
  query: Matrix,
  row: number,
  targets: Matrix[],
  k: number,
  labels: Int32Array | undefined,
  ctl: NeighborControl & {
    /** false: only the targets' lists */ own?: boolean;
    /** rowNorms of a matrix, when the caller keeps them across queries */ normsOf?: (m: Matrix) => Float64Array | undefined;
  } = {},
): Promise<NeighborList[]> {
  checkRow(query, row);
  for (const t of targets) {
    if (t.rows !== query.rows)
      throw new EngineError(`'${query.name}' has ${query.rows} rows but '${t.name}' has ${t.rows}; modalities must be paired row by row`);
  }
  const q = unitRow(query, row);
  const labelOf = (r: number): number | null => (labels ? (labels[r] as number) : null);
  const withLabels = (s: NeighborSearch): NeighborList['neighbors'] => s.neighbors.map((x) => ({ ...x, label: labelOf(x.row) }));
  const total = 1 + targets.length;
  const part =
    (i: number) =>
    (f: number): void =>
      ctl.onProgress?.((i + f) / total);
  const out: NeighborList[] = [];
  if (ctl.own !== false) {
    const norms = ctl.normsOf?.(query);
    const own = await nearestNeighbors(q, query, k, { ...ctl, exclude: row, onProgress: part(0), ...(norms ? { norms } : {}) });
    out.push({ modality: query.name, neighbors: withLabels(own), partnerRank: null, partnerSimilarity: null, note: '' });
  }
  for (const [i, t] of targets.entries()) {
    if (t.cols !== query.cols) {
      out.push({
        modality: t.name,
        neighbors: [],
        partnerRank: null,
        partnerSimilarity: null,
        note: `widths differ (${query.cols} vs ${t.cols}): cosine between '${query.name}' and '${t.name}' rows needs one space`,
      });
      continue;
    }
    const norms = ctl.normsOf?.(t);
    const s = await nearestNeighbors(q, t, k, { ...ctl, partner: row, onProgress: part(i + 1), ...(norms ? { norms } : {}) });
    out.push({ modality: t.name, neighbors: withLabels(s), partnerRank: s.partnerRank, partnerSimilarity: s.partnerSimilarity, note: '' });
  }
  return out;
}
