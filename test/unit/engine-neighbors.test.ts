/**
 * Neighbours, movers and per-class geometry against the numpy reference of
 * scripts/make_neighbors_reference.py (test/fixtures/neighbors/): neighbour lists and movers sets
 * exactly (rows in order, ties by row index: the fixture has exact duplicates), similarities and
 * per-class numbers (of b.npz, which has no duplicate rows) tightly. Both engine backends for the per-class numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMatrix, openCheckpoint, selectModalities } from '../../src/io';
import type { Matrix } from '../../src/io/types';
import { classCollapseWarnings, classGeometry } from '../../src/engine/classes';
import { jaccardHistogram, knnAll, moversOf, orderByChange } from '../../src/engine/movers';
import { nearestNeighbors, neighborLists, rowNorms, unitRow } from '../../src/engine/neighbors';
import { EngineError } from '../../src/engine/types';
import type { ClassReport } from '../../src/protocol/neighbors';
import { openBothBackends } from './engine-backends';

const DIR = join(__dirname, '..', 'fixtures', 'neighbors');

interface ExpectedList {
  modality: string;
  rows: number[];
  similarities: number[];
  labels: number[];
  partnerRank: number | null;
}
interface Expected {
  neighbors: { modality: string; row: number; k: number; label: number; lists: ExpectedList[] }[];
  movers: Record<string, { k: number; maxRows: number; rows: number[]; jaccard: number[]; histogram: number[] }>;
  classes: (ClassReport & { pairs: { a: string; b: string; driftMean: number; r1: number; r1BToA: number; retrievalRows: number }[] })[];
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected;

async function load(file: string): Promise<{ mods: Map<string, Matrix>; labels: Int32Array }> {
  const cp = await openCheckpoint(join(DIR, file));
  const { modalities, labels } = selectModalities(cp);
  const mods = new Map<string, Matrix>();
  for (const e of modalities) mods.set(e.name, await loadMatrix(e));
  assert.ok(labels, 'fixture has labels');
  return { mods, labels: (await labels.readRows()) as Int32Array };
}
const get = (m: Map<string, Matrix>, name: string): Matrix => {
  const x = m.get(name);
  assert.ok(x, name);
  return x;
};

const backends = openBothBackends();

void test('neighbour lists equal numpy: rows in order with ties by row index, similarities to 1e-12, partner ranks', async () => {
  const { mods, labels } = await load('a.npz');
  for (const c of expected.neighbors) {
    const query = get(mods, c.modality);
    const targets = [...mods.values()].filter((m) => m.name !== c.modality);
    // a small tile forces many tiles, so the tile seams are crossed
    const lists = await neighborLists(query, c.row, targets, c.k, labels, { tileRows: 17 });
    const withRows = lists.filter((l) => l.neighbors.length > 0);
    assert.deepEqual(
      withRows.map((l) => l.modality),
      c.lists.map((l) => l.modality),
      `${c.modality} row ${c.row}: modalities`,
    );
    for (const [i, want] of c.lists.entries()) {
      const got = withRows[i];
      assert.ok(got);
      const where = `${c.modality} row ${c.row} in ${want.modality}`;
      assert.deepEqual(
        got.neighbors.map((x) => x.row),
        want.rows,
        `${where}: rows`,
      );
      assert.deepEqual(
        got.neighbors.map((x) => x.label),
        want.labels,
        `${where}: labels`,
      );
      got.neighbors.forEach((x, j) =>
        assert.ok(Math.abs(x.similarity - (want.similarities[j] as number)) < 1e-12, `${where}: similarity ${j}`),
      );
      assert.equal(got.partnerRank, want.partnerRank, `${where}: partner rank`);
    }
    // a modality of another width is listed with a note instead of rows
    for (const l of lists) if (l.neighbors.length === 0) assert.match(l.note, /widths differ/);
  }
});

void test('kept row norms give the very same lists and similarities as the one-pass search', async () => {
  const { mods, labels } = await load('a.npz');
  const norms = new Map([...mods.values()].map((m) => [m, rowNorms(m)]));
  for (const c of expected.neighbors) {
    const query = get(mods, c.modality);
    const targets = [...mods.values()].filter((m) => m.name !== c.modality);
    const plain = await neighborLists(query, c.row, targets, c.k, labels);
    const kept = await neighborLists(query, c.row, targets, c.k, labels, { normsOf: (m) => norms.get(m), tileRows: 50 });
    assert.deepEqual(kept, plain);
  }
});

void test('ties: equal similarities come in ascending row order, and k larger than N - 1 lists every other row', async () => {
  const { mods } = await load('a.npz');
  const audio = get(mods, 'audio');
  const r = await nearestNeighbors(unitRow(audio, 3), audio, 2, { exclude: 3 });
  // rows 7 and 11 are row 3 and 2 x row 3: the same cosine, the smaller row first
  assert.deepEqual(
    r.neighbors.map((x) => x.row),
    [7, 11],
  );
  assert.equal(r.neighbors[0]?.similarity, r.neighbors[1]?.similarity);
  const all = await nearestNeighbors(unitRow(audio, 0), audio, 10_000, { exclude: 0 });
  assert.equal(all.neighbors.length, audio.rows - 1);
  assert.ok(!all.neighbors.some((x) => x.row === 0));
});

void test('neighbours: a bad row, k or NaN row is one EngineError line naming the array and row', async () => {
  const { mods } = await load('a.npz');
  const audio = get(mods, 'audio');
  await assert.rejects(
    neighborLists(audio, 240, [], 3, undefined),
    (e: Error) => e instanceof EngineError && /row 240 is outside 'audio'/.test(e.message),
  );
  await assert.rejects(nearestNeighbors(unitRow(audio, 0), audio, 0), /k must be an integer >= 1/);
  const bad: Matrix = { ...audio, data: Float32Array.from(audio.data) };
  bad.data[5 * 16 + 2] = NaN;
  await assert.rejects(nearestNeighbors(unitRow(audio, 0), bad, 3), /'audio' has NaN or Inf at row 5/);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(nearestNeighbors(unitRow(audio, 0), audio, 3, { signal: controller.signal }), { name: 'AbortError' });
});

void test('movers: Jaccard per row equals numpy for all rows and for a seeded sample; histogram and order', async () => {
  const a = await load('a.npz');
  const b = await load('b.npz');
  for (const [key, want] of Object.entries(expected.movers)) {
    const name = key.replace('Sampled', '');
    const r = await moversOf(get(a.mods, name), get(b.mods, name), want.maxRows > 0 ? want.k : 10, { maxRows: want.maxRows });
    assert.equal(r.k, want.k, key);
    assert.deepEqual(Array.from(r.rows), want.rows, `${key}: rows`);
    assert.equal(r.sampled, want.maxRows > 0);
    assert.deepEqual(Array.from(r.jaccard), want.jaccard, `${key}: jaccard`);
    assert.deepEqual(jaccardHistogram(r.jaccard).counts, want.histogram, `${key}: histogram`);
    const order = orderByChange(r.jaccard);
    for (let i = 1; i < order.length; i++) {
      const p = order[i - 1] as number;
      const q = order[i] as number;
      assert.ok((r.jaccard[p] as number) < (r.jaccard[q] as number) || (r.jaccard[p] === r.jaccard[q] && p < q));
    }
  }
  // the moved class (0: rows 0..39) changed, the others did not: the test can fail
  const audio = await moversOf(get(a.mods, 'audio'), get(b.mods, 'audio'), 10);
  assert.ok(Array.from(audio.jaccard.subarray(0, 40)).every((j) => j < 1));
  assert.ok(Array.from(audio.jaccard.subarray(40)).filter((j) => j === 1).length > 150);
});

void test('knnAll with one row per set and identical checkpoints gives overlap 1 everywhere', async () => {
  const z = new Float64Array([1, 0, 0, 1, 0.6, 0.8]);
  const nn = await knnAll(z, 3, 2, 1);
  assert.deepEqual(Array.from(nn), [2, 2, 1]);
  const { mods } = await load('a.npz');
  const v = get(mods, 'visual');
  const same = await moversOf(v, v, 5);
  assert.ok(Array.from(same.jaccard).every((j) => j === 1));
  await assert.rejects(moversOf(v, { ...v, rows: 10, data: v.data.subarray(0, 160) }, 5), /movers compare the same rows/);
});

for (const which of ['js', 'ort'] as const) {
  void test(`per-class geometry equals numpy (${which}): counts, effective ranks, mean cosine, drift, R@1; class 5 of audio collapses`, async () => {
    const { mods, labels } = await load('b.npz');
    const backend = backends[which];
    const { classes, warnings } = await classGeometry([...mods.values()], labels, backend, {
      pairs: [
        ['audio', 'visual'],
        ['audio', 'text'],
      ],
      maxPairwiseRows: 16384,
    });
    assert.deepEqual(
      classes.map((c) => c.label),
      expected.classes.map((c) => c.label),
    );
    for (const [i, want] of expected.classes.entries()) {
      const got = classes[i];
      assert.ok(got);
      assert.equal(got.count, want.count);
      for (const [name, m] of Object.entries(want.modalities)) {
        const g = got.modalities[name];
        assert.ok(g, name);
        // 1e-6: class 5 of audio has rank 2 in 16 dimensions, and the 1e-7 floor of each p_k makes its
        // 14 rounding-level singular values count (both backends' eigensolvers agree to ~1e-7 there)
        assert.ok(
          Math.abs(g.effectiveRank - m.effectiveRank) < 1e-6 * m.effectiveRank,
          `class ${want.label} ${name} erank ${g.effectiveRank} vs ${m.effectiveRank}`,
        );
        assert.ok(
          Math.abs(g.effectiveRankCentered - m.effectiveRankCentered) < 1e-6 * m.effectiveRankCentered,
          `class ${want.label} ${name} centred erank`,
        );
        assert.ok(Math.abs((g.meanCosine as number) - (m.meanCosine as number)) < 1e-10, `class ${want.label} ${name} mean cosine`);
      }
      // audio/text differ in width: only audio/visual has class pair numbers
      assert.equal(got.pairs.length, 1);
      const p = got.pairs[0];
      const w = want.pairs[0];
      assert.ok(p && w);
      assert.ok(Math.abs(p.driftMean - w.driftMean) < 1e-10, `class ${want.label} drift`);
      assert.equal(p.r1, w.r1, `class ${want.label} r1`);
      assert.equal(p.r1BToA, w.r1BToA, `class ${want.label} r1 b->a`);
      assert.equal(p.retrievalRows, w.retrievalRows);
    }
    assert.deepEqual(
      warnings.map((w) => [w.code, w.modality, w.message.match(/class (\d+)/)?.[1]]),
      [['class-collapse', 'audio', '5']],
    );
  });
}

void test('class-collapse: the threshold is a share of the median class; small classes and fewer than 3 classes take no part', () => {
  const cls = (label: number, count: number, rank: number): ClassReport => ({
    label,
    count,
    modalities: { x: { effectiveRank: rank, effectiveRankCentered: rank, meanCosine: 0 } },
    pairs: [],
  });
  const set = [cls(0, 50, 10), cls(1, 50, 12), cls(2, 50, 2.9), cls(3, 5, 1)];
  assert.deepEqual(
    classCollapseWarnings(set, ['x'], 0.25).map((w) => w.value),
    [],
  ); // 2.9 >= 0.25 x 10
  assert.deepEqual(
    classCollapseWarnings(set, ['x'], 0.3).map((w) => w.value),
    [2.9],
  );
  assert.deepEqual(classCollapseWarnings(set.slice(1), ['x'], 0.9), []); // two eligible classes: no median to speak of
});
