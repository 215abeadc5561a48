/**
 * The eigensolvers against numpy on hard symmetric matrices, in the manner of LAPACK's dchkst:
 * rank-deficient Grams (arange-built data, one-hot features, zero columns, low rank), repeated
 * eigenvalues, zero and identity, Wilkinson matrices, graded 1e-300 .. 1e300, data scaled into the
 * subnormal range and up to 1e300, sizes 1 to 3, sizes around TWO_STAGE_MIN for the two-stage
 * path, and graded, clustered and rank-deficient cases at 768, 1024 and 4096 for the SIMD pass
 * (which every one-stage solve here takes; one test repeats the cases with the plain-JS pass). The matrices are rebuilt (engine-eigen-fixture.ts) from the specs in test/fixtures/eigen/reference.json
 * (written by scripts/make_eigen_reference.py; the SHA-256 of every matrix is checked, so the two
 * generators cannot drift apart unnoticed), next to numpy's eigenvalues (np.linalg.eigvalsh).
 *
 * The criterion is LAPACK's, absolute in the norm: |lambda_i - ref_i| <= C n eps ||A||, since the
 * small eigenvalues of a rank-deficient or graded matrix are only that accurate (in numpy too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveRankFromSingularValues } from '../../src/engine';
import { symmetricEigenvalues, tridiagonalBisection, tridiagonalQL } from '../../src/engine/linalg/eigen';
import { wasmSwitch, wasmWorks } from '../../src/engine/linalg/eigenWasm';
import { symmetricEigenvaluesFast, TWO_STAGE_MIN, twoStageEigenvalues } from '../../src/engine/linalg/eigenBand';
import { mulberry32 } from '../../src/engine/random';
import { openBothBackends } from './engine-backends';
import { C, CASES, type Case, checkAgainst, type DataSpec, EPS, makeData, matrixOf, normOf, type Spec } from './engine-eigen-fixture';

const report: string[] = [];
test.after(() => {
  if (process.env.EIGEN_REPORT) console.log(report.join('\n'));
});

// ---- the tests ----------------------------------------------------------------------------------

void test("the fixture rebuilds bit for bit and covers the issue's matrices", () => {
  assert.ok(CASES.length >= 40);
  for (const c of CASES) matrixOf(c);
  for (const name of ['arange-30x25', 'arange-30x50-rev-step2', 'arange-200x64', 'arange-30x25-x1e-42', 'wilkinson-21']) {
    assert.ok(
      CASES.some((c) => c.name === name),
      name,
    );
  }
  assert.ok(CASES.some((c) => c.n >= TWO_STAGE_MIN) && CASES.some((c) => c.n === TWO_STAGE_MIN - 1));
});

void test('one-stage: every case matches numpy within C n eps ||A||, and leaves its input alone', () => {
  for (const c of CASES) {
    const a = matrixOf(c);
    const copy = Float64Array.from(a);
    let got: Float64Array | undefined;
    assert.doesNotThrow(() => {
      got = symmetricEigenvalues(a, c.n);
    }, c.name);
    assert.deepEqual(a, copy, `${c.name}: input modified`);
    const worst = checkAgainst(`one-stage ${c.name}`, got as Float64Array, c.eig, normOf(c));
    report.push(`one-stage ${c.name} (n=${c.n}): max err / (n eps ||A||) = ${worst.toFixed(3)}`);
  }
});

const backends = openBothBackends();

void test('two-stage (band + bulge chasing): every case on both backends; symmetricEigenvaluesFast above TWO_STAGE_MIN', async () => {
  for (const c of CASES) {
    const a = matrixOf(c);
    // bandwidths that exercise both a narrow band and the production one; at n >= 600 the
    // production path only (a two-stage run there takes a second or two)
    // above 2048 the fast path is the one-stage solve the test above made already (minutes saved)
    if (c.n > 2048) continue;
    const runs: [string, () => Promise<Float64Array>][] =
      c.n >= 600
        ? [
            [
              c.n < TWO_STAGE_MIN ? 'two-stage/ort b=32' : 'fast/ort',
              () => (c.n < TWO_STAGE_MIN ? twoStageEigenvalues(a, c.n, 32, backends.ort) : symmetricEigenvaluesFast(a, c.n, backends.ort)),
            ],
          ]
        : [
            ['two-stage/ort b=4', () => twoStageEigenvalues(a, c.n, 4, backends.ort)],
            ['two-stage/js b=32', () => twoStageEigenvalues(a, c.n, 32, backends.js)],
          ];
    for (const [how, run] of runs) {
      let got: Float64Array | undefined;
      try {
        got = await run();
      } catch (err) {
        assert.fail(`${how} ${c.name} threw: ${String(err)}`);
      }
      const worst = checkAgainst(`${how} ${c.name}`, got, c.eig, normOf(c));
      report.push(`${how} ${c.name} (n=${c.n}): max err / (n eps ||A||) = ${worst.toFixed(3)}`);
    }
  }
});

void test('the SIMD pass compiles here, and the plain-JS pass (where WebAssembly SIMD is missing) matches numpy too', () => {
  assert.ok(wasmWorks(768), 'WebAssembly SIMD should work on Node >= 20: the one-stage tests above would not test it');
  wasmSwitch.enabled = false;
  try {
    assert.equal(wasmWorks(768), false);
    for (const c of CASES) {
      if (c.n > 1280) continue;
      const got = symmetricEigenvalues(matrixOf(c), c.n);
      const worst = checkAgainst(`one-stage/js ${c.name}`, got, c.eig, normOf(c));
      report.push(`one-stage/js ${c.name} (n=${c.n}): max err / (n eps ||A||) = ${worst.toFixed(3)}`);
    }
  } finally {
    wasmSwitch.enabled = true;
  }
});

void test('symmetricEigenvaluesFast: two-stage where SIMD is missing; cancellable; interleaved solves stay apart', async () => {
  const big = CASES.find((x) => x.n >= TWO_STAGE_MIN && x.n <= 2048) as Case;
  wasmSwitch.enabled = false;
  try {
    checkAgainst(
      `fast/ort without SIMD ${big.name}`,
      await symmetricEigenvaluesFast(matrixOf(big), big.n, backends.ort),
      big.eig,
      normOf(big),
    );
  } finally {
    wasmSwitch.enabled = true;
  }
  // an abort stops a d = 4096 solve at its next slice (it yields every 50 ms), and the kept wasm
  // memory it held serves the next solve
  const huge = CASES.find((x) => x.n === 4096) as Case;
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 1);
  await assert.rejects(symmetricEigenvaluesFast(matrixOf(huge), huge.n, backends.ort, ctl.signal), { name: 'AbortError' });
  // two solves at once: each yields to the other, each on its own memory
  const [c1, c2] = ['graded-mild-768', 'lowrank-40x1024-r8-cols'].map((name) => CASES.find((x) => x.name === name) as Case) as [Case, Case];
  const [e1, e2] = await Promise.all([
    symmetricEigenvaluesFast(matrixOf(c1), c1.n, backends.ort),
    symmetricEigenvaluesFast(matrixOf(c2), c2.n, backends.ort),
  ]);
  checkAgainst(`interleaved ${c1.name}`, e1, c1.eig, normOf(c1));
  checkAgainst(`interleaved ${c2.name}`, e2, c2.eig, normOf(c2));
});

void test('tridiagonal solvers: QL, and with its budget exhausted Sturm bisection takes over, still matching numpy', () => {
  for (const c of CASES) {
    if (c.n > 200) continue;
    const a = matrixOf(c);
    // the tridiagonal of a tridiagonal matrix is the matrix itself
    if (c.spec.kind !== 'wilkinson' && c.spec.kind !== 'tridiag' && c.n > 2) continue;
    const diag = new Float64Array(c.n);
    const off = new Float64Array(c.n);
    for (let i = 0; i < c.n; i++) {
      diag[i] = a[i * c.n + i] as number;
      if (i + 1 < c.n) off[i] = a[(i + 1) * c.n + i] as number;
    }
    const bis = tridiagonalBisection(diag, off, c.n).reverse();
    checkAgainst(`bisection ${c.name}`, bis, c.eig, normOf(c));
    const ql = Float64Array.from(diag);
    tridiagonalQL(ql, Float64Array.from(off), c.n);
    checkAgainst(`QL ${c.name}`, ql.sort().reverse(), c.eig, normOf(c));
    tridiagonalQL(diag, off, c.n, 0);
    checkAgainst(`QL with no budget ${c.name}`, diag.sort().reverse(), c.eig, normOf(c));
  }
  // and on the tridiagonal form of dense cases: the two methods agree
  for (const name of ['arange-30x25-centered', 'graded-40', 'random-30-x1e-310', 'random-20-x1e300', 'zero-50']) {
    const c = CASES.find((x) => x.name === name) as Case;
    const n = c.n;
    const t = tridiagonalOf(matrixOf(c), n);
    const ql = Float64Array.from(t.diag);
    tridiagonalQL(ql, Float64Array.from(t.off), n);
    const bis = tridiagonalBisection(t.diag, t.off, n).reverse();
    checkAgainst(`bisection vs QL ${name}`, bis, ql.sort().reverse(), normOf(c));
  }
});

/** plain (unfused) Householder tridiagonalization, for feeding the tridiagonal solvers */
function tridiagonalOf(a0: Float64Array, n: number): { diag: Float64Array; off: Float64Array } {
  const a = Float64Array.from(a0);
  const diag = new Float64Array(n);
  const off = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    let amax = 0;
    for (let i = k + 1; i < n; i++) amax = Math.max(amax, Math.abs(a[i * n + k] as number));
    if (amax === 0) continue;
    const v = new Float64Array(n);
    let vv = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = (a[i * n + k] as number) / amax;
      vv += (v[i] as number) ** 2;
    }
    const alpha = ((v[k + 1] as number) >= 0 ? -1 : 1) * Math.sqrt(vv);
    v[k + 1] = (v[k + 1] as number) - alpha;
    const vn = vv - alpha * alpha + (v[k + 1] as number) ** 2;
    if (vn === 0) continue;
    // A <- H A H, H = I - 2 v v^T / vn
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += (a[i * n + j] as number) * (v[j] as number);
      p[i] = (2 * s) / vn;
    }
    let pv = 0;
    for (let i = 0; i < n; i++) pv += (p[i] as number) * (v[i] as number);
    const q = p.map((x, i) => x - (pv / vn) * (v[i] as number));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        a[i * n + j] = (a[i * n + j] as number) - (v[i] as number) * (q[j] as number) - (q[i] as number) * (v[j] as number);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    diag[i] = a[i * n + i] as number;
    if (i + 1 < n) off[i] = a[(i + 1) * n + i] as number;
  }
  return { diag, off };
}

