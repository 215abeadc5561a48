import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeClass, compareRows, metricDirection, metricLabel, paretoFront, strideSample } from '../../webview/analysis';
import { parseColor, withAlpha } from '../../webview/color';
import { basename, fmtDelta, fmtFixed, fmtInt, fmtNum, fmtPct, fmtSeconds, idPart, plural } from '../../webview/format';
import { seriesAssigner, seriesDash } from '../../webview/series';
import type { SweepPoint } from '../../src/protocol/train';

/** Each input with the text it must format to. */
function cases<T>(f: (x: T) => string, table: [T, string][]): void {
  for (const [x, want] of table) assert.equal(f(x), want, `${String(x)}`);
}

void describe('number formatting', () => {
  void it('fmtNum: three significant digits, exponent at the extremes, a dash for missing', () => {
    cases(fmtNum, [
      [0.123456, '0.123'],
      [-3.96123, '-3.96'],
      [12.345, '12.3'],
      [0.5, '0.5'],
      [0, '0'],
      [1234.6, '1,235'],
      [0.000123, '1.23e-4'],
      [2.5e7, '2.50e7'],
      [null, '—'],
      [undefined, '—'],
      [NaN, '—'],
      [Infinity, '—'],
    ]);
    assert.equal(fmtNum(-3.96123, 4), '-3.961');
  });

  void it('fmtFixed keeps exactly the decimals asked (effective rank) and never prints -0.00', () => {
    cases(
      (x: number | null) => fmtFixed(x, 2),
      [
        [36.33317, '36.33'],
        [4.989994, '4.99'],
        [768, '768.00'],
        [-0.001, '0.00'],
        [null, '—'],
      ],
    );
    // same text as the CLI's toFixed(2), so the e2e test can compare them
    for (const x of [1.005, 2.675, 17.0481, 42.0318]) assert.equal(fmtFixed(x, 2), x.toFixed(2));
  });

  void it('fmtInt, fmtPct, fmtDelta, fmtSeconds', () => {
    cases(fmtInt, [
      [1234567, '1,234,567'],
      [-1200, '-1,200'],
      [999, '999'],
    ]);
    cases(fmtPct, [
      [0.1234, '12.3%'],
      [1, '100.0%'],
    ]);
    assert.equal(fmtPct(0.5, 0), '50%');
    cases(fmtDelta, [
      [0.25, '+0.25'],
      [-1.5, '-1.5'],
      [0, '0'],
    ]);
    cases(fmtSeconds, [
      [0.42, '0.42 s'],
      [12.34, '12.3 s'],
      [125, '2 min 05 s'],
    ]);
  });

  void it('plural: the noun agrees with the count ("1 checkpoint", never "1 checkpoints")', () => {
    cases(
      (n: number) => plural(n, 'checkpoint'),
      [
        [1, '1 checkpoint'],
        [0, '0 checkpoints'],
        [2, '2 checkpoints'],
        [1200, '1,200 checkpoints'],
      ],
    );
    assert.equal(plural(1, 'zero singular value'), '1 zero singular value');
    assert.equal(plural(3, 'axis', 'axes'), '3 axes');
  });

  void it('basename and idPart', () => {
    assert.equal(basename('/data/runs/x/epoch-001.safetensors'), 'epoch-001.safetensors');
    assert.equal(basename('C:\\data\\a.npz'), 'a.npz');
    assert.equal(basename('/data/runs/'), 'runs');
    assert.equal(idPart('audio.embeddings'), 'audio.embeddings');
    assert.equal(idPart('a b/c'), 'a_b_c');
  });
});

void describe('colors', () => {
  void it('parses hex and rgb() and applies alpha', () => {
    assert.deepEqual(parseColor('#3794ff'), { r: 0x37, g: 0x94, b: 0xff, a: 1 });
    assert.deepEqual(parseColor('#fff'), { r: 255, g: 255, b: 255, a: 1 });
    assert.deepEqual(parseColor('#00000080')?.a, 128 / 255);
    assert.deepEqual(parseColor('rgb(10, 20, 30)'), { r: 10, g: 20, b: 30, a: 1 });
    assert.deepEqual(parseColor('rgba(10 20 30 / 50%)'), { r: 10, g: 20, b: 30, a: 0.5 });
    assert.equal(parseColor('red'), undefined);
    assert.equal(withAlpha('#3794ff', 0.5), 'rgba(55, 148, 255, 0.5)');
    assert.equal(withAlpha('CanvasText', 0.5), 'CanvasText');
  });

  void it('no two of the first 18 series look alike: past six the colors repeat with a new dash pattern', () => {
    const p = { series: ['b', 'o', 'g', 'p', 'r', 'y'], fg: 'f' };
    const c = seriesAssigner();
    const names = Array.from({ length: 18 }, (_, i) => `s${i}`);
    const looks = names.map((n) => JSON.stringify(c.series(n, p)));
    assert.equal(new Set(looks).size, 18, looks.join(' '));
    // the first six stay solid, as before; the seventh is the first color, dotted
    assert.deepEqual(c.series('s0', p), { color: 'b', pattern: [] });
    assert.deepEqual(c.series('s6', p), { color: 'b', pattern: seriesDash(p, 6) });
    assert.notDeepEqual(seriesDash(p, 6), []);
    // stable: asking again gives the same index
    assert.equal(c.seriesIndex('s6'), 6);
  });
});

