/**
 * The blocked Householder reduction (linalg/eigenBlocked.ts), which symmetricEigenvaluesFast takes
 * above eigenSmall's sizes: every hard case of the numpy fixture (rank-deficient, graded,
 * clustered, subnormal, 1e300, d = 768 .. 4096) within LAPACK's bound, panel edges (sizes just
 * past one or two panels, a last panel of one or two columns), identity reflectors in the middle
 * of a panel, the root-free QL that follows it (on numpy's tridiagonal cases, 2 x 2 blocks at the
 * range's ends, an exhausted budget), and the kept WebAssembly memory (a smaller solve after a larger one sees nothing of
 * it; two solves at once each get their own).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigenvalues, tridiagonalForm, tridiagonalQL } from '../../src/engine/linalg/eigen';
import { eigen2x2, rootFreeSweeps } from '../../src/engine/linalg/eigenRootFree';
import { blockedEigenvalueSteps, blockedTridiagonalize, blockedWorks, wasmRootFreeSweeps } from '../../src/engine/linalg/eigenBlocked';
import { PANEL } from '../../src/engine/linalg/eigenBlockedWasm';
import { SMALL_MAX } from '../../src/engine/linalg/eigenSmall';
import { inSlices, symmetricEigenvaluesFast } from '../../src/engine/linalg/eigenBand';
import { createJsBackend } from '../../src/engine/jsBackend';
import { CASES, checkAgainst, EPS, matrixOf, normOf, randsym } from './engine-eigen-fixture';

function blocked(a: Float64Array, n: number): Float64Array {
  const steps = blockedEigenvalueSteps(a, n);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** largest |x - y| over n eps max|y| */
function inUnits(x: Float64Array, y: Float64Array, n: number): number {
  let scale = 0;
  for (const v of y) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  return scale === 0 ? worst : worst / (n * EPS * scale);
}

void test('WebAssembly SIMD is here, so the fast path above SMALL_MAX is the blocked one', () => {
  assert.ok(blockedWorks(SMALL_MAX + 1));
  assert.ok(blockedWorks(4096));
});

void test('every numpy case, 1 x 1 to 4096 x 4096, within C n eps ||A||; the input is left alone', () => {
  for (const c of CASES) {
    const a = matrixOf(c);
    const copy = Float64Array.from(a);
    const got = blocked(a, c.n);
    assert.deepEqual(a, copy, `${c.name}: input modified`);
    checkAgainst(`blocked ${c.name}`, got, c.eig, normOf(c));
  }
});

void test('panel edges: sizes around one and two panels agree with the one-stage solver', () => {
  const sizes = [3, 4, 5, PANEL - 1, PANEL, PANEL + 1, PANEL + 2, PANEL + 3, 2 * PANEL + 1, 2 * PANEL + 2, 2 * PANEL + 3, 3 * PANEL + 7];
  for (const n of sizes) {
    const a = randsym(n, 1000 + n, -1, 1);
    const want = symmetricEigenvalues(a, n);
    const got = blocked(a, n);
    assert.ok(inUnits(got, want, n) < 20, `n = ${n}: ${inUnits(got, want, n)} units`);
    // the tridiagonal forms are similar to a: same trace, same Frobenius norm
    const t = tridiagonalForm(a, n, blockedTridiagonalize);
    let trace = 0;
    let traceT = 0;
    let fro = 0;
    let froT = 0;
    for (let i = 0; i < n; i++) {
      trace += a[i * n + i] as number;
      traceT += t.diag[i] as number;
      for (let j = 0; j < n; j++) fro += (a[i * n + j] as number) ** 2;
      froT += (t.diag[i] as number) ** 2 + (i + 1 < n ? 2 * (t.off[i] as number) ** 2 : 0);
    }
    assert.ok(Math.abs(trace - traceT) < 1e-12 * n, `n = ${n}: trace ${trace} vs ${traceT}`);
    assert.ok(Math.abs(fro - froT) < 1e-12 * fro, `n = ${n}: Frobenius ${fro} vs ${froT}`);
  }
});

void test('identity reflectors inside a panel (columns already reduced) leave nothing behind', () => {
  // a direct sum: a tridiagonal block (its columns need no reflector: beta = 0) between two dense
  // ones, so panels hold identity reflectors between real ones
  const n = 3 * PANEL + 5;
  const a = new Float64Array(n * n);
  const dense = randsym(n, 77, -1, 1);
  const lo = PANEL + 3;
  const hi = 2 * PANEL + 1;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const inTri = i >= lo && i < hi && j >= lo && j < hi;
      const inDense = (i < lo && j < lo) || (i >= hi && j >= hi);
      if (inDense) a[i * n + j] = dense[i * n + j] as number;
      else if (inTri && Math.abs(i - j) <= 1) a[i * n + j] = i === j ? 0.5 + i / n : 0.25;
    }
  }
  const want = symmetricEigenvalues(a, n);
  const got = blocked(a, n);
  assert.ok(inUnits(got, want, n) < 20, `${inUnits(got, want, n)} units`);
});

