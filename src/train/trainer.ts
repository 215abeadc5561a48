/**
 * train(): one fine-tuning run into a fresh run folder (or continues one with resumeFrom).
 * Order of writes per epoch: checkpoint, model + optimizer state, then the metrics line; a resume
 * trusts the saved state's epoch and drops any metrics line beyond it.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as io from '../io';
import { openCheckpoint } from '../io';
import type { EngineInfo } from '../protocol/report';
import type { EpochMetrics, RunSummary, TrainConfig } from '../protocol/train';
import { describeEngine, selectBackend } from './backend';
import { validateTrainConfig } from './config';
import { datasetFromCheckpoint, gatherLabels, gatherRows, type PairedDataset } from './dataset';
import { embeddingGeometry, evaluateRows } from './evaluate';
import { Model } from './model';
import { loadWeights, saveWeights } from './modelio';
import { objective, termNames } from './objective';
import { Optimizer, scheduledRate } from './optim';
import { deriveSeed, makeRng, shuffled } from './rng';
import { FILES, appendMetrics, checkpointPath, createRunDir, trimMetrics, writeJson } from './runfolder';
import { tf, type Tensor, type Tensor1D } from './tf';

export interface TrainControl {
  onEpoch?(m: EpochMetrics): void;
  onProgress?(fraction: number, message: string): void;
  signal?: AbortSignal;
}

const MODEL_FORMAT = 'dagr-lens-mlp';

export async function openDataset(cfg: TrainConfig): Promise<PairedDataset> {
  return datasetFromCheckpoint(await openCheckpoint(cfg.dataset), { modalities: cfg.modalities, labels: cfg.labels, seed: cfg.seed });
}

interface ResumeState {
  epoch: number;
  step: number;
  optimizerRestored: boolean;
}

/**
 * Reads a run folder's config: it wins for everything that shapes the model and the data, while
 * `epochs` (how far to continue) and `backend` come from the caller's config.
 */
