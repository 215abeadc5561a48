/**
 * eigenSmall.ts (small problems whole in WebAssembly) against eigen.ts's solver, whose arithmetic
 * it repeats operation for operation: the eigenvalues must be the same bit for bit, on every hard
 * matrix of the fixture up to SMALL_MAX (graded, clustered, rank-deficient, zero, subnormal,
 * 1e300, sizes 2 and 3), on Gram-like matrices of every remainder of n mod 4 (the fused pass
 * works four rows at a time) up to SMALL_MAX, and in the QL sweeps alone with their budget cut
 * short (the bisection fallback). And numpy's eigenvalues within LAPACK's bound, as before; and the
 * module's bytes kept in eigenSmallBytes.ts are what the builders assemble.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend } from '../../src/engine';
import { symmetricEigenvalues, tridiagonalQL } from '../../src/engine/linalg/eigen';
import { symmetricEigenvaluesFast } from '../../src/engine/linalg/eigenBand';
import { assembleSmallModule, SMALL_MAX, smallEigenvalues, smallQlSweeps, smallWorks } from '../../src/engine/linalg/eigenSmall';
import { EIGEN_SMALL_WASM } from '../../src/engine/linalg/eigenSmallBytes';
import { wasmSwitch } from '../../src/engine/linalg/eigenWasm';
import { mulberry32 } from '../../src/engine/random';
import { CASES, checkAgainst, matrixOf, normOf } from './engine-eigen-fixture';
import { checkKeptBytes } from './generated-bytes';

/** same numbers, bit for bit (NaN equal to NaN, +0 not -0) */
function assertSame(label: string, got: Float64Array, want: Float64Array): void {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Object.is(got[i], want[i]), `${label}: eigenvalue ${i}: ${got[i]} (wasm) vs ${want[i]} (eigen.ts)`);
  }
}

/** X^T X / N of N = min(2n, n + 16) uniform rows, column j scaled by 1 / (1 + j / 8); centered when asked */
function gramLike(n: number, seed: number, center: boolean): Float64Array {
  const rows = Math.min(2 * n, n + 16);
  const rand = mulberry32(seed);
  const x = new Float64Array(rows * n);
  for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) x[i * n + j] = (rand() - 0.5) / (1 + j / 8);
  if (center) {
    for (let j = 0; j < n; j++) {
      let m = 0;
      for (let i = 0; i < rows; i++) m += x[i * n + j] as number;
      for (let i = 0; i < rows; i++) x[i * n + j] = (x[i * n + j] as number) - m / rows;
    }
  }
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += (x[r * n + i] as number) * (x[r * n + j] as number);
      g[i * n + j] = s / rows;
      g[j * n + i] = s / rows;
    }
  }
  return g;
}

void test('the WebAssembly solver is there (SIMD on Node >= 20) and covers the report-sized problems', () => {
  assert.ok(SMALL_MAX >= 64);
  assert.ok(smallWorks(2) && smallWorks(64) && smallWorks(SMALL_MAX));
  assert.equal(smallWorks(1), false);
  assert.equal(smallWorks(SMALL_MAX + 1), false);
  assert.equal(smallEigenvalues(new Float64Array((SMALL_MAX + 1) ** 2), SMALL_MAX + 1), undefined);
  assert.throws(() => smallEigenvalues(new Float64Array(5), 3), RangeError);
});

void test('every fixture case up to SMALL_MAX: bit for bit eigen.ts, numpy within C n eps ||A||, input untouched', async () => {
  const js = await createBackend('js');
  let count = 0;
  for (const c of CASES) {
    if (c.n < 2 || c.n > SMALL_MAX) continue;
    count++;
    const a = matrixOf(c);
    const copy = Float64Array.from(a);
    const got = smallEigenvalues(a, c.n);
    assert.ok(got, c.name);
    assert.deepEqual(a, copy, `${c.name}: input modified`);
    assertSame(c.name, got, symmetricEigenvalues(a, c.n));
    assertSame(`${c.name} (symmetricEigenvaluesFast)`, await symmetricEigenvaluesFast(a, c.n, js), got);
    checkAgainst(`small ${c.name}`, got, c.eig, normOf(c));
  }
  assert.ok(count >= 40, `${count} cases`);
});

void test('Gram-like matrices of every n mod 4, up to SMALL_MAX, raw and centered: bit for bit eigen.ts', () => {
  for (const n of [2, 3, 4, 5, 6, 7, 8, 9, 31, 64, 65, 66, 67, 127, 256, 301, SMALL_MAX - 1, SMALL_MAX]) {
    for (const center of [false, true]) {
      const a = gramLike(n, 100 + n, center);
      assertSame(`n=${n}${center ? ' centered' : ''}`, smallEigenvalues(a, n) as Float64Array, symmetricEigenvalues(a, n));
    }
  }
});

void test('non-finite input gives NaN, zero gives zeros; the JS path answers when the switch is off', () => {
  const a = gramLike(16, 5, false);
  for (const bad of [NaN, Infinity, -Infinity]) {
    const b = Float64Array.from(a);
    b[3 * 16 + 2] = bad;
    assert.ok((smallEigenvalues(b, 16) as Float64Array).every(Number.isNaN), String(bad));
  }
  assert.deepEqual(Array.from(smallEigenvalues(new Float64Array(9), 3) as Float64Array), [0, 0, 0]);
  wasmSwitch.enabled = false;
  try {
    assert.equal(smallWorks(16), false);
    assert.equal(smallEigenvalues(a, 16), undefined);
  } finally {
    wasmSwitch.enabled = true;
  }
});

void test('the QL sweeps alone, budget cut short or not: bit for bit eigen.ts (the bisection fallback included)', () => {
  const n = 40;
  const rand = mulberry32(77);
  const diag = Float64Array.from({ length: n }, () => rand() - 0.5);
  const off = Float64Array.from({ length: n }, (_, i) => (i + 1 < n ? rand() - 0.5 : 0));
  for (const budget of [0, 1, 5, 20, 30 * n]) {
    const d1 = Float64Array.from(diag);
    const d2 = Float64Array.from(diag);
    tridiagonalQL(d1, Float64Array.from(off), n, budget);
    tridiagonalQL(d2, Float64Array.from(off), n, budget, smallQlSweeps);
    assertSame(`budget ${budget}`, d2, d1);
  }
});

void test('eigenSmallBytes.ts holds the module the builders assemble, byte for byte (EIGEN_SMALL_WRITE=1 rewrites it)', () =>
  checkKeptBytes({
    file: 'eigenSmallBytes.ts',
    header: [
      "eigenSmall.ts's WebAssembly module (assembleSmallModule's bytes, base64), assembled ahead of",
      'time; eigenWasm.ts loads its rows4/rows1 from it too. Generated, do not edit. After a change',
      'to the builders in eigenSmall.ts or eigenWasm.ts:',
      'EIGEN_SMALL_WRITE=1 node --import tsx --test test/unit/engine-eigen-small.test.ts',
    ],
    rewrite: 'EIGEN_SMALL_WRITE',
    testFile: 'engine-eigen-small.test.ts',
    built: { EIGEN_SMALL_WASM: Buffer.from(assembleSmallModule()).toString('base64') },
    kept: () => Promise.resolve({ EIGEN_SMALL_WASM }),
  }));
