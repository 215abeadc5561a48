/**
 * Writes examples/paired/imbalanced.safetensors: a deterministic paired dataset with modality
 * imbalance for the fine-tuning example (issue 4 item 7).
 *
 * - `strong` [N, 32]: class prototypes well above the noise, so it alone nearly solves the task.
 * - `weak` [N, 64]: noisy but informative. It tells the two coarse groups of classes (0-4, 5-9)
 *   apart clearly and the ten classes only faintly (class prototypes at 3% of the noise). The
 *   cross-entropy then trains its encoder onto the few directions that separate the groups:
 *   without DAGR its embeddings collapse (effective rank about 6 of 16, measured in
 *   docs/training-results.md), with DAGR's dispersive and anchoring terms they stay spread.
 * - `labels` [N] (10 classes, balanced), `split` [N] (0 train 70%, 1 val 20%, 2 test 10%).
 *
 * Usage: npx tsx scripts/make-paired-example.ts [out.safetensors]
 * (PAIRED_EXAMPLE='{"weakSignal":0.4}' overrides the parameters below, for tuning)
 */
import * as path from 'node:path';
import { writeSafetensors } from '../src/io';
import { makeRng, normal, shuffled } from '../src/train/rng';

export const EXAMPLE = {
  n: 6000,
  classes: 10,
  strongDim: 32,
  weakDim: 64,
  strongSignal: 2.0,
  weakSignal: 0.03,
  coarseGroups: 2,
  coarseSignal: 1.0,
  seed: 20260601,
};

function main(): Promise<void> {
  const out = process.argv[2] ?? path.join(__dirname, '..', 'examples', 'paired', 'imbalanced.safetensors');
  // PAIRED_EXAMPLE='{"weakSignal":0.4}' overrides parameters (used while tuning the example).
  const e = { ...EXAMPLE, ...(JSON.parse(process.env.PAIRED_EXAMPLE ?? '{}') as Partial<typeof EXAMPLE>) };
  const r = makeRng(e.seed);
  const protoStrong = Float32Array.from({ length: e.classes * e.strongDim }, () => normal(r));
  const protoWeak = Float32Array.from({ length: e.classes * e.weakDim }, () => normal(r));
  const protoCoarse = Float32Array.from({ length: e.coarseGroups * e.weakDim }, () => normal(r));
  const labels = new Int32Array(e.n);
  const strong = new Float32Array(e.n * e.strongDim);
  const weak = new Float32Array(e.n * e.weakDim);
  for (let i = 0; i < e.n; i++) {
    const y = i % e.classes;
    labels[i] = y;
    for (let j = 0; j < e.strongDim; j++)
      strong[i * e.strongDim + j] = e.strongSignal * (protoStrong[y * e.strongDim + j] as number) + normal(r);
    for (let j = 0; j < e.weakDim; j++) {
      const g = Math.floor((y * e.coarseGroups) / e.classes);
      const v =
        e.weakSignal * (protoWeak[y * e.weakDim + j] as number) + e.coarseSignal * (protoCoarse[g * e.weakDim + j] as number) + normal(r);
      weak[i * e.weakDim + j] = v;
    }
  }
  // Split by a seeded permutation: 70% train, 20% val, 10% test.
  const order = shuffled(
    Int32Array.from({ length: e.n }, (_, i) => i),
    makeRng(e.seed + 1),
  );
  const split = new Int32Array(e.n);
  order.forEach((row, k) => (split[row] = k < 0.7 * e.n ? 0 : k < 0.9 * e.n ? 1 : 2));
  return writeSafetensors(
    out,
    [
      { name: 'strong', dtype: 'float32', shape: [e.n, e.strongDim], data: strong },
      { name: 'weak', dtype: 'float32', shape: [e.n, e.weakDim], data: weak },
      { name: 'labels', dtype: 'int32', shape: [e.n], data: labels },
      { name: 'split', dtype: 'int32', shape: [e.n], data: split },
    ],
    {
      description: 'DAGR Lens paired example: a strong and a weak (coarse-only) modality',
      generator: 'scripts/make-paired-example.ts',
      seed: String(e.seed),
    },
    { overwrite: true },
  ).then(() => console.log(`wrote ${out}`));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
