// The palette's fine-tuning answers become a full TrainConfig: the baseline of "Compare with
// DAGR Off" changes nothing but the regularizer, and grid text is parsed strictly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TRAIN, parseGrid, withDagrOff } from '../../src/commands/trainDefaults';
import type { TrainConfig } from '../../src/protocol/train';

const base: TrainConfig = { ...DEFAULT_TRAIN, dataset: '/d/paired.safetensors', outDir: '/w/runs', seed: 7, name: 'exp' };

void test('DAGR off keeps seed, data and optimizer; only the regularizer is off', () => {
  const off = withDagrOff(base);
  assert.equal(off.dagr.enabled, false);
  assert.equal(off.dagr.lambdaAnc, 0);
  assert.equal(off.dagr.lambdaDisp, 0);
  assert.equal(off.name, 'exp-dagr-off');
  const { dagr: _a, name: _b, ...restOff } = off;
  const { dagr: _c, name: _d, ...restOn } = base;
  assert.deepEqual(restOff, restOn);
  assert.equal(base.dagr.enabled, true, 'the original is not modified');
  assert.equal(withDagrOff({ ...base, name: undefined } as TrainConfig).name, undefined);
});

void test('grid values: numbers >= 0 separated by commas or spaces', () => {
  assert.deepEqual(parseGrid('0, 0.05,0.1  0.2'), [0, 0.05, 0.1, 0.2]);
  assert.deepEqual(parseGrid('1e-2'), [0.01]);
  for (const bad of ['', '  ', 'a', '0.1, x', '-1', 'NaN', 'Infinity']) assert.equal(parseGrid(bad), undefined, bad);
});

// issue 14 item 5: Start Fine-Tuning accepts a training config as well as a dataset
void test('a train.json is read as a config (paths against its folder), a JSON dataset is not, a bad field is one line', async () => {
  const { readFileSync } = await import('node:fs');
  const { join, resolve } = await import('node:path');
  const { trainConfigFrom, trainSummary } = await import('../../src/commands/trainDefaults');
  const file = resolve(__dirname, '..', '..', 'examples', 'paired', 'train.json');
  const c = trainConfigFrom(JSON.parse(readFileSync(file, 'utf8')), file);
  assert.ok(c);
  assert.equal(c.dataset, join(resolve(file, '..'), 'imbalanced.safetensors'));
  assert.equal(c.outDir, resolve(file, '..', '..', '..', 'runs', 'paired'));
  // the file's settings, not the silent defaults (lr 0.001, 10 epochs) the dialog used to take
  assert.deepEqual([c.learningRate, c.epochs, c.batchSize, c.modalities], [0.002, 8, 64, ['strong', 'weak']]);
  assert.equal(trainSummary(c), '8 epochs · lr 0.002 · batch 64 · DAGR on (λ_disp 0.1, λ_anc 0.1, τ 0.5)');
  assert.equal(trainConfigFrom({ audio: [[1, 2]], visual: [[3, 4]] }, '/d/data.json'), undefined);
  assert.throws(
    () => trainConfigFrom({ dataset: 'x.npz', epochs: 0 }, '/d/train.json'),
    /^ConfigError: train\.json: epochs must be an integer >= 1/,
  );
});
