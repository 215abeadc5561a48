/**
 * The step math of a fine-tuning run, free of any file: one optimizer step on a batch, and an
 * epoch's metrics from its averaged loss terms and the evaluation of the model. trainer.ts runs
 * the loop around them; runState.ts writes what they produce.
 */
import type { EngineInfo } from '../protocol/report';
import type { EpochMetrics, TrainConfig } from '../protocol/train';
import { describeEngine } from './backend';
import { gatherLabels, gatherRows, type PairedDataset } from './dataset';
import { embeddingGeometry, evaluateRows } from './evaluate';
import { readAndDispose } from './losses';
import type { Model } from './model';
import { objective, termNames } from './objective';
import type { Optimizer } from './optim';
import { tf, type Tensor, type Tensor1D } from './tf';

/**
 * One optimizer step on the rows `idx`; returns the loss terms [total, task, unimodal, disp..., anc...]
 * as numbers. Reading them back also waits for the step to finish, which keeps timings honest. The
 * read is awaited (tensor.data()): tfjs-webgpu has no synchronous read in Node, and a GPU backend
 * leaves the event loop free while the step computes.
 */
export async function trainStep(
  model: Model,
  opt: Optimizer,
  ds: PairedDataset,
  idx: Int32Array,
  cfg: TrainConfig,
  lr: number,
): Promise<Float32Array> {
  let terms: Tensor1D | null = null;
  try {
    tf.tidy(() => {
      const inputs = ds.modalities.map((m) => tf.tensor2d(gatherRows(m.data, m.dim, idx), [idx.length, m.dim]));
      const oneHot = tf.oneHot(tf.tensor1d(gatherLabels(ds.labels, idx), 'int32'), ds.numClasses).toFloat() as tf.Tensor2D;
      const vars = model.variables();
      const { grads } = tf.variableGrads(() => {
        const o = objective(model, inputs, oneHot, cfg);
        terms = tf.keep(o.terms);
        return o.total;
      }, vars);
      opt.apply(
        vars.map((v) => grads[v.name] as Tensor),
        lr,
      );
    });
  } catch (e) {
    // the terms were kept before the step failed: they must not outlive it
    (terms as Tensor1D | null)?.dispose();
    throw e;
  }
  return (await readAndDispose(terms as unknown as Tensor1D)) as Float32Array;
}

/** What an epoch's evaluation gives the run folder: its metrics and the validation embeddings. */
export interface EpochResult {
  metrics: EpochMetrics;
  /** the validation rows' embeddings, one array per modality (the epoch's checkpoint) */
  valEmbeddings: Float32Array[];
}

/**
 * The metrics of a finished epoch: the averaged loss terms `avg` (as trainStep returns them), the
 * accuracies on the training and validation rows, and the validation embeddings' geometry.
 */
export async function epochMetrics(
  model: Model,
  ds: PairedDataset,
  cfg: TrainConfig,
  engine: EngineInfo,
  names: string[],
  epoch: number,
  avg: number[],
  trainSeconds: number,
): Promise<EpochResult> {
  const t0 = Date.now();
  const trainEval = await evaluateRows(model, ds, ds.train);
  const valEval = await evaluateRows(model, ds, ds.val);
  const geo = await embeddingGeometry(names, valEval.embeddings, ds.val.length, cfg.embeddingDim, cfg.dagr);
  const { disp, anc } = termNames(names);
  const dispersive: Record<string, number> = {};
  const anchoring: Record<string, number> = {};
  if (cfg.dagr.enabled) {
    disp.forEach((k, i) => (dispersive[k] = avg[3 + i] ?? NaN));
    anc.forEach((k, i) => (anchoring[k] = avg[3 + disp.length + i] ?? NaN));
  }
  const metrics: EpochMetrics = {
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
  return { metrics, valEmbeddings: valEval.embeddings };
}
