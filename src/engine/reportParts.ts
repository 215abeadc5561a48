/**
 * The parts of a GeometryCore that the in-memory report (./geometry) and the streamed one
 * (./stream/finalize) build the same way from their own numbers: a modality's entry, a pair's
 * entry, which modalities the scatter projects, and the finished core with its warnings. Kept in
 * one place so the two reports cannot drift apart in fields, notes or progress stages.
 */
import type { Matrix } from '../io/types';
import type { ModalityReport, PairReport, PairSelection, ReportOptions, RetrievalDirection, WarningThresholds } from '../protocol/report';
import { recordOf } from '../protocol/keys';
import { summarizeRanks } from './retrieval';
import { retrievalStdErr } from './stream/stdErr';
import type { GeometryBackend, GeometryCore } from './types';
import { evaluateWarnings } from './warnings';

/** The scatter's part of a report, as ./linalg/projection makes it. */
type Projection = NonNullable<GeometryCore['projection']>;

/** rows in the scatter's projection sample unless the caller asks for another number */
export const DEFAULT_PROJECTION_ROWS = 2000;
/**
 * The scatter shows at most this many modalities: more points of more colors are unreadable, and
 * the projection's JSON grows with every modality (2 numbers per sampled row each).
 */
export const MAX_PROJECTED_MODALITIES = 8;
/** names quoted in an error or note, at most */
const MAX_NAMES_QUOTED = 10;

export function quoteNames(names: readonly string[]): string {
  const shown = names
    .slice(0, MAX_NAMES_QUOTED)
    .map((n) => `'${n}'`)
    .join(', ');
  return names.length > MAX_NAMES_QUOTED ? `${shown} and ${names.length - MAX_NAMES_QUOTED} more` : shown;
}

/** progress over named stages with rough relative costs, so the bar moves evenly */
export class Progress {
  private done = 0;
  constructor(
    private readonly total: number,
    private readonly report?: (f: number, stage: string) => void,
  ) {}
  step(weight: number, stage: string, within = 1): void {
    this.report?.(Math.min(1, (this.done + weight * within) / this.total), stage);
    if (within >= 1) this.done += weight;
  }
}

/** Progress weights: spectrum 2 and dispersive 3 per modality; 1 + 3 (retrieval) per pair; projection 1. */
export const progressTotal = (modalities: number, pairs: number): number => 5 * modalities + 4 * pairs + 1;

/** A modality's spectrum-side numbers, from a matrix (./spectrum) or from co-moments (./stream/finalize). */
export interface SpectraNumbers {
  spectrum: Float64Array;
  effectiveRank: number;
  effectiveRankCentered: number;
  stableRank: number;
  explainedVariance: Float64Array;
  /** population variance of each column, in stored units */
  variance: Float64Array;
}

export function modalityReport(
  dim: number,
  spectra: SpectraNumbers,
  pairwise: { dispersiveLoss: number; stdErr: number | undefined; rows: number },
  meanCosine: number,
  thresholds: WarningThresholds,
): ModalityReport {
  let dead = 0;
  for (const v of spectra.variance) if (v < thresholds.deadVariance) dead++;
  return {
    dim,
    effectiveRank: spectra.effectiveRank,
    effectiveRankCentered: spectra.effectiveRankCentered,
    stableRank: spectra.stableRank,
    dispersiveLoss: pairwise.dispersiveLoss,
    spectrum: Array.from(spectra.spectrum),
    explainedVariance: Array.from(spectra.explainedVariance),
    meanCosine,
    deadDimensionFraction: dead / dim,
    pairwiseRows: pairwise.rows,
    // a sampled value says how far it may be from the all-rows one (absent when every row is used)
    ...(pairwise.stdErr !== undefined ? { dispersiveLossStdErr: pairwise.stdErr } : {}),
  };
}

/** A pair of different widths: only linear CKA compares them. */
export function widthsDifferPair(a: string, b: string, widthA: number, widthB: number, linearCka: number): PairReport {
  return {
    a,
    b,
    linearCka,
    anchoringLoss: null,
    drift: null,
    modalityGap: null,
    retrieval: null,
    note: `widths differ (${widthA} vs ${widthB}): anchoring loss, drift, modality gap and retrieval compare rows in one space, so only linear CKA is reported`,
  };
}

/** R@k with its standard errors when the ranks come from a sample of the rows */
export function withStdErr(r: RetrievalDirection, sampled: boolean, s: number, n: number): RetrievalDirection {
  return sampled ? { ...r, stdErr: retrievalStdErr(r, s, n) } : r;
}

/** A pair in one space: its row-wise numbers, and retrieval ranked among s of the n rows. */
export function sameSpacePair(
  pair: Pick<PairReport, 'a' | 'b' | 'linearCka' | 'anchoringLoss' | 'drift' | 'modalityGap'>,
  ranks: { aToB: Float64Array; bToA: Float64Array },
  s: number,
  n: number,
): PairReport {
  const sampled = s < n;
  return {
    ...pair,
    retrieval: {
      aToB: withStdErr(summarizeRanks(ranks.aToB), sampled, s, n),
      bToA: withStdErr(summarizeRanks(ranks.bToA), sampled, s, n),
      galleryRows: s,
    },
    note: sampled
      ? `retrieval ranks each query among a seeded sample of ${s} of ${n} rows (maxPairwiseRows); drift, anchoring and gap use all rows`
      : '',
  };
}

/** The modalities of the computed pairs, in that order (the hub first), at most MAX_PROJECTED_MODALITIES. */
export function projectedModalities(chosen: readonly (readonly [number, number])[]): number[] {
  const order: number[] = [];
  for (const [i, j] of chosen) {
    for (const k of [i, j]) if (!order.includes(k) && order.length < MAX_PROJECTED_MODALITIES) order.push(k);
    if (order.length >= MAX_PROJECTED_MODALITIES) break;
  }
  if (order.length === 0) order.push(0);
  return order;
}

/** The projection's note when it shows fewer modalities than the report has (else unchanged). */
export function noteProjected(proj: Projection, projected: readonly Pick<Matrix, 'name'>[], m: number): void {
  if (projected.length < m) {
    proj.note =
      `projected ${projected.length} of ${m} modalities (${quoteNames(projected.map((x) => x.name))}: the first in the computed pairs); ` +
      `a scatter of more is unreadable and grows the report with every modality`;
  }
}

/** The finished core: the computed parts, and the warnings judged on them. */
export function finishCore(
  backend: GeometryBackend,
  n: number,
  options: ReportOptions,
  thresholds: WarningThresholds,
  parts: { modalities: Map<string, ModalityReport>; pairs: PairReport[]; projection: Projection; selection: PairSelection },
): GeometryCore & { pairSelection?: PairSelection } {
  const core: GeometryCore & { pairSelection?: PairSelection } = {
    engine: backend.info,
    n,
    options: { ...options },
    thresholds: { ...thresholds },
    modalities: recordOf(parts.modalities),
    pairs: parts.pairs,
    warnings: [],
    projection: parts.projection,
    // only when it says something: every pair computed is the rule a report without it follows
    ...(parts.selection.mode !== 'all' ? { pairSelection: parts.selection } : {}),
  };
  core.warnings = evaluateWarnings(core, thresholds);
  return core;
}
