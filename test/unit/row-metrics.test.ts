/**
 * Per-row metrics of a selection (issue 12 export) against the numpy reference of
 * scripts/make_row_metrics_reference.py (test/fixtures/neighbors/row-metrics.json): drift, partner
 * cosine and partner rank, with the fixture's exact ties (audio rows 3, 7, 11 are one direction);
 * the job's notes for a pair of two widths; cancellation; the export's columns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMatrix, openCheckpoint, selectModalities } from '../../src/io';
import type { Matrix } from '../../src/io/types';
import { rowPairMetrics } from '../../src/engine/rowMetrics';
import { rowNorms } from '../../src/engine/neighbors';
import { rowMetricsOf } from '../../src/jobs/rowMetrics';
import { clearNeighborsCache } from '../../src/jobs/neighbors';
import { isJobRequest } from '../../src/protocol/messages';
import { isRowMetricsParams, withRowMetrics } from '../../src/protocol/rowMetrics';
import type { RowMetricsResult } from '../../src/protocol/rowMetrics';

const DIR = join(__dirname, '..', 'fixtures', 'neighbors');
const FILE = join(DIR, 'a.npz');

interface ExpectedPair {
  a: string;
  b: string;
  skipped?: boolean;
  drift: number[];
  partnerCosine: number[];
  partnerRank: number[];
}
const expected = JSON.parse(readFileSync(join(DIR, 'row-metrics.json'), 'utf8')) as { rows: number[]; pairs: ExpectedPair[] };
const computed = expected.pairs.filter((p) => !p.skipped);

async function mods(): Promise<Map<string, Matrix>> {
  const cp = await openCheckpoint(FILE);
  const out = new Map<string, Matrix>();
  for (const e of selectModalities(cp).modalities) out.set(e.name, await loadMatrix(e));
  return out;
}

function close(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs((got[i] as number) - (want[i] as number)) <= tol, `${what} [${i}]: ${got[i]} vs ${want[i]}`);
  }
}

void test('drift, partner cosine and partner rank equal numpy (ties counted for the partner), with and without kept norms', async () => {
  const m = await mods();
  assert.ok(
    computed.some((p) => new Set(p.partnerRank).size > 2),
    'the reference has ranks other than 1',
  );
  for (const p of computed) {
    const a = m.get(p.a);
    const b = m.get(p.b);
    assert.ok(a && b);
    for (const normsB of [undefined, rowNorms(b)]) {
      const got = await rowPairMetrics(a, b, expected.rows, { tileRows: 13, ...(normsB ? { normsB } : {}) });
      const what = `${p.a} -> ${p.b}${normsB ? ' (kept norms)' : ''}`;
      close(got.drift, p.drift, 1e-12, `${what} drift`);
      close(got.partnerCosine, p.partnerCosine, 1e-12, `${what} cosine`);
      assert.deepEqual([...got.partnerRank], p.partnerRank, `${what} rank`);
    }
  }
});

void test('the job answers in the request order, notes a pair of two widths, and refuses a row outside the file', async () => {
  clearNeighborsCache();
  const r = await rowMetricsOf({ path: FILE, rows: expected.rows, pairs: expected.pairs.map((p) => [p.a, p.b]) });
  assert.deepEqual(r.rows, expected.rows);
  assert.deepEqual(
    r.pairs.map((p) => [p.a, p.b]),
    computed.map((p) => [p.a, p.b]),
  );
  for (const [i, p] of computed.entries()) assert.deepEqual(r.pairs[i]?.partnerRank, p.partnerRank);
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0] ?? '', /audio and text: widths differ \(16 vs 12\)/);
  await assert.rejects(rowMetricsOf({ path: FILE, rows: [0, 240], pairs: [['audio', 'visual']] }), /row 240 is outside 0\.\.239/);
});

void test('a cancelled job stops with an AbortError', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(
    rowMetricsOf({ path: FILE, rows: [0, 1, 2], pairs: [['audio', 'visual']] }, { signal: ac.signal }),
    (e: unknown) => e instanceof Error && e.name === 'AbortError',
  );
});

void test('the request guard and the export columns', () => {
  const ok = { path: FILE, rows: [1, 2], pairs: [['audio', 'visual']] };
  assert.ok(isRowMetricsParams(ok));
  assert.ok(isJobRequest({ type: 'job', id: 1, kind: 'rowMetrics', params: ok }));
  assert.ok(!isRowMetricsParams({ ...ok, rows: [1.5] }));
  assert.ok(!isRowMetricsParams({ ...ok, pairs: [['audio', 'audio']] }));
  assert.ok(!isRowMetricsParams({ ...ok, pairs: [] }));
  const result: RowMetricsResult = {
    source: FILE,
    rows: [7, 2],
    pairs: [{ a: 'audio', b: 'visual', drift: [0.5, 0.25], partnerCosine: [0.75, 0.875], partnerRank: [3, 1] }],
    notes: [],
    seconds: 0,
  };
  const out = withRowMetrics(
    ['row', 'label'],
    [
      [2, 1],
      [7, 0],
      [9, 4],
    ],
    result,
  );
  assert.deepEqual(out.columns, ['row', 'label', 'drift_audio_visual', 'partner_cosine_audio_visual', 'partner_rank_audio_to_visual']);
  assert.deepEqual(out.rows, [
    [2, 1, 0.25, 0.875, 1],
    [7, 0, 0.5, 0.75, 3],
    [9, 4, null, null, null],
  ]);
});
