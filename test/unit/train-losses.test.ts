// DAGR losses in tfjs vs a float64 reference written from DESIGN.md section 2, on both CPU-side
// backends (wasm and the pure-JS cpu backend), plus gradients vs finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/train/backend';
import { anchoringLossAndGrad, anchoringLossValue, dispersiveLossAndGrad, dispersiveLossValue } from '../../src/train/losses';
import { makeRng, normal } from '../../src/train/rng';
import type { HingeMode, PairsMode } from '../../src/protocol/report';

function randomMatrix(n: number, d: number, seed: number, scale = 1): Float32Array {
  const r = makeRng(seed);
  return Float32Array.from({ length: n * d }, () => normal(r) * scale);
}

function normalized(z: ArrayLike<number>, n: number, d: number): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (z[i * d + j] as number) ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < d; j++) out[i * d + j] = (z[i * d + j] as number) * inv;
  }
  return out;
}

/** log(mean exp(-t |zi - zj|^2)) in float64 with one running log-sum-exp. */
function refDisp(z: ArrayLike<number>, n: number, d: number, t: number, pairs: PairsMode): number {
  const zh = normalized(z, n, d);
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (pairs === 'offdiag' && i === j) continue;
      let s = 0;
      for (let k = 0; k < d; k++) s += ((zh[i * d + k] as number) - (zh[j * d + k] as number)) ** 2;
      vals.push(-t * s);
    }
  }
  const m = Math.max(...vals);
  return m + Math.log(vals.reduce((a, v) => a + Math.exp(v - m), 0) / vals.length);
}

function refAnc(a: ArrayLike<number>, b: ArrayLike<number>, n: number, d: number, tau: number, hinge: HingeMode): number {
  const ah = normalized(a, n, d);
  const bh = normalized(b, n, d);
  let s = 0;
  for (let i = 0; i < n; i++) {
    let dist = 0;
    for (let k = 0; k < d; k++) dist += ((ah[i * d + k] as number) - (bh[i * d + k] as number)) ** 2;
    const h = Math.max(0, dist - tau);
    s += hinge === 'squared' ? h * h : h;
  }
  return s / n;
}

