/**
 * A complete TrainConfig from the few answers the palette asks for. Everything not asked keeps
 * a sensible default, and the last answers are remembered (globally: they are habits, not data).
 */
import type { TrainConfig } from '../protocol/train';
import * as path from 'node:path';
import { DEFAULT_CONFIG, validateTrainConfig } from '../train/config';
// the webview's count formatter (pure, no DOM): the same words in notifications and in the panel
import { plural } from '../protocol/format';

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

/** The pure part of readTrainConfigFile (unit-tested): parsed JSON -> a config, or undefined. */
export function trainConfigFrom(raw: unknown, file: string): TrainConfig | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || typeof (raw as { dataset?: unknown }).dataset !== 'string')
    return undefined;
  const o = { ...(raw as Record<string, unknown>) };
  const base = path.dirname(path.resolve(file));
  // outDir may be left out of a hand-written config: runs/ beside it
  if (o.outDir === undefined) o.outDir = 'runs';
  for (const k of ['dataset', 'outDir', 'resumeFrom']) if (typeof o[k] === 'string' && o[k]) o[k] = path.resolve(base, o[k] as string);
  return validateTrainConfig(o, path.basename(file));
}

export const fmt = (x: number): string => String(Number(x.toPrecision(6)));

/** One line of what will be trained, for the Start item and the log. */
export function trainSummary(c: TrainConfig): string {
  const dagr = c.dagr.enabled
    ? `DAGR on (λ_disp ${fmt(c.dagr.lambdaDisp)}, λ_anc ${fmt(c.dagr.lambdaAnc)}, τ ${fmt(c.dagr.tau)})`
    : 'DAGR off';
  return `${plural(c.epochs, 'epoch')} · lr ${fmt(c.learningRate)} · batch ${c.batchSize} · ${dagr}`;
}
