/**
 * The in-process WebAssembly backend (src/engine/wasmBackend.ts) against the plain-JS float64 one:
 * dispersive rows of a tile against itself (its upper-half path), against another sample, with
 * left-out pairs off the diagonal, with and without the deviations, widths that are not a multiple
 * of four and row counts that are not either; retrieval counts exactly, on rows whose products are
 * exact in float32 (so every tie is a true tie); and a whole report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { computeGeometry } from '../../src/engine';
import { createJsBackend } from '../../src/engine/jsBackend';
import { createWasmBackend } from '../../src/engine/wasmBackend';
import { loadMatrix, openCheckpoint, selectModalities } from '../../src/io';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import { close, unitRows } from './engine-backends';

const wasm = createWasmBackend();
const js = createJsBackend();

void test('wasm backend: names itself, one thread on the CPU', () => {
  assert.equal(wasm.info.name, 'wasm');
  assert.equal(wasm.info.device, 'cpu');
  assert.equal(wasm.info.threads, 1);
  assert.match(wasm.info.note ?? '', /WebAssembly/);
});

void test('wasm backend: dispersive rows equal the js backend (diagonal, other sample, left-out pairs; deviations; odd sizes)', async () => {
  for (const [n, d] of [
    [203, 24],
    [150, 7],
    [5, 3],
    [1, 4],
  ] as const) {
    const { z, sq } = unitRows(n, d, 7 + d);
    const other = unitRows(n, d, 11 + d);
    for (const t of [2, 60]) {
      for (const deviations of [false, true]) {
        for (const [label, b, nb, skip] of [
          ['diagonal', z, sq, 0],
          ['no pair left out', other.z, other.sq, undefined],
          ['left out at +5', z, sq, 5],
          ['left out at -3', z, sq, -3],
        ] as const) {
          const w = await wasm.dispersiveRows(z, sq, n, b, nb, n, d, t, skip, deviations);
          const j = await js.dispersiveRows(z, sq, n, b, nb, n, d, t, skip, deviations);
          const what = `${n} x ${d}, ${label}, t ${t}${deviations ? ', deviations' : ''}`;
          // the upper-half path returns min 0 and unshifted sums: compare the row log-sums; a row
          // that counts no pair (one row, diagonal left out) has sum 0 on both
          const logSum = (r: { min: Float64Array; sum: Float64Array }): Float64Array =>
            r.sum.map((s, i) => (s === 0 ? 0 : Math.log(s) - t * (r.min[i] as number)));
          // float32 products: distances are off by ~1e-7, which t multiplies in the log
          close(logSum(w), logSum(j), 1e-5 + 1e-6 * t, `${what}: log row sum`);
          assert.equal(w.sumExpm1 === null, !deviations, `${what}: deviations only when asked`);
          if (deviations) {
            close(w.min, j.min, 1e-5, `${what}: min`);
            close(w.sumExpm1 as Float64Array, j.sumExpm1 as Float64Array, 1e-4, `${what}: expm1 sums`);
          }
        }
      }
    }
  }
});

void test('wasm backend: the upper-half path gives each pair to both of its rows', async () => {
  // three unit vectors: every sum is known in closed form (exp(-2 dist) over the other two rows)
  const d = 2;
  const z = Float32Array.from([1, 0, 0, 1, -1, 0]);
  const sq = Float32Array.from([1, 1, 1]);
  const r = await wasm.dispersiveRows(z, sq, 3, z, sq, 3, d, 2, 0, false);
  const e2 = Math.exp(-2 * 2); // |e1 - e2|^2 = 2
  const e4 = Math.exp(-2 * 4); // |e1 + e1|^2 = 4
  close(r.sum, Float64Array.from([e2 + e4, 2 * e2, e2 + e4]), 1e-12, 'row sums');
});

void test('wasm backend: retrieval counts equal the js backend exactly on exact products (ties included), masked and not', async () => {
  const n = 93;
  const d = 6;
  // small integers: every product and sum is exact in float32, so both backends see the same values
  let s = 5;
  const next = (): number => {
    s = (s * 1103515245 + 12345) >>> 0;
    return ((s >>> 16) % 5) - 2;
  };
  const a = Float32Array.from({ length: n * d }, next);
  const b = Float32Array.from({ length: n * d }, next);
  const pos = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let p = 0;
    for (let k = 0; k < d; k++) p += (a[i * d + k] as number) * (b[i * d + k] as number);
    pos[i] = p;
  }
  const index = Int32Array.from({ length: n }, (_, i) => i);
  // a shifted index (the true match of row i is column i + 3) and the plain unmasked count
  const shifted = Int32Array.from({ length: n }, (_, i) => i + 3);
  for (const [label, aIdx, bIdx] of [
    ['masked', index, index],
    ['masked, shifted', index, shifted],
    ['not masked', undefined, undefined],
  ] as const) {
    const w = await wasm.retrievalCounts(a, n, b, n, d, pos, pos, aIdx, bIdx);
    const j = await js.retrievalCounts(a, n, b, n, d, pos, pos, aIdx, bIdx);
    assert.deepEqual([...w.rows], [...j.rows], `${label}: rows`);
    assert.deepEqual([...w.cols], [...j.cols], `${label}: cols`);
    assert.ok(j.rows.reduce((x, y) => x + y, 0) > n, `${label}: the counts are not trivially zero`);
  }
});

void test('wasm backend: a whole report equals the js backend within 1e-7 relative', async () => {
  const cp = await openCheckpoint(join(__dirname, '../../examples/collapsed.safetensors'));
  const mats = await Promise.all(selectModalities(cp).modalities.map((m) => loadMatrix(m)));
  const w = await computeGeometry(mats, DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, wasm);
  const j = await computeGeometry(mats, DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, js);
  const numbers = (o: unknown, path = '', out = new Map<string, number>()): Map<string, number> => {
    if (typeof o === 'number') out.set(path, o);
    else if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) numbers(v, `${path}.${k}`, out);
    return out;
  };
  const nw = numbers({ modalities: w.modalities, pairs: w.pairs });
  const nj = numbers({ modalities: j.modalities, pairs: j.pairs });
  assert.deepEqual([...nw.keys()], [...nj.keys()]);
  assert.ok(nw.size > 300, `${nw.size} numbers compared`);
  for (const [k, x] of nw) {
    const y = nj.get(k) as number;
    assert.ok(Math.abs(x - y) <= 1e-7 * Math.max(1e-3, Math.abs(y)), `${k}: wasm ${x}, js ${y}`);
  }
  assert.deepEqual(
    w.warnings.map((x) => x.code),
    j.warnings.map((x) => x.code),
  );
});
