/**
 * A complete StreamSummary (every row of the dataset seen, by one process or merged parts) to
 * the GeometryCore of DESIGN.md section 2: spectra from the co-moments (raw Gram = C + n mu mu^T),
 * CKA from the cross co-moments, drift, anchoring and gap from the streamed sums, and the
 * O(N^2) metrics (dispersive loss, retrieval) on the hash-chosen sample, with standard errors.
 */
import type { ModalityReport, PairReport, PairSelection, WarningThresholds } from '../../protocol/report';
import { dispersiveLoss } from '../dispersive';
import { eigenvaluesOfTwo, prestartEigenThread } from '../linalg/eigenThread';
import { selectPairs } from '../geometry';
import { meanCosine, modalityGap } from '../pairs';
import { projection } from '../linalg/projection';
import {
  DEFAULT_PROJECTION_ROWS,
  finishCore,
  modalityReport,
  noteProjected,
  Progress,
  progressTotal,
  projectedModalities,
  sameSpacePair,
  widthsDifferPair,
} from '../reportParts';
import { retrievalRanks } from '../retrieval';
import { PROJECTION_SEED } from '../sample';
import { effectiveRankFromSingularValues } from '../spectrum';
import type { GeometryBackend, GeometryControl, GeometryCore } from '../types';
import { EngineError, throwIfAborted } from '../types';
import { driftStatsOf } from './drift';
import { nestedSample } from './hashSample';
import { rawGram } from './moments';
import type { Moments } from './moments';
import { dispersiveStdErr } from './stdErr';
import { rowsSeen } from './summary';
import type { ModalitySummary, StreamSummary } from './summary';

interface Spectra {
  spectrum: Float64Array;
  centeredEigen: Float64Array;
  effectiveRank: number;
  effectiveRankCentered: number;
  stableRank: number;
  explainedVariance: Float64Array;
  variance: Float64Array;
}

/**
 * Eigenvalues below this many float64 epsilons of d * lambda_max are rounding, not variance (the
 * rule of numpy's matrix_rank), and read as 0. It matters because the definitions take square
 * roots: an exactly dead dimension's eigenvalue of +-1e-16 lambda_max becomes a singular value of
 * 1e-8 sigma_max, which moves the effective rank at 1e-8 and would make a merge of parts differ from
 * one process by more than float64 rounding.
 */
const ZERO_EIGEN_EPS = 4 * Number.EPSILON;

function zeroRoundingNoise(eig: Float64Array, d: number): void {
  const top = eig.length > 0 ? Math.max(eig[0] as number, 0) : 0;
  const floor = top * d * ZERO_EIGEN_EPS;
  for (let k = 0; k < eig.length; k++) if ((eig[k] as number) <= floor) eig[k] = 0;
}

/** spectrum.ts's numbers from co-moments: the same formulas, in the stored units */
async function spectraOf(m: Moments, backend: GeometryBackend, signal?: AbortSignal): Promise<Spectra> {
  const d = m.mean.length;
  const keep = Math.min(m.n, d); // a d x d Gram of N < d rows has d - N zero eigenvalues
  const g = rawGram(m);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += g[i * d + i] as number;
  // both at once where a second thread can take one (linalg/eigenThread.ts; the same eigenvalues)
  prestartEigenThread(d);
  const [all, callAll] = await eigenvaluesOfTwo(g, Float64Array.from(m.comoment), d, backend, signal);
  const eig = all.slice(0, keep);
  zeroRoundingNoise(eig, d);
  const spectrum = new Float64Array(keep);
  for (let k = 0; k < keep; k++) spectrum[k] = Math.sqrt(Math.max(eig[k] as number, 0));
  const ceig = callAll.slice(0, keep);
  zeroRoundingNoise(ceig, d);
  const centeredEigen = new Float64Array(keep);
  let ctotal = 0;
  for (let k = 0; k < keep; k++) {
    const v = Math.max(ceig[k] as number, 0);
    centeredEigen[k] = v;
    ctotal += v;
  }
  const explainedVariance = new Float64Array(keep);
  const csigma = new Float64Array(keep);
  let acc = 0;
  for (let k = 0; k < keep; k++) {
    acc += centeredEigen[k] as number;
    explainedVariance[k] = ctotal > 0 ? Math.min(1, acc / ctotal) : 0;
    csigma[k] = Math.sqrt(centeredEigen[k] as number);
  }
  const variance = new Float64Array(d);
  for (let j = 0; j < d; j++) variance[j] = (m.comoment[j * d + j] as number) / m.n;
  const top = eig.length > 0 ? Math.max(eig[0] as number, 0) : 0;
  return {
    spectrum,
    centeredEigen,
    explainedVariance,
    variance,
    effectiveRank: effectiveRankFromSingularValues(spectrum),
    effectiveRankCentered: effectiveRankFromSingularValues(csigma),
    stableRank: top > 0 ? trace / top : 0,
  };
}

/** squared norms of float32 rows, in float64 from the float32 values (as normalizedSample does) */
function rowSquares(z: Float32Array, s: number, d: number): Float32Array {
  const sq = new Float32Array(s);
  for (let r = 0; r < s; r++) {
    let acc = 0;
    for (let j = 0; j < d; j++) {
      const v = z[r * d + j] as number;
      acc += v * v;
    }
    sq[r] = acc;
  }
  return sq;
}

