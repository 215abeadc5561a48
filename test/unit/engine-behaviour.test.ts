/**
 * Engine behaviour beyond the numbers: input errors, cancellation, tile boundaries, the two
 * backends agreeing, sampling notes, warnings and the projection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Matrix } from '../../src/io/types';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, type ReportOptions } from '../../src/protocol/report';
import {
  computeGeometry,
  EngineError,
  evaluateWarnings,
  symmetricEigenvalues,
  type GeometryBackend,
  type GeometryCore,
} from '../../src/engine';
import { mulberry32 } from '../../src/engine/random';
import { openBothBackends } from './engine-backends';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function randomMatrix(name: string, rows: number, cols: number, seed: number, shift = 0): Matrix {
  const rand = mulberry32(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = gaussian(rand) + shift;
  return { name, rows, cols, data };
}

/** b = a + noise, so retrieval has real ranks and drift is moderate */
function partner(a: Matrix, name: string, noise: number, seed: number): Matrix {
  const rand = mulberry32(seed);
  const data = a.data.map((v) => v + noise * gaussian(rand));
  return { name, rows: a.rows, cols: a.cols, data };
}

const opts: ReportOptions = { ...DEFAULT_OPTIONS };
const backends = openBothBackends();

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-9);
}

/**
 * The two reports agree on every number (projection aside) to `tol` relative, with an absolute
 * floor of `tol` for values near 0. The engines share every float64 step and differ only inside the
 * float32 kernels: measured worst 1.1e-9 relative (dispersive loss, 2026-11-30; print every
 * difference with DAGR_PRINT_DIFFS=1), so 1e-8 fails on any real disagreement.
 */
function assertClose(a: GeometryCore, b: GeometryCore, tol = 1e-8): void {
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (typeof y === 'number') {
      if (process.env.DAGR_PRINT_DIFFS) console.log(`${path} ${rel(x as number, y).toExponential(2)}`);
      assert.ok(rel(x as number, y) <= tol || Math.abs((x as number) - y) <= tol, `${path}: ${String(x)} vs ${y}`);
    } else if (y && typeof y === 'object') {
      for (const [k, v] of Object.entries(y)) walk((x as Record<string, unknown>)[k], v, `${path}.${k}`);
    } else {
      assert.equal(x, y, path);
    }
  };
  walk(a.modalities, b.modalities, 'modalities');
  walk(a.pairs, b.pairs, 'pairs');
}

void test('onnxruntime is the default engine and says what it runs on', () => {
  assert.equal(backends.ort.info.name, 'onnxruntime');
  assert.equal(backends.ort.info.device, 'cpu');
  assert.ok(backends.ort.info.threads >= 1);
  assert.equal(backends.js.info.name, 'js');
});

void test('onnxruntime and js agree, also with tiles that do not divide N and a few zero rows', async () => {
  const a = randomMatrix('a', 203, 24, 1);
  const b = partner(a, 'b', 1.2, 2);
  // zero rows are allowed: their normalized vector is 0 by the max(||z||, 1e-12) rule
  a.data.fill(0, 5 * 24, 7 * 24);
  const c = randomMatrix('c', 203, 40, 3);
  const mats = [a, b, c];
  const full = await computeGeometry(mats, opts, DEFAULT_THRESHOLDS, backends.ort);
  const small = (be: GeometryBackend): GeometryBackend => ({ ...be, maxTileElements: 777 });
  const ortTiled = await computeGeometry(mats, opts, DEFAULT_THRESHOLDS, small(backends.ort));
  const jsTiled = await computeGeometry(mats, opts, DEFAULT_THRESHOLDS, small(backends.js));
  assertClose(ortTiled, full);
  assertClose(jsTiled, full);
  const pair = full.pairs[0];
  assert.ok(pair?.retrieval && pair.retrieval.aToB.r1 > 0 && pair.retrieval.aToB.r1 < 1, 'ranks are not trivial');
  assert.equal(full.pairs[1]?.anchoringLoss, null);
  assert.match(full.pairs[1]?.note ?? '', /widths differ \(24 vs 40\)/);
  assert.ok(Number.isFinite(full.modalities.a?.dispersiveLoss));
});

