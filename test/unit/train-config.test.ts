// Config validation: defaults for optional fields, one clear line naming the file and the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_CONFIG, validateSweepConfig, validateTrainConfig } from '../../src/train/config';

const ok = { dataset: 'd.safetensors', outDir: 'runs' };

void test('missing optional fields get the defaults', () => {
  const c = validateTrainConfig(ok, 'train.json');
  assert.deepEqual(c, { ...DEFAULT_CONFIG, ...ok });
  const d = validateTrainConfig({ ...ok, dagr: { lambdaAnc: 0.3 } }, 'train.json');
  assert.equal(d.dagr.lambdaAnc, 0.3);
  assert.equal(d.dagr.tau, 0.5);
});

void test('every bad field is one line naming the file and the field', () => {
  const cases: [unknown, string][] = [
    [[], 'train.json: (top level) must be a JSON object'],
    [{ outDir: 'x' }, 'train.json: dataset is required'],
    [{ ...ok, epochs: 0 }, 'train.json: epochs must be an integer >= 1 (got 0)'],
    [{ ...ok, batchSize: 'big' }, 'train.json: batchSize must be an integer >= 2 (got "big")'],
    [{ ...ok, dagr: { tau: 5 } }, 'train.json: dagr.tau must be a number in [0, 4] (got 5)'],
    [{ ...ok, dagr: { pairs: 'some' } }, 'train.json: dagr.pairs must be one of "offdiag", "all" (got "some")'],
    [{ ...ok, dagr: { lamdaAnc: 1 } }, 'train.json: dagr.lamdaAnc is not a known field'],
    [{ ...ok, optimizer: 'rmsprop' }, 'train.json: optimizer must be one of "adam", "sgd" (got "rmsprop")'],
    [{ ...ok, hidden: [16, -1] }, 'train.json: hidden must be an array of positive integers (may be empty)'],
    [{ ...ok, learningRate: -1 }, 'train.json: learningRate must be a number > 0 (got -1)'],
    [{ ...ok, name: '../x' }, 'train.json: name must be a plain folder name (no slashes)'],
    [
      { ...ok, backend: 'gpu' },
      'train.json: backend must be one of "auto", "tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu" (got "gpu")',
    ],
    [{ ...ok, modalities: [] }, 'train.json: modalities must be a non-empty array of array names'],
  ];
  for (const [raw, msg] of cases) {
    assert.throws(
      () => validateTrainConfig(raw, 'train.json'),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.ok(e.message.startsWith(msg), `${e.message}\n  expected to start with\n${msg}`);
        assert.ok(!e.message.includes('\n'));
        return true;
      },
    );
  }
});

void test('sweep grids are (lambdaAnc, tau) or (lambdaDisp, t)', () => {
  const s = validateSweepConfig({ ...ok, grid: { lambdaAnc: [0, 0.1], tau: [0.5] } }, 'sweep.json');
  assert.deepEqual(s.grid, { lambdaAnc: [0, 0.1], tau: [0.5] });
  assert.throws(() => validateSweepConfig(ok, 'sweep.json'), /sweep.json: grid is required/);
  assert.throws(() => validateSweepConfig({ ...ok, grid: { lambdaAnc: [0.1], t: [2] } }, 'sweep.json'), /grid is either/);
  assert.throws(() => validateSweepConfig({ ...ok, grid: { tau: [] } }, 'sweep.json'), /grid.tau must be a non-empty array/);
});
