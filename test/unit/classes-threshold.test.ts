// dagr.thresholds.classCollapse (issue 12): the setting is declared, read by the extension, and a
// changed threshold re-judges the class-collapse warnings of a computed report through the
// compute process's evaluateWarnings job (no recompute), after the whole-data warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classWarningsOf } from '../../src/engine/classes';
import type { ClassReport } from '../../src/protocol/neighbors';
import type { WarningInput } from '../../src/protocol/messages';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import { runJob } from '../../src/worker/run-job';

const root = join(__dirname, '..', '..');

function cls(label: number, rank: number, count = 20): ClassReport {
  return {
    label,
    count,
    modalities: { a: { effectiveRank: rank, centeredEffectiveRank: rank, meanCosine: 0.1 } },
    pairs: [],
  } as unknown as ClassReport;
}
// median class rank 10: class 3 (rank 2) is 0.2 x the median, class 4 (rank 4) 0.4 x
const classes = [cls(0, 10), cls(1, 10), cls(2, 12), cls(3, 2), cls(4, 4)];
const core = {
  n: 100,
  modalities: { a: { dim: 8, effectiveRank: 6, meanCosine: 0.1, deadDimensionFraction: 0 } },
  pairs: [],
  options: DEFAULT_OPTIONS,
  classes,
} as unknown as WarningInput;

void test('the setting is contributed with the default the engine uses, and config.ts reads it', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default: unknown; minimum?: number; maximum?: number }> } };
  };
  const p = pkg.contributes.configuration.properties['dagr.thresholds.classCollapse'];
  assert.ok(p);
  assert.equal(p.default, 0.25);
  assert.deepEqual([p.minimum, p.maximum], [0, 1]);
  assert.match(readFileSync(join(root, 'src', 'settings', 'config.ts'), 'utf8'), /classCollapse: num\(cfg, 'thresholds\.classCollapse'/);
});

void test('classWarningsOf follows the threshold: 0.25 flags one class, 0.5 two, 0.1 none', () => {
  const labels = (share: number): unknown[] => classWarningsOf(core, { classCollapse: share }).map((w) => w.label);
  assert.deepEqual(labels(0.25), [3]);
  assert.deepEqual(labels(0.5), [3, 4]);
  assert.deepEqual(labels(0.1), []);
  assert.deepEqual(
    classWarningsOf(core, {}).map((w) => w.label),
    [3],
    'absent threshold = the default 0.25',
  );
  assert.deepEqual(classWarningsOf({ modalities: core.modalities }, { classCollapse: 0.5 }), [], 'no classes, no warning');
});

void test('the evaluateWarnings job keeps class-collapse warnings under the new threshold', async () => {
  const sink = { signal: new AbortController().signal, progress: () => {}, epoch: () => {}, sweepPoint: () => {} };
  const thresholds = { ...DEFAULT_THRESHOLDS, classCollapse: 0.5 };
  const ws = (await runJob({ type: 'job', id: 1, kind: 'evaluateWarnings', params: { core, thresholds } }, sink)) as {
    code: string;
    label?: number;
  }[];
  assert.deepEqual(
    ws.filter((w) => w.code === 'class-collapse').map((w) => w.label),
    [3, 4],
  );
  // dimensional collapse at 0.1 x min(100, 8) = 0.8 does not fire for rank 6: only class warnings
  assert.equal(ws.length, 2);
});
