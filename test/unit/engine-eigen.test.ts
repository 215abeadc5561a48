/** symmetricEigenvalues against spectra known by construction, and the effective-rank helper. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend, effectiveRankFromSingularValues, symmetricEigenvalues } from '../../src/engine';
import { symmetricEigenvaluesFast, twoStageEigenvalues } from '../../src/engine/eigenBand';
import { mulberry32 } from '../../src/engine/random';

/** Q diag(lambda) Q^T with Q a product of random Householder reflections (so the spectrum is known) */
function withSpectrum(lambda: number[], seed: number, reflections = 4): Float64Array {
  const n = lambda.length;
  const rand = mulberry32(seed);
  const a = new Float64Array(n * n);
  lambda.forEach((l, i) => { a[i * n + i] = l; });
  for (let h = 0; h < reflections; h++) {
    const v = Array.from({ length: n }, () => rand() - 0.5);
    const vv = v.reduce((s, x) => s + x * x, 0);
    const av = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += (a[i * n + j] as number) * (v[j] as number);
      av[i] = s;
    }
    const vav = v.reduce((s, x, i) => s + x * (av[i] as number), 0);
    // H A H with H = I - 2 v v^T / vv
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        a[i * n + j] = (a[i * n + j] as number)
          - (2 / vv) * ((v[i] as number) * (av[j] as number) + (av[i] as number) * (v[j] as number))
          + (4 * vav / (vv * vv)) * (v[i] as number) * (v[j] as number);
      }
    }
  }
  return a;
}

function assertSpectrum(got: Float64Array, lambda: number[], tol: number): void {
  const want = [...lambda].sort((x, y) => y - x);
  assert.equal(got.length, want.length);
  const scale = Math.max(1, ...want.map(Math.abs));
  want.forEach((w, i) => {
    assert.ok(Math.abs((got[i] as number) - w) <= tol * scale, `eigenvalue ${i}: got ${got[i]}, want ${w}`);
  });
}

void test('tiny and diagonal matrices', () => {
  assert.deepEqual(Array.from(symmetricEigenvalues(new Float64Array(0), 0)), []);
  assert.deepEqual(Array.from(symmetricEigenvalues(Float64Array.of(3), 1)), [3]);
  assertSpectrum(symmetricEigenvalues(Float64Array.of(2, 1, 1, 2), 2), [3, 1], 1e-15);
  assertSpectrum(symmetricEigenvalues(Float64Array.of(5, 0, 0, 0, -1, 0, 0, 0, 2), 3), [5, -1, 2], 0);
});

void test('random symmetric matrices with known eigenvalues', () => {
  const rand = mulberry32(11);
  for (const n of [3, 4, 17, 64, 200]) {
    const lambda = Array.from({ length: n }, () => (rand() - 0.3) * 10 ** (4 * rand() - 2));
    assertSpectrum(symmetricEigenvalues(withSpectrum(lambda, n), n), lambda, 1e-12);
  }
});

void test('repeated, zero and widely spread eigenvalues (a Gram matrix of low rank)', () => {
  const n = 120;
  const lambda = Array.from({ length: n }, (_, i) => (i < 5 ? 1e6 : i < 40 ? 2.5 : i < 50 ? 1e-9 : 0));
  assertSpectrum(symmetricEigenvalues(withSpectrum(lambda, 5), n), lambda, 1e-13);
});

void test('input is left untouched and a wrong size is refused', () => {
  const a = withSpectrum([1, 2, 3, 4], 9);
  const copy = Float64Array.from(a);
  symmetricEigenvalues(a, 4);
  assert.deepEqual(a, copy);
  assert.throws(() => symmetricEigenvalues(new Float64Array(5), 3), RangeError);
});

void test('effectiveRankFromSingularValues follows RankMe', () => {
  // k equal singular values: p = 1/k + 1e-7 each, so the rank is k up to the epsilon
  assert.ok(Math.abs(effectiveRankFromSingularValues(Float64Array.of(2, 2, 2, 2)) - 4) < 1e-5);
  assert.ok(Math.abs(effectiveRankFromSingularValues(Float64Array.of(1, 0, 0)) - 1) < 1e-5);
  const s = Float64Array.of(3, 2, 1);
  const p = [3 / 6 + 1e-7, 2 / 6 + 1e-7, 1 / 6 + 1e-7];
  const want = Math.exp(-p.reduce((h, x) => h + x * Math.log(x), 0));
  assert.ok(Math.abs(effectiveRankFromSingularValues(s) - want) < 1e-14);
  assert.equal(effectiveRankFromSingularValues(new Float64Array(3)), 0);
});

void test('two-stage (band + bulge chasing) eigenvalues match known spectra on both backends', async () => {
  const rand = mulberry32(21);
  const ort = await createBackend('onnxruntime');
  const js = await createBackend('js');
  try {
    for (const [n, b] of [[2, 4], [7, 2], [50, 4], [61, 8], [130, 32]] as const) {
      const lambda = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : (rand() - 0.4) * 10 ** (3 * rand())));
      const a = withSpectrum(lambda, 100 + n);
      assertSpectrum(await twoStageEigenvalues(a, n, b, js), lambda, 1e-12);
      assertSpectrum(await twoStageEigenvalues(a, n, b, ort), lambda, 1e-12);
    }
    // above the threshold, with the onnxruntime GEMMs (as spectrum.ts uses it)
    const n = 1030;
    const lambda = Array.from({ length: n }, (_, i) => (i < 900 ? Math.exp(-i / 50) : 0));
    assertSpectrum(await symmetricEigenvaluesFast(withSpectrum(lambda, 7, 2), n, ort), lambda, 1e-12);
  } finally {
    await ort.dispose();
    await js.dispose();
  }
});
