/**
 * A run's warnings grouped per run (src/jobs/runWarnings.ts) and how its folder says it was
 * trained (src/jobs/runOrigin.ts): one entry per warning with its onset epoch, "not in a shared
 * space" for a pair at chance from the first epoch, and suggestions that fit a DAGR run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GeometryReport, GeometryWarning, RunOrigin } from '../../src/protocol/report';
import { groupRunWarnings, CHANCE_HITS } from '../../src/jobs/runWarnings';
import { readRunOrigin } from '../../src/jobs/runOrigin';

const G = 1000;
function report(opts: { r1: number; driftMean: number; warnings: GeometryWarning[] }): GeometryReport {
  return {
    warnings: opts.warnings,
    pairs: [
      {
        a: 'audio',
        b: 'visual',
        linearCka: 0.1,
        anchoringLoss: 0.5,
        modalityGap: 0.2,
        note: '',
        drift: { mean: opts.driftMean, median: 0, p90: 0, p99: 0, max: 0, fractionBeyondTau: 1, histogram: { edges: [], counts: [] } },
        retrieval: {
          aToB: { r1: opts.r1, r5: 0, r10: 0, medianRank: 500 },
          bToA: { r1: opts.r1, r5: 0, r10: 0, medianRank: 500 },
          galleryRows: G,
        },
      },
    ],
  } as unknown as GeometryReport;
}
const drift: GeometryWarning = {
  code: 'excess-drift',
  severity: 'warning',
  pair: 'audio/visual',
  value: 1,
  threshold: 0.5,
  message: 'drift apart',
};
const collapse: GeometryWarning = {
  code: 'dimensional-collapse',
  severity: 'warning',
  modality: 'visual',
  value: 3,
  threshold: 6,
  message: 'few directions',
};
const cps = (rs: GeometryReport[]) => rs.map((report, i) => ({ epoch: i + 1, step: null, report }));

void test('one entry per warning, with its onset epoch, however many epochs it fires in', () => {
  const run = cps([
    report({ r1: 0.9, driftMean: 0.1, warnings: [] }),
    report({ r1: 0.5, driftMean: 0.8, warnings: [drift] }),
    report({ r1: 0.2, driftMean: 1.5, warnings: [drift, collapse] }),
    report({ r1: 0.1, driftMean: 2, warnings: [drift, collapse] }),
  ]);
  const ws = groupRunWarnings(run);
  assert.deepEqual(
    ws.map((w) => [w.code, w.onsetEpoch, w.active]),
    [
      ['excess-drift', 2, true],
      ['dimensional-collapse', 3, true],
    ],
  );
  assert.ok(ws.every((w) => w.suggestion?.includes('Fine-tune with DAGR')));
});

void test('a warning gone at the newest epoch is kept, not active', () => {
  const ws = groupRunWarnings(
    cps([report({ r1: 0.9, driftMean: 0.1, warnings: [collapse] }), report({ r1: 0.9, driftMean: 0.1, warnings: [] })]),
  );
  assert.equal(ws.length, 1);
  assert.equal(ws[0]?.active, false);
  assert.equal(ws[0]?.latest, 0);
});

void test('R@1 at chance from the first epoch: "not in a shared space" (information) instead of excess drift', () => {
  const atChance = (CHANCE_HITS - 1) / G;
  const ws = groupRunWarnings(cps([0, 1, 2].map(() => report({ r1: atChance, driftMean: 1.9, warnings: [drift] }))));
  assert.equal(ws.length, 1);
  assert.equal(ws[0]?.code, 'not-shared-space');
  assert.equal(ws[0]?.severity, 'info');
  assert.match(ws[0]?.message ?? '', /not in a shared space: R@1 .* at chance/);
});

void test('at chance but drifting further apart over the run: the drift warning stays', () => {
  const atChance = 1 / G;
  const ws = groupRunWarnings(cps([1.5, 1.7, 1.9].map((m) => report({ r1: atChance, driftMean: m, warnings: [drift] }))));
  assert.deepEqual(ws.map((w) => w.code).sort(), ['excess-drift', 'not-shared-space']);
});

void test('above chance once: a shared space, the drift warning stays', () => {
  const ws = groupRunWarnings(
    cps([report({ r1: 0.3, driftMean: 1.9, warnings: [drift] }), report({ r1: 1 / G, driftMean: 1.9, warnings: [drift] })]),
  );
  assert.deepEqual(
    ws.map((w) => w.code),
    ['excess-drift'],
  );
});

void test('a run trained with DAGR is told which lambda or tau to change, from the sweep when there is one', () => {
  const origin: RunOrigin = {
    dagr: { lambdaAnc: 0.1, lambdaDisp: 0.1, tau: 0.5, t: 2 },
    from: 'config.json',
    sweepBest: { params: { lambdaAnc: 0.3, tau: 0.8 }, fusionAccuracy: 0.91, meanUnimodalAccuracy: 0.8, file: 'sweep.json' },
  };
  const ws = groupRunWarnings(cps([report({ r1: 0.9, driftMean: 1, warnings: [drift, collapse] })]), origin);
  for (const w of ws) {
    assert.ok(!/Fine-tune with DAGR/i.test(w.suggestion ?? ''), w.suggestion);
    assert.match(w.suggestion ?? '', /lambda_/);
    assert.match(w.suggestion ?? '', /lambdaAnc = 0\.3, tau = 0\.8/);
  }
  assert.match(ws.find((w) => w.code === 'excess-drift')?.suggestion ?? '', /Raise lambda_anc \(e\.g\. to 0\.3\), or raise tau/);
});

void test('readRunOrigin: config.json of dagr train (from the run or its checkpoints/), the sweep beside it, checkpoint metadata', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagr-origin-'));
  try {
    const run = join(dir, 'lambdaAnc=0.1');
    mkdirSync(join(run, 'checkpoints'), { recursive: true });
    writeFileSync(join(run, 'config.json'), JSON.stringify({ dagr: { enabled: true, lambdaDisp: 0.1, lambdaAnc: 0.1, tau: 0.5, t: 2 } }));
    writeFileSync(
      join(dir, 'sweep.json'),
      JSON.stringify({
        points: [
          { params: { lambdaAnc: 0.1 }, runDir: run, fusionAccuracy: 0.8, meanUnimodalAccuracy: 0.7, pareto: true },
          { params: { lambdaAnc: 0.3 }, runDir: join(dir, 'lambdaAnc=0.3'), fusionAccuracy: 0.9, meanUnimodalAccuracy: 0.6, pareto: true },
        ],
      }),
    );
    for (const folder of [run, join(run, 'checkpoints')]) {
      const o = await readRunOrigin(folder);
      assert.deepEqual(o?.dagr, { lambdaDisp: 0.1, lambdaAnc: 0.1, tau: 0.5, t: 2 });
      assert.deepEqual(o?.sweepBest?.params, { lambdaAnc: 0.3 });
    }
    writeFileSync(join(run, 'config.json'), JSON.stringify({ dagr: { enabled: false, lambdaDisp: 0.1, lambdaAnc: 0.1, tau: 0.5, t: 2 } }));
    assert.equal((await readRunOrigin(run))?.dagr, null);
    const bare = join(dir, 'pytorch');
    mkdirSync(bare);
    assert.equal(await readRunOrigin(bare), undefined);
    assert.deepEqual((await readRunOrigin(bare, { dagr_lambda_anc: '0.2', dagr_tau: '0.4' }, 'e3.safetensors'))?.dagr, {
      lambdaAnc: 0.2,
      lambdaDisp: 0,
      tau: 0.4,
      t: 2,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('at chance in a run trained with anchoring: the drift warning stays (the spaces were meant to be one), with the note', () => {
  const origin: RunOrigin = { dagr: { lambdaAnc: 0.1, lambdaDisp: 0.1, tau: 0.5, t: 2 }, from: 'config.json' };
  const ws = groupRunWarnings(cps([0, 1].map(() => report({ r1: 1 / G, driftMean: 1.9, warnings: [drift] }))), origin);
  assert.deepEqual(ws.map((w) => w.code).sort(), ['excess-drift', 'not-shared-space']);
  assert.match(ws.find((w) => w.code === 'not-shared-space')?.message ?? '', /although the run was trained with anchoring/);
});
