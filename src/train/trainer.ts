/**
 * train(): the run loop of one fine-tuning run into a fresh run folder (or continuing one with
 * resumeFrom): epochs of shuffled batches, Cancel between batches, a summary at the end. The step
 * math is in trainStep.ts; reading and writing the run folder's state is in runState.ts.
 */
import * as path from 'node:path';
import { openCheckpoint } from '../io';
import type { EpochMetrics, RunSummary, TrainConfig } from '../protocol/train';
import { describeEngine, selectBackend } from './backend';
import { validateTrainConfig } from './config';
import { datasetFromCheckpoint, type PairedDataset } from './dataset';
import { Model } from './model';
import { Optimizer, scheduledRate } from './optim';
import { deriveSeed, makeRng, shuffled } from './rng';
import { FILES, createRunDir, trimMetrics, writeJson } from './runfolder';
import { type ResumeState, prepareResume, restore, writeEpoch, writeSummary } from './runState';
import { epochMetrics, trainStep } from './trainStep';

/** trainStep lives in trainStep.ts; the benchmarks and older callers import it from here. */
export { trainStep };

export interface TrainControl {
  onEpoch?(m: EpochMetrics): void;
  onProgress?(fraction: number, message: string): void;
  signal?: AbortSignal;
}

export async function openDataset(cfg: TrainConfig): Promise<PairedDataset> {
  return datasetFromCheckpoint(await openCheckpoint(cfg.dataset), { modalities: cfg.modalities, labels: cfg.labels, seed: cfg.seed });
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
  const model = new Model(
    {
      modalities: ds.modalities.map((m) => ({ name: m.name, inputDim: m.dim })),
      hidden: cfg.hidden,
      embeddingDim: cfg.embeddingDim,
      numClasses: ds.numClasses,
    },
    cfg.seed,
  );
  const opt = new Optimizer(cfg.optimizer, model.variables(), cfg.momentum);
  const summary = (status: RunSummary['status'], epochs: number, final?: EpochMetrics, message?: string): RunSummary => ({
    runDir,
    status,
    epochsCompleted: epochs,
    backend: describeEngine(engine),
    ...(final ? { final } : {}),
    ...(message ? { message } : {}),
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
        const terms = await trainStep(model, opt, ds, idx, cfg, scheduledRate(cfg.learningRate, cfg.schedule, step, totalSteps));
        sums ??= new Float64Array(terms.length);
        for (let i = 0; i < terms.length; i++) sums[i] = (sums[i] as number) + (terms[i] as number);
        batches++;
        step++;
        ctl.onProgress?.(
          ((epoch - 1) * stepsPerEpoch + b + 1) / totalSteps,
          `epoch ${epoch}/${cfg.epochs}, batch ${b + 1}/${stepsPerEpoch}`,
        );
        // Yield to the event loop so an abort from a signal handler or the host (IPC) is seen
        // before the next batch; a setImmediate costs microseconds against a step's milliseconds.
        await new Promise<void>((r) => setImmediate(r));
      }
      const avg = sums ? Array.from(sums, (x) => x / Math.max(1, batches)) : [];
      // A diverged run says so instead of writing NaN into metrics and checkpoints.
      if (avg.some((x) => !Number.isFinite(x)))
        throw new Error(`training diverged in epoch ${epoch}: the loss is not finite; try a lower learningRate`);
      if (cancelled) {
        const final = last;
        await writeSummary(
          runDir,
          engine,
          summary('cancelled', done, final, `cancelled during epoch ${epoch}; resume continues from epoch ${done + 1}`),
        );
        return summary('cancelled', done, final, `cancelled during epoch ${epoch}; resume continues from epoch ${done + 1}`);
      }
      const { metrics: m, valEmbeddings } = await epochMetrics(model, ds, cfg, engine, names, epoch, avg, (Date.now() - t0) / 1000);
      await writeEpoch(runDir, model, opt, ds, cfg, names, epoch, step, m, valEmbeddings);
      last = m;
      done = epoch;
      ctl.onEpoch?.(m);
    }
    const s = summary(
      'completed',
      done,
      last,
      state.epoch > 0 && !state.optimizerRestored ? 'resumed with weights only (no optimizer state found)' : undefined,
    );
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