void test('spectra known exactly: zero, identity, c I + J, block ones, one-hot Grams', () => {
  const exact = (name: string, want: number[]): void => {
    const c = CASES.find((x) => x.name === name) as Case;
    const ref = [...want].sort((x, y) => y - x);
    checkAgainst(`exact ${name}`, symmetricEigenvalues(matrixOf(c), c.n), ref, Math.max(...ref.map(Math.abs)), 10);
  };
  exact('zero-50', new Array<number>(50).fill(0));
  exact('n1-zero', [0]);
  exact('identity-40', new Array<number>(40).fill(1));
  exact('3I-plus-J-60', [63, ...new Array<number>(59).fill(3)]);
  exact('J-64', [64, ...new Array<number>(63).fill(0)]);
  exact('n3-rank1', [21, 0, 0]);
  exact('block-ones', [10, 14, 0, 12, 10, -30, ...new Array<number>(34).fill(0)]);
  // a one-hot Gram: Z^T Z = diag(counts), Z Z^T has the same nonzero eigenvalues
  for (const name of ['onehot-120x10-rows', 'onehot-200x40-cols', 'onehot-400x660-cols']) {
    const c = CASES.find((x) => x.name === name) as Case;
    const spec = (c.spec as Extract<Spec, { kind: 'gram' }>).data as Extract<DataSpec, { kind: 'onehot' }>;
    const { z, rows, cols } = makeData(spec);
    const counts = new Array<number>(c.n).fill(0);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) counts[j] = (counts[j] as number) + (z[i * cols + j] as number);
    exact(name, counts);
  }
  // the zero matrix and the identity give exact answers, not merely close ones
  assert.deepEqual(Array.from(symmetricEigenvalues(new Float64Array(9), 3)), [0, 0, 0]);
  const id = new Float64Array(16);
  for (let i = 0; i < 4; i++) id[i * 5] = 1;
  assert.deepEqual(Array.from(symmetricEigenvalues(id, 4)), [1, 1, 1, 1]);
});

