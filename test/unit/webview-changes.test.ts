/**
 * Issue 14 items 1 and 2: a compare judges each change against a tolerance (sampling error for
 * shares of rows, a relative band otherwise), gives a direction only where one means something,
 * orders by size; shares print with the decimals one row needs and with their count.
 * The numbers are those of `dagr compare examples/healthy.safetensors examples/collapsed.safetensors`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digitsFor, judgeChange, judgeCompare, metricRule, shareTolerance } from '../../webview/changes';
import { chanceMedianRank, chanceRecall, fmtRank, fmtShare, fmtSig, pctDecimals } from '../../webview/format';
import type { CompareReport, GeometryReport } from '../../src/protocol/report';

function report(n: number): GeometryReport {
  return {
    n,
    modalities: { audio: { dim: 64 }, visual: { dim: 64 } },
    pairs: [{ a: 'audio', b: 'visual', retrieval: { galleryRows: n } }],
  } as unknown as GeometryReport;
}

const A = report(2000);
const B = report(2000);

void describe('compare: tolerance, direction, order', () => {
  void it('noise is "same": effective rank 60.494 -> 60.487, dispersive -3.6524 -> -3.6522, mean cosine 0.0247 -> 0.0043', () => {
    assert.equal(judgeChange('modalities.audio.effectiveRank', 60.494, 60.487, A, B).verdict, 'same');
    assert.equal(judgeChange('modalities.audio.dispersiveLoss', -3.6524, -3.6522, A, B).verdict, 'same');
    assert.equal(judgeChange('modalities.visual.meanCosine', 0.024688, 0.0042757, A, B).verdict, 'same');
  });

  void it('real changes keep their direction: visual rank 60.5 -> 3.18 worse, R@1 1 -> 0 worse, drift beyond τ 0 -> 1 worse', () => {
    assert.equal(judgeChange('modalities.visual.effectiveRank', 60.493, 3.1811, A, B).verdict, 'worse');
    assert.equal(judgeChange('pairs.audio/visual.retrieval.aToB.r1', 1, 0, A, B).verdict, 'worse');
    assert.equal(judgeChange('pairs.audio/visual.drift.fractionBeyondTau', 0, 1, A, B).verdict, 'worse');
    assert.equal(judgeChange('pairs.audio/visual.linearCka', 0.94116, 0.26689, A, B).verdict, 'worse');
    assert.equal(judgeChange('modalities.visual.effectiveRank', 3.1811, 60.493, A, B).verdict, 'better');
  });

  void it('no direction where none is meaningful: dim, drift max', () => {
    assert.equal(metricRule('modalities.audio.dim').dir, 'neutral');
    assert.equal(judgeChange('pairs.audio/visual.drift.max', 0.248, 2.7579, A, B).verdict, 'changed');
    // a "mean" outside drift is not a drift statistic
    assert.equal(metricRule('modalities.audio.mean').dir, 'neutral');
  });

  void it('a share of rows is judged by its sampling error: 1 of 2,000 queries is noise, 100 of 2,000 is not', () => {
    assert.equal(judgeChange('pairs.audio/visual.retrieval.aToB.r1', 0, 0.0005, A, B).verdict, 'same');
    assert.equal(judgeChange('pairs.audio/visual.retrieval.aToB.r1', 0.5, 0.55, A, B).verdict, 'better');
    // pooled p = 0.525, SE = sqrt(p(1-p)(2/2000)) = 0.01579: the band is 2 SE
    assert.ok(Math.abs(shareTolerance(0.5, 0.55, 2000, 2000) - 2 * Math.sqrt(0.525 * 0.475 * (2 / 2000))) < 1e-12);
    // no hit on either side: one row is the step
    assert.equal(shareTolerance(0, 0, 2000, 2000), 0.5 / 2000);
  });

  void it('orders beyond-tolerance changes by size first and leaves bookkeeping out', () => {
    const c = {
      version: 1,
      kind: 'compare',
      a: A,
      b: B,
      changes: [
        { metric: 'n', a: 2000, b: 2000, delta: 0 },
        { metric: 'modalities.audio.effectiveRank', a: 60.494, b: 60.487, delta: -0.007 },
        { metric: 'pairs.audio/visual.linearCka', a: 0.94116, b: 0.26689, delta: -0.67427 },
        { metric: 'pairs.audio/visual.retrieval.aToB.r1', a: 1, b: 0, delta: -1 },
        { metric: 'pairs.audio/visual.retrieval.galleryRows', a: 2000, b: 2000, delta: 0 },
        { metric: 'modalities.visual.effectiveRank', a: 60.493, b: 3.1811, delta: -57.31 },
      ],
    } as CompareReport;
    const rows = judgeCompare(c);
    assert.deepEqual(
      rows.map((r) => r.metric),
      [
        'pairs.audio/visual.retrieval.aToB.r1',
        'modalities.visual.effectiveRank',
        'pairs.audio/visual.linearCka',
        'modalities.audio.effectiveRank',
      ],
    );
    assert.deepEqual(
      rows.map((r) => r.verdict),
      ['worse', 'worse', 'worse', 'same'],
    );
  });

  void it('A and B get the digits that show their change', () => {
    const d = digitsFor(60.494, 60.487, -0.007);
    assert.equal(d, 6);
    assert.notEqual(fmtSig(60.494, d), fmtSig(60.487, d));
    assert.equal(digitsFor(60.5, 3.18, -57.3), 3);
  });
});

void describe('one format per quantity', () => {
  void it('a share of N rows has the decimals one row needs, and its count', () => {
    assert.equal(pctDecimals(100), 1);
    assert.equal(pctDecimals(2000), 2);
    assert.equal(pctDecimals(100000), 3);
    assert.equal(fmtShare(0.0005, 2000), '0.05% (1 of 2,000)');
    assert.equal(fmtShare(0, 2000), '0.00% (0 of 2,000)');
    assert.equal(fmtShare(1, 2000, false), '100.00%');
  });

  void it('chance levels of R@k and the median rank', () => {
    assert.equal(chanceRecall(1, 2000), 0.0005);
    assert.equal(chanceRecall(10, 5), 1);
    assert.equal(chanceMedianRank(2000), 1000.5);
    assert.equal(fmtRank(1163.5, 2000), '1,163.5 of 2,000');
    assert.equal(fmtRank(1, 2000), '1 of 2,000');
  });
});

void describe('compare: standard errors the report carries', () => {
  void it('widen the band of a sampled metric and are not listed as metrics of their own', () => {
    const withSe = (se: number): GeometryReport =>
      ({ ...A, modalities: { audio: { dim: 64, dispersiveLossStdErr: se } } }) as unknown as GeometryReport;
    // 1% relative + 1e-3 of 3.6 is 0.037: a change of 0.05 is beyond it, unless the samples' errors say otherwise
    assert.equal(judgeChange('modalities.audio.dispersiveLoss', -3.6, -3.65, A, B).verdict, 'better');
    assert.equal(judgeChange('modalities.audio.dispersiveLoss', -3.6, -3.65, withSe(0.02), withSe(0.02)).verdict, 'same');
    const c = {
      version: 1,
      kind: 'compare',
      a: A,
      b: B,
      changes: [
        { metric: 'modalities.audio.dispersiveLossStdErr', a: 0.01, b: 0.02, delta: 0.01 },
        { metric: 'pairs.audio/visual.retrieval.aToB.stdErr.r1', a: 0.01, b: 0.02, delta: 0.01 },
      ],
    } as CompareReport;
    assert.deepEqual(judgeCompare(c), []);
  });
});
