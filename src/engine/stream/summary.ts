/**
 * The mergeable summary of the rows one process saw (DESIGN.md section 2c), and the accumulator
 * that builds it from row blocks. A block is read, added and dropped: what stays is O(d^2) per
 * modality and pair, plus the sampled rows (at most maxPairwiseRows per modality). One process
 * over all rows, or many over disjoint parts merged with mergeSummaries, end in the same
 * summary up to float64 rounding of the sums; finalize.ts turns it into the report.
 */
import type { Matrix } from '../../io/types';
import type { ReportOptions } from '../../protocol/report';
import { driftPerRow, normalizedRowSum } from '../pairs';
import { normalizedSample, rowsAsFloat64 } from '../rows';
import { PAIRWISE_SEED } from '../sample';
import type { GeometryBackend } from '../types';
import { EngineError, throwIfAborted } from '../types';
import { addDrift, emptyDrift, mergeDriftInto } from './drift';
import type { DriftSummary } from './drift';
import { hashSample } from './hashSample';
import { centerInPlace, columnMeans, crossOf, emptyMoments, gramOf, mergeCrossInto, mergeMomentsInto } from './moments';
import type { Moments } from './moments';

export interface ModalitySummary {
  name: string;
  dim: number;
  moments: Moments;
  /** float64 sum of the L2-normalized rows, and of their squared norms (mean cosine, modality gap) */
  normSum: Float64Array;
  normSumSq: number;
}

export interface PairSummary {
  /** indices into StreamSummary.modalities */
  a: number;
  b: number;
  /** centered cross co-moment, dim_a x dim_b (linear CKA's numerator) */
  cross: Float64Array;
  /** null when the widths differ (drift compares rows in one space) */
  drift: DriftSummary | null;
}

export interface SampleSummary {
  seed: number;
  /** rows of the whole sample, min(maxPairwiseRows, totalRows) (all rows when maxPairwiseRows = 0) */
  size: number;
  /** the sampled global row indices this summary holds, ascending */
  rows: Float64Array;
  /** per modality: those rows L2-normalized in float32, rows x dim */
  z: Float32Array[];
}

export interface StreamSummary {
  /** rows of the whole dataset (the sample and the report's n are about these) */
  totalRows: number;
  /** the global row ranges [start, end) this summary saw, ascending and disjoint */
  ranges: [number, number][];
  options: ReportOptions;
  modalities: ModalitySummary[];
  pairs: PairSummary[];
  sample: SampleSummary;
}

export function sampleSizeFor(totalRows: number, options: Pick<ReportOptions, 'maxPairwiseRows'>): number {
  return options.maxPairwiseRows > 0 && totalRows > options.maxPairwiseRows ? options.maxPairwiseRows : totalRows;
}

export function rowsSeen(s: StreamSummary): number {
  return s.ranges.reduce((acc, [a, b]) => acc + (b - a), 0);
}

