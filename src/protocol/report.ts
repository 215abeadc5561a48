/**
 * The geometry report: the JSON contract of `dagr inspect --json`, the webview and the HTML export.
 * Field names are public API (issue "Geometry engine"): never rename, only add.
 * No vscode, DOM or node imports here: host, compute process and webview all import this file.
 */

import type { ClassReport, MoverRow, MoversSummary } from './neighbors';

export type PairsMode = 'offdiag' | 'all';
export type HingeMode = 'linear' | 'squared';

export interface EngineInfo {
  /** e.g. "onnxruntime", "js", "tfjs-wasm", "tfjs-cpu", "tfjs-node", "tfjs-node-gpu" */
  name: string;
  /** e.g. "cpu", "cuda:0"; plus a plain warning when a GPU was wanted but not used */
  device: string;
  threads: number;
  /** optional plain-language note, e.g. "GPU not used: tfjs-node-gpu needs CUDA 11.2 ..." */
  note?: string;
}

export interface ReportOptions {
  t: number;
  tau: number;
  pairs: PairsMode;
  hinge: HingeMode;
  /** O(N^2) metrics (dispersive loss, retrieval) use a seeded sample of at most this many rows; 0 = all rows */
  maxPairwiseRows: number;
  /**
   * Pair metrics for every pair of modalities while there are at most this many pairs (default
   * 28: every pair of 8 modalities); beyond it, the pairs of one modality with each other one
   * (see PairSelection). Absent = the default.
   */
  maxPairs?: number;
  /**
   * The pairs to compute, named by the user instead of the automatic choice: [a, b] is one pair,
   * [a] alone every pair of a with another modality. Absent = the automatic choice.
   */
  pairsOf?: string[][];
}

/** Which modality pairs a report has metrics for, and why (GeometryReport.pairSelection). */
export interface PairSelection {
  /**
   * 'all': every pair (M(M-1)/2 <= maxPairs); 'withFirst': too many pairs for all, so every
   * modality paired with one (the first, or the one the user named alone in pairsOf);
   * 'named': exactly the pairs the user named
   */
  mode: 'all' | 'withFirst' | 'named';
  /** pairs computed (= the length of GeometryReport.pairs) */
  computed: number;
  /** pairs the modalities make, M(M-1)/2 */
  possible: number;
  /** the cap that applied */
  maxPairs: number;
  /** in 'withFirst': the modality every computed pair includes */
  hub?: string;
  /** one sentence for the reader: which pairs and why; empty when every pair was computed */
  note: string;
}

/** A checkpoint member that was not analysed because its reader could not decode it. */
export interface SkippedMember {
  name: string;
  /** one line, e.g. "dtype F8_E4M3 is not supported" */
  reason: string;
}

export interface ModalityReport {
  dim: number;
  effectiveRank: number;
  effectiveRankCentered: number;
  stableRank: number;
  dispersiveLoss: number;
  /** singular values of the raw (uncentered) Z, descending */
  spectrum: number[];
  /** cumulative explained variance of the centered Z, in [0,1], length = spectrum length */
  explainedVariance: number[];
  /** mean pairwise cosine similarity over i != j (complete-collapse indicator) */
  meanCosine: number;
  /** fraction of dimensions whose variance is below the dead-dimension threshold */
  deadDimensionFraction: number;
  /** rows used for the dispersive loss (== n unless sampled) */
  pairwiseRows: number;
  /** the dtype the array is stored in (float16, bfloat16, float32, float64); absent when not known */
  dtype?: string;
  /**
   * standard error of dispersiveLoss from sampling pairwiseRows of n rows (U-statistic variance,
   * delta method, finite-population corrected: 0 when every row is used)
   */
  dispersiveLossStdErr?: number;
}

export interface RetrievalDirection {
  r1: number;
  r5: number;
  r10: number;
  medianRank: number;
  /** standard errors of r1/r5/r10 from the row sample (finite-population corrected: 0 when every row is used) */
  stdErr?: { r1: number; r5: number; r10: number };
}

export interface DriftStats {
  mean: number;
  median: number;
  p90: number;
  p99: number;
  max: number;
  fractionBeyondTau: number;
  /** edges has bins+1 entries on [0,4]; counts has bins entries */
  histogram: { edges: number[]; counts: number[] };
}

export interface PairReport {
  a: string;
  b: string;
  linearCka: number;
  /** null when widths differ (see note) */
  anchoringLoss: number | null;
  drift: DriftStats | null;
  modalityGap: number | null;
  retrieval: { aToB: RetrievalDirection; bToA: RetrievalDirection; galleryRows: number } | null;
  /** why something was omitted or sampled; empty string when nothing to say */
  note: string;
}

export type WarningCode =
  | 'dimensional-collapse'
  | 'complete-collapse'
  | 'excess-drift'
  | 'dead-dimensions'
  | 'modality-gap'
  /** one class's effective rank far below the median class's (per-class geometry, issue 12) */
  | 'class-collapse';

export type Severity = 'error' | 'warning' | 'info';

export interface GeometryWarning {
  code: WarningCode;
  severity: Severity;
  modality?: string;
  pair?: string; // "a/b"
  /** the class label, for per-class warnings */
  label?: number;
  value: number;
  threshold: number;
  message: string;
}

export interface WarningThresholds {
  /** effective rank below this fraction of min(N, d) */
  dimensionalCollapse: number;
  /** mean pairwise cosine above this */
  completeCollapse: number;
  /** fraction of pairs beyond tau above this */
  excessDrift: number;
  /** fraction of dimensions with variance < deadVariance above this */
  deadDimensions: number;
  deadVariance: number;
  /** modality gap above this */
  modalityGap: number;
  /**
   * a class (>= 10 rows) whose effective rank is below this share of the median class's is
   * collapsed (class-collapse warning; needs labels and 3 such classes). Absent = 0.25.
   */
  classCollapse?: number;
}

