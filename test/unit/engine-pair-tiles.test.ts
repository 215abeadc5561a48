/**
 * pairTileElements: a backend that asks for smaller pairwise tiles than its maxTileElements gets
 * them from the dispersive loss and the retrieval pass (no kernel call over ra x rb larger), with
 * the same retrieval ranks and the same loss, up to the float64 order of the tile sums.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsBackend } from '../../src/engine/jsBackend';
import { dispersiveLoss } from '../../src/engine/dispersive';
import { retrievalRanks } from '../../src/engine/retrieval';
import { mulberry32 } from '../../src/engine/random';
import type { GeometryBackend } from '../../src/engine/types';

/** the js backend with a pairwise budget, recording ra * rb of every pairwise call */
function budgeted(pairTileElements: number | undefined, sizes: number[]): GeometryBackend {
  const js = createJsBackend();
  return {
    ...js,
    info: js.info,
    maxTileElements: 1 << 22,
    ...(pairTileElements === undefined ? {} : { pairTileElements }),
    dispersiveRows: (a, na, ra, b, nb, rb, ...rest) => {
      sizes.push(ra * rb);
      return js.dispersiveRows(a, na, ra, b, nb, rb, ...rest);
    },
    retrievalCounts: (a, ra, b, rb, ...rest) => {
      sizes.push(ra * rb);
      return js.retrievalCounts(a, ra, b, rb, ...rest);
    },
  };
}

function normalizedRows(n: number, d: number, seed: number): { z: Float32Array; sq: Float32Array } {
  const rand = mulberry32(seed);
  const z = new Float32Array(n * d).map(() => rand() - 0.5);
  const sq = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (z[i * d + k] as number) ** 2;
    const inv = 1 / Math.sqrt(s);
    let t = 0;
    for (let k = 0; k < d; k++) {
      const v = Math.fround((z[i * d + k] as number) * inv);
      z[i * d + k] = v;
      t += v * v;
    }
    sq[i] = t;
  }
  return { z, sq };
}

void test('dispersive loss and retrieval keep each pairwise call within pairTileElements, with the same results', async () => {
  const n = 300;
  const d = 16;
  const a = normalizedRows(n, d, 7);
  const b = normalizedRows(n, d, 8);
  // b as a noisy a, so the ranks are not all alike
  for (let i = 0; i < b.z.length; i++) b.z[i] = Math.fround(0.8 * (a.z[i] as number) + 0.2 * (b.z[i] as number));
  const whole: number[] = [];
  const small: number[] = [];
  const big = budgeted(undefined, whole);
  const tight = budgeted(4096, small);
  for (const [t, pairs] of [
    [2, 'offdiag'],
    [0.01, 'all'],
  ] as const) {
    const expected = await dispersiveLoss(a.z, a.sq, n, d, t, pairs, big);
    const got = await dispersiveLoss(a.z, a.sq, n, d, t, pairs, tight);
    assert.ok(Math.abs(got - expected) <= 1e-12 * Math.abs(expected), `t = ${t}: ${got} vs ${expected}`);
  }
  const r1 = await retrievalRanks(a.z, b.z, n, d, big);
  const r2 = await retrievalRanks(a.z, b.z, n, d, tight);
  assert.deepEqual(r2.aToB, r1.aToB);
  assert.deepEqual(r2.bToA, r1.bToA);
  assert.ok(Math.max(...whole) > 4096, 'without the budget the tiles are larger');
  assert.ok(small.length > whole.length && Math.max(...small) <= 4096, `largest call ${Math.max(...small)}`);
});