void test('the kept memory: a smaller solve after a larger one is the same bit for bit; two at once stay apart', async () => {
  const n1 = SMALL_MAX + 40;
  const n2 = SMALL_MAX + 300;
  const a1 = randsym(n1, 5, -1, 1);
  const a2 = randsym(n2, 6, -1, 1);
  const first = blocked(a1, n1);
  blocked(a2, n2);
  assert.deepEqual(blocked(a1, n1), first);
  const [x, y] = await Promise.all([inSlices(() => blockedEigenvalueSteps(a1, n1)), inSlices(() => blockedEigenvalueSteps(a2, n2))]);
  assert.deepEqual(x, first);
  assert.ok(inUnits(y, symmetricEigenvalues(a2, n2), n2) < 20);
  // and symmetricEigenvaluesFast above SMALL_MAX is this path
  assert.deepEqual(await symmetricEigenvaluesFast(a1, n1, createJsBackend()), first);
});

void test("the root-free QL on numpy's tridiagonal cases (Wilkinson, graded, clustered), with and without a budget", () => {
  let cases = 0;
  for (const c of CASES) {
    if (c.spec.kind !== 'wilkinson' && c.spec.kind !== 'tridiag' && c.n > 2) continue;
    const a = matrixOf(c);
    const diag = new Float64Array(c.n);
    const off = new Float64Array(c.n);
    for (let i = 0; i < c.n; i++) {
      diag[i] = a[i * c.n + i] as number;
      if (i + 1 < c.n) off[i] = a[(i + 1) * c.n + i] as number;
    }
    const d = Float64Array.from(diag);
    tridiagonalQL(d, Float64Array.from(off), c.n, 30 * c.n, rootFreeSweeps);
    checkAgainst(`root-free ${c.name}`, d.sort().reverse(), c.eig, normOf(c));
    // the WebAssembly port: the same numbers, bit for bit
    const w = Float64Array.from(diag);
    tridiagonalQL(w, Float64Array.from(off), c.n, 30 * c.n, wasmRootFreeSweeps);
    assert.deepEqual(w.sort().reverse(), d, `${c.name}: the WebAssembly sweeps differ`);
    // no budget: bisection answers instead, as for the implicit QL
    tridiagonalQL(diag, off, c.n, 0, rootFreeSweeps);
    checkAgainst(`root-free, no budget ${c.name}`, diag.sort().reverse(), c.eig, normOf(c));
    cases++;
  }
  assert.ok(cases >= 5, `${cases} tridiagonal cases`);
});

void test('2 x 2 blocks: eigen2x2 at the ends of the range, and non-finite input gives NaN, not a hang', () => {
  const exact = (a: number, b: number, c: number): [number, number] => {
    // in extended care: (a + c)/2 +- sqrt(((a - c)/2)^2 + b^2), scaled to avoid overflow
    const s = Math.max(Math.abs(a), Math.abs(b), Math.abs(c));
    const [x, y, z] = [a / s, b / s, c / s];
    const m = (x + z) / 2;
    const r = Math.hypot((x - z) / 2, y);
    return [(m + r) * s, (m - r) * s];
  };
  for (const [a, b, c] of [
    [1, 0, 1],
    [2, 1, 2],
    [1e300, 1e300, -1e300],
    [1e-300, 1e-300, 1e-300],
    [0, 1, 0],
    [5, 1e-20, 5],
    [-3, 2, 7],
  ] as [number, number, number][]) {
    const [r1, r2] = eigen2x2(a, b, c);
    const [e1, e2] = exact(a, b, c);
    const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(c));
    assert.ok(r1 >= r2, `${a}, ${b}, ${c}: order`);
    assert.ok(
      Math.abs(r1 - e1) <= 4 * EPS * scale && Math.abs(r2 - e2) <= 4 * EPS * scale,
      `${a}, ${b}, ${c}: ${r1}, ${r2} vs ${e1}, ${e2}`,
    );
  }
  const d = Float64Array.from([1, NaN, 2, 3]);
  const e = Float64Array.from([1, 1, 1, 0]);
  tridiagonalQL(d, e, 4, 120, rootFreeSweeps);
  assert.ok(d.every((x) => Number.isNaN(x)));
});

void test('the WebAssembly root-free sweeps equal the JavaScript ones bit for bit on the dense cases and random tridiagonals', () => {
  const both = (diag: Float64Array, off: Float64Array, n: number, label: string): void => {
    const d1 = Float64Array.from(diag);
    const d2 = Float64Array.from(diag);
    tridiagonalQL(d1, Float64Array.from(off), n, 30 * n, rootFreeSweeps);
    tridiagonalQL(d2, Float64Array.from(off), n, 30 * n, wasmRootFreeSweeps);
    assert.deepEqual(d2, d1, label);
  };
  for (const c of CASES) {
    if (c.n > 1300) continue;
    const t = tridiagonalForm(matrixOf(c), c.n, blockedTridiagonalize);
    both(t.diag, t.off, c.n, c.name);
  }
  for (const n of [1, 2, 3, 4, 17, 100]) {
    const a = randsym(n, 300 + n, -5, 5);
    const diag = new Float64Array(n);
    const off = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      diag[i] = a[i * n + i] as number;
      if (i + 1 < n) off[i] = (a[i * n + i + 1] as number) * (i % 7 === 3 ? 0 : 1);
    }
    both(diag, off, n, `random tridiagonal n = ${n}`);
  }
});
