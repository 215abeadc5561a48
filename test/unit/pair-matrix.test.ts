/**
 * The pair matrix's choices without a browser (webview/charts/pairValues.ts): which warnings are a
 * pair's and which is worst, the pair opened by default (worst warning, else most drift, else the
 * first), a saved pick kept only while it names a pair; and the saved state's `pair` field
 * (src/protocol/viewState.ts) round-trips for a report and is dropped for anything else.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { GeometryWarning, PairReport } from '../../src/protocol/report';
import type { ViewModel } from '../../src/protocol/webview';
import { makeState, readPersistedState } from '../../src/protocol/viewState';
import { PAIR_METRICS, defaultPair, findPair, openedPair, pairWarnings } from '../../webview/charts/pairValues';

function pair(a: string, b: string, driftMean: number | null): PairReport {
  return {
    a,
    b,
    linearCka: 0.5,
    anchoringLoss: 0,
    modalityGap: 0.1,
    note: '',
    drift:
      driftMean === null
        ? null
        : { mean: driftMean, median: 0, p90: 0, p99: 0, max: 0, fractionBeyondTau: 0, histogram: { edges: [], counts: [] } },
    retrieval: null,
  } as PairReport;
}

function warning(pairName: string, severity: GeometryWarning['severity'], value: number, threshold: number): GeometryWarning {
  return { code: 'modality-gap', severity, pair: pairName, value, threshold, message: `${pairName} ${severity} ${value}` };
}

const PAIRS = [pair('a', 'b', 0.5), pair('a', 'c', 1.5), pair('b', 'c', 0.25), pair('c', 'd', 3)];

void describe('pair matrix choices', () => {
  void it("a pair's warnings either way round, worst first: severity, then value over threshold", () => {
    const ws = [
      warning('a/b', 'warning', 0.6, 0.3),
      warning('b/a', 'warning', 0.9, 0.3),
      warning('a/b', 'error', 0.31, 0.3),
      warning('b/c', 'error', 9, 1),
    ];
    assert.deepEqual(
      pairWarnings(ws, 'b', 'a').map((w) => w.message),
      ['a/b error 0.31', 'b/a warning 0.9', 'a/b warning 0.6'],
    );
    assert.deepEqual(pairWarnings(ws, 'a', 'd'), []);
  });

  void it('the default pair: the worst warning, else the most drift, else the first', () => {
    // b/c's warning is 4x its threshold, a/c's 2x: b/c, though c/d drifts most and a/b is first
    assert.equal(defaultPair(PAIRS, [warning('a/c', 'warning', 0.6, 0.3), warning('c/b', 'warning', 1.2, 0.3)]), PAIRS[2]);
    // an error beats a warning further past its threshold
    assert.equal(defaultPair(PAIRS, [warning('a/b', 'error', 0.31, 0.3), warning('b/c', 'warning', 3, 0.3)]), PAIRS[0]);
    // a warning about a modality, or a pair not in the report, opens nothing in particular
    const other: GeometryWarning = { code: 'dimensional-collapse', severity: 'error', modality: 'a', value: 1, threshold: 2, message: '' };
    assert.equal(defaultPair(PAIRS, [other, warning('x/y', 'error', 5, 1)]), PAIRS[3], 'no pair warning: the most drift');
    const noDrift = [pair('a', 'b', null), pair('a', 'c', null)];
    assert.equal(defaultPair(noDrift, []), noDrift[0], 'no drift anywhere: the first pair');
    assert.equal(defaultPair([], []), undefined);
  });

  void it('a saved pick is kept while it names a pair of the report (either order)', () => {
    assert.equal(findPair(PAIRS, 'c/a'), PAIRS[1]);
    assert.equal(openedPair(PAIRS, [], 'b/c'), PAIRS[2]);
    assert.equal(openedPair(PAIRS, [], 'a/z'), PAIRS[3], 'unknown: the default');
    assert.equal(openedPair(PAIRS, [], undefined), PAIRS[3]);
  });

  void it("the saved state keeps a report's pair and drops a bad or foreign one; the version stays", () => {
    const fixture = (name: string): ViewModel =>
      JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'views', `${name}.json`), 'utf8')) as ViewModel;
    const report = fixture('report');
    const s = makeState(report, undefined, { pair: 'audio/visual' });
    assert.equal(s.pair, 'audio/visual');
    assert.equal(s.version, 1);
    assert.equal(readPersistedState(JSON.parse(JSON.stringify(s)))?.pair, 'audio/visual');
    for (const bad of [42, '', 'audio', ['audio', 'visual']])
      assert.equal('pair' in (readPersistedState({ ...s, pair: bad }) ?? {}), false, JSON.stringify(bad));
    assert.equal('pair' in makeState(fixture('run'), undefined, { pair: 'audio/visual' }), false, 'only a report has a pair matrix');
  });

  void it("the saved state keeps the matrix's metric; the default, a bad or a newer name is not kept; the version stays", () => {
    const report = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'views', 'report.json'), 'utf8')) as ViewModel;
    const s = makeState(report, undefined, { pair: 'audio/visual', pairMetric: 'r1' });
    assert.equal(s.version, 1);
    const back = readPersistedState(JSON.parse(JSON.stringify(s)));
    assert.equal(back?.pairMetric, 'r1');
    assert.equal(back?.pair, 'audio/visual');
    for (const key of PAIR_METRICS.map((m) => m.key).slice(1))
      assert.equal(readPersistedState({ ...s, pairMetric: key })?.pairMetric, key, key);
    for (const bad of [42, '', 'driftMean', 'recallAt5', ['r1']])
      assert.equal('pairMetric' in (readPersistedState({ ...s, pairMetric: bad }) ?? {}), false, JSON.stringify(bad));
  });
});
