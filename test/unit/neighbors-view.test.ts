/**
 * The pure parts of the neighbours panel, movers and pair matrix (issue 12): CSV/JSON rows of a
 * selection, the request guard the host trusts, the pair matrix's values (R@1 is directional)
 * and shades, and the glossary's names users know.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNeighborsMessage, isNeighborsRequest, toCsv, toJsonRows } from '../../src/protocol/neighborsView';
import { isWebviewToHost, isHostToWebview } from '../../src/protocol/webview';
import { GLOSSARY, dispersiveTooltip, knownName } from '../../src/protocol/glossary';
import type { PairReport } from '../../src/protocol/report';
import { heatLevel, pairValue } from '../../webview/charts/pairValues';
import { NEIGHBOR_COLUMNS, neighborRows } from '../../src/protocol/neighborsView';

void test('CSV quotes commas, quotes and line breaks; JSON rows are keyed by column; null is empty / null', () => {
  const csv = toCsv(
    ['modality', 'row', 'label'],
    [
      ['a,b', 1, null],
      ['say "hi"', 2, 3],
      ['x\ny', 3, 4],
    ],
  );
  assert.equal(csv, 'modality,row,label\n"a,b",1,\n"say ""hi""",2,3\n"x\ny",3,4\n');
  assert.deepEqual(
    JSON.parse(
      toJsonRows(
        ['row', 'label'],
        [
          [1, null],
          [2, 5],
        ],
      ),
    ),
    [
      { row: 1, label: null },
      { row: 2, label: 5 },
    ],
  );
});

void test('requests: only complete ones pass (integer rows, k >= 1, string/number cells)', () => {
  assert.ok(isNeighborsRequest({ type: 'neighbors', modality: 'audio', row: 3, k: 10 }));
  assert.ok(isNeighborsRequest({ type: 'neighbors', modality: 'audio', label: -2, k: 1 }));
  assert.ok(!isNeighborsRequest({ type: 'neighbors', modality: 'audio', row: 1.5, k: 10 }));
  assert.ok(!isNeighborsRequest({ type: 'neighbors', modality: 'audio', k: 10 }));
  assert.ok(!isNeighborsRequest({ type: 'neighbors', modality: 'audio', row: 1, k: 0 }));
  assert.ok(isNeighborsRequest({ type: 'movers', k: 5 }));
  assert.ok(isNeighborsRequest({ type: 'saveRows', what: 'movers', format: 'csv', columns: ['row'], rows: [[1], [null]] }));
  assert.ok(!isNeighborsRequest({ type: 'saveRows', what: 'movers', format: 'xml', columns: ['row'], rows: [] }));
  assert.ok(!isNeighborsRequest({ type: 'saveRows', what: 'movers', format: 'csv', columns: ['row'], rows: [[{}]] }));
  const sel = { type: 'saveRows', what: 'scatter-selection', format: 'csv', columns: ['row'], rows: [[1]] };
  assert.ok(isNeighborsRequest({ ...sel, metrics: { rows: [1], pairs: [['a', 'b']] } }));
  assert.ok(!isNeighborsRequest({ ...sel, metrics: { rows: [-1], pairs: [['a', 'b']] } }));
  assert.ok(!isNeighborsRequest({ ...sel, metrics: { rows: [1], pairs: [['a']] } }));
  assert.ok(isWebviewToHost({ type: 'neighbors' }) && isWebviewToHost({ type: 'saveRows' }));
  assert.ok(isHostToWebview({ type: 'neighborsResult' }) && isHostToWebview({ type: 'moversResult' }));
  assert.ok(isNeighborsMessage({ type: 'neighborsError', what: 'movers', message: 'x' }));
  assert.ok(!isNeighborsMessage({ type: 'neighborsResult', result: {} }));
});

void test('neighbour rows for export: one per neighbour, with the query and the partner rank', () => {
  const rows = neighborRows({
    source: 'f',
    k: 2,
    seconds: 0,
    query: { modality: 'a', row: 3, label: 0 },
    lists: [
      {
        modality: 'a',
        neighbors: [
          { row: 7, similarity: 1, label: 0 },
          { row: 11, similarity: 1, label: 0 },
        ],
        partnerRank: null,
        partnerSimilarity: null,
        note: '',
      },
      { modality: 'b', neighbors: [{ row: 3, similarity: 0.9, label: 0 }], partnerRank: 1, partnerSimilarity: 0.9, note: '' },
    ],
  });
  assert.equal(rows.length, 3);
  assert.deepEqual(
    rows.map((r) => r.length),
    [NEIGHBOR_COLUMNS.length, NEIGHBOR_COLUMNS.length, NEIGHBOR_COLUMNS.length],
  );
  assert.deepEqual(rows[2], ['a', 3, 0, 'b', 1, 3, 0.9, 0, 1]);
});

void test('pair matrix: symmetric metrics either way round, R@1 by direction, missing pairs null; shades follow the good direction', () => {
  const pair: PairReport = {
    a: 'x',
    b: 'y',
    linearCka: 0.8,
    anchoringLoss: 0,
    modalityGap: 0.3,
    note: '',
    drift: { mean: 1.2, median: 0, p90: 0, p99: 0, max: 0, fractionBeyondTau: 0, histogram: { edges: [], counts: [] } },
    retrieval: { aToB: { r1: 0.5, r5: 0, r10: 0, medianRank: 1 }, bToA: { r1: 0.25, r5: 0, r10: 0, medianRank: 1 }, galleryRows: 10 },
  };
  assert.equal(pairValue([pair], 'x', 'y', 'driftMean'), 1.2);
  assert.equal(pairValue([pair], 'y', 'x', 'driftMean'), 1.2);
  assert.equal(pairValue([pair], 'x', 'y', 'r1'), 0.5);
  assert.equal(pairValue([pair], 'y', 'x', 'r1'), 0.25);
  assert.equal(pairValue([pair], 'x', 'z', 'linearCka'), null);
  assert.equal(heatLevel(0, 'driftMean'), 5); // no drift: best
  assert.equal(heatLevel(4, 'driftMean'), 0);
  assert.equal(heatLevel(1, 'r1'), 5);
  assert.equal(heatLevel(0, 'r1'), 0);
});

void test('names users know: uniformity with its t, alignment, RankMe uncentred vs centred', () => {
  assert.match(knownName('dispersiveLoss'), /uniformity \(Wang & Isola 2020\)/);
  assert.match(dispersiveTooltip(3), /t = 3/);
  assert.match(GLOSSARY.driftMean.knownAs, /alignment/);
  assert.match(GLOSSARY.effectiveRank.knownAs, /RankMe.*uncentred/);
  assert.match(GLOSSARY.effectiveRankCentered.knownAs, /centred variant/);
});