void describe('analysis helpers', () => {
  void it('knows which direction of each metric is good', () => {
    assert.equal(metricDirection('modalities.audio.effectiveRank'), 'up');
    assert.equal(metricDirection('modalities.audio.dispersiveLoss'), 'down');
    assert.equal(metricDirection('pairs.audio/visual.drift.mean'), 'down');
    assert.equal(metricDirection('pairs.audio/visual.drift.fractionBeyondTau'), 'down');
    assert.equal(metricDirection('pairs.audio/visual.retrieval.aToB.r1'), 'up');
    assert.equal(metricDirection('pairs.audio/visual.retrieval.bToA.medianRank'), 'down');
    assert.equal(metricDirection('modalities.audio.dim'), 'neutral');
    assert.equal(changeClass(2, 'up'), 'good');
    assert.equal(changeClass(-2, 'up'), 'bad');
    assert.equal(changeClass(0.1, 'down'), 'bad');
    assert.equal(changeClass(0, 'up'), 'neutral');
    assert.equal(changeClass(null, 'up'), 'neutral');
    // issue 14: the query's modality first, in the user's names (was "audio/visual · R@1 b→a")
    assert.equal(metricLabel('pairs.audio/visual.retrieval.bToA.r1'), 'visual → audio · R@1');
    assert.equal(metricLabel('pairs.audio/visual.linearCka'), 'audio ↔ visual · linear CKA');
    assert.equal(metricLabel('modalities.visual.effectiveRankCentered'), 'visual · eff. rank (centered)');
  });

  void it('compareRows derives rows from the reports when the host sent no changes', () => {
    const rep = (rank: number, drift: number) => ({
      modalities: {
        a: {
          dim: 8,
          effectiveRank: rank,
          effectiveRankCentered: rank,
          stableRank: 1,
          dispersiveLoss: -1,
          meanCosine: 0,
          deadDimensionFraction: 0,
        },
      },
      pairs: [
        {
          a: 'a',
          b: 'b',
          linearCka: 0.5,
          anchoringLoss: 0.1,
          drift: { mean: drift, fractionBeyondTau: 0.2 },
          modalityGap: 0.1,
          retrieval: null,
        },
      ],
    });
    const rows = compareRows({ version: 1, kind: 'compare', a: rep(2, 1) as never, b: rep(5, 0.5) as never, changes: [] });
    const rank = rows.find((r) => r.metric === 'modalities.a.effectiveRank');
    assert.deepEqual(rank && { a: rank.a, b: rank.b, delta: rank.delta, cls: rank.cls }, { a: 2, b: 5, delta: 3, cls: 'good' });
    assert.equal(rows.find((r) => r.metric === 'pairs.a/b.drift.mean')?.cls, 'good');
    assert.equal(rows.find((r) => r.metric === 'pairs.a/b.retrieval.aToB.r1')?.delta, null);
  });

  void it('paretoFront keeps the non-dominated points in unimodal order', () => {
    const pt = (u: number, f: number): SweepPoint => ({
      params: { u, f },
      runDir: `${u}-${f}`,
      meanUnimodalAccuracy: u,
      fusionAccuracy: f,
      pareto: false,
    });
    const pts = [pt(0.5, 0.9), pt(0.6, 0.92), pt(0.7, 0.91), pt(0.55, 0.88), pt(0.7, 0.85), pt(0.6, 0.92)];
    assert.deepEqual(
      paretoFront(pts).map((p) => [p.meanUnimodalAccuracy, p.fusionAccuracy]),
      [
        [0.6, 0.92],
        [0.6, 0.92],
        [0.7, 0.91],
      ],
    );
    assert.deepEqual(paretoFront([]), []);
  });

  void it('strideSample is deterministic, in range and capped', () => {
    assert.deepEqual(strideSample(10, 4), [0, 2, 5, 7]);
    assert.deepEqual(strideSample(3, 10), [0, 1, 2]);
    assert.deepEqual(strideSample(5, 0), []);
  });
});
