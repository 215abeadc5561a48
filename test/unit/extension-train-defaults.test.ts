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
