/**
 * Retrieval ranks, both directions from one pass over the similarity tiles, against a brute-force
 * computation of each direction on its own: tiles that do not divide N, exact ties, duplicated
 * rows and a zero row. Small integer entries make every dot product exact in float32 and float64,
 * so both backends must agree with the brute force to the last rank.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/engine/random';
import { retrievalRanks, summarizeRanks } from '../../src/engine/retrieval';
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
  for (const [name, base] of [
    ['js', backends.js],
    ['onnxruntime', backends.ort],
  ] as const) {
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
    assert.deepEqual(
      [Array.from(two.aToB), Array.from(two.bToA)],
      [
        [2, 2],
        [2, 2],
      ],
    );
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

/**
 * numpy's median (np.median, what scripts/make_reference.py uses): sort, then the middle value, or
 * the mean of the two middle values when n is even. Ranks are integers, so a median rank is an
 * integer or a half-integer and is compared exactly.
 */
function npMedian(xs: ArrayLike<number>): number {
  const s = Array.from(xs).sort((x, y) => x - y);
  const n = s.length;
  return n % 2 === 1 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

void test("median rank is exactly numpy's median: odd and even counts, multi-digit ranks, far-apart middle values", () => {
  // [ranks, np.median(ranks)] as numpy prints them; each would fail a wrong middle value: the lower
  // or upper middle alone, an index off by one, a text sort (10 before 9), or a tolerance of 1
  const cases: [number[], number][] = [
    [[5, 1, 3], 3],
    [[1, 2, 7, 30], 4.5],
    [[10, 9, 2, 100, 3], 9],
    [[1, 1, 1, 4], 1],
    [[1], 1],
    [[2, 1], 1.5],
    [[3, 3, 8, 8, 8, 1], 5.5],
  ];
  for (const [ranks, want] of cases) {
    assert.equal(npMedian(ranks), want, `reference for ${ranks}`);
    const got = summarizeRanks(Float64Array.from(ranks));
    assert.equal(got.medianRank, want, `median rank of ${ranks}`);
    // and the recall fractions, exact too: count / n
    assert.equal(got.r1, ranks.filter((r) => r <= 1).length / ranks.length, `R@1 of ${ranks}`);
    assert.equal(got.r5, ranks.filter((r) => r <= 5).length / ranks.length, `R@5 of ${ranks}`);
    assert.equal(got.r10, ranks.filter((r) => r <= 10).length / ranks.length, `R@10 of ${ranks}`);
  }
});

void test("median rank of the one-pass ranks equals numpy's median of the brute-force ranks, exactly, for odd and even N", async () => {
  for (const n of [203, 202]) {
    const d = 6;
    const { a, b } = integerPair(n, d, 24);
    const brute = bruteRanks(a, b, n, d);
    const want = { aToB: npMedian(brute), bToA: npMedian(bruteRanks(b, a, n, d)) };
    // the ranks next to the middle differ here (N = 202: middle ranks 18 and 19, median 18.5;
    // N = 203: 17, 18, 19), so any other middle value, or a tolerance of 1, gives another number
    const s = brute.sort((x, y) => x - y);
    const lo = s[Math.floor((n - 1) / 2)] as number;
    const hi = s[Math.ceil((n - 1) / 2)] as number;
    if (n % 2 === 0) assert.ok(lo !== hi, `N = ${n}: the two middle ranks differ (${lo}, ${hi})`);
    else assert.ok(s[(n - 3) / 2] !== lo && s[(n + 1) / 2] !== lo, `N = ${n}: the middle rank ${lo} differs from its neighbours`);
    for (const [name, be] of [
      ['js', backends.js],
      ['onnxruntime', backends.ort],
    ] as const) {
      const got = await retrievalRanks(a, b, n, d, { ...be, maxTileElements: 777 });
      assert.equal(summarizeRanks(got.aToB).medianRank, want.aToB, `${name}, N = ${n}: a -> b`);
      assert.equal(summarizeRanks(got.bToA).medianRank, want.bToA, `${name}, N = ${n}: b -> a`);
    }
  }
});