export async function finalizeSummary(
  summary: StreamSummary,
  thresholds: WarningThresholds,
  backend: GeometryBackend,
  ctl: GeometryControl = {},
): Promise<GeometryCore & { pairSelection?: PairSelection }> {
  const signal = ctl.signal;
  const n = summary.totalRows;
  const seen = rowsSeen(summary);
  if (seen !== n) throw new EngineError(`the parts cover ${seen} of the dataset's ${n} rows: a part is missing`);
  const s = summary.sample.rows.length;
  if (s !== summary.sample.size)
    throw new EngineError(`the parts hold ${s} of the ${summary.sample.size} sampled rows: a part is missing or damaged`);
  const options = summary.options;
  const names = summary.modalities.map((m) => m.name);
  const { pairs: chosen, selection } = selectPairs(names, options);
  const m = names.length;
  const sampled = s < n;
  const progress = new Progress(progressTotal(m, summary.pairs.length), ctl.onProgress);

  const reports = new Map<string, ModalityReport>();
  const spectra: Spectra[] = [];
  const squares: Float32Array[] = [];
  for (const [k, ms] of summary.modalities.entries()) {
    progress.step(2, `spectrum of '${ms.name}'`, 0);
    const sp = await spectraOf(ms.moments, backend, signal);
    spectra.push(sp);
    progress.step(2, `spectrum of '${ms.name}'`);
    const z = summary.sample.z[k] as Float32Array;
    const sq = rowSquares(z, s, ms.dim);
    squares.push(sq);
    const disp = await dispersiveLoss(z, sq, s, ms.dim, options.t, options.pairs, backend, signal, (f) =>
      progress.step(3, `dispersive loss of '${ms.name}'`, f),
    );
    const se = sampled ? await dispersiveStdErr(z, sq, s, ms.dim, options.t, options.pairs, disp, n, backend, signal) : undefined;
    reports.set(
      ms.name,
      modalityReport(ms.dim, sp, { dispersiveLoss: disp, stdErr: se, rows: s }, meanCosine(ms.normSum, ms.normSumSq, n), thresholds),
    );
  }

  const pairs: PairReport[] = [];
  for (const [pi, [i, j]] of chosen.entries()) {
    const p = summary.pairs[pi];
    if (!p || p.a !== i || p.b !== j) throw new EngineError("the summary's modality pairs do not match the pair selection");
    const a = summary.modalities[i] as ModalitySummary;
    const b = summary.modalities[j] as ModalitySummary;
    const label = `'${a.name}'/'${b.name}'`;
    // Kornblith's linear CKA: ||C_ab||_F^2 / (||C_a||_F ||C_b||_F), the Frobenius norms from the eigenvalues
    let nx = 0;
    for (const v of (spectra[i] as Spectra).centeredEigen) nx += v * v;
    let ny = 0;
    for (const v of (spectra[j] as Spectra).centeredEigen) ny += v * v;
    const denom = Math.sqrt(nx) * Math.sqrt(ny);
    let num = 0;
    for (const v of p.cross) num += v * v;
    const cka = denom > 0 ? num / denom : 0;
    progress.step(1, `pair ${label}`);
    if (!p.drift) {
      pairs.push(widthsDifferPair(a.name, b.name, a.dim, b.dim, cka));
      progress.step(3, `retrieval ${label}`);
      continue;
    }
    const za = summary.sample.z[i] as Float32Array;
    const zb = summary.sample.z[j] as Float32Array;
    const { aToB, bToA } = await retrievalRanks(za, zb, s, a.dim, backend, signal, (f) => progress.step(3, `retrieval ${label}`, f));
    pairs.push(
      sameSpacePair(
        {
          a: a.name,
          b: b.name,
          linearCka: cka,
          anchoringLoss: p.drift.hingeSum / p.drift.count,
          drift: driftStatsOf(p.drift),
          modalityGap: modalityGap(a.normSum, b.normSum, n),
        },
        { aToB, bToA },
        s,
        n,
      ),
    );
  }

  throwIfAborted(signal);
  progress.step(1, 'projection', 0);
  const order = projectedModalities(chosen);
  // the projection's rows: the sampled rows with the smallest projection keys (nested in the sample)
  const wanted = nestedSample(summary.sample.rows, ctl.projectionRows ?? DEFAULT_PROJECTION_ROWS, PROJECTION_SEED);
  const position = new Map<number, number>();
  summary.sample.rows.forEach((r, k) => position.set(r, k));
  const mats = order.map((k) => {
    const d = (summary.modalities[k] as ModalitySummary).dim;
    const z = summary.sample.z[k] as Float32Array;
    const data = new Float32Array(wanted.length * d);
    wanted.forEach((r, o) => {
      const at = position.get(r) as number;
      data.set(z.subarray(at * d, (at + 1) * d), o * d);
    });
    return { name: names[k] as string, rows: wanted.length, cols: d, data };
  });
  const proj = await projection(mats, wanted.length, backend);
  proj.rows = proj.rows.map((r) => wanted[r] as number);
  noteProjected(proj, mats, m);
  progress.step(1, 'projection');
  return finishCore(backend, n, options, thresholds, { modalities: reports, pairs, projection: proj, selection });
}
