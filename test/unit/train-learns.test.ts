// Training learns: on a small synthetic paired dataset whose classes are separable in both
// modalities, a seeded run on the tfjs CPU backend takes every head (each modality and the fusion)
// from the untrained model's accuracy to well above chance on the validation rows, and the task
// loss falls. Everything is seeded (data, initialization, shuffles), so the run is deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { writeSafetensors } from '../../src/io';
import { evaluateRows } from '../../src/train/evaluate';
import { Model } from '../../src/train/model';
import { makeRng, normal } from '../../src/train/rng';
import { openDataset, train } from '../../src/train/trainer';
import { tempDir, tinyConfig } from './train-helpers';

const CLASSES = 4;

/**
 * n rows, CLASSES classes; "image" (16 features) and "text" (12 features) each put the class in
 * one feature at +3 over unit Gaussian noise (class means 3√2 apart: ~95 % for the best classifier),
 * every 5th row is a validation row.
 */
async function separableDataset(dir: string, n = 400): Promise<string> {
  const r = makeRng(2024);
  const dims = { image: 16, text: 12 };
  const labels = new Int32Array(n);
  const split = new Int32Array(n);
  const image = new Float32Array(n * dims.image);
  const text = new Float32Array(n * dims.text);
  for (let i = 0; i < n; i++) {
    const y = i % CLASSES;
    labels[i] = y;
    split[i] = i % 5 === 0 ? 1 : 0;
    // a different feature per modality carries the class: the modalities are paired, not copies
    for (let j = 0; j < dims.image; j++) image[i * dims.image + j] = (j === 2 * y ? 3 : 0) + normal(r);
    for (let j = 0; j < dims.text; j++) text[i * dims.text + j] = (j === 11 - y ? 3 : 0) + normal(r);
  }
  const file = path.join(dir, 'separable.safetensors');
  await writeSafetensors(file, [
    { name: 'image', dtype: 'float32', shape: [n, dims.image], data: image },
    { name: 'text', dtype: 'float32', shape: [n, dims.text], data: text },
    { name: 'labels', dtype: 'int32', shape: [n], data: labels },
    { name: 'split', dtype: 'int32', shape: [n], data: split },
  ]);
  return file;
}

void test('a seeded run on a separable paired dataset learns: every head goes from chance to well above it', async (t) => {
  const dir = await tempDir();
  const cfg = tinyConfig(await separableDataset(dir), dir, {
    name: 'learns',
    epochs: 10,
    seed: 5,
    hidden: [16],
    embeddingDim: 8,
    batchSize: 32,
    learningRate: 0.01,
  });

  // the untrained model: the same seeded initialization the run starts from
  const ds = await openDataset(cfg);
  assert.equal(ds.numClasses, CLASSES);
  assert.equal(ds.val.length, 80);
  const untrained = new Model(
    {
      modalities: ds.modalities.map((m) => ({ name: m.name, inputDim: m.dim })),
      hidden: cfg.hidden,
      embeddingDim: cfg.embeddingDim,
      numClasses: ds.numClasses,
    },
    cfg.seed,
  );
  const before = (await evaluateRows(untrained, ds, ds.val)).accuracy;
  untrained.dispose();

  const epochs: { task: number; val: Record<string, number> }[] = [];
  const s = await train(cfg, { onEpoch: (m) => epochs.push({ task: m.losses.task, val: m.valAccuracy }) });
  assert.equal(s.status, 'completed');
  assert.equal(epochs.length, cfg.epochs);
  const after = s.final?.valAccuracy ?? {};
  t.diagnostic(
    `validation accuracy untrained ${JSON.stringify(before)}, after ${cfg.epochs} epochs ${JSON.stringify(after)}; task loss ${epochs.map((e) => e.task.toFixed(3)).join(' ')}`,
  );

  const chance = 1 / CLASSES;
  assert.ok(
    before.image! < chance + 0.1 && before.text! < chance + 0.1,
    `the untrained modality heads are at chance: ${JSON.stringify(before)}`,
  );
  for (const head of ['image', 'text', 'fusion']) {
    const b = before[head] as number;
    const a = after[head] as number;
    // ~95 % is the best any classifier does here; 80 validation rows: 0.85 is at most 12 wrong,
    // where chance gets 60 wrong
    assert.ok(a >= 0.85, `${head}: validation accuracy ${a} after training (chance ${chance})`);
    // a random projection already separates some classes (the untrained fusion head gets ~0.45)
    assert.ok(a >= b + 0.4, `${head}: ${b} untrained -> ${a} trained`);
  }
  // the loss the heads train on falls from the first epoch to the last
  const first = epochs[0]?.task ?? NaN;
  const last = epochs[epochs.length - 1]?.task ?? NaN;
  assert.ok(last < 0.5 * first, `task loss ${first} -> ${last}`);
});
