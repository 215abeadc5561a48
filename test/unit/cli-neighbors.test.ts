/**
 * `dagr neighbors`, `dagr compare --movers` and the per-class `classes` of `dagr inspect --json`
 * on the fixtures of scripts/make_neighbors_reference.py, against its numpy numbers; bad input is
 * one stderr line and exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassReport, NeighborRow } from '../../src/protocol/neighbors';
import type { CompareReport, GeometryReport } from '../../src/protocol/report';
import { ROOT, runCli } from '../fixtures/cli/run';

const DIR = 'test/fixtures/neighbors';
const A = `${DIR}/a.npz`;
const B = `${DIR}/b.npz`;
interface ExpectedList {
  modality: string;
  rows: number[];
  similarities: number[];
  labels: number[];
  partnerRank: number | null;
}
const expected = JSON.parse(readFileSync(join(ROOT, DIR, 'expected.json'), 'utf8')) as {
  neighbors: { modality: string; row: number; k: number; label: number; lists: ExpectedList[] }[];
  movers: Record<string, { k: number; rows: number[]; jaccard: number[]; histogram: number[] }>;
  classes: {
    label: number;
    count: number;
    modalities: Record<string, { effectiveRank: number; meanCosine: number }>;
    pairs: { driftMean: number; r1: number }[];
  }[];
};

function sameList(got: NeighborRow[], want: ExpectedList, where: string): void {
  assert.deepEqual(
    got.map((x) => x.row),
    want.rows,
    `${where}: rows`,
  );
  assert.deepEqual(
    got.map((x) => x.label),
    want.labels,
    `${where}: labels`,
  );
  got.forEach((x, i) => assert.ok(Math.abs(x.similarity - (want.similarities[i] as number)) < 1e-12, `${where}: similarity ${i}`));
  for (const x of got) assert.deepEqual(Object.keys(x).sort(), ['label', 'row', 'similarity']);
}

void test('neighbors --json: [{row, similarity, label}] in order, own modality and --in, as numpy', async () => {
  const c = expected.neighbors[0];
  assert.ok(c);
  const own = await runCli(['neighbors', A, '--modality', c.modality, '--row', String(c.row), '--k', String(c.k), '--json']);
  assert.equal(own.code, 0, own.stderr);
  sameList(JSON.parse(own.stdout) as NeighborRow[], c.lists[0] as ExpectedList, 'own');
  const paired = c.lists[1] as ExpectedList;
  const other = await runCli([
    'neighbors',
    A,
    '--modality',
    c.modality,
    '--in',
    paired.modality,
    '--row',
    String(c.row),
    '--k',
    String(c.k),
    '--json',
  ]);
  assert.equal(other.code, 0, other.stderr);
  sameList(JSON.parse(other.stdout) as NeighborRow[], paired, 'in');
});

void test('neighbors text: a table and where the partner ranks; --label picks the first row with that label', async () => {
  const c = expected.neighbors[2]; // visual row 100, k 7
  assert.ok(c);
  const paired = c.lists[1] as ExpectedList;
  const r = await runCli(['neighbors', A, '--modality', c.modality, '--in', paired.modality, '--row', String(c.row), '--k', String(c.k)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`ranks ${paired.partnerRank as number} \\(cosine`));
  assert.equal(r.stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\s+-?\d\.\d{4}\s+\d+$/.test(l)).length, c.k);
  const byLabel = await runCli(['neighbors', A, '--modality', 'audio', '--label', '2', '--k', '3', '--json']);
  const byRow = await runCli(['neighbors', A, '--modality', 'audio', '--row', '80', '--k', '3', '--json']); // rows 80..119 are class 2
  assert.equal(byLabel.code, 0, byLabel.stderr);
  assert.equal(byLabel.stdout, byRow.stdout);
});

void test('neighbors: bad input is one line naming the problem, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['neighbors', A, '--row', '1'], /needs --modality/],
    [['neighbors', A, '--modality', 'audio'], /one of --row I or --label L/],
    [['neighbors', A, '--modality', 'audio', '--row', '1', '--label', '2'], /one of --row I or --label L/],
    [['neighbors', A, '--modality', 'audio', '--row', '240'], /a\.npz: row 240 is outside 0\.\.239/],
    [['neighbors', A, '--modality', 'sound', '--row', '1'], /no modality named "sound"; modalities: audio, visual, text/],
    [['neighbors', A, '--modality', 'audio', '--in', 'text', '--row', '1'], /widths differ \(16 vs 12\)/],
    [['neighbors', A, '--modality', 'audio', '--row', '1', '--k', '0'], /--k must be an integer >= 1/],
    [['neighbors', A, '--modality', 'audio', '--label', '9'], /no row has label 9/],
  ];
  for (const [args, want] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, want, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

void test('compare --movers K --json: movers [{row, jaccard, label, modality}] most changed first, as numpy; summary histogram', async () => {
  const r = await runCli(['compare', A, B, '--movers', '10', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout) as CompareReport;
  assert.ok(c.movers && c.moversSummary);
  const want = expected.movers.audio;
  assert.ok(want);
  const audio = c.movers.filter((m) => m.modality === 'audio');
  assert.equal(audio.length, 240);
  const byRow = new Map(audio.map((m) => [m.row, m]));
  want.rows.forEach((row, i) => assert.equal(byRow.get(row)?.jaccard, want.jaccard[i], `row ${row}`));
  for (let i = 1; i < audio.length; i++) {
    const p = audio[i - 1];
    const q = audio[i];
    assert.ok(p && q && (p.jaccard < q.jaccard || (p.jaccard === q.jaccard && p.row < q.row)));
  }
  assert.equal(audio[0]?.label, 0); // class 0 moved
  const s = c.moversSummary.find((x) => x.modality === 'audio');
  assert.deepEqual(s?.histogram.counts, want.histogram);
  assert.equal(s?.k, 10);
  assert.deepEqual(
    c.moversSummary.map((x) => x.modality),
    ['audio', 'visual', 'text'],
  );
  // without --movers the report has no movers
  const plain = JSON.parse((await runCli(['compare', A, B, '--json'])).stdout) as CompareReport;
  assert.equal(plain.movers, undefined);
  const bad = await runCli(['compare', A, B, '--movers-rows', '5']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--movers-rows needs --movers K/);
});

void test('inspect --json: classes per label with counts, effective rank, mean cosine, pair drift and R@1 as numpy; class-collapse warning', async () => {
  const r = await runCli(['inspect', B, '--json', '--engine', 'js']);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as GeometryReport;
  const classes: ClassReport[] = rep.classes ?? [];
  assert.deepEqual(
    classes.map((c) => [c.label, c.count]),
    expected.classes.map((c) => [c.label, c.count]),
  );
  for (const [i, want] of expected.classes.entries()) {
    const got: ClassReport | undefined = classes[i];
    assert.ok(got);
    assert.deepEqual(Object.keys(got.modalities), ['audio', 'visual', 'text']);
    for (const [name, m] of Object.entries(want.modalities)) {
      assert.ok(Math.abs((got.modalities[name]?.effectiveRank ?? NaN) - m.effectiveRank) < 1e-6 * m.effectiveRank, `${want.label} ${name}`);
      assert.ok(Math.abs((got.modalities[name]?.meanCosine ?? NaN) - m.meanCosine) < 1e-10);
    }
    assert.deepEqual(
      got.pairs.map((p) => [p.a, p.b]),
      [['audio', 'visual']],
    );
    assert.ok(Math.abs((got.pairs[0]?.driftMean ?? NaN) - (want.pairs[0]?.driftMean ?? 0)) < 1e-10);
    assert.equal(got.pairs[0]?.r1, want.pairs[0]?.r1);
  }
  const cw = rep.warnings.filter((w) => w.code === 'class-collapse');
  assert.deepEqual(
    cw.map((w) => [w.modality, w.label]),
    [['audio', 5]],
  );
  // the threshold is a setting: at 0.1 x the median the rank-2 class is not flagged
  const loose = JSON.parse(
    (await runCli(['inspect', B, '--json', '--engine', 'js', '--threshold-class-collapse', '0.1'])).stdout,
  ) as GeometryReport;
  assert.equal(loose.warnings.filter((w) => w.code === 'class-collapse').length, 0);
});
