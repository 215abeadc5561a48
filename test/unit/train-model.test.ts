// Model-level checks: gradient decoupling (DGL) keeps the fusion loss out of the encoders,
// the learning-rate schedules, and no tensors left behind by a forward/backward pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/train/backend';
import { DEFAULT_CONFIG } from '../../src/train/config';
import { Model } from '../../src/train/model';
import { objective } from '../../src/train/objective';
import { scheduledRate } from '../../src/train/optim';
import { tf } from '../../src/train/tf';
import type { TrainConfig } from '../../src/protocol/train';

function gradNorms(cfg: TrainConfig): Record<string, number> {
  const model = new Model(
    {
      modalities: [
        { name: 'a', inputDim: 5 },
        { name: 'b', inputDim: 3 },
      ],
      hidden: [6],
      embeddingDim: 4,
      numClasses: 3,
    },
    1,
  );
  try {
    return tf.tidy(() => {
      const xs = [tf.randomNormal([10, 5], 0, 1, 'float32', 1) as tf.Tensor2D, tf.randomNormal([10, 3], 0, 1, 'float32', 2) as tf.Tensor2D];
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3).toFloat() as tf.Tensor2D;
      const { grads } = tf.variableGrads(() => {
        const o = objective(model, xs, y, cfg);
        return o.total;
      }, model.variables());
      const out: Record<string, number> = {};
      model.params.forEach((p) => (out[p.name] = tf.norm(grads[p.variable.name]!).dataSync()[0] as number));
      return out;
    });
  } finally {
    model.dispose();
  }
}

void test('gradient decoupling: the fusion loss does not reach the encoders', async () => {
  await selectBackend('cpu');
  const before = tf.memory().numTensors;
  const base: TrainConfig = {
    ...DEFAULT_CONFIG,
    dataset: '',
    outDir: '',
    unimodalWeight: 0,
    dagr: { ...DEFAULT_CONFIG.dagr, enabled: false },
  };
  const dgl = gradNorms({ ...base, gradientDecoupling: true });
  assert.equal(dgl['a/enc0/kernel'], 0);
  assert.equal(dgl['b/emb/kernel'], 0);
  assert.ok(dgl['fusion/head/kernel']! > 0);
  const coupled = gradNorms({ ...base, gradientDecoupling: false });
  assert.ok(coupled['a/enc0/kernel']! > 0);
  // With DGL, the unimodal and DAGR terms still train the encoders.
  const dglDagr = gradNorms({ ...base, gradientDecoupling: true, unimodalWeight: 1, dagr: { ...DEFAULT_CONFIG.dagr } });
  assert.ok(dglDagr['a/enc0/kernel']! > 0);
  assert.equal(tf.memory().numTensors, before);
});

void test('learning-rate schedules', () => {
  assert.equal(scheduledRate(0.1, 'constant', 50, 100), 0.1);
  assert.equal(scheduledRate(0.1, 'cosine', 0, 100), 0.1);
  assert.ok(Math.abs(scheduledRate(0.1, 'cosine', 50, 100) - 0.05) < 1e-12);
  assert.ok(Math.abs(scheduledRate(0.1, 'step', 60, 100) - 0.01) < 1e-12);
  assert.ok(Math.abs(scheduledRate(0.1, 'step', 80, 100) - 0.001) < 1e-12);
});
