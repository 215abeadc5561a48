// tfjsGeometry (the trainer's loss code) against the engine's computeGeometry ('js' backend) on
// the same embeddings: dispersive loss, anchoring loss and effective rank to 1e-5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGeometry, createBackend } from '../../src/engine';
import type { Matrix } from '../../src/io/types';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, type ReportOptions } from '../../src/protocol/report';
import { tfjsGeometry } from '../../src/train/geometry';
import { tf } from '../../src/train/tf';
import { makeRng, normal } from '../../src/train/rng';

function matrix(name: string, rows: number, cols: number, seed: number, lowRank = 0): Matrix {
  const r = makeRng(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const shared = normal(r);
    for (let j = 0; j < cols; j++) data[i * cols + j] = normal(r) + (j < lowRank ? 3 * shared : 0);
  }
  return { name, rows, cols, data };
}

async function compare(mods: Matrix[], options: ReportOptions): Promise<void> {
  const backend = await createBackend('js');
  try {
    const core = await computeGeometry(mods, options, DEFAULT_THRESHOLDS, backend);
    await tfjsGeometry(mods, options); // first call selects the backend, which allocates once
    const before = tf.memory().numTensors;
    const g = await tfjsGeometry(mods, options);
    assert.equal(tf.memory().numTensors, before, 'tfjsGeometry leaked tensors');
    for (const m of mods) {
      const e = core.modalities[m.name]!;
      assert.ok(
        Math.abs(g.dispersiveLoss[m.name]! - e.dispersiveLoss) < 1e-5,
        `${m.name} dispersive ${g.dispersiveLoss[m.name]} vs ${e.dispersiveLoss}`,
      );
      assert.ok(
        Math.abs(g.effectiveRank[m.name]! - e.effectiveRank) < 1e-5,
        `${m.name} rank ${g.effectiveRank[m.name]} vs ${e.effectiveRank}`,
      );
    }
    for (const p of core.pairs) {
      const ours = g.anchoringLoss[`${p.a}/${p.b}`];
      if (p.anchoringLoss === null) assert.equal(ours, null);
      else assert.ok(Math.abs((ours as number) - p.anchoringLoss) < 1e-5, `${p.a}/${p.b} anchoring ${ours} vs ${p.anchoringLoss}`);
    }
  } finally {
    await backend.dispose();
  }
}

void test('tfjsGeometry equals the engine on the same embeddings (default options)', async () => {
  await compare([matrix('audio', 400, 16, 1, 4), matrix('visual', 400, 16, 2), matrix('text', 400, 8, 3)], DEFAULT_OPTIONS);
});

void test('tfjsGeometry equals the engine with all pairs, squared hinge and a row sample', async () => {
  const options: ReportOptions = { t: 1, tau: 0.2, pairs: 'all', hinge: 'squared', maxPairwiseRows: 300 };
  await compare([matrix('a', 700, 12, 4, 6), matrix('b', 700, 12, 5)], options);
});