/** first index of sorted `xs` with xs[k] >= v */
function lowerBound(xs: Float64Array, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Builds a StreamSummary from row blocks given in any order (each range once). */
export class StreamAccumulator {
  readonly summary: StreamSummary;
  /** the global sample (all of it, not just this part's rows) */
  private readonly wanted: Float64Array;
  private readonly sampleRows: number[] = [];
  private readonly sampleChunks: Float32Array[][];

  constructor(
    names: readonly string[],
    dims: readonly number[],
    totalRows: number,
    options: ReportOptions,
    pairs: readonly [number, number][],
    private readonly backend: GeometryBackend,
  ) {
    const size = sampleSizeFor(totalRows, options);
    this.wanted = hashSample(totalRows, size, PAIRWISE_SEED);
    this.sampleChunks = names.map(() => []);
    this.summary = {
      totalRows,
      ranges: [],
      options: { ...options },
      modalities: names.map((name, k) => ({
        name,
        dim: dims[k] as number,
        moments: emptyMoments(dims[k] as number),
        normSum: new Float64Array(dims[k] as number),
        normSumSq: 0,
      })),
      pairs: pairs.map(([a, b]) => ({
        a,
        b,
        cross: new Float64Array((dims[a] as number) * (dims[b] as number)),
        drift: dims[a] === dims[b] ? emptyDrift() : null,
      })),
      sample: { seed: PAIRWISE_SEED, size, rows: new Float64Array(0), z: names.map(() => new Float32Array(0)) },
    };
  }

  /** rows [start, start + rows) of every modality, in the modalities' order */
  async addBlock(start: number, blocks: Matrix[], signal?: AbortSignal): Promise<void> {
    const s = this.summary;
    const rows = (blocks[0] as Matrix).rows;
    if (blocks.length !== s.modalities.length || blocks.some((b, k) => b.rows !== rows || b.cols !== s.modalities[k]?.dim)) {
      throw new EngineError('a row block does not match the modalities (row count or width)');
    }
    const end = start + rows;
    if (start < 0 || end > s.totalRows) throw new EngineError(`rows ${start}..${end} are outside the dataset's ${s.totalRows} rows`);
    for (const [a, b] of s.ranges) {
      if (start < b && a < end) throw new EngineError(`rows ${start}..${end} overlap rows ${a}..${b} already added`);
    }
    // centered float64 copies in stored units (Matrix.scale multiplied back) and block moments
    const centered: Float64Array[] = [];
    const parts: Moments[] = [];
    for (const m of blocks) {
      throwIfAborted(signal);
      const x = rowsAsFloat64(m, 0, rows);
      const scale = m.scale ?? 1;
      if (scale !== 1) for (let k = 0; k < x.length; k++) x[k] = (x[k] as number) * scale;
      const mean = columnMeans(x, rows, m.cols);
      centerInPlace(x, rows, m.cols, mean);
      centered.push(x);
      parts.push({ n: rows, mean, comoment: await gramOf(x, rows, m.cols, this.backend) });
    }
    // the cross terms need every modality's moments from before this block
    for (const p of s.pairs) {
      throwIfAborted(signal);
      const ma = s.modalities[p.a] as ModalitySummary;
      const mb = s.modalities[p.b] as ModalitySummary;
      const cross = await crossOf(centered[p.a] as Float64Array, centered[p.b] as Float64Array, rows, ma.dim, mb.dim, this.backend);
      mergeCrossInto(p.cross, ma.moments, mb.moments, cross, parts[p.a] as Moments, parts[p.b] as Moments);
      if (p.drift) addDrift(p.drift, driftPerRow(blocks[p.a] as Matrix, blocks[p.b] as Matrix), s.options.tau, s.options.hinge);
    }
    centered.length = 0;
    s.modalities.forEach((ms, k) => {
      mergeMomentsInto(ms.moments, parts[k] as Moments);
      const { sum, sumSq } = normalizedRowSum(blocks[k] as Matrix);
      for (let j = 0; j < ms.dim; j++) ms.normSum[j] = (ms.normSum[j] as number) + (sum[j] as number);
      ms.normSumSq += sumSq;
    });
    // this block's rows of the global sample
    const lo = lowerBound(this.wanted, start);
    const hi = lowerBound(this.wanted, end);
    if (hi > lo) {
      const local = new Int32Array(hi - lo);
      for (let k = lo; k < hi; k++) {
        local[k - lo] = (this.wanted[k] as number) - start;
        this.sampleRows.push(this.wanted[k] as number);
      }
      blocks.forEach((m, k) => (this.sampleChunks[k] as Float32Array[]).push(normalizedSample(m, local).z));
    }
    // kept joined as blocks arrive in order, so the overlap check above stays short at any N
    const last = s.ranges[s.ranges.length - 1];
    if (last && last[1] === start) last[1] = end;
    else s.ranges.push([start, end]);
  }

  /** the summary, its sample rows sorted by global index and ranges coalesced */
  finish(): StreamSummary {
    const s = this.summary;
    const order = this.sampleRows.map((r, k) => [r, k] as [number, number]).sort((x, y) => x[0] - y[0]);
    // chunk k row r -> flat position; rows arrive in chunks in the order blocks were added
    s.sample.rows = Float64Array.from(order.map(([r]) => r));
    s.sample.z = this.sampleChunks.map((chunks, m) => {
      const d = (s.modalities[m] as ModalitySummary).dim;
      const flat = new Float32Array(this.sampleRows.length * d);
      let o = 0;
      for (const c of chunks) {
        flat.set(c, o);
        o += c.length;
      }
      const out = new Float32Array(flat.length);
      order.forEach(([, k], pos) => out.set(flat.subarray(k * d, (k + 1) * d), pos * d));
      return out;
    });
    s.ranges = coalesce(s.ranges);
    return s;
  }
}

/** ranges sorted and adjacent ones joined */
export function coalesce(ranges: [number, number][]): [number, number][] {
  const sorted = ranges.map((r) => [r[0], r[1]] as [number, number]).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === r[0]) last[1] = r[1];
    else out.push(r);
  }
  return out;
}