/** Central differences of a float64 function at x (float64 copy of the float32 input). */
function finiteDiff(f: (x: Float64Array) => number, x: Float32Array, eps = 1e-5): Float64Array {
  const base = Float64Array.from(x);
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = base[i] as number;
    base[i] = keep + eps;
    const up = f(base);
    base[i] = keep - eps;
    const down = f(base);
    base[i] = keep;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

for (const backend of ['wasm', 'cpu'] as const) {
  void test(`dispersive and anchoring losses match the float64 reference (${backend})`, async () => {
    const info = await selectBackend(backend);
    assert.equal(info.name, `tfjs-${backend}`);
    const n = 50;
    const d = 6;
    const z = randomMatrix(n, d, 1);
    const w = randomMatrix(n, d, 2);
    for (const pairs of ['offdiag', 'all'] as const) {
      for (const t of [2, 0.5, 7]) {
        const got = await dispersiveLossValue(z, n, d, t, pairs, 16); // small tile: exercises tiling
        assert.ok(Math.abs(got - refDisp(z, n, d, t, pairs)) < 1e-5, `${pairs} t=${t}: ${got} vs ${refDisp(z, n, d, t, pairs)}`);
        const withGrad = (await dispersiveLossAndGrad(z, n, d, t, pairs)).value;
        assert.ok(Math.abs(withGrad - refDisp(z, n, d, t, pairs)) < 1e-5);
      }
    }
    for (const hinge of ['linear', 'squared'] as const) {
      for (const tau of [0, 0.5, 2]) {
        const ref = refAnc(z, w, n, d, tau, hinge);
        assert.ok(Math.abs((await anchoringLossValue(z, w, n, d, tau, hinge)) - ref) < 1e-5);
        assert.ok(Math.abs((await anchoringLossAndGrad(z, w, n, d, tau, hinge)).value - ref) < 1e-5);
      }
    }
  });

  void test(`gradients agree with finite differences of the float64 reference (${backend})`, async () => {
    await selectBackend(backend);
    const n = 12;
    const d = 5;
    const z = randomMatrix(n, d, 3);
    const w = randomMatrix(n, d, 4);
    for (const pairs of ['offdiag', 'all'] as const) {
      const { grad } = await dispersiveLossAndGrad(z, n, d, 2, pairs);
      const fd = finiteDiff((x) => refDisp(x, n, d, 2, pairs), z);
      assert.ok(maxAbsDiff(grad, fd) < 2e-4, `dispersive ${pairs}: ${maxAbsDiff(grad, fd)}`);
    }
    for (const hinge of ['linear', 'squared'] as const) {
      // tau = 0.3 keeps every drift away from the hinge's kink, where differences are undefined.
      const { gradA, gradB } = await anchoringLossAndGrad(z, w, n, d, 0.3, hinge);
      const fdA = finiteDiff((x) => refAnc(x, w, n, d, 0.3, hinge), z);
      const fdB = finiteDiff((x) => refAnc(z, x, n, d, 0.3, hinge), w);
      assert.ok(maxAbsDiff(gradA, fdA) < 2e-4, `anchoring ${hinge} a: ${maxAbsDiff(gradA, fdA)}`);
      assert.ok(maxAbsDiff(gradB, fdB) < 2e-4, `anchoring ${hinge} b: ${maxAbsDiff(gradB, fdB)}`);
    }
  });
}

void test('a batch of 128 rows or more (its self-product gradient) agrees with finite differences, both pair modes', async (t) => {
  for (const backend of ['wasm', 'cpu'] as const) {
    await selectBackend(backend);
    const n = 140;
    const d = 3;
    const z = randomMatrix(n, d, 9);
    for (const pairs of ['offdiag', 'all'] as const) {
      const { value, grad } = await dispersiveLossAndGrad(z, n, d, 2, pairs);
      assert.ok(Math.abs(value - refDisp(z, n, d, 2, pairs)) < 1e-5, `${backend} ${pairs}: value`);
      const fd = finiteDiff((x) => refDisp(x, n, d, 2, pairs), z);
      // the 2-norm relative error: single entries are small (about 1/n each) and carry float32 rounding
      let diff = 0;
      let norm = 0;
      for (let i = 0; i < fd.length; i++) {
        diff += ((grad[i] as number) - (fd[i] as number)) ** 2;
        norm += (fd[i] as number) ** 2;
      }
      const rel = Math.sqrt(diff / norm);
      t.diagnostic(`${backend} ${pairs}: gradient relative error ${rel.toExponential(2)}`);
      assert.ok(rel < 1e-3, `${backend} dispersive ${pairs}: gradient differs by ${rel} (relative, 2-norm)`);
    }
  }
});

void test('a zero row normalizes to zero with a finite gradient', async () => {
  await selectBackend('cpu');
  const n = 4;
  const d = 3;
  const z = randomMatrix(n, d, 5);
  z.fill(0, 0, d);
  const { value, grad } = await dispersiveLossAndGrad(z, n, d, 2, 'offdiag');
  assert.ok(Math.abs(value - refDisp(z, n, d, 2, 'offdiag')) < 1e-5);
  assert.ok(grad.every((g) => Number.isFinite(g)));
});

void test('large N: per-row reduction keeps the float32 result at the float64 value', async () => {
  await selectBackend('wasm');
  // N large enough that a single float32 reduction over all N^2 kernel values drifts (DESIGN.md 2).
  const n = 3000;
  const d = 8;
  const z = randomMatrix(n, d, 6);
  const got = await dispersiveLossValue(z, n, d, 2, 'offdiag', 1024);
  // Reference: float64 per-row sums (the direct O(N^2) loop above would hold 9M values).
  const zh = normalized(z, n, d);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      let dot = 0;
      for (let k = 0; k < d; k++) dot += (zh[i * d + k] as number) * (zh[j * d + k] as number);
      total += Math.exp(-2 * Math.max(0, 2 - 2 * dot));
    }
  }
  const ref = Math.log(total / (n * (n - 1)));
  assert.ok(Math.abs(got - ref) < 1e-5, `${got} vs ${ref}`);
});
