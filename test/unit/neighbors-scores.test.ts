// The neighbour search's WebAssembly dot products (src/engine/neighborScores.ts) and the
// selection export's one pass (src/engine/rowMetrics.ts): every score equals the plain-JS dotAt
// bit for bit (same four float64 chains, same tail, same final order), at every width and block of
// queries, and the one pass over b gives each selected row the partner cosine and rank that a
// neighbour search of that row alone gives, with adversarial near-ties (duplicates of the
// partner, rows one float32 step away, scaled copies) and more rows than one block of queries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Matrix } from '../../src/io/types';
import {
  ApproxScores,
  approxBound,
  dotAt,
  neighborScoresSwitch,
  QueryScores,
  residentCopy,
  rowSquares,
  squaresAt,
  wasmScores,
} from '../../src/engine/neighborScores';
import { nearestNeighbors, rowNorms, unitRow } from '../../src/engine/neighbors';
import type { NeighborSearch } from '../../src/engine/neighbors';
import { QUERY_BLOCK, rowPairMetrics } from '../../src/engine/rowMetrics';
import { mulberry32 } from '../../src/engine/random';

/** values spread over many binades, so any change in the order of the sums changes the last bits */
function wide(n: number, seed: number): Float32Array {
  const u = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (u() * 2 - 1) * Math.exp(12 * (u() - 0.5)));
}

function bitsEqual(got: number, want: number, what: string): void {
  assert.ok(Object.is(got, want), `${what}: ${got} vs ${want}`);
}

void test('the WebAssembly kernel runs here and equals dotAt bit for bit at every width, block of queries and tile', () => {
  assert.ok(wasmScores(), 'WebAssembly SIMD is available in this Node');
  for (const kernel of [true, false]) {
    neighborScoresSwitch.enabled = kernel;
    try {
      for (const d of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 768]) {
        for (const count of [1, 2, 4, 5, 9]) {
          const rows = 23;
          const data = wide(rows * d, d * 31 + count);
          const queries = Float64Array.from(wide(count * d, d * 37 + count + 1), (v) => v / 3);
          const scores = new QueryScores(queries, count, d, 7);
          for (let start = 0; start < rows; start += 7) {
            const end = Math.min(rows, start + 7);
            const dots = scores.dots(data, start, end);
            for (let j = start; j < end; j++)
              for (let t = 0; t < count; t++)
                bitsEqual(
                  dots[(j - start) * count + t] as number,
                  dotAt(queries.subarray(t * d, t * d + d), data, j * d, d),
                  `kernel ${kernel}, d ${d}, ${count} queries, row ${j}, query ${t}`,
                );
          }
        }
      }
    } finally {
      neighborScoresSwitch.enabled = true;
    }
  }
});

void test('row squares (the kept norms) equal squaresAt bit for bit, with and without the kernel, across tiles', () => {
  for (const kernel of [true, false]) {
    neighborScoresSwitch.enabled = kernel;
    try {
      for (const d of [1, 2, 3, 4, 5, 7, 13, 768, 4099]) {
        const n = d >= 768 ? 200 : 40;
        const data = wide(n * d, 700 + d);
        const got = rowSquares(data, d, n);
        for (let j = 0; j < n; j++) bitsEqual(got[j] as number, squaresAt(data, j * d, d), `kernel ${kernel}, d ${d}, row ${j}`);
      }
    } finally {
      neighborScoresSwitch.enabled = true;
    }
  }
});

/** the float32 pre-pass with float64 rescoring, the float64 kernel alone, plain JS */
const MODES = [
  { enabled: true, prePass: true },
  { enabled: true, prePass: false },
  { enabled: false, prePass: true },
];

/** a gallery full of near-ties with the partners of the selected rows */
function tiedPair(n: number, d: number): { a: Matrix; b: Matrix } {
  const a = wide(n * d, 5);
  const b = wide(n * d, 6);
  for (let i = 0; i < n; i += 10) {
    // b_i+1 = b_i (a tie), b_i+2 = b_i one float32 step off in one column, b_i+3 = 2 b_i (the same
    // cosine on paper, rounded differently), a_i = b_i + small noise (the partner near the top)
    if (i + 3 >= n) break;
    for (let c = 0; c < d; c++) {
      const v = b[i * d + c] as number;
      b[(i + 1) * d + c] = v;
      b[(i + 2) * d + c] = v;
      b[(i + 3) * d + c] = 2 * v;
      a[i * d + c] = v + 1e-3 * (a[i * d + c] as number);
    }
    const at = (i + 2) * d + (i % d);
    const v = b[at] as number;
    b[at] = v + Math.abs(v) * 2 ** -23;
  }
  return { a: { name: 'a', rows: n, cols: d, data: a }, b: { name: 'b', rows: n, cols: d, data: b } };
}

