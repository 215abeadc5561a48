/** symmetricEigenvalues against spectra known by construction, and the effective-rank helper. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveRankFromSingularValues, symmetricEigenvalues } from '../../src/engine';
import { symmetricEigenvalues as eigenvaluesInJs, tridiagonalBisection, tridiagonalQL } from '../../src/engine/linalg/eigen';
import { smallWorks } from '../../src/engine/linalg/eigenSmall';
import { symmetricEigenvaluesFast, twoStageEigenvalues } from '../../src/engine/linalg/eigenBand';
import { mulberry32 } from '../../src/engine/random';
import { spectrumOf } from '../../src/engine/spectrum';
import type { Matrix } from '../../src/io/types';
import { openBothBackends } from './engine-backends';

const backends = openBothBackends();

/** Q diag(lambda) Q^T with Q a product of random Householder reflections (so the spectrum is known) */
function withSpectrum(lambda: number[], seed: number, reflections = 4): Float64Array {
  const n = lambda.length;
  const rand = mulberry32(seed);
  const a = new Float64Array(n * n);
  lambda.forEach((l, i) => {
    a[i * n + i] = l;
  });
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
        a[i * n + j] =
          (a[i * n + j] as number) -
          (2 / vv) * ((v[i] as number) * (av[j] as number) + (av[i] as number) * (v[j] as number)) +
          ((4 * vav) / (vv * vv)) * (v[i] as number) * (v[j] as number);
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
  const { ort, js } = backends;
  {
    for (const [n, b] of [
      [2, 4],
      [7, 2],
      [50, 4],
      [61, 8],
      [130, 32],
    ] as const) {
      const lambda = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : (rand() - 0.4) * 10 ** (3 * rand())));
      const a = withSpectrum(lambda, 100 + n);
      assertSpectrum(await twoStageEigenvalues(a, n, b, js), lambda, 1e-12);
      assertSpectrum(await twoStageEigenvalues(a, n, b, ort), lambda, 1e-12);
    }
    // above the threshold, with the onnxruntime GEMMs (as spectrum.ts uses it)
    const n = 1030;
    const lambda = Array.from({ length: n }, (_, i) => (i < 900 ? Math.exp(-i / 50) : 0));
    assertSpectrum(await symmetricEigenvaluesFast(withSpectrum(lambda, 7, 2), n, ort), lambda, 1e-12);
  }
});

/** np.arange(start, ...).reshape(rows, full)[::-1 if rev, ::step], as float32 data */
function arangeMatrix(rows: number, full: number, step: number, rev: boolean): Matrix {
  const cols = Math.ceil(full / step);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const r = rev ? rows - 1 - i : i;
    for (let j = 0; j < cols; j++) data[i * cols + j] = r * full + j * step;
  }
  return { name: 'z', rows, cols, data } as Matrix;
}

void test('issue 7: arange-built data (rank 2, centered rank 1) gets its spectrum on both backends', async () => {
  // numpy: s = np.linalg.svd(Z, compute_uv=False); p = s / s.sum() + 1e-7; np.exp(-(p * np.log(p)).sum())
  const cases: [Matrix, number, number][] = [
    [arangeMatrix(30, 25, 1, false), 1.0490974598489495, 1e-6], // np.arange(750.).reshape(30, 25)
    [arangeMatrix(30, 50, 2, true), 1.049097459848948, 1e-6], // np.arange(1500.).reshape(30, 50)[::-1, ::2]
    // sqrt of Gram eigenvalues at eps ||G|| (numpy's eigvalsh route gives 1.00974569 too)
    [arangeMatrix(200, 64, 1, false), 1.0097419683590718, 1e-5], // np.arange(12800.).reshape(200, 64)
    [arangeMatrix(20, 30, 1, false), 0, 0], // wide: the Gram is Z Z^T
  ];
  for (const backend of [backends.ort, backends.js]) {
    for (const [m, want, tol] of cases) {
      const r = await spectrumOf(m, backend);
      const tag = `${backend.info.name} ${m.rows} x ${m.cols}`;
      if (tol > 0) assert.ok(Math.abs(r.effectiveRank - want) < tol, `${tag}: effective rank ${r.effectiveRank}, numpy ${want}`);
      // centered, every column is the same vector: one nonzero eigenvalue (the others are rounding
      // noise of the Gram, eps ||G||, whose square roots add about 1e-4 at d = 64)
      assert.ok(Math.abs(r.effectiveRankCentered - 1) < 1e-3, `${tag}: centered effective rank ${r.effectiveRankCentered}`);
      assert.ok(r.centeredEigen.every(Number.isFinite) && r.spectrum.every(Number.isFinite), tag);
    }
  }
});

void test('a QL budget that runs out part way hands over to bisection, with the same eigenvalues', () => {
  const n = 120;
  const rand = mulberry32(77);
  const d = Float64Array.from({ length: n }, () => rand() - 0.5);
  const e = Float64Array.from({ length: n }, (_, i) => (i + 1 < n ? rand() - 0.5 : 0));
  const full = Float64Array.from(d);
  tridiagonalQL(full, Float64Array.from(e), n);
  full.sort();
  const bis = tridiagonalBisection(d, e, n);
  for (const budget of [0, 1, 5, 40]) {
    const part = Float64Array.from(d);
    tridiagonalQL(part, Float64Array.from(e), n, budget);
    part.sort();
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs((part[i] as number) - (full[i] as number)) < 1e-14, `budget ${budget}, eigenvalue ${i}`);
      assert.ok(Math.abs((bis[i] as number) - (full[i] as number)) < 1e-14, `bisection, eigenvalue ${i}`);
    }
  }
});

void test("the engine's symmetricEigenvalues (the trainer's) is the JS solve's, bit for bit, on both sides of the WebAssembly size", () => {
  assert.ok(smallWorks(64), 'WebAssembly SIMD is present in the Node the tests run on');
  for (const d of [2, 64, 512, 513, 600]) {
    const lambda = Array.from({ length: d }, (_, i) => (i % 7 === 0 ? 0 : 1 / (1 + i)));
    const a = withSpectrum(lambda, 11 + d, 2);
    const got = symmetricEigenvalues(a, d);
    const js = eigenvaluesInJs(a, d);
    assert.equal(got.length, d);
    for (let i = 0; i < d; i++) assert.equal(Object.is(got[i], js[i]), true, `d = ${d}, eigenvalue ${i}: ${got[i]} vs ${js[i]}`);
  }
  assert.throws(() => symmetricEigenvalues(new Float64Array(3), 2), RangeError);
});
