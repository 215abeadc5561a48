/**
 * A complete TrainConfig from the few answers the palette asks for. Everything not asked keeps
 * a sensible default, and the last answers are remembered (globally: they are habits, not data).
 */
import type { TrainConfig } from '../protocol/train';

export const DEFAULT_TRAIN: Omit<TrainConfig, 'dataset' | 'outDir'> = {
  hidden: [64],
  embeddingDim: 32,
  dagr: { enabled: true, lambdaDisp: 0.1, lambdaAnc: 0.1, tau: 0.5, t: 2, pairs: 'offdiag', hinge: 'linear' },
  unimodalWeight: 0.5,
  gradientDecoupling: false,
  optimizer: 'adam',
  learningRate: 1e-3,
  momentum: 0.9,
  schedule: 'constant',
  batchSize: 64,
  epochs: 20,
  seed: 0,
  backend: 'auto',
};

/** The baseline of "Compare with DAGR Off": same everything, regularizer off. */
export function withDagrOff(config: TrainConfig): TrainConfig {
  const off: TrainConfig = { ...config, dagr: { ...config.dagr, enabled: false, lambdaDisp: 0, lambdaAnc: 0 } };
  if (config.name) off.name = `${config.name}-dagr-off`;
  return off;
}

/** Parses "0, 0.05, 0.1" into numbers; undefined when any entry is not a finite number >= 0. */
export function parseGrid(text: string): number[] | undefined {
  const parts = text.split(/[,\s]+/).filter((s) => s.length > 0);
  const values = parts.map(Number);
  return values.length > 0 && values.every((v) => Number.isFinite(v) && v >= 0) ? values : undefined;
}
