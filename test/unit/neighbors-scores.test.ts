// The neighbour search's WebAssembly dot products (src/engine/neighborScores.ts) and the
// selection export's one pass (src/engine/rowMetrics.ts): every score equals the plain-JS dotAt
// bit for bit (same four float64 chains, same tail, same final order), at every width and block of
// queries, and the one pass over b gives each selected row the partner cosine and rank that a
// neighbour search of that row alone gives, with adversarial near-ties (duplicates of the
// partner, rows one float32 step away, scaled copies) and more rows than one block of queries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Matrix } from '../../src/io/types';
import { dotAt, neighborScoresSwitch, QueryScores, wasmScores } from '../../src/engine/neighborScores';
import { nearestNeighbors, rowNorms, unitRow } from '../../src/engine/neighbors';
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
  for (const kernel of [true, false]) {
    neighborScoresSwitch.enabled = kernel;
    try {
      for (const ctl of [{}, { normsB: norms }, { normsB: norms, tileRows: 13 }]) {
        const got = await rowPairMetrics(a, b, rows, ctl);
        for (const [k, s] of want.entries()) {
          const what = `kernel ${kernel}, ${JSON.stringify(Object.keys(ctl))}, row ${rows[k]}`;
          assert.equal(got.partnerRank[k], s.partnerRank, `${what}: rank`);
          bitsEqual(got.partnerCosine[k] as number, Math.max(-1, Math.min(1, s.partnerSimilarity as number)), `${what}: cosine`);
        }
      }
    } finally {
      neighborScoresSwitch.enabled = true;
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
