/**
 * A big modality's spectrum makes one pass over its rows: the centered Gram, and Z^T Z from it
 * (rawGramFromCentered). Checked against the direct Z^T Z on every backend, with a mean far larger
 * than the spread (where the other order, G - N mu mu^T, would cancel), and by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawGramFromCentered, smallGram, spectrumOf } from '../../src/engine/spectrum';
import { symmetricEigenvalues } from '../../src/engine/linalg/eigen';
import { smallProduct } from '../../src/engine/linalg/crossWasm';
import { mulberry32 } from '../../src/engine/random';
import type { Matrix } from '../../src/io/types';
import { openBothBackends } from './engine-backends';

const backends = openBothBackends();

/** rows = offset + spread * noise, with a few strong directions so the spectrum is not flat */
function offsetRows(n: number, d: number, offset: number, spread: number, seed: number): Matrix {
  const rand = mulberry32(seed);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = rand() - 0.5;
    const b = rand() - 0.5;
    for (let j = 0; j < d; j++) {
      const noise = 4 * a * Math.cos(j) + 2 * b * Math.sin(0.3 * j) + (rand() - 0.5);
      data[i * d + j] = offset * (1 + (j % 5) / 10) + spread * noise;
    }
  }
  return { name: 'offset', rows: n, cols: d, data };
}

void test('rawGramFromCentered adds N mu mu^T and is exactly symmetric', () => {
  const g = rawGramFromCentered(Float64Array.from([1, 0.5, 0.5, 2]), Float64Array.from([1, 2]), 3);
  assert.deepEqual(Array.from(g), [4, 6.5, 6.5, 14]);
  const d = 37;
  const rand = mulberry32(5);
  const cen = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) cen[a * d + b] = cen[b * d + a] = rand();
  const mean = Float64Array.from({ length: d }, () => 1e3 * (rand() - 0.5));
  const raw = rawGramFromCentered(cen, mean, 1234567);
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) assert.equal(raw[a * d + b], raw[b * d + a], `${a},${b}`);
});

void test("a big modality's raw spectrum (from the centered Gram) equals the direct Z^T Z's on every backend", async () => {
  for (const [offset, spread] of [
    [0, 1],
    [1, 1],
    [1e3, 1e-3],
    [-50, 1e-2],
  ] as const) {
    // 160 wide: past the in-process product's 128, so the backend's Gram over row tiles is used
    const m = offsetRows(700, 160, offset, spread, 17);
    assert.equal(smallProduct(m.rows, m.cols, m.cols), false, 'the backend path');
    for (const [name, backend] of Object.entries(backends)) {
      const what = `${name}, offset ${offset}, spread ${spread}`;
      const direct = await smallGram(m, backend, undefined);
      const expected = symmetricEigenvalues(direct.gram, direct.size);
      const got = await spectrumOf(m, backend);
      const top = expected[0] as number;
      assert.equal(got.spectrum.length, expected.length, what);
      for (let k = 0; k < expected.length; k++) {
        const e = Math.sqrt(Math.max(expected[k] as number, 0));
        const s = got.spectrum[k] as number;
        // eigenvalues agree to eps ||G||: compare the squares against the top one
        assert.ok(Math.abs(s * s - e * e) <= 1e-13 * top, `${what}: sigma_${k} ${s} vs ${e}`);
      }
      let trace = 0;
      for (let i = 0; i < direct.size; i++) trace += direct.gram[i * direct.size + i] as number;
      assert.ok(Math.abs(got.stableRank - trace / top) <= 1e-12 * (trace / top), `${what}: stable rank`);
      // the centered spectrum is the centered Gram's, as before
      const cen = await smallGram(m, backend, got.mean);
      const ce = symmetricEigenvalues(cen.gram, cen.size);
      for (let k = 0; k < ce.length; k++) assert.equal(got.centeredEigen[k], Math.max(ce[k] as number, 0), `${what}: centered ${k}`);
    }
  }
});
