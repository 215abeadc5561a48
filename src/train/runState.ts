/**
 * A run folder's state across runs of the trainer: resuming (the stored config, the weights and
 * the optimizer state of the last finished epoch) and what each epoch leaves behind (checkpoint,
 * model, optimizer state, metrics line) and summary.json. Order of writes per epoch: checkpoint,
 * model + optimizer state, then the metrics line; a resume trusts the saved state's epoch.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as io from '../io';
import type { EngineInfo } from '../protocol/report';
import type { EpochMetrics, RunSummary, TrainConfig } from '../protocol/train';
import { validateTrainConfig } from './config';
import { gatherLabels, type PairedDataset } from './dataset';
import type { Model } from './model';
import { loadWeights, saveWeights } from './modelio';
import type { Optimizer } from './optim';
import { FILES, appendMetrics, checkpointPath, writeJson } from './runfolder';

const MODEL_FORMAT = 'dagr-lens-mlp';

export interface ResumeState {
  epoch: number;
  step: number;
  optimizerRestored: boolean;
}

/**
 * Reads a run folder's config: it wins for everything that shapes the model and the data, while
 * `epochs` (how far to continue) and `backend` come from the caller's config.
 */
export async function prepareResume(cfg: TrainConfig): Promise<{ runDir: string; cfg: TrainConfig }> {
  const runDir = cfg.resumeFrom as string;
  const file = path.join(runDir, FILES.config);
  let stored: unknown;
  try {
    stored = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot resume: ${e instanceof Error ? e.message : String(e)}`);
  }
  // config.json also records the engine that ran (an "engine" field the validator lets through).
  const base = validateTrainConfig(stored, file, ['engine']);
  return { runDir, cfg: { ...base, epochs: cfg.epochs, backend: cfg.backend, resumeFrom: runDir } };
}

/** summary.json: the RunSummary plus the full EngineInfo, so the file names what produced it. */
export async function writeSummary(runDir: string, engine: EngineInfo, s: RunSummary): Promise<void> {
  await writeJson(path.join(runDir, FILES.summary), { ...s, engine });
}

/**
 * Everything a finished epoch leaves in the run folder, in this order: its checkpoint (the
 * validation embeddings and labels), the model and the optimizer state, then its metrics line.
 */
export async function writeEpoch(
  runDir: string,
  model: Model,
  opt: Optimizer,
  ds: PairedDataset,
  cfg: TrainConfig,
  names: string[],
  epoch: number,
  step: number,
  metrics: EpochMetrics,
  valEmbeddings: Float32Array[],
): Promise<void> {
  const valLabels = gatherLabels(ds.labels, ds.val);
  await io.writeSafetensors(
    checkpointPath(runDir, epoch),
    [
      ...names.map((name, k) => ({ name, dtype: 'float32' as const, shape: [ds.val.length, cfg.embeddingDim], data: valEmbeddings[k]! })),
      { name: 'labels', dtype: 'int32' as const, shape: [ds.val.length], data: valLabels },
    ],
    { epoch: String(epoch), step: String(step) },
    { overwrite: true },
  );
  await saveModel(runDir, model, ds, epoch, step);
  const state = await opt.exportState();
  await saveWeights(path.join(runDir, FILES.state), 'optimizer.json', 'optimizer.bin', state.slots, {
    format: 'dagr-lens-optimizer',
    modelTopology: null,
    userDefinedMetadata: { kind: cfg.optimizer, step: state.step, epoch, globalStep: step },
  });
  await appendMetrics(runDir, metrics);
}

async function saveModel(runDir: string, model: Model, ds: PairedDataset, epoch: number, step: number): Promise<void> {
  const featureStats = Object.fromEntries(ds.modalities.map((m) => [m.name, { mean: Array.from(m.mean), std: Array.from(m.std) }]));
  await saveWeights(path.join(runDir, FILES.model), 'model.json', 'weights.bin', await model.exportWeights(), {
    format: MODEL_FORMAT,
    modelTopology: {
      kind: 'dagr-mlp',
      spec: model.spec,
      description:
        'per modality: standardize (featureStats), Dense+ReLU per hidden size, Dense to embeddingDim, L2-normalize, Dense head; fusion: Dense on the concatenated normalized embeddings',
      featureStats,
    },
    userDefinedMetadata: { epoch, step },
  });
}

/** Restores weights (and the optimizer state when present) from a run folder. */
export async function restore(runDir: string, model: Model, opt: Optimizer): Promise<ResumeState> {
  let saved;
  try {
    saved = await loadWeights(path.join(runDir, FILES.model), 'model.json');
  } catch {
    // No finished epoch yet: start from the seeded initialization.
    return { epoch: 0, step: 0, optimizerRestored: false };
  }
  model.importWeights(saved.arrays);
  const meta = (saved.file.userDefinedMetadata ?? {}) as { epoch?: number; step?: number };
  const epoch = meta.epoch ?? 0;
  const step = meta.step ?? 0;
  try {
    const o = await loadWeights(path.join(runDir, FILES.state), 'optimizer.json');
    const om = (o.file.userDefinedMetadata ?? {}) as { kind?: 'adam' | 'sgd'; step?: number; epoch?: number };
    if (om.epoch !== epoch) return { epoch, step, optimizerRestored: false };
    opt.importState({ kind: om.kind ?? opt.kind, step: om.step ?? 0, slots: o.arrays });
    return { epoch, step, optimizerRestored: true };
  } catch {
    return { epoch, step, optimizerRestored: false };
  }
}
