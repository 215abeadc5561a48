/**
 * computeGeometry: the whole GeometryCore of one checkpoint from its modality matrices. All
 * tiling, sampling and float64 combination lives here and in the metric files, so the two
 * backends differ only inside a kernel call.
 */
import type { Matrix } from '../io/types';
import type { ModalityReport, PairReport, ReportOptions, WarningThresholds } from '../protocol/report';
import { dispersiveLoss } from './dispersive';
import {
  anchoringLoss, driftPerRow, driftStats, linearCka, meanCosine, modalityGap, normalizedRowSum,
} from './pairs';
import { projection } from './projection';
import { summarizeRanks, retrievalRanks } from './retrieval';
import { normalizedSample } from './rows';
import { PAIRWISE_SEED, sampleRows } from './sample';
import { spectrumOf, type SpectrumResult } from './spectrum';
import type { GeometryBackend, GeometryControl, GeometryCore } from './types';
import { EngineError, throwIfAborted } from './types';
import { validateModalities } from './validate';
import { evaluateWarnings } from './warnings';

const DEFAULT_PROJECTION_ROWS = 2000;

function validateOptions(o: ReportOptions): void {
  if (!(Number.isFinite(o.t) && o.t > 0)) throw new EngineError(`option t must be a positive number, got ${o.t}`);
  if (!Number.isFinite(o.tau)) throw new EngineError(`option tau must be a finite number, got ${o.tau}`);
  if (o.pairs !== 'offdiag' && o.pairs !== 'all') throw new EngineError(`option pairs must be 'offdiag' or 'all', got '${String(o.pairs)}'`);
  if (o.hinge !== 'linear' && o.hinge !== 'squared') throw new EngineError(`option hinge must be 'linear' or 'squared', got '${String(o.hinge)}'`);
  if (!(Number.isInteger(o.maxPairwiseRows) && (o.maxPairwiseRows === 0 || o.maxPairwiseRows >= 2))) {
    throw new EngineError(`option maxPairwiseRows must be 0 (all rows) or an integer >= 2, got ${o.maxPairwiseRows}`);
  }
}

/** progress over named stages with rough relative costs, so the bar moves evenly */
class Progress {
  private done = 0;
  constructor(private readonly total: number, private readonly report?: (f: number, stage: string) => void) {}
  step(weight: number, stage: string, within = 1): void {
    this.report?.(Math.min(1, (this.done + weight * within) / this.total), stage);
    if (within >= 1) this.done += weight;
  }
}

export async function computeGeometry(
  modalities: Matrix[], options: ReportOptions, thresholds: WarningThresholds,
  backend: GeometryBackend, ctl: GeometryControl = {},
): Promise<GeometryCore> {
  const signal = ctl.signal;
  throwIfAborted(signal);
  validateModalities(modalities);
  validateOptions(options);
  const n = (modalities[0] as Matrix).rows;
  const m = modalities.length;
  const npairs = (m * (m - 1)) / 2;

  const sampleSize = options.maxPairwiseRows > 0 && n > options.maxPairwiseRows ? options.maxPairwiseRows : n;
  const sample = sampleRows(n, sampleSize, PAIRWISE_SEED);
  const sampled = sampleSize < n;

  // weights: spectrum 2, dispersive 3 per modality; 1 + 3 (retrieval) per pair; projection 1
  const progress = new Progress(5 * m + 4 * npairs + 1, ctl.onProgress);

  const reports: Record<string, ModalityReport> = {};
  const spectra = new Map<string, SpectrumResult>();
  const sums = new Map<string, Float64Array>();
  const samples = new Map<string, Float32Array>();
  for (const mat of modalities) {
    progress.step(2, `spectrum of '${mat.name}'`, 0);
    const spec = await spectrumOf(mat, backend, signal);
    spectra.set(mat.name, spec);
    progress.step(2, `spectrum of '${mat.name}'`);

    const { sum, sumSq } = normalizedRowSum(mat);
    sums.set(mat.name, sum);
    const { z, sq } = normalizedSample(mat, sample);
    samples.set(mat.name, z);
    const disp = await dispersiveLoss(
      z, sq, sampleSize, mat.cols, options.t, options.pairs, backend, signal,
      (f) => progress.step(3, `dispersive loss of '${mat.name}'`, f),
    );

    let dead = 0;
    for (const v of spec.variance) if (v < thresholds.deadVariance) dead++;
    reports[mat.name] = {
      dim: mat.cols,
      effectiveRank: spec.effectiveRank,
      effectiveRankCentered: spec.effectiveRankCentered,
      stableRank: spec.stableRank,
      dispersiveLoss: disp,
      spectrum: Array.from(spec.spectrum),
      explainedVariance: Array.from(spec.explainedVariance),
      meanCosine: meanCosine(sum, sumSq, n),
      deadDimensionFraction: dead / mat.cols,
      pairwiseRows: sampleSize,
    };
  }

  const pairs: PairReport[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const a = modalities[i] as Matrix;
      const b = modalities[j] as Matrix;
      const label = `'${a.name}'/'${b.name}'`;
      const sa = spectra.get(a.name) as SpectrumResult;
      const sb = spectra.get(b.name) as SpectrumResult;
      const cka = await linearCka(a, sa.mean, sa.centeredEigen, b, sb.mean, sb.centeredEigen, backend, signal);
      progress.step(1, `pair ${label}`);
      if (a.cols !== b.cols) {
        pairs.push({
          a: a.name, b: b.name, linearCka: cka, anchoringLoss: null, drift: null, modalityGap: null, retrieval: null,
          note: `widths differ (${a.cols} vs ${b.cols}): anchoring loss, drift, modality gap and retrieval compare rows in one space, so only linear CKA is reported`,
        });
        progress.step(3, `retrieval ${label}`);
        continue;
      }
      const drift = driftPerRow(a, b);
      const za = samples.get(a.name) as Float32Array;
      const zb = samples.get(b.name) as Float32Array;
      // the last tile reports fraction 1, which completes the stage's weight
      const { aToB, bToA } = await retrievalRanks(za, zb, sampleSize, a.cols, backend, signal, (f) => progress.step(3, `retrieval ${label}`, f));
      pairs.push({
        a: a.name,
        b: b.name,
        linearCka: cka,
        anchoringLoss: anchoringLoss(drift, options.tau, options.hinge),
        drift: driftStats(drift, options.tau),
        modalityGap: modalityGap(sums.get(a.name) as Float64Array, sums.get(b.name) as Float64Array, n),
        retrieval: { aToB: summarizeRanks(aToB), bToA: summarizeRanks(bToA), galleryRows: sampleSize },
        note: sampled
          ? `retrieval ranks each query among a seeded sample of ${sampleSize} of ${n} rows (maxPairwiseRows); drift, anchoring and gap use all rows`
          : '',
      });
    }
  }

  throwIfAborted(signal);
  progress.step(1, 'projection', 0);
  const proj = await projection(modalities, ctl.projectionRows ?? DEFAULT_PROJECTION_ROWS, backend);
  progress.step(1, 'projection');

  const core: GeometryCore = {
    engine: backend.info,
    n,
    options: { ...options },
    thresholds: { ...thresholds },
    modalities: reports,
    pairs,
    warnings: [],
    projection: proj,
  };
  core.warnings = evaluateWarnings(core, thresholds);
  return core;
}
