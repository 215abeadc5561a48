/**
 * Per-epoch evaluation: accuracy of every head on the train and validation rows, and the geometry
 * of the validation embeddings (effective rank, dispersive loss per modality, drift per pair).
 */
import { PAIRWISE_SEED, sampleRows } from '../engine/sample';
import { DEFAULT_OPTIONS } from '../protocol/report';
import type { TrainConfig } from '../protocol/train';
import { gatherLabels, gatherRows, type PairedDataset } from './dataset';
import { dispersiveLossValue, driftValues } from './losses';
import type { Model } from './model';
import { effectiveRank } from './spectrum';
import { tf, type Tensor2D } from './tf';

export interface EvalResult {
  accuracy: Record<string, number>;
  /** normalized embeddings per modality, [rows, embeddingDim] */
  embeddings: Float32Array[];
}

/** Runs the model over `rows` in chunks; returns accuracies per head and the embeddings. */
export function evaluateRows(model: Model, ds: PairedDataset, rows: Int32Array, chunk = 1024): EvalResult {
  const names = ds.modalities.map((m) => m.name);
  const dim = model.spec.embeddingDim;
  const correct = new Map<string, number>([...names, 'fusion'].map((k) => [k, 0]));
  const embeddings = names.map(() => new Float32Array(rows.length * dim));
  const labels = gatherLabels(ds.labels, rows);
  for (let start = 0; start < rows.length; start += chunk) {
    const idx = rows.subarray(start, Math.min(rows.length, start + chunk));
    const res = tf.tidy(() => {
      const inputs = ds.modalities.map((m) => tf.tensor2d(gatherRows(m.data, m.dim, idx), [idx.length, m.dim]));
      const out = model.forward(inputs);
      const preds = [...out.logits, out.fusion].map((l: Tensor2D) => tf.argMax(l, 1).dataSync() as Int32Array);
      return { preds, emb: out.embeddings.map((e) => e.dataSync() as Float32Array) };
    });
    res.emb.forEach((e, k) => embeddings[k]!.set(e, start * dim));
    [...names, 'fusion'].forEach((name, k) => {
      const p = res.preds[k]!;
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
export function embeddingGeometry(
  names: string[],
  emb: Float32Array[],
  n: number,
  dim: number,
  dagr: TrainConfig['dagr'],
): GeometrySummary {
  const out: GeometrySummary = { effectiveRank: {}, dispersiveLoss: {}, drift: {} };
  // The O(n^2) dispersive loss uses the engine's seeded row sample, so it equals what a report
  // of the saved checkpoint shows, and stays bounded for a large validation split.
  const size = Math.min(n, DEFAULT_OPTIONS.maxPairwiseRows);
  const sample = sampleRows(n, size, PAIRWISE_SEED);
  names.forEach((name, k) => {
    out.effectiveRank[name] = effectiveRank(emb[k]!, n, dim);
    const rows = size === n ? emb[k]! : gatherRows(emb[k]!, dim, sample);
    out.dispersiveLoss[name] = dispersiveLossValue(rows, size, dim, dagr.t, dagr.pairs);
  });
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const d = driftValues(emb[a]!, emb[b]!, n, dim);
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
