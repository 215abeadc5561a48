/**
 * Fine-tuning configuration and progress records, shared by the CLI, the compute process and the
 * webview. `dagr train CONFIG.json` reads a TrainConfig; metrics.jsonl holds one EpochMetrics per line.
 */
import type { HingeMode, PairsMode } from './report';

export interface TrainConfig {
  /** paired dataset file (any reader format): per-modality feature arrays, labels, optional split */
  dataset: string;
  /** modality array names in the dataset; default: every 2-D float array */
  modalities?: string[];
  /** label array name; default "labels" or "y" */
  labels?: string;
  /** where runs go; a new timestamped sub-folder is created per run, never overwritten */
  outDir: string;
  /** optional run folder name; if it exists a suffix is added */
  name?: string;
  hidden: number[];
  embeddingDim: number;
  dagr: {
    enabled: boolean;
    lambdaDisp: number;
    lambdaAnc: number;
    tau: number;
    t: number;
    pairs: PairsMode;
    hinge: HingeMode;
  };
  /** weight of the unimodal heads' cross-entropy */
  unimodalWeight: number;
  /** DGL baseline: fusion loss does not reach the encoders */
  gradientDecoupling: boolean;
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  momentum: number;
  schedule: 'constant' | 'cosine' | 'step';
  batchSize: number;
  epochs: number;
  seed: number;
  /** "auto" picks tfjs-node-gpu, tfjs-node, wasm, cpu: first that loads */
  backend: 'auto' | 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
  /** continue an existing run folder from its last finished epoch */
  resumeFrom?: string;
}

export interface SweepConfig extends TrainConfig {
  /** grid axes: (lambdaAnc, tau) or (lambdaDisp, t) */
  grid: { lambdaAnc?: number[]; tau?: number[]; lambdaDisp?: number[]; t?: number[] };
}

export interface EpochMetrics {
  epoch: number;
  losses: { total: number; task: number; unimodal: number; dispersive: Record<string, number>; anchoring: Record<string, number> };
  trainAccuracy: Record<string, number>; // modality name or "fusion"
  valAccuracy: Record<string, number>;
  effectiveRank: Record<string, number>;
  dispersiveLoss: Record<string, number>;
  drift: Record<string, { mean: number; fractionBeyondTau: number }>; // key "a/b"
  backend: string;
  seconds: number;
}

export interface RunSummary {
  runDir: string;
  status: 'completed' | 'cancelled' | 'failed';
  epochsCompleted: number;
  final?: EpochMetrics;
  backend: string;
  message?: string;
}

export interface SweepPoint {
  params: Record<string, number>;
  runDir: string;
  meanUnimodalAccuracy: number;
  fusionAccuracy: number;
  pareto: boolean;
}