void test("effective rank of np.arange(750.).reshape(30, 25) through its Gram matches numpy's SVD to 1e-6", () => {
  for (const name of ['arange-30x25', 'arange-30x50-rev-step2', 'arange-30x25-x1e-42', 'arange-30x25-x1e140']) {
    const c = CASES.find((x) => x.name === name) as Case;
    const eig = symmetricEigenvalues(matrixOf(c), c.n);
    const sigma = eig.map((x) => Math.sqrt(Math.max(x, 0)));
    const er = effectiveRankFromSingularValues(sigma);
    assert.ok(Math.abs(er - 1.0490974598489495) < 1e-6, `${name}: effective rank ${er}`);
    assert.ok(Math.abs(er - (c.erankSvd as number)) < 1e-6, `${name}: effective rank ${er}, numpy ${c.erankSvd}`);
  }
});

void test('invariants: trace, exact power-of-two scaling, permutation similarity', () => {
  const names = [
    'random-57',
    'arange-30x25',
    'arange-30x25-centered',
    'graded-mild-50',
    'wilkinson-41',
    'lowrank-80x60-r5',
    'random-30-x1e-310',
    'onehot-200x40-centered',
    'graded-40',
  ];
  const rand = mulberry32(2024);
  for (const name of names) {
    const c = CASES.find((x) => x.name === name) as Case;
    const { n } = c;
    const a = matrixOf(c);
    const norm = normOf(c);
    const ev = symmetricEigenvalues(a, n);
    // sum of eigenvalues = trace
    let trace = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      trace += a[i * n + i] as number;
      sum += ev[i] as number;
    }
    assert.ok(Math.abs(sum - trace) <= C * n * EPS * norm + 4 * Number.MIN_VALUE, `${name}: sum ${sum}, trace ${trace}`);
    // 2^k A has eigenvalues 2^k lambda, exactly (the scaling is exact, and so is the solver's own),
    // here where 2^k A has no subnormal entries; both well inside and well outside the safe range
    let amin = Infinity;
    for (const x of a) if (x !== 0) amin = Math.min(amin, Math.abs(x));
    for (const k of [1, -3, 40, -200, 600, 900, -900]) {
      if (amin * 2 ** k < 2 ** -1022 || norm * n * 2 ** k > 2 ** 1020) continue;
      const f = 2 ** k;
      const evk = symmetricEigenvalues(
        a.map((x) => x * f),
        n,
      );
      for (let i = 0; i < n; i++) {
        // scale the larger of the two down: one rounding of the same exact value on both sides,
        // should the smaller one be subnormal
        if (k > 0) assert.equal((evk[i] as number) / f, ev[i], `${name}: 2^${k} A, eigenvalue ${i}`);
        else assert.equal(evk[i], (ev[i] as number) * f, `${name}: 2^${k} A, eigenvalue ${i}`);
      }
    }
    // P A P^T has the same eigenvalues
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
    }
    const pa = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pa[i * n + j] = a[(perm[i] as number) * n + (perm[j] as number)] as number;
    checkAgainst(`permuted ${name}`, symmetricEigenvalues(pa, n), ev, norm);
  }
});

