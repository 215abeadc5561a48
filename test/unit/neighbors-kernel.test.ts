// The neighbour search's summation (issue 12 item 5): dotAt / squaresAt agree with plain float64
// sums at every width (the 4-wide body and its tail), and every score of a row goes through them,
// so the partner's own score, the pass's score of the same row, and a duplicate row's score are
// the same float64: a duplicate of the partner ties with it (ties count in the partner's favour).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Matrix } from '../../src/io/types';
import { cosineTo, dotAt, nearestNeighbors, rowNorms, squaresAt, unitRow } from '../../src/engine/neighbors';
import { mulberry32 } from '../../src/engine/random';

function matrix(rows: number, cols: number, seed: number): Matrix {
  const u = mulberry32(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = u() * 2 - 1;
  return { name: 'm', rows, cols, data };
}

void test('dotAt and squaresAt equal plain float64 sums for widths 1..9 and 768, at any row offset', () => {
  for (const d of [1, 2, 3, 4, 5, 6, 7, 8, 9, 768]) {
    const m = matrix(3, d, d);
    const q = Float64Array.from({ length: d }, (_, i) => Math.sin(i + 1));
    for (let r = 0; r < 3; r++) {
      let dot = 0;
      let sq = 0;
      for (let c = 0; c < d; c++) {
        const v = m.data[r * d + c] as number;
        dot += (q[c] as number) * v;
        sq += v * v;
      }
      assert.ok(Math.abs(dotAt(q, m.data, r * d, d) - dot) <= 1e-12 * Math.max(1, Math.abs(dot)), `dot d=${d} row ${r}`);
      assert.ok(Math.abs(squaresAt(m.data, r * d, d) - sq) <= 1e-12 * Math.max(1, sq), `squares d=${d} row ${r}`);
    }
  }
});

void test("a duplicate of the partner ties with it: the partner's rank counts only rows strictly more similar", async () => {
  const d = 37; // not a multiple of 4: the tail of the sums is used
  const g = matrix(50, d, 11);
  const partner = 5;
  g.data.copyWithin(9 * d, partner * d, partner * d + d); // row 9 = row 5
  const query = matrix(50, d, 12);
  const q = unitRow(query, partner);
  for (const norms of [undefined, rowNorms(g)]) {
    const s = await nearestNeighbors(q, g, 50, { partner, ...(norms ? { norms } : {}) });
    const at = (row: number): number => s.neighbors.find((x) => x.row === row)?.similarity ?? NaN;
    // the pass's score of the partner and of its duplicate equal the partner's own score
    const own = cosineTo(q, g, partner);
    assert.equal(s.partnerSimilarity, own);
    assert.equal(at(partner), Math.max(-1, Math.min(1, own)));
    assert.equal(at(9), at(partner));
    const strictlyBetter = s.neighbors.filter((x) => x.similarity > at(partner)).length;
    assert.equal(s.partnerRank, 1 + strictlyBetter, norms ? 'norms kept' : 'norms per query');
    // the duplicate comes right after the partner (equal similarity, larger row)
    const order = s.neighbors.map((x) => x.row);
    assert.equal(order.indexOf(9), order.indexOf(partner) + 1);
  }
});
