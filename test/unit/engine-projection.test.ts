/**
 * The scatter plot's projection of a big sample on a backend with a float32 product
 * (GeometryBackend.gramFloat32: onnxruntime): the same axes, points and variance shares as the
 * float64 path of a backend without one, to well under what a plot can show.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { projection } from '../../src/engine/linalg/projection';
import { smallRows } from '../../src/engine/linalg/rowsWasm';
import { mulberry32 } from '../../src/engine/random';
import type { Matrix } from '../../src/io/types';
import { openBothBackends } from './engine-backends';

const backends = openBothBackends();

/** rows with two strong directions (shared by both modalities, so a joint fit sees them) over noise */
function modality(name: string, n: number, d: number, seed: number, shift: number): Matrix {
  const rand = mulberry32(seed);
  const dir = (k: number, j: number): number => Math.cos((k + 1) * 0.37 * j + k);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = 3 * (rand() - 0.5);
    const b = 1.5 * (rand() - 0.5);
    for (let j = 0; j < d; j++) data[i * d + j] = a * dir(0, j) + b * dir(1, j) + 0.3 * (rand() - 0.5) + shift;
  }
  return { name, rows: n, cols: d, data };
}

void test("a big sample through the float32 product: the float64 path's points to 1e-6 of their spread (1.3e-8 measured), its shares to 1e-5", async () => {
  const d = 96;
  const mats = [modality('a', 44_000, d, 1, 0), modality('b', 44_000, d, 2, 0.01)];
  assert.equal(smallRows(mats[0]!.data.length), false, 'big: the backend path');
  const ort = backends.ort;
  assert.ok(ort.gramFloat32, 'onnxruntime has the float32 product');
  let used = 0;
  const counted = { ...ort, gramFloat32: (at: Float32Array, rows: number, dd: number) => (used++, ort.gramFloat32!(at, rows, dd)) };
  const f32 = await projection(mats, 600, counted);
  assert.equal(used, 1, 'the float32 product was used, once for the joint fit');
  const f64 = await projection(mats, 600, backends.js);
  assert.deepEqual(f32.rows, f64.rows);
  for (const name of ['a', 'b']) {
    const p = f32.points[name] as number[];
    const q = f64.points[name] as number[];
    assert.equal(p.length, 1200);
    let spread = 0;
    for (const v of q) spread = Math.max(spread, Math.abs(v));
    let worst = 0;
    for (let k = 0; k < q.length; k++) worst = Math.max(worst, Math.abs((p[k] as number) - (q[k] as number)));
    assert.ok(worst <= 1e-6 * spread, `${name}: points differ by ${worst} of ${spread}`);
    const [s1, s2] = f32.variance?.[name] as number[];
    const [t1, t2] = f64.variance?.[name] as number[];
    assert.ok(Math.abs(s1! - t1!) <= 1e-5 && Math.abs(s2! - t2!) <= 1e-5, `${name}: shares ${s1} ${s2} vs ${t1} ${t2}`);
    assert.ok(t1! > 0.3, `${name}: a strong first axis (${t1})`);
  }
});