void test('one pass over b gives every selected row the partner cosine and rank of its own neighbour search (near-ties, > one block)', async () => {
  const n = 400;
  const d = 37; // not a multiple of 4: the tail of the sums is used
  const { a, b } = tiedPair(n, d);
  const rows = Array.from({ length: QUERY_BLOCK + 44 }, (_, k) => (k * 7) % n);
  rows.push(0, 0, 10); // a row asked twice
  const norms = rowNorms(b);
  const want = await Promise.all(rows.map((i) => nearestNeighbors(unitRow(a, i), b, 1, { partner: i })));
  assert.ok(
    want.some((s) => (s.partnerRank as number) > 1),
    'some partner is outranked',
  );
  for (const mode of MODES) {
    Object.assign(neighborScoresSwitch, mode);
    try {
      for (const ctl of [{}, { normsB: norms }, { normsB: norms, tileRows: 13 }]) {
        const got = await rowPairMetrics(a, b, rows, ctl);
        for (const [k, s] of want.entries()) {
          const what = `${JSON.stringify(mode)}, ${JSON.stringify(Object.keys(ctl))}, row ${rows[k]}`;
          assert.equal(got.partnerRank[k], s.partnerRank, `${what}: rank`);
          bitsEqual(got.partnerCosine[k] as number, Math.max(-1, Math.min(1, s.partnerSimilarity as number)), `${what}: cosine`);
        }
      }
    } finally {
      Object.assign(neighborScoresSwitch, MODES[0]);
    }
  }
  // the duplicate b_i+1 ties with the partner b_i: it is not counted above it
  const k0 = rows.indexOf(0);
  const dup = await nearestNeighbors(unitRow(a, 0), b, 3, { partner: 0 });
  assert.equal(dup.neighbors[0]?.row, 0);
  assert.equal(dup.neighbors[1]?.row, 1);
  assert.equal(dup.neighbors[0]?.similarity, dup.neighbors[1]?.similarity);
  const got = await rowPairMetrics(a, b, rows, { normsB: norms });
  assert.equal(got.partnerRank[k0], 1);
});

void test('progress reaches 1 once per block and a Cancel between tiles stops the pass', async () => {
  const { a, b } = tiedPair(200, 16);
  const rows = Array.from({ length: 300 }, (_, k) => k % 200);
  const seen: number[] = [];
  await rowPairMetrics(a, b, rows, { tileRows: 50, onProgress: (f) => seen.push(f) });
  assert.equal(seen.length, 2 * 4);
  assert.equal(seen[seen.length - 1], 1);
  assert.ok(seen.every((f, i) => i === 0 || f > (seen[i - 1] as number)));
  const ac = new AbortController();
  await assert.rejects(
    rowPairMetrics(a, b, rows, { tileRows: 50, signal: ac.signal, onProgress: () => ac.abort() }),
    (e: unknown) => e instanceof Error && e.name === 'AbortError',
  );
});

void test('the pre-pass stays within its bound (approxBound) of the float64 cosine, and its bound is what the proof says', () => {
  // gamma(770) + u at d = 768, about 4.6e-5: far below the cosine gaps of real neighbours, far above float32's real error
  assert.ok(Math.abs(approxBound(768) - 4.6e-5) < 1e-6, `bound ${approxBound(768)}`);
  for (const d of [1, 3, 4, 5, 13, 768]) {
    const rows = 40;
    const data = wide(rows * d, 90 + d);
    const g: Matrix = { name: 'g', rows, cols: d, data };
    const norms = rowNorms(g);
    const queries = new Float64Array(5 * d);
    for (let t = 0; t < 5; t++) queries.set(unitRow(g, t * 7), t * d);
    const approx = ApproxScores.create(queries, 5, d, undefined, 16);
    assert.ok(approx);
    for (let start = 0; start < rows; start += 16) {
      const end = Math.min(rows, start + 16);
      const dots = approx.dots(data, start, end);
      for (let j = start; j < end; j++)
        for (let t = 0; t < 5; t++) {
          const exact = dotAt(queries.subarray(t * d, t * d + d), data, j * d, d) / (norms[j] as number);
          const pre = (dots[(j - start) * 5 + t] as number) / (norms[j] as number);
          assert.ok(Math.abs(pre - exact) <= approx.bound(t), `d ${d}, row ${j}, query ${t}: ${pre} vs ${exact}`);
        }
    }
  }
});

/** the search's answer, compared bit for bit */
function same(got: NeighborSearch, want: NeighborSearch, what: string): void {
  assert.deepEqual(
    got.neighbors.map((x) => x.row),
    want.neighbors.map((x) => x.row),
    `${what}: rows`,
  );
  for (const [i, x] of got.neighbors.entries())
    bitsEqual(x.similarity, want.neighbors[i]?.similarity as number, `${what}: similarity ${i}`);
  assert.equal(got.partnerRank, want.partnerRank, `${what}: partner rank`);
}