async function prepareResume(cfg: TrainConfig): Promise<{ runDir: string; cfg: TrainConfig }> {
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

export async function train(input: TrainConfig, ctl: TrainControl = {}): Promise<RunSummary> {
  // Callers other than the CLI (the compute process, sweeps) get the same checks and defaults.
  const config = validateTrainConfig(input, input.name ?? 'train config', ['grid', 'engine']);
  let cfg = config;
  let runDir: string;
  if (config.resumeFrom) ({ runDir, cfg } = await prepareResume(config));
  const engine = await selectBackend(cfg.backend);
  const ds = await openDataset(cfg);
  if (!config.resumeFrom) {
    runDir = await createRunDir(cfg.outDir, cfg.name);
    await writeJson(path.join(runDir, FILES.config), { ...cfg, engine });
  }
  runDir = runDir!;
  const names = ds.modalities.map((m) => m.name);
  const model = new Model({ modalities: ds.modalities.map((m) => ({ name: m.name, inputDim: m.dim })), hidden: cfg.hidden, embeddingDim: cfg.embeddingDim, numClasses: ds.numClasses }, cfg.seed);
  const opt = new Optimizer(cfg.optimizer, model.variables(), cfg.momentum);
  const summary = (status: RunSummary['status'], epochs: number, final?: EpochMetrics, message?: string): RunSummary => ({
    runDir, status, epochsCompleted: epochs, backend: describeEngine(engine), ...(final ? { final } : {}), ...(message ? { message } : {}),
  });
  let last: EpochMetrics | undefined;
  let done = 0;
  try {
    let state: ResumeState = { epoch: 0, step: 0, optimizerRestored: false };
    if (config.resumeFrom) {
      state = await restore(runDir, model, opt);
      const kept = await trimMetrics(runDir, state.epoch);
      last = kept[kept.length - 1];
      done = state.epoch;
    }
    const stepsPerEpoch = Math.ceil(ds.train.length / cfg.batchSize);
    const totalSteps = stepsPerEpoch * cfg.epochs;
    let step = state.step;
    for (let epoch = state.epoch + 1; epoch <= cfg.epochs; epoch++) {
      const t0 = Date.now();
      const order = shuffled(ds.train, makeRng(deriveSeed(cfg.seed, 1000 + epoch)));
      let sums: Float64Array | null = null;
      let batches = 0;
      let cancelled = false;
      for (let b = 0; b < stepsPerEpoch; b++) {
        if (ctl.signal?.aborted) {
          cancelled = true;
          break;
        }
        const idx = order.subarray(b * cfg.batchSize, Math.min(order.length, (b + 1) * cfg.batchSize));
        if (idx.length < 2) continue; // the DAGR terms need two rows; a 1-row tail is skipped
        const terms = trainStep(model, opt, ds, idx, cfg, scheduledRate(cfg.learningRate, cfg.schedule, step, totalSteps));
        sums ??= new Float64Array(terms.length);
        for (let i = 0; i < terms.length; i++) sums[i] = (sums[i] as number) + (terms[i] as number);
        batches++;
        step++;
        ctl.onProgress?.(((epoch - 1) * stepsPerEpoch + b + 1) / totalSteps, `epoch ${epoch}/${cfg.epochs}, batch ${b + 1}/${stepsPerEpoch}`);
        // Yield to the event loop so an abort from a signal handler or the host (IPC) is seen
        // before the next batch; a setImmediate costs microseconds against a step's milliseconds.
        await new Promise<void>((r) => setImmediate(r));
      }
      const avg = sums ? Array.from(sums, (x) => x / Math.max(1, batches)) : [];
      // A diverged run says so instead of writing NaN into metrics and checkpoints.
      if (avg.some((x) => !Number.isFinite(x))) throw new Error(`training diverged in epoch ${epoch}: the loss is not finite; try a lower learningRate`);
      if (cancelled) {
        const final = last;
        await writeSummary(runDir, engine, summary('cancelled', done, final, `cancelled during epoch ${epoch}; resume continues from epoch ${done + 1}`));
        return summary('cancelled', done, final, `cancelled during epoch ${epoch}; resume continues from epoch ${done + 1}`);
      }
      const m = await finishEpoch(runDir, model, opt, ds, cfg, engine, names, epoch, step, avg, (Date.now() - t0) / 1000);
      last = m;
      done = epoch;
      ctl.onEpoch?.(m);
    }
    const s = summary('completed', done, last, state.epoch > 0 && !state.optimizerRestored ? 'resumed with weights only (no optimizer state found)' : undefined);
    await writeSummary(runDir, engine, s);
    return s;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    await writeSummary(runDir, engine, summary('failed', done, last, msg)).catch(() => undefined);
    throw e;
  } finally {
    opt.dispose();
    model.dispose();
  }
}

/** summary.json: the RunSummary plus the full EngineInfo, so the file names what produced it. */
async function writeSummary(runDir: string, engine: EngineInfo, s: RunSummary): Promise<void> {
  await writeJson(path.join(runDir, FILES.summary), { ...s, engine });
}

/**
 * One optimizer step on the rows `idx`; returns the loss terms [total, task, unimodal, disp..., anc...]
 * as numbers. Reading them back also waits for the step to finish, which keeps timings honest.
 */
export function trainStep(model: Model, opt: Optimizer, ds: PairedDataset, idx: Int32Array, cfg: TrainConfig, lr: number): Float32Array {
  let terms: Tensor1D | null = null;
  tf.tidy(() => {
    const inputs = ds.modalities.map((m) => tf.tensor2d(gatherRows(m.data, m.dim, idx), [idx.length, m.dim]));
    const oneHot = tf.oneHot(tf.tensor1d(gatherLabels(ds.labels, idx), 'int32'), ds.numClasses).toFloat() as tf.Tensor2D;
    const vars = model.variables();
    const { grads } = tf.variableGrads(() => {
      const o = objective(model, inputs, oneHot, cfg);
      terms = tf.keep(o.terms);
      return o.total;
    }, vars);
    opt.apply(vars.map((v) => grads[v.name] as Tensor), lr);
  });
  const kept = terms as unknown as Tensor1D;
  const values = kept.dataSync() as Float32Array;
  kept.dispose();
  return values;
}

async function finishEpoch(
  runDir: string, model: Model, opt: Optimizer, ds: PairedDataset, cfg: TrainConfig, engine: EngineInfo,
  names: string[], epoch: number, step: number, avg: number[], trainSeconds: number,
): Promise<EpochMetrics> {
  const t0 = Date.now();
  const trainEval = evaluateRows(model, ds, ds.train);
  const valEval = evaluateRows(model, ds, ds.val);
  const geo = embeddingGeometry(names, valEval.embeddings, ds.val.length, cfg.embeddingDim, cfg.dagr);
  const { disp, anc } = termNames(names);
  const dispersive: Record<string, number> = {};
  const anchoring: Record<string, number> = {};
  if (cfg.dagr.enabled) {
    disp.forEach((k, i) => (dispersive[k] = avg[3 + i] ?? NaN));
    anc.forEach((k, i) => (anchoring[k] = avg[3 + disp.length + i] ?? NaN));
  }
  const m: EpochMetrics = {
    epoch,
    losses: { total: avg[0] ?? NaN, task: avg[1] ?? NaN, unimodal: avg[2] ?? NaN, dispersive, anchoring },
    trainAccuracy: trainEval.accuracy,
    valAccuracy: valEval.accuracy,
    effectiveRank: geo.effectiveRank,
    dispersiveLoss: geo.dispersiveLoss,
    drift: geo.drift,
    backend: describeEngine(engine),
    seconds: trainSeconds + (Date.now() - t0) / 1000,
  };
  const valLabels = gatherLabels(ds.labels, ds.val);
  await io.writeSafetensors(
    checkpointPath(runDir, epoch),
    [
      ...names.map((name, k) => ({ name, dtype: 'float32' as const, shape: [ds.val.length, cfg.embeddingDim], data: valEval.embeddings[k]! })),
      { name: 'labels', dtype: 'int32' as const, shape: [ds.val.length], data: valLabels },
    ],
    { epoch: String(epoch), step: String(step) },
    { overwrite: true },
  );
  await saveModel(runDir, model, ds, epoch, step);
  await saveWeights(path.join(runDir, FILES.state), 'optimizer.json', 'optimizer.bin', opt.exportState().slots, {
    format: 'dagr-lens-optimizer',
    modelTopology: null,
    userDefinedMetadata: { kind: cfg.optimizer, step: opt.exportState().step, epoch, globalStep: step },
  });
  await appendMetrics(runDir, m);
  return m;
}

async function saveModel(runDir: string, model: Model, ds: PairedDataset, epoch: number, step: number): Promise<void> {
  const featureStats = Object.fromEntries(ds.modalities.map((m) => [m.name, { mean: Array.from(m.mean), std: Array.from(m.std) }]));
  await saveWeights(path.join(runDir, FILES.model), 'model.json', 'weights.bin', model.exportWeights(), {
    format: MODEL_FORMAT,
    modelTopology: {
      kind: 'dagr-mlp',
      spec: model.spec,
      description: 'per modality: standardize (featureStats), Dense+ReLU per hidden size, Dense to embeddingDim, L2-normalize, Dense head; fusion: Dense on the concatenated normalized embeddings',
      featureStats,
    },
    userDefinedMetadata: { epoch, step },
  });
}

/** Restores weights (and the optimizer state when present) from a run folder. */
async function restore(runDir: string, model: Model, opt: Optimizer): Promise<ResumeState> {
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
