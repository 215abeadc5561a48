/**
 * A complete TrainConfig from the few answers the palette asks for. Everything not asked keeps
 * a sensible default, and the last answers are remembered (globally: they are habits, not data).
 */
import type { TrainConfig } from '../protocol/train';
import { DEFAULT_CONFIG } from '../train/config';

// the trainer's own defaults (config.ts imports no TensorFlow.js, so the host can load it)
export const DEFAULT_TRAIN: Omit<TrainConfig, 'dataset' | 'outDir'> = DEFAULT_CONFIG;

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
