/**
 * The onnxruntime backend runs a narrow pairwise tile (d <= 256) in row blocks of about 256K
 * elements (ortBackend.rowsPerRun): a block's rows are the tile's rows, a diagonal tile's blocks
 * see b rotated so their left-out pairs are their own diagonal, and retrieval's column counts add
 * up over the blocks. Every kernel result must equal the plain JavaScript backend's (float64) on
 * tiles that are split, with and without the left-out pairs and the deviations. On a GPU the
 * tiles stay whole (every run there uploads its rows).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as Ort from 'onnxruntime-node';
import { createOrtBackend, rowsPerRun, type OrtLike } from '../../src/engine/ortBackend';
import { close, openBothBackends, unitRows } from './engine-backends';

const backends = openBothBackends();

void test('rowsPerRun: narrow tiles over 256K elements go in blocks of at least 64 rows; wide rows and small tiles in one run', () => {
  assert.equal(rowsPerRun(2000, 2000, 64), 131);
  assert.equal(rowsPerRun(512, 8192, 64), 64);
  assert.equal(rowsPerRun(2000, 2000, 768), 2000, 'wide rows: one run');
  assert.equal(rowsPerRun(500, 500, 64), 500, 'a small tile: one run');
  assert.equal(rowsPerRun(40, 10000, 64), 40);
});

void test('dispersive rows of a split tile equal the js backend: diagonal, other left-out pairs, none; with and without deviations', async () => {
  const n = 700;
  const d = 24;
  assert.ok(rowsPerRun(n, n, d) < n, 'the tile is split');
  const { z, sq } = unitRows(n, d, 7);
  const other = unitRows(n, d, 11);
  for (const t of [2, 60]) {
    for (const deviations of [false, true]) {
      for (const [label, b, nb, skip] of [
        ['diagonal', z, sq, 0],
        ['no pair left out', other.z, other.sq, undefined],
        ['left out at +5', z, sq, 5],
        ['left out at -3', z, sq, -3],
      ] as const) {
        const o = await backends.ort.dispersiveRows(z, sq, n, b, nb, n, d, t, skip, deviations);
        const j = await backends.js.dispersiveRows(z, sq, n, b, nb, n, d, t, skip, deviations);
        const what = `${label}, t ${t}${deviations ? ', deviations' : ''}`;
        // the unshifted path returns min 0 and unshifted sums: compare the row log-sums
        const logSum = (r: { min: Float64Array; sum: Float64Array }): Float64Array =>
          r.sum.map((s, i) => Math.log(s) - t * (r.min[i] as number));
        // float32 distances are off by ~1e-7, which t multiplies in the log
        close(logSum(o), logSum(j), 1e-5 + 1e-6 * t, `${what}: log row sum`);
        if (deviations) {
          assert.ok(o.sumExpm1, what);
          close(o.min, j.min, 1e-5, `${what}: min`);
          close(o.sumExpm1, j.sumExpm1 as Float64Array, 1e-4, `${what}: expm1 sums`);
        }
      }
    }
  }
});

void test('retrieval counts of a split tile equal the js backend, masked and not', async () => {
  const n = 650;
  const d = 16;
  assert.ok(rowsPerRun(n, n, d) < n, 'the tile is split');
  const a = unitRows(n, d, 3).z;
  const b = unitRows(n, d, 5).z;
  const pos = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (a[i * d + k] as number) * (b[i * d + k] as number);
    pos[i] = s;
  }
  const index = new Int32Array(n).map((_, i) => i);
  for (const masked of [true, false]) {
    const o = await backends.ort.retrievalCounts(a, n, b, n, d, pos, pos, masked ? index : undefined, masked ? index : undefined);
    const j = await backends.js.retrievalCounts(a, n, b, n, d, pos, pos, masked ? index : undefined, masked ? index : undefined);
    // counts may differ where a similarity ties its threshold within float32 rounding: allow one such pair per row
    for (const [x, y, what] of [
      [o.rows, j.rows, 'rows'],
      [o.cols, j.cols, 'cols'],
    ] as const) {
      let total = 0;
      for (let i = 0; i < n; i++) {
        assert.ok(Math.abs((x[i] as number) - (y[i] as number)) <= 1, `${what}[${i}] ${masked ? 'masked' : ''}: ${x[i]} vs ${y[i]}`);
        total += y[i] as number;
      }
      assert.ok(total > n, `${what}: the counts are not trivially zero (${total})`);
    }
  }
});

void test('row blocks on the CPU only: a GPU device runs each tile whole', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const real = require('onnxruntime-node') as typeof Ort;
  let runs = 0;
  const ort = {
    env: real.env,
    Tensor: real.Tensor,
    listSupportedBackends: () => [
      { name: 'cpu', bundled: true },
      { name: 'webgpu', bundled: true },
    ],
    InferenceSession: {
      async create(model: Uint8Array, opts: Ort.InferenceSession.SessionOptions) {
        // a stand-in GPU: the real CPU provider under whatever provider was asked for
        const s = await real.InferenceSession.create(model, { ...opts, executionProviders: ['cpu'] });
        const run = s.run.bind(s);
        (s as { run: unknown }).run = (feeds: Ort.InferenceSession.FeedsType) => {
          runs++;
          return run(feeds);
        };
        return s;
      },
    },
  } as unknown as OrtLike;
  const deps = { ort, cudaInstalled: () => false, webgpu: () => Promise.resolve({ adapter: 'Fake (Vulkan)' }) };
  const n = 700;
  const d = 24;
  const { z, sq } = unitRows(n, d, 13);
  for (const [device, expected] of [
    ['webgpu', 1],
    // on the CPU, per row block its own square and the rectangle right of it (the upper half)
    ['cpu', 2 * Math.ceil(n / rowsPerRun(n, n, d)) - 1],
  ] as const) {
    const b = await createOrtBackend({ device, threads: 1 }, deps);
    try {
      assert.equal(b.info.device, device);
      runs = 0;
      await b.dispersiveRows(z, sq, n, z, sq, n, d, 2, 0, false);
      assert.equal(runs, expected, `${device}: kernel runs for one ${n} x ${n} tile`);
    } finally {
      await b.dispose();
    }
  }
});