function sameOptions(a: ReportOptions, b: ReportOptions): boolean {
  return a.t === b.t && a.tau === b.tau && a.pairs === b.pairs && a.hinge === b.hinge && a.maxPairwiseRows === b.maxPairwiseRows;
}

/**
 * a + b for summaries of disjoint rows of one dataset (same modalities, options and pairs).
 * `what` names b in an error ("part 3 (file.json)").
 */
export function mergeSummaries(a: StreamSummary, b: StreamSummary, what = 'a part'): StreamSummary {
  const fail = (problem: string): never => {
    throw new EngineError(`${what}: ${problem}`);
  };
  if (a.totalRows !== b.totalRows) fail(`it is of a dataset of ${b.totalRows} rows, the others of ${a.totalRows}`);
  if (!sameOptions(a.options, b.options)) fail('it was computed with other options (t, tau, pairs, hinge or maxPairwiseRows)');
  const names = (s: StreamSummary): string => s.modalities.map((m) => `${m.name}:${m.dim}`).join(',');
  if (names(a) !== names(b)) fail(`its modalities (${names(b)}) differ from the others' (${names(a)})`);
  const pairKey = (s: StreamSummary): string => s.pairs.map((p) => `${p.a}-${p.b}`).join(',');
  if (pairKey(a) !== pairKey(b)) fail("its modality pairs differ from the others'");
  for (const [s0, e0] of a.ranges) {
    for (const [s1, e1] of b.ranges) if (s1 < e0 && s0 < e1) fail(`its rows ${s1}..${e1} overlap rows ${s0}..${e0} of another part`);
  }
  const out: StreamSummary = {
    totalRows: a.totalRows,
    ranges: coalesce([...a.ranges, ...b.ranges]),
    options: { ...a.options },
    modalities: a.modalities.map((m) => ({
      name: m.name,
      dim: m.dim,
      moments: { n: m.moments.n, mean: Float64Array.from(m.moments.mean), comoment: Float64Array.from(m.moments.comoment) },
      normSum: Float64Array.from(m.normSum),
      normSumSq: m.normSumSq,
    })),
    pairs: a.pairs.map((p) => ({ a: p.a, b: p.b, cross: Float64Array.from(p.cross), drift: p.drift ? cloneDrift(p.drift) : null })),
    sample: { ...a.sample },
  };
  out.pairs.forEach((p, k) => {
    const q = b.pairs[k] as PairSummary;
    mergeCrossInto(
      p.cross,
      (out.modalities[p.a] as ModalitySummary).moments,
      (out.modalities[p.b] as ModalitySummary).moments,
      q.cross,
      (b.modalities[p.a] as ModalitySummary).moments,
      (b.modalities[p.b] as ModalitySummary).moments,
    );
    if (p.drift && q.drift) mergeDriftInto(p.drift, q.drift);
  });
  out.modalities.forEach((m, k) => {
    const q = b.modalities[k] as ModalitySummary;
    mergeMomentsInto(m.moments, q.moments);
    for (let j = 0; j < m.dim; j++) m.normSum[j] = (m.normSum[j] as number) + (q.normSum[j] as number);
    m.normSumSq += q.normSumSq;
  });
  // the two samples' rows, merged by global index
  const ra = a.sample.rows;
  const rb = b.sample.rows;
  const rows = new Float64Array(ra.length + rb.length);
  const from: [0 | 1, number][] = [];
  let i = 0;
  let j = 0;
  while (i < ra.length || j < rb.length) {
    if (j >= rb.length || (i < ra.length && (ra[i] as number) < (rb[j] as number))) from.push([0, i++]);
    else from.push([1, j++]);
  }
  from.forEach(([src, k], pos) => (rows[pos] = src === 0 ? (ra[k] as number) : (rb[k] as number)));
  out.sample = {
    seed: a.sample.seed,
    size: a.sample.size,
    rows,
    z: a.modalities.map((m, mi) => {
      const d = m.dim;
      const z = new Float32Array(rows.length * d);
      from.forEach(([src, k], pos) => {
        const zz = (src === 0 ? a.sample.z[mi] : b.sample.z[mi]) as Float32Array;
        z.set(zz.subarray(k * d, (k + 1) * d), pos * d);
      });
      return z;
    }),
  };
  return out;
}

function cloneDrift(d: DriftSummary): DriftSummary {
  return { ...d, coarse: Float64Array.from(d.coarse), fine: Float64Array.from(d.fine) };
}
