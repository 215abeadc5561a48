// The report scatter's pair selector and selection (issue 12): which modalities a pick shows, how
// a saved pick survives the state round trip, the lasso's point-in-polygon, picking by label or
// typed rows, and the exported rows (row, label, each shown modality's position, how picked).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  insidePolygon,
  metricPairs,
  rowsFromText,
  rowsInside,
  rowsWithLabel,
  selectionColumns,
  selectionRows,
} from '../../webview/charts/lasso';
import { planScatter, projectedModalities, scatterChoices, validShown } from '../../webview/charts/scatterPlan';
import type { Projection } from '../../webview/charts/scatterPlan';
import { makeState, readPersistedState } from '../../src/protocol/viewState';
import type { ViewModel } from '../../src/protocol/webview';

// 4 rows (report rows 10..13), three projected modalities
const proj: Projection = {
  rows: [10, 11, 12, 13],
  points: {
    a: [0, 0, 1, 0, 0, 1, 1, 1],
    b: [5, 5, 6, 5, 5, 6, 6, 6],
    c: [-1, -1, -2, -1, -1, -2, -2, -2],
  },
  labels: [7, 8, 7, 9],
};

void describe('scatter pair selector', () => {
  void it('offers every two of 3+ projected modalities, none for 2', () => {
    assert.deepEqual(scatterChoices(proj, ['a', 'b', 'c']), [
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
    assert.deepEqual(scatterChoices(proj, ['a', 'b']), []);
    // a modality of the report without points is not offered
    assert.deepEqual(projectedModalities(proj, ['a', 'x', 'c']), ['a', 'c']);
  });
  void it('a pick draws those two (lines joining them), in the pick order; no pick draws all', () => {
    const all = planScatter(proj, ['a', 'b', 'c'], 12);
    assert.deepEqual(all.modalities, ['a', 'b', 'c']);
    assert.equal(all.drawn.length, 4);
    const bc = planScatter(proj, ['a', 'b', 'c'], 6, 150, ['c', 'b']);
    assert.deepEqual(bc.modalities, ['c', 'b']);
    // 6 points over 2 modalities: 3 rows each (3 modalities would give 2)
    assert.equal(bc.drawn.length, 3);
    assert.equal(planScatter(proj, ['a', 'b', 'c'], 6).drawn.length, 2);
    // a pick naming a modality not projected falls back to all
    assert.deepEqual(planScatter(proj, ['a', 'b', 'c'], 12, 150, ['a', 'z']).modalities, ['a', 'b', 'c']);
  });
  void it('validShown keeps a saved pick only while it names two different projected modalities', () => {
    assert.deepEqual(validShown(['b', 'c'], proj, ['a', 'b', 'c']), ['b', 'c']);
    assert.equal(validShown(['b', 'b'], proj, ['a', 'b', 'c']), undefined);
    assert.equal(validShown(['b', 'q'], proj, ['a', 'b', 'c']), undefined);
    assert.equal(validShown('b', proj, ['a', 'b', 'c']), undefined);
    assert.equal(validShown(undefined, proj, ['a', 'b', 'c']), undefined);
  });
  void it('the pick travels in the versioned saved state and comes back; a bad one is dropped', () => {
    const view = {
      kind: 'report',
      report: { source: '/x.npz', modalities: {}, pairs: [], warnings: [], engine: {} },
      availableModalities: [],
      maxPointsPlotted: 10,
    } as unknown as ViewModel;
    const s = makeState(view, undefined, { scatter: ['a', 'c'] });
    assert.deepEqual(s.scatter, ['a', 'c']);
    assert.equal(s.version, 1);
    assert.deepEqual(readPersistedState(JSON.parse(JSON.stringify(s)))?.scatter, ['a', 'c']);
    assert.equal(readPersistedState({ ...s, scatter: ['a', 'a'] })?.scatter, undefined);
    assert.equal(readPersistedState({ ...s, scatter: [1, 2] })?.scatter, undefined);
    assert.equal(readPersistedState({ ...s, scatter: undefined })?.scatter, undefined);
  });
});

void describe('scatter selection', () => {
  void it('insidePolygon: even-odd rule on a square and a concave shape', () => {
    const square = [0, 0, 10, 0, 10, 10, 0, 10];
    assert.equal(insidePolygon(5, 5, square), true);
    assert.equal(insidePolygon(11, 5, square), false);
    assert.equal(insidePolygon(-0.1, 5, square), false);
    // a U: the notch (5, 8) is outside, the arms inside
    const u = [0, 0, 10, 0, 10, 10, 7, 10, 7, 3, 3, 3, 3, 10, 0, 10];
    assert.equal(insidePolygon(5, 8, u), false);
    assert.equal(insidePolygon(1, 8, u), true);
    assert.equal(insidePolygon(9, 8, u), true);
    assert.equal(insidePolygon(1, 1, [0, 0, 2, 2]), false, 'fewer than 3 vertices is no area');
  });
  void it('rowsInside: each row once, with the modalities whose point is inside', () => {
    const pts = [
      { row: 10, modality: 'a', x: 1, y: 1 },
      { row: 10, modality: 'b', x: 2, y: 2 },
      { row: 11, modality: 'a', x: 50, y: 50 },
      { row: 11, modality: 'b', x: 3, y: 3 },
      { row: 12, modality: 'a', x: 50, y: 50 },
    ];
    const got = rowsInside(pts, [0, 0, 10, 0, 10, 10, 0, 10]);
    assert.deepEqual(
      [...got],
      [
        [10, ['a', 'b']],
        [11, ['b']],
      ],
    );
  });
  void it('rowsWithLabel and rowsFromText pick among the drawn rows only', () => {
    const plan = planScatter(proj, ['a', 'b', 'c'], 12);
    assert.deepEqual(rowsWithLabel(proj, plan, 7), [10, 12]);
    assert.deepEqual(rowsWithLabel(proj, plan, 5), []);
    assert.deepEqual(rowsWithLabel({ ...proj, labels: undefined }, plan, 7), []);
    assert.deepEqual(rowsFromText('13, 10-11 99', proj, plan), { rows: [10, 11, 13], notDrawn: 1 });
    assert.match(rowsFromText('4, x', proj, plan) as string, /'x' is not a row number/);
    assert.match(rowsFromText('9-3', proj, plan) as string, /ends before it starts/);
    assert.match(rowsFromText(' ', proj, plan) as string, /Type row numbers/);
  });
  void it('exported rows: ascending row, label, x and y of each shown modality, how picked', () => {
    const plan = planScatter(proj, ['a', 'b', 'c'], 12, 150, ['a', 'c']);
    assert.deepEqual(selectionColumns(plan), ['row', 'label', 'a_pc1', 'a_pc2', 'c_pc1', 'c_pc2', 'selected_by']);
    const how = new Map([
      [13, 'a;c'],
      [11, 'c'],
    ]);
    assert.deepEqual(selectionRows(proj, plan, [13, 11], how), [
      [11, 8, 1, 0, -2, -1, 'c'],
      [13, 9, 1, 1, -2, -2, 'a;c'],
    ]);
    // no labels in the projection: null
    assert.deepEqual(selectionRows({ ...proj, labels: undefined }, plan, [10], new Map())[0], [10, null, 0, 0, -1, -1, null]);
  });
});

void describe('per-row metrics asked with an export', () => {
  const dims: Record<string, number> = { a: 16, b: 16, c: 16, t: 12 };
  const dimOf = (m: string): number | undefined => dims[m];
  const reportPairs = [
    { a: 'a', b: 'b' },
    { a: 'a', b: 'c' },
    { a: 'b', b: 'c' },
    { a: 'a', b: 't' },
  ];
  void it('the two shown modalities in their shown order, or the report pairs among all shown; one width only', () => {
    assert.deepEqual(metricPairs(['c', 'a'], reportPairs, dimOf), [['c', 'a']]);
    assert.deepEqual(metricPairs(['a', 't'], reportPairs, dimOf), []);
    assert.deepEqual(metricPairs(['a', 'b', 'c', 't'], reportPairs, dimOf), [
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
    assert.deepEqual(metricPairs(['a', 'b', 't'], reportPairs, dimOf), [['a', 'b']]);
    assert.deepEqual(metricPairs(['a'], reportPairs, dimOf), []);
  });
});
