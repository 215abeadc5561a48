/**
 * Invariants of the symmetric eigensolvers, in the manner of mljs's evd.test.js: properties every
 * correct spectrum has, checked on seeded random matrices of several sizes rather than on known
 * answers. Σλ = trace(A); Σλ² = ‖A‖²_F; eigenvalues come sorted descending; the spectrum is
 * unchanged by an orthogonal similarity QᵀAQ; A + cI shifts it by c, cA scales it by c, −A reverses
 * it; BᵀB has no negative eigenvalue. The one-stage solver (eigen.ts) and the two-stage one
 * (eigenBand.ts, on both engine backends) must all hold them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigenvalues } from '../../src/engine/linalg/eigen';
import { twoStageEigenvalues } from '../../src/engine/linalg/eigenBand';
import { mulberry32, normalSampler } from '../../src/engine/random';
import { openBothBackends } from './engine-backends';

const backends = openBothBackends();

/** A seeded symmetric n × n matrix with standard normal entries (row-major). */
function randomSymmetric(n: number, seed: number): Float64Array {
  const normal = normalSampler(mulberry32(seed));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = normal();
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  }
  return a;
}

function matmul(a: Float64Array, b: Float64Array, n: number, transposeA = false): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = (transposeA ? a[k * n + i] : a[i * n + k]) as number;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] = (c[i * n + j] as number) + aik * (b[k * n + j] as number);
    }
  }
  return c;
}

/** A seeded orthogonal matrix: Gram-Schmidt (twice, for orthogonality to rounding) on normal columns. */
function randomOrthogonal(n: number, seed: number): Float64Array {
  const normal = normalSampler(mulberry32(seed));
  const q = Float64Array.from({ length: n * n }, () => normal());
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += (q[i * n + j] as number) * (q[i * n + k] as number);
        for (let i = 0; i < n; i++) q[i * n + j] = (q[i * n + j] as number) - dot * (q[i * n + k] as number);
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (q[i * n + j] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i * n + j] = (q[i * n + j] as number) / norm;
  }
  return q;
}

const trace = (a: Float64Array, n: number): number =>
  Array.from({ length: n }, (_, i) => a[i * n + i] as number).reduce((s, x) => s + x, 0);
const sum = (v: Float64Array, f: (x: number) => number = (x) => x): number => v.reduce((s, x) => s + f(x), 0);

/** |x − y| within `tol` relative to `scale` (the matrix's size, since rounding grows with it). */
function near(x: number, y: number, scale: number, what: string, tol = 1e-10): void {
  assert.ok(Math.abs(x - y) <= tol * Math.max(1, scale), `${what}: ${x} vs ${y}`);
}

function sameSpectrum(got: Float64Array, want: Float64Array, scale: number, what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((x, i) => near(x, want[i] as number, scale, `${what}[${i}]`));
}

type Solver = { name: string; run: (a: Float64Array, n: number) => Promise<Float64Array> };
const solvers: Solver[] = [
  { name: 'one-stage', run: (a, n) => Promise.resolve(symmetricEigenvalues(a, n)) },
  // band width 8, so the band reduction has work to do even at the small sizes here
  { name: 'two-stage (js)', run: (a, n) => twoStageEigenvalues(a, n, 8, backends.js) },
  { name: 'two-stage (onnxruntime)', run: (a, n) => twoStageEigenvalues(a, n, 8, backends.ort) },
];

for (const solver of solvers) {
  for (const n of [1, 2, 7, 33, 64]) {
    void test(`${solver.name}, n = ${n}: trace, Frobenius norm, order, similarity, shift, scale, sign`, async () => {
      const a = randomSymmetric(n, 1000 + n);
      const scale = n * Math.sqrt(n);
      const lambda = await solver.run(a, n);
      assert.equal(lambda.length, n);
      for (let i = 1; i < n; i++) assert.ok((lambda[i - 1] as number) >= (lambda[i] as number), `descending at ${i}`);
      near(sum(lambda), trace(a, n), scale, 'Σλ = trace(A)');
      near(
        sum(lambda, (x) => x * x),
        sum(a, (x) => x * x),
        scale * scale,
        'Σλ² = ‖A‖²_F',
      );

      const q = randomOrthogonal(n, 2000 + n);
      const similar = matmul(matmul(q, a, n, true), q, n);
      // QᵀAQ is symmetric up to rounding: symmetrize so the solver reads one triangle faithfully
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) similar[j * n + i] = similar[i * n + j] as number;
      sameSpectrum(await solver.run(similar, n), lambda, scale, 'eig(QᵀAQ) = eig(A)');

      const shifted = Float64Array.from(a);
      for (let i = 0; i < n; i++) shifted[i * n + i] = (shifted[i * n + i] as number) + 3.5;
      sameSpectrum(
        await solver.run(shifted, n),
        lambda.map((x) => x + 3.5),
        scale,
        'eig(A + 3.5 I) = eig(A) + 3.5',
      );
      sameSpectrum(
        await solver.run(
          a.map((x) => 2.5 * x),
          n,
        ),
        lambda.map((x) => 2.5 * x),
        2.5 * scale,
        'eig(2.5 A) = 2.5 eig(A)',
      );
      sameSpectrum(
        await solver.run(
          a.map((x) => -x),
          n,
        ),
        lambda.map((x) => -x).reverse(),
        scale,
        'eig(−A) = −eig(A), reversed',
      );
    });
  }

  void test(`${solver.name}: BᵀB (a Gram matrix) has no negative eigenvalue`, async () => {
    const n = 40;
    const b = randomSymmetric(n, 77).map((x, i) => x + (i % 3)); // not symmetric after the shift: a general B
    const gram = matmul(b, b, n, true);
    const lambda = await solver.run(gram, n);
    const top = lambda[0] as number;
    for (const x of lambda) assert.ok(x >= -1e-10 * top, `eigenvalue ${x} of BᵀB`);
    near(sum(lambda), trace(gram, n), top * n, 'Σλ = trace(BᵀB)');
  });
}