void test('nothing throws: non-finite input gives NaN, never a hang or an exception', async () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const a = Float64Array.of(1, bad, bad, 2);
    let got: Float64Array | undefined;
    assert.doesNotThrow(() => {
      got = symmetricEigenvalues(a, 2);
    });
    assert.ok((got as Float64Array).every(Number.isNaN));
    const d = Float64Array.of(1, bad, 3);
    tridiagonalQL(d, Float64Array.of(1, 1, 0), 3);
    assert.ok(d.every(Number.isNaN));
    assert.ok(tridiagonalBisection(Float64Array.of(1, 2, 3), Float64Array.of(bad, 1, 0), 3).every(Number.isNaN));
    const big = new Float64Array(40 * 40);
    big[7 * 40 + 3] = bad;
    big[3 * 40 + 7] = bad;
    assert.ok((await twoStageEigenvalues(big, 40, 4, backends.js)).every(Number.isNaN));
  }
  // the largest finite doubles: eigenvalues that overflow come back infinite, not as an error
  const m = Number.MAX_VALUE;
  assert.doesNotThrow(() => symmetricEigenvalues(Float64Array.of(m, m, m, m), 2));
  assert.deepEqual(Array.from(symmetricEigenvalues(Float64Array.of(m, 0, 0, -m), 2)), [m, -m]);
});
