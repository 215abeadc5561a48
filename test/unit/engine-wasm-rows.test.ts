/**
 * The per-row passes in WebAssembly (src/engine/linalg/rowsWasm.ts) give the JavaScript loops'
 * results bit for bit: normalized sample rows and their squared norms, the normalized rows' sum,
 * and the drift between two modalities' rows, on rows with zeros, tiny and huge values, and
 * widths that are odd or 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Matrix } from '../../src/io/types';
import { rowsWasmSwitch, smallRows } from '../../src/engine/linalg/rowsWasm';
import { normalizedEveryRow, normalizedSample } from '../../src/engine/rows';
import { driftPerRow, normalizedRowSum } from '../../src/engine/pairs';
import { columnMeanAndVariance } from '../../src/engine/spectrum';
import { mulberry32 } from '../../src/engine/random';

function matrix(name: string, rows: number, cols: number, seed: number): Matrix {
  const rand = mulberry32(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    // every seventh row zero, every fifth tiny, every eleventh huge: the norm floor and the range
    const scale = i % 7 === 3 ? 0 : i % 5 === 1 ? 1e-30 : i % 11 === 2 ? 1e30 : 1;
    for (let j = 0; j < cols; j++) data[i * cols + j] = (rand() - 0.4) * scale;
  }
  return { name, rows, cols, data };
}

/** the same call with the kernels and with the JavaScript loops */
function both<T>(f: () => T): [T, T] {
  rowsWasmSwitch.enabled = true;
  const wasm = f();
  rowsWasmSwitch.enabled = false;
  try {
    return [wasm, f()];
  } finally {
    rowsWasmSwitch.enabled = true;
  }
}

const SHAPES: [number, number][] = [
  [1, 1],
  [5, 3],
  [77, 7],
  [300, 64],
];

void test('the kernels take small matrices only', () => {
  assert.equal(smallRows(2000 * 64), true);
  assert.equal(smallRows(1_000_000 * 768), false);
});

void test('normalizedSample: the same float32 rows and squared norms bit for bit', () => {
  for (const [n, d] of SHAPES) {
    const m = matrix('a', n, d, n + d);
    const rows = Int32Array.from({ length: Math.ceil(n / 2) }, (_, k) => (k * 7) % n).sort();
    const [w, j] = both(() => normalizedSample(m, rows));
    assert.deepEqual(w.z, j.z, `${n} x ${d}: rows`);
    assert.deepEqual(w.sq, j.sq, `${n} x ${d}: squared norms`);
  }
});

void test('normalizedRowSum: the same sum and squared norms bit for bit', () => {
  for (const [n, d] of SHAPES) {
    const m = matrix('a', n, d, 3 * n + d);
    const [w, j] = both(() => normalizedRowSum(m));
    assert.deepEqual(w.sum, j.sum, `${n} x ${d}: sum`);
    assert.equal(w.sumSq, j.sumSq, `${n} x ${d}: sum of squared norms`);
  }
});

void test('driftPerRow: the same drifts bit for bit', () => {
  for (const [n, d] of SHAPES) {
    const a = matrix('a', n, d, 5 * n + d);
    const b = matrix('b', n, d, 7 * n + d);
    const [w, j] = both(() => driftPerRow(a, b));
    assert.deepEqual(w, j, `${n} x ${d}`);
    assert.ok(
      j.some((x) => x > 0),
      'drifts are not all zero',
    );
  }
});

void test("normalizedEveryRow (a big modality's one pass) equals normalizedRowSum and normalizedSample of every row, and its inverse norms give the same drifts, bit for bit", () => {
  for (const [n, d] of SHAPES) {
    const a = matrix('a', n, d, 11 * n + d);
    const b = matrix('b', n, d, 13 * n + d);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const fused = normalizedEveryRow(a);
    for (const [w, j] of [both(() => normalizedRowSum(a)), both(() => normalizedSample(a, all))]) {
      for (const parts of [w, j] as Record<string, unknown>[])
        for (const [k, v] of Object.entries(parts)) assert.deepEqual((fused as Record<string, unknown>)[k], v, `${n} x ${d}: ${k}`);
    }
    // its by-products, in the order of the passes they stand for: the raw column means, the sample's sums
    assert.deepEqual(fused.mean, columnMeanAndVariance(a).mean, `${n} x ${d}: column means`);
    const total = new Float64Array(d);
    let norms = 0;
    for (let i = 0; i < n; i++) {
      norms += fused.sq[i] as number;
      for (let k = 0; k < d; k++) total[k] = (total[k] as number) + (fused.z[i * d + k] as number);
    }
    assert.deepEqual(fused.zSums, { total, norms }, `${n} x ${d}: the sample's sums`);
    const drifts = both(() => driftPerRow(a, b));
    rowsWasmSwitch.enabled = false;
    try {
      assert.deepEqual(driftPerRow(a, b, fused.inv, normalizedEveryRow(b).inv), drifts[1], `${n} x ${d}: drifts`);
    } finally {
      rowsWasmSwitch.enabled = true;
    }
  }
});

void test('the projection (normalized, centered and projected sample rows) is the same bit for bit', async () => {
  const { projection } = await import('../../src/engine/linalg/projection');
  const { createJsBackend } = await import('../../src/engine/jsBackend');
  const js = createJsBackend();
  for (const [mats, maxRows] of [
    [[matrix('a', 300, 16, 1), matrix('b', 300, 16, 2)], 2000], // one joint fit over both
    [[matrix('a', 300, 16, 3), matrix('b', 300, 16, 4)], 120], // a sample of the rows
    [[matrix('a', 90, 5, 5), matrix('b', 90, 9, 6)], 2000], // widths differ: one fit per modality
  ] as const) {
    rowsWasmSwitch.enabled = true;
    const w = await projection([...mats], maxRows, js);
    rowsWasmSwitch.enabled = false;
    try {
      const j = await projection([...mats], maxRows, js);
      assert.deepEqual(w, j, `${mats[0].cols} and ${mats[1].cols} wide, at most ${maxRows} rows`);
      assert.ok(
        (j.points.a ?? []).some((x) => x !== 0),
        'the points are not all zero',
      );
    } finally {
      rowsWasmSwitch.enabled = true;
    }
  }
});