void test('O(N^2) metrics use a seeded sample above maxPairwiseRows and say so', async () => {
  const a = randomMatrix('a', 500, 16, 4);
  const b = partner(a, 'b', 0.8, 5);
  const o = { ...opts, maxPairwiseRows: 120 };
  const r1 = await computeGeometry([a, b], o, DEFAULT_THRESHOLDS, backends.ort);
  const r2 = await computeGeometry([a, b], o, DEFAULT_THRESHOLDS, backends.js);
  assert.equal(r1.modalities.a?.pairwiseRows, 120);
  assert.equal(r1.pairs[0]?.retrieval?.galleryRows, 120);
  assert.match(r1.pairs[0]?.note ?? '', /sample of 120 of 500 rows/);
  assertClose(r1, r2);
  const all = await computeGeometry([a, b], { ...opts, maxPairwiseRows: 0 }, DEFAULT_THRESHOLDS, backends.ort);
  assert.equal(all.modalities.a?.pairwiseRows, 500);
  assert.equal(all.pairs[0]?.note, '');
});

void test('every input problem is one EngineError line', async () => {
  const good = (): Matrix => randomMatrix('audio', 30, 8, 6);
  const expectError = async (mats: Matrix[], re: RegExp, o: ReportOptions = opts): Promise<void> => {
    await assert.rejects(computeGeometry(mats, o, DEFAULT_THRESHOLDS, backends.js), (e: unknown) => {
      assert.ok(e instanceof EngineError, String(e));
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  };
  const nan = good();
  nan.data[17 * 8 + 3] = NaN;
  await expectError([nan], /^'audio' has NaN at row 17$/);
  const inf = good();
  inf.data[4 * 8] = -Infinity;
  await expectError([inf], /^'audio' has -Inf at row 4$/);
  await expectError([randomMatrix('audio', 1, 8, 1)], /'audio' has 1 row\(s\); at least 2/);
  await expectError([randomMatrix('audio', 10, 1, 1)], /'audio' has width 1/);
  await expectError([{ name: 'audio', rows: 5, cols: 4, data: new Float32Array(20) }], /'audio' is all zeros/);
  await expectError([good(), randomMatrix('text', 29, 8, 2)], /'audio' has 30 rows but 'text' has 29/);
  await expectError([], /no modality/);
  await expectError([good(), good()], /two modality arrays are named 'audio'/);
  await expectError([good()], /option t must be a positive number/, { ...opts, t: 0 });
  await expectError([good()], /maxPairwiseRows/, { ...opts, maxPairwiseRows: 1 });
});

void test('cancellation rejects with an AbortError between tiles', async () => {
  const a = randomMatrix('a', 400, 16, 7);
  const b = partner(a, 'b', 1, 8);
  const ctrl = new AbortController();
  const stages: string[] = [];
  const run = computeGeometry(
    [a, b],
    opts,
    DEFAULT_THRESHOLDS,
    { ...backends.js, maxTileElements: 2000 },
    {
      signal: ctrl.signal,
      onProgress: (f, stage) => {
        stages.push(stage);
        if (stage.startsWith('dispersive')) ctrl.abort();
      },
    },
  );
  await assert.rejects(run, (e: unknown) => e instanceof Error && e.name === 'AbortError');
  assert.ok(!stages.some((s) => s.startsWith('retrieval')), 'stopped before later stages');
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(computeGeometry([a], opts, DEFAULT_THRESHOLDS, backends.js, { signal: pre.signal }), { name: 'AbortError' });
});

void test('progress is monotone and reaches 1', async () => {
  const a = randomMatrix('a', 100, 8, 9);
  const seen: number[] = [];
  await computeGeometry([a, partner(a, 'b', 1, 10)], opts, DEFAULT_THRESHOLDS, backends.js, { onProgress: (f) => seen.push(f) });
  assert.ok(seen.length > 3);
  for (let i = 1; i < seen.length; i++) assert.ok((seen[i] as number) >= (seen[i - 1] as number) - 1e-12);
  assert.equal(seen[seen.length - 1], 1);
});

void test('warnings: plain messages with the numbers, severity, thresholds from the argument', async () => {
  const n = 300;
  const rand = mulberry32(12);
  // every row is nearly the same direction: complete and dimensional collapse
  const col: Matrix = { name: 'audio', rows: n, cols: 32, data: new Float32Array(n * 32) };
  for (let i = 0; i < n; i++) for (let j = 0; j < 32; j++) col.data[i * 32 + j] = 1 + (j < 3 ? 0.05 * gaussian(rand) : 0);
  const core = await computeGeometry([col], opts, DEFAULT_THRESHOLDS, backends.ort);
  const byCode = new Map(core.warnings.map((w) => [w.code, w]));
  const complete = byCode.get('complete-collapse');
  assert.equal(complete?.severity, 'error');
  assert.equal(complete?.modality, 'audio');
  assert.match(complete?.message ?? '', /mean cosine similarity between different rows is 1\.0/);
  assert.equal(byCode.get('dimensional-collapse')?.severity, 'warning');
  assert.match(byCode.get('dimensional-collapse')?.message ?? '', /effective rank \d\.\d\d is below 10% of min\(N, d\) = 32/);
  // 29 of 32 dims are constant
  assert.match(byCode.get('dead-dimensions')?.message ?? '', /91% dead dimensions/);
  // stricter / looser thresholds, no recomputation
  assert.equal(evaluateWarnings(core, { ...DEFAULT_THRESHOLDS, completeCollapse: 1, dimensionalCollapse: 0, deadDimensions: 1 }).length, 0);
  const healthy = randomMatrix('h', 300, 32, 13);
  const hcore = await computeGeometry([healthy, partner(healthy, 'g', 0.5, 14)], opts, DEFAULT_THRESHOLDS, backends.ort);
  assert.deepEqual(hcore.warnings, []);
  const strict = evaluateWarnings(hcore, { ...DEFAULT_THRESHOLDS, modalityGap: 0, excessDrift: 0 });
  assert.deepEqual(
    strict.map((w) => [w.code, w.pair]),
    [
      ['excess-drift', 'h/g'],
      ['modality-gap', 'h/g'],
    ],
  );
  assert.match(strict[1]?.message ?? '', /modality gap\) is 0\.\d+, above 0\.0/);
});

void test('projection: one shared 2-D PCA for equal widths, capturing the top two eigenvalues', async () => {
  const a = randomMatrix('a', 900, 12, 15, 0.3);
  const b = partner(a, 'b', 0.7, 16);
  const core = await computeGeometry([a, b], opts, DEFAULT_THRESHOLDS, backends.ort, { projectionRows: 250 });
  const proj = core.projection;
  assert.ok(proj);
  assert.equal(proj.rows.length, 250);
  assert.ok(proj.rows.every((r, i) => i === 0 || r > (proj.rows[i - 1] as number)));
  const pa = proj.points.a as number[];
  const pb = proj.points.b as number[];
  assert.equal(pa.length, 500);
  assert.equal(pb.length, 500);
  // the stacked, centered normalized rows: sum of squared coordinates = top eigenvalues of X^T X
  const d = 12;
  const rows: number[][] = [];
  for (const m of [a, b]) {
    for (const r of proj.rows) {
      const z = Array.from(m.data.subarray(r * d, r * d + d));
      const nrm = Math.hypot(...z);
      rows.push(z.map((x) => x / nrm));
    }
  }
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, z) => s + (z[j] as number), 0) / rows.length);
  const g = new Float64Array(d * d);
  for (const z of rows)
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++)
        g[i * d + j] = (g[i * d + j] as number) + ((z[i] as number) - (mean[i] as number)) * ((z[j] as number) - (mean[j] as number));
  const eig = symmetricEigenvalues(g, d);
  const sx = [...pa, ...pb].reduce((s, v, i) => (i % 2 === 0 ? s + v * v : s), 0);
  const sy = [...pa, ...pb].reduce((s, v, i) => (i % 2 === 1 ? s + v * v : s), 0);
  assert.ok(rel(sx, eig[0] as number) < 1e-6, `${sx} vs ${eig[0]}`);
  assert.ok(rel(sy, eig[1] as number) < 1e-6, `${sy} vs ${eig[1]}`);
  // different widths: one PCA per modality, still paired rows
  const c = randomMatrix('c', 900, 20, 17);
  const mixed = await computeGeometry([a, c], opts, DEFAULT_THRESHOLDS, backends.js, { projectionRows: 100 });
  assert.equal(mixed.projection?.points.c?.length, 200);
});
