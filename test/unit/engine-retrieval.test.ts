/**
 * Retrieval ranks, both directions from one pass over the similarity tiles, against a brute-force
 * computation of each direction on its own: tiles that do not divide N, exact ties, duplicated
 * rows and a zero row. Small integer entries make every dot product exact in float32 and float64,
 * so both backends must agree with the brute force to the last rank.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/engine/random';
import { retrievalRanks } from '../../src/engine/retrieval';
import { openBothBackends } from './engine-backends';

const backends = openBothBackends();

function dot(x: Float32Array, i: number, y: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += (x[i * d + k] as number) * (y[j * d + k] as number);
  return s;
}

/** rank of each query's partner (same row index) among all gallery rows: 1 + #strictly more similar */
function bruteRanks(q: Float32Array, g: Float32Array, n: number, d: number): number[] {
  const ranks: number[] = [];
  for (let i = 0; i < n; i++) {
    const pos = dot(q, i, g, i, d);
    let r = 1;
    for (let j = 0; j < n; j++) if (j !== i && dot(q, i, g, j, d) > pos) r++;
    ranks.push(r);
  }
  return ranks;
}

/** integer entries in [-2, 2], b a noisy copy of a, with duplicated rows, a zero row and exact ties */
function integerPair(n: number, d: number, seed: number): { a: Float32Array; b: Float32Array; ties: number } {
  const rand = mulberry32(seed);
  const int = (): number => Math.floor(rand() * 5) - 2;
  const a = new Float32Array(n * d).map(int);
  const b = a.map((v) => (rand() < 0.5 ? int() : v));
  for (let i = 0; i + 7 < n; i += 11) b.copyWithin((i + 7) * d, i * d, i * d + d); // b_{i+7} = b_i: a tie with a_i's partner
  for (let i = 0; i + 3 < n; i += 13) a.copyWithin((i + 3) * d, i * d, i * d + d); // a_{i+3} = a_i: a tie for b_i's query
  b.copyWithin(20 * d, 150 * d, 151 * d); // a duplicate far off the diagonal block
  a.fill(0, 40 * d, 41 * d); // a zero row: all its similarities tie at 0
  let ties = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (j !== i && dot(a, i, b, j, d) === dot(a, i, b, i, d)) ties++;
  return { a, b, ties };
}

void test('one-pass ranks equal brute force in both directions, any tiling, ties and duplicated rows', async () => {
  const n = 203;
  const d = 6;
  const { a, b, ties } = integerPair(n, d, 21);
  assert.ok(ties > 100, `the data has exact ties (${ties})`);
  const wantAB = bruteRanks(a, b, n, d);
  const wantBA = bruteRanks(b, a, n, d);
  assert.ok(wantAB.some((r) => r > 10) && wantAB.some((r) => r === 1), 'ranks are not trivial');
  // 777: 12 columns x 64 rows; 200: 3 x 66; 5000: 78 x 64 (the diagonal blocks straddle column tiles)
  for (const [name, base] of [['js', backends.js], ['onnxruntime', backends.ort]] as const) {
    for (const maxTileElements of [base.maxTileElements, 777, 200, 5000]) {
      const fractions: number[] = [];
      const got = await retrievalRanks(a, b, n, d, { ...base, maxTileElements }, undefined, (f) => fractions.push(f));
      assert.deepEqual(Array.from(got.aToB), wantAB, `${name}, tile ${maxTileElements}: a -> b`);
      assert.deepEqual(Array.from(got.bToA), wantBA, `${name}, tile ${maxTileElements}: b -> a`);
      assert.equal(fractions[fractions.length - 1], 1);
      assert.ok(fractions.every((f, i) => i === 0 || f > (fractions[i - 1] as number)));
    }
  }
});

void test('one-pass ranks on float rows equal brute force; two rows is one masked tile', async () => {
  const n = 157;
  const d = 24;
  const rand = mulberry32(22);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const a = new Float32Array(n * d).map(gauss);
  const b = a.map((v) => Math.fround(v + 1.5 * gauss()));
  for (const name of ['js', 'onnxruntime'] as const) {
    const be = name === 'js' ? backends.js : backends.ort;
    const got = await retrievalRanks(a, b, n, d, { ...be, maxTileElements: 999 });
    assert.deepEqual(Array.from(got.aToB), bruteRanks(a, b, n, d), `${name}: a -> b`);
    assert.deepEqual(Array.from(got.bToA), bruteRanks(b, a, n, d), `${name}: b -> a`);
    // two rows facing each other: the whole matrix is the diagonal block
    const two = await retrievalRanks(new Float32Array([1, 0, 0, 1]), new Float32Array([0, 1, 1, 0]), 2, 2, be);
    assert.deepEqual([Array.from(two.aToB), Array.from(two.bToA)], [[2, 2], [2, 2]]);
  }
});

void test('retrieval stops between tiles when cancelled', async () => {
  const { a, b } = integerPair(203, 6, 23);
  const ctrl = new AbortController();
  let tiles = 0;
  const run = retrievalRanks(a, b, 203, 6, { ...backends.js, maxTileElements: 777 }, ctrl.signal, () => {
    if (++tiles === 3) ctrl.abort();
  });
  await assert.rejects(run, { name: 'AbortError' });
  assert.equal(tiles, 3);
});