export const DEFAULT_THRESHOLDS: WarningThresholds = {
  dimensionalCollapse: 0.1,
  completeCollapse: 0.9,
  excessDrift: 0.5,
  deadDimensions: 0.2,
  deadVariance: 1e-8,
  modalityGap: 0.5,
  classCollapse: 0.25,
};

export const DEFAULT_OPTIONS: ReportOptions = {
  t: 2,
  tau: 0.5,
  pairs: 'offdiag',
  hinge: 'linear',
  maxPairwiseRows: 16384,
};

/** Default ReportOptions.maxPairs: every pair of up to 8 modalities (8 * 7 / 2 = 28). */
export const DEFAULT_MAX_PAIRS = 28;

export interface GeometryReport {
  /** report format version */
  version: 1;
  /** 'embeddings' beside the weights report's 'weights' (src/protocol/weights.ts); absent in reports made before it */
  kind?: 'embeddings';
  /** file the report was computed from (absolute or as given) */
  source: string;
  engine: EngineInfo;
  n: number;
  options: ReportOptions;
  thresholds: WarningThresholds;
  modalities: Record<string, ModalityReport>;
  pairs: PairReport[];
  warnings: GeometryWarning[];
  /** checkpoint metadata (epoch, step, ...) when present */
  metadata: { epoch?: number; step?: number; [key: string]: unknown };
  /**
   * 2-D PCA projection of a row sample, for the scatter plot; rows are paired across modalities.
   * Only a few modalities are projected when there are many (note says which and why).
   */
  projection?: {
    rows: number[];
    points: Record<string, number[]> /* x0,y0,x1,y1,... */;
    note?: string;
    /** per modality: the share of the fitted (normalized, centred) rows' variance along PC 1 and PC 2 */
    variance?: Record<string, number[]>;
    /** 'joint': one PCA of all modalities' rows stacked (equal widths); 'per-modality': one PCA each */
    fit?: 'joint' | 'per-modality';
    /** the label of each projected row, when the labels are integer classes (issue 12: tooltips, lasso export) */
    labels?: number[];
  };
  /** which modality pairs `pairs` holds and why; absent when `pairs` holds every pair */
  pairSelection?: PairSelection;
  /** members of the checkpoint that could not be read (strings, pickled objects, F8 tensors), with why */
  skipped?: SkippedMember[];
  /** label array name, when labels were found */
  labels?: string;
  /** per-class geometry when labels were found (issue 12), classes in ascending label order */
  classes?: ClassReport[];
  /** why a report with labels has no `classes` (labels that are not integer classes, too many classes) */
  classesNote?: string;
  seconds: number;
}

/** A run: one report per checkpoint, ordered by epoch/step. */
export interface RunReport {
  version: 1;
  kind: 'run';
  source: string;
  engine: EngineInfo;
  checkpoints: { file: string; epoch: number | null; step: number | null; report: GeometryReport }[];
  /** first checkpoint index at which each warning code fires */
  firstWarning: Partial<Record<WarningCode, number>>;
  /** the run's warnings grouped over its checkpoints, one per warning and modality/pair (src/jobs/runWarnings.ts) */
  runWarnings?: RunWarning[];
  /** how the run was trained, when its folder says so */
  origin?: RunOrigin;
}

/**
 * A warning of a run as a whole: one per code and modality/pair, however many checkpoints it
 * fires in. 'not-shared-space' (information) replaces excess-drift and modality-gap for a pair
 * whose R@1 is at chance from the first checkpoint on: its two spaces were never one.
 */
export interface RunWarning {
  code: WarningCode | 'not-shared-space';
  severity: Severity;
  modality?: string;
  pair?: string;
  /** index of the first checkpoint where it fires, and that checkpoint's epoch (else step, else null) */
  onset: number;
  onsetEpoch: number | null;
  /** index of the newest checkpoint where it fires; active: that is the newest checkpoint of the run */
  latest: number;
  active: boolean;
  /** value and threshold at `latest` */
  value: number;
  threshold: number;
  message: string;
  /** what to change, fitted to how the run was trained (a DAGR run: which lambda or tau) */
  suggestion?: string;
}

/** What a run folder says about its training: `dagr train`'s config.json, a sweep beside it, or checkpoint metadata. */
export interface RunOrigin {
  /** the DAGR terms it was trained with; null: trained without them (DAGR off, or another trainer that says so) */
  dagr: { lambdaDisp: number; lambdaAnc: number; tau: number; t: number } | null;
  /** the file that said so */
  from: string;
  /** the Pareto point of a sweep this run belongs to with the best fusion accuracy, when one exists */
  sweepBest?: { params: Record<string, number>; fusionAccuracy: number; meanUnimodalAccuracy: number; file: string };
}

export interface CompareReport {
  version: 1;
  kind: 'compare';
  a: GeometryReport;
  b: GeometryReport;
  /** flat metric path -> { a, b, delta }, e.g. "modalities.audio.effectiveRank" */
  changes: { metric: string; a: number | null; b: number | null; delta: number | null }[];
  /** with --movers K: per compared row and modality, the Jaccard overlap of its k-NN sets in a and b, most changed first */
  movers?: MoverRow[];
  /** per modality: k, rows compared, the overlap histogram, most and least changed rows */
  moversSummary?: MoversSummary[];
}
