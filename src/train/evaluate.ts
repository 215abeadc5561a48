/**
 * Per-epoch evaluation: accuracy of every head on the train and validation rows, and the geometry
 * of the validation embeddings (effective rank, dispersive loss per modality, drift per pair).
 */
import { PAIRWISE_SEED, sampleRows } from '../engine/sample';
import { DEFAULT_OPTIONS } from '../protocol/report';
import type { TrainConfig } from '../protocol/train';
import { gatherLabels, gatherRows, type PairedDataset } from './dataset';
import { dispersiveLossValue, driftValues, readAndDispose } from './losses';
import type { Model } from './model';
import { effectiveRank } from './spectrum';
import { tf, type Tensor2D } from './tf';

export interface EvalResult {
  accuracy: Record<string, number>;
  /** normalized embeddings per modality, [rows, embeddingDim] */
  embeddings: Float32Array[];
}

/**
 * Runs the model over `rows` in chunks; returns accuracies per head and the embeddings. Each
 * chunk's tensors come out of its tidy and are read without blocking (tfjs-webgpu has no
 * synchronous read in Node), then disposed.
 */
export async function evaluateRows(model: Model, ds: PairedDataset, rows: Int32Array, chunk = 1024): Promise<EvalResult> {
  const names = ds.modalities.map((m) => m.name);
  const dim = model.spec.embeddingDim;
  const correct = new Map<string, number>([...names, 'fusion'].map((k) => [k, 0]));
  const embeddings = names.map(() => new Float32Array(rows.length * dim));
  const labels = gatherLabels(ds.labels, rows);
  for (let start = 0; start < rows.length; start += chunk) {
    const idx = rows.subarray(start, Math.min(rows.length, start + chunk));
    const kept = tf.tidy(() => {
      const inputs = ds.modalities.map((m) => tf.tensor2d(gatherRows(m.data, m.dim, idx), [idx.length, m.dim]));
      const out = model.forward(inputs);
      return { preds: [...out.logits, out.fusion].map((l: Tensor2D) => tf.argMax(l, 1)), emb: out.embeddings };
    });
    // every read is started before the first is awaited, and every tensor disposed even if one fails
    const reads = [...kept.preds, ...kept.emb].map((t) => readAndDispose(t));
    const values = await Promise.all(reads);
    const preds = values.slice(0, kept.preds.length) as Int32Array[];
    values.slice(kept.preds.length).forEach((e, k) => embeddings[k]!.set(e, start * dim));
    [...names, 'fusion'].forEach((name, k) => {
      const p = preds[k]!;
      let c = 0;
      for (let i = 0; i < idx.length; i++) if (p[i] === labels[start + i]) c++;
      correct.set(name, (correct.get(name) ?? 0) + c);
    });
  }
  const accuracy: Record<string, number> = {};
  for (const [k, c] of correct) accuracy[k] = c / rows.length;
  return { accuracy, embeddings };
}

export interface GeometrySummary {
  effectiveRank: Record<string, number>;
  dispersiveLoss: Record<string, number>;
  drift: Record<string, { mean: number; fractionBeyondTau: number }>;
}

/** Geometry of paired embeddings with the run's DAGR options (also computed when DAGR is off). */
export async function embeddingGeometry(
  names: string[],
  emb: Float32Array[],
  n: number,
  dim: number,
  dagr: TrainConfig['dagr'],
): Promise<GeometrySummary> {
  const out: GeometrySummary = { effectiveRank: {}, dispersiveLoss: {}, drift: {} };
  // The O(n^2) dispersive loss uses the engine's seeded row sample, so it equals what a report
  // of the saved checkpoint shows, and stays bounded for a large validation split.
  const size = Math.min(n, DEFAULT_OPTIONS.maxPairwiseRows);
  const sample = sampleRows(n, size, PAIRWISE_SEED);
  for (const [k, name] of names.entries()) {
    out.effectiveRank[name] = effectiveRank(emb[k]!, n, dim);
    const rows = size === n ? emb[k]! : gatherRows(emb[k]!, dim, sample);
    out.dispersiveLoss[name] = await dispersiveLossValue(rows, size, dim, dagr.t, dagr.pairs);
  }
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const d = await driftValues(emb[a]!, emb[b]!, n, dim);
      let s = 0;
      let beyond = 0;
      for (const x of d) {
        s += x;
        if (x > dagr.tau) beyond++;
      }
      out.drift[`${names[a]}/${names[b]}`] = { mean: s / n, fractionBeyondTau: beyond / n };
    }
  }
  return out;
}
