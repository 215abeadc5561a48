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
import { linearCka } from '../../src/engine/pairs';
import { columnsAsFloat64, rowsAsFloat64 } from '../../src/engine/rows';
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
    const cases = Object.entries(backends).flatMap(([name, backend]) => [
      [name, backend] as const,
      // tiles of 96 rows, the last one shorter: the tile buffers are reused
      [`${name} in tiles`, { ...backend, maxTileElements: 96 * m.cols }] as const,
    ]);
    for (const [name, backend] of cases) {
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

void test('linear CKA over reused tile buffers equals the one-tile result', async () => {
  const a = offsetRows(700, 160, 3, 1, 23);
  // b: 150 of a's columns, shifted and mixed with noise, so the two share structure
  const noise = offsetRows(700, 150, -2, 0.5, 29);
  const b: Matrix = {
    name: 'b',
    rows: 700,
    cols: 150,
    data: Float32Array.from(noise.data, (v, k) => v + 2 * (a.data[Math.floor(k / 150) * 160 + 10 + (k % 150)] as number)),
  };
  for (const [name, backend] of Object.entries(backends)) {
    const sa = await spectrumOf(a, backend);
    const sb = await spectrumOf(b, backend);
    const whole = await linearCka(a, sa.mean, sa.centeredEigen, b, sb.mean, sb.centeredEigen, backend);
    // 96-row tiles and blocks of 40 of b's columns (the last shorter): both buffers reused
    const tiled = await linearCka(a, sa.mean, sa.centeredEigen, b, sb.mean, sb.centeredEigen, { ...backend, maxTileElements: 96 * 160 });
    const blocks = await linearCka(a, sa.mean, sa.centeredEigen, b, sb.mean, sb.centeredEigen, { ...backend, maxTileElements: 40 * 160 });
    assert.ok(whole > 0.01 && whole < 1, `${name}: a CKA worth comparing (${whole})`);
    assert.ok(Math.abs(tiled - whole) <= 1e-12 * whole, `${name}: tiles ${tiled} vs ${whole}`);
    assert.ok(Math.abs(blocks - whole) <= 1e-12 * whole, `${name}: column blocks ${blocks} vs ${whole}`);
  }
});

void test('columnsAsFloat64 is the transpose of the same float64 tile rowsAsFloat64 writes, any column range, blocks of rows', () => {
  const m = offsetRows(150, 9, 2, 1, 31); // 150 rows: two full blocks of 64 and a short one
  const mean = Float64Array.from({ length: 9 }, (_, j) => 0.25 * j);
  for (const [start, end, c0, c1] of [
    [0, 150, 0, 9],
    [7, 131, 2, 7],
    [64, 65, 8, 9],
  ] as const) {
    const rows = rowsAsFloat64(m, start, end, mean);
    const cols = columnsAsFloat64(m, start, end, c0, c1, mean, new Float64Array(2000));
    const r = end - start;
    assert.equal(cols.length, r * (c1 - c0));
    for (let i = 0; i < r; i++)
      for (let j = c0; j < c1; j++) assert.equal(cols[(j - c0) * r + i], rows[i * 9 + j], `${start}:${end} (${i}, ${j})`);
    assert.deepEqual(
      Array.from(columnsAsFloat64(m, start, end, c0, c1)),
      Array.from(columnsAsFloat64(m, start, end, c0, c1, new Float64Array(9))),
    );
  }
});

void test("onnxruntime's products from column tiles give the spectra and CKA of its row tiles", async () => {
  const a = offsetRows(700, 160, 3, 1, 37);
  const b = offsetRows(700, 150, -1, 2, 41);
  const byColumns = backends.ort;
  assert.ok(byColumns.gramOfColumns && byColumns.crossOfColumns, 'onnxruntime takes column tiles');
  const byRows = { ...backends.ort, gramOfColumns: undefined, crossOfColumns: undefined };
  const [ca, cb, ra, rb] = [
    await spectrumOf(a, byColumns),
    await spectrumOf(b, byColumns),
    await spectrumOf(a, byRows),
    await spectrumOf(b, byRows),
  ];
  for (const [c, r] of [
    [ca, ra],
    [cb, rb],
  ] as const) {
    const top = (r.spectrum[0] as number) ** 2;
    for (let k = 0; k < r.spectrum.length; k++)
      assert.ok(Math.abs((c.spectrum[k] as number) ** 2 - (r.spectrum[k] as number) ** 2) <= 1e-13 * top, `sigma_${k}`);
    for (let k = 0; k < r.centeredEigen.length; k++)
      assert.ok(
        Math.abs((c.centeredEigen[k] as number) - (r.centeredEigen[k] as number)) <= 1e-13 * (r.centeredEigen[0] as number),
        `centered ${k}`,
      );
    assert.deepEqual(c.mean, r.mean);
  }
  const ckaColumns = await linearCka(a, ca.mean, ca.centeredEigen, b, cb.mean, cb.centeredEigen, {
    ...byColumns,
    maxTileElements: 40 * 160,
  });
  const ckaRows = await linearCka(a, ra.mean, ra.centeredEigen, b, rb.mean, rb.centeredEigen, { ...byRows, maxTileElements: 40 * 160 });
  assert.ok(ckaRows > 1e-4, `a CKA worth comparing (${ckaRows})`);
  assert.ok(Math.abs(ckaColumns - ckaRows) <= 1e-12 * ckaRows, `${ckaColumns} vs ${ckaRows}`);
});