void test('the neighbour search gives the same lists, similarities and partner ranks with the pre-pass, the float64 kernel and plain JS (near-ties at the k-th place, float32 overflow)', async () => {
  const n = 300;
  const d = 37;
  const { a, b } = tiedPair(n, d);
  // rows 250..299: copies of row 20 a float32 step apart in one column each, so the k-th place is a near-tie
  for (let r = 250; r < n; r++) {
    b.data.copyWithin(r * d, 20 * d, 21 * d);
    const at = r * d + (r % d);
    b.data[at] = (b.data[at] as number) * (1 + (r % 3) * 2 ** -23);
  }
  // a row whose float32 sums overflow: the pre-pass cannot settle it, the float64 sums can
  const big = 7;
  for (let c = 0; c < d; c++) b.data[big * d + c] = 3e38 * Math.sign((b.data[big * d + c] as number) || 1);
  const norms = rowNorms(b);
  const asks: [number, number][] = [
    [20, 20],
    [7, 7],
    [0, 0],
    [123, 123],
  ];
  for (const [row, partner] of asks) {
    for (const k of [1, 5, 40]) {
      const q = unitRow(a, row);
      Object.assign(neighborScoresSwitch, MODES[2]);
      const want = await nearestNeighbors(q, b, k, { partner, norms });
      const own = await nearestNeighbors(unitRow(b, row), b, k, { exclude: row, norms });
      for (const mode of MODES.slice(0, 2)) {
        Object.assign(neighborScoresSwitch, mode);
        try {
          const what = `${JSON.stringify(mode)} row ${row} k ${k}`;
          same(await nearestNeighbors(q, b, k, { partner, norms, tileRows: 64 }), want, what);
          same(await nearestNeighbors(unitRow(b, row), b, k, { exclude: row, norms }), own, `${what} (own modality)`);
        } finally {
          Object.assign(neighborScoresSwitch, MODES[0]);
        }
      }
    }
  }
  // the near-tie block: row 20's neighbours in b are its copies, within the bound of each other
  const s = await nearestNeighbors(unitRow(b, 20), b, 40, { exclude: 20, norms });
  const copies = s.neighbors.filter((x) => x.row >= 250);
  assert.ok(copies.length >= 30);
  const spread = (copies[0]?.similarity as number) - (copies[copies.length - 1]?.similarity as number);
  assert.ok(spread > 0 && spread < approxBound(d), `copies within the bound of each other (${spread})`);
});

void test('a resident gallery (rows in WebAssembly memory, read in place) gives the same answers; two searches at once share it safely', async () => {
  const n = 300;
  const d = 37; // the last row's last four columns reach past the rows: the zero bytes after them
  const { a, b } = tiedPair(n, d);
  const data = residentCopy(b.data, d);
  assert.ok(data, 'the matrix fits in a WebAssembly memory');
  assert.deepEqual([...data], [...b.data]);
  const rb: Matrix = { ...b, data };
  const norms = rowNorms(b);
  for (const [row, k] of [
    [0, 5],
    [299, 3],
    [150, 40],
  ] as const) {
    const want = await nearestNeighbors(unitRow(a, row), b, k, { partner: row, norms });
    same(await nearestNeighbors(unitRow(a, row), rb, k, { partner: row, norms }), want, `resident, row ${row}`);
  }
  // two searches interleaving at their awaits (tiles of 16 rows): the second cannot borrow the scratch and copies tiles
  const [x, y] = await Promise.all([
    nearestNeighbors(unitRow(a, 3), rb, 10, { partner: 3, norms, tileRows: 16 }),
    nearestNeighbors(unitRow(a, 4), rb, 10, { partner: 4, norms, tileRows: 16 }),
  ]);
  same(x, await nearestNeighbors(unitRow(a, 3), b, 10, { partner: 3, norms }), 'interleaved 1');
  same(y, await nearestNeighbors(unitRow(a, 4), b, 10, { partner: 4, norms }), 'interleaved 2');
  // a cancelled search gives the scratch back
  const ac = new AbortController();
  await assert.rejects(nearestNeighbors(unitRow(a, 5), rb, 10, { norms, tileRows: 16, signal: ac.signal, onProgress: () => ac.abort() }));
  const q = unitRow(a, 6);
  const approx = ApproxScores.create(q, 1, d, data);
  assert.ok(approx);
  assert.throws(() => approx.dots(b.data, 0, 1), /another gallery/, 'the scratch was lent again: the pre-pass reads in place');
  approx.release();
  // the selection's pass over a resident gallery
  const rows = Array.from({ length: 40 }, (_, i) => (i * 13) % n);
  const want = await rowPairMetrics(a, b, rows, { normsB: norms });
  const got = await rowPairMetrics(a, rb, rows, { normsB: norms });
  assert.deepEqual([...got.partnerRank], [...want.partnerRank]);
  assert.deepEqual([...got.partnerCosine], [...want.partnerCosine]);
});
