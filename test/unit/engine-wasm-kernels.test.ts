/**
 * The in-process WebAssembly kernels against plain float64 JavaScript: the small products
 * (linalg/crossWasm.ts: a^T b, the Gram, and rows widened and centered inside the kernel) and the
 * pairwise kernels' exp and expm1 (linalg/pairWasm.ts). Shapes are chosen to hit every remainder:
 * rows not a multiple of four, odd widths, one row, more rows than one block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { productOfRows, smallProduct, wasmCross } from '../../src/engine/linalg/crossWasm';
import { kernelFunction } from '../../src/engine/linalg/pairWasm';
import { createJsBackend } from '../../src/engine/jsBackend';
import { mulberry32 } from '../../src/engine/random';
import { checkKeptBytes } from './generated-bytes';

const js = createJsBackend();

function gaussian(n: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) + 0.3;
  return out;
}

/** largest |x - y| over the largest |y| (the products' scale) */
function relativeToScale(x: Float64Array, y: Float64Array): number {
  assert.equal(x.length, y.length);
  let scale = 0;
  for (const v of y) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  return worst / Math.max(scale, 1e-300);
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 3, 2],
  [3, 5, 7],
  [4, 4, 4],
  [9, 6, 6],
  [10, 7, 7],
  [37, 64, 33],
  [2000, 64, 64],
];

void test('wasmCross equals the plain-JS a^T b and Gram (every row and column remainder)', async () => {
  for (const [rows, da, db] of SHAPES) {
    const a = gaussian(rows * da, rows + da);
    const b = gaussian(rows * db, rows + db + 1);
    const cross = wasmCross(a, b, rows, da, db);
    assert.ok(relativeToScale(cross, await js.cross(a, b, rows, da, db)) < 1e-14, `cross ${rows} x ${da} x ${db}`);
    const gram = wasmCross(a, undefined, rows, da, da);
    assert.ok(relativeToScale(gram, await js.gram(a, rows, da)) < 1e-14, `gram ${rows} x ${da}`);
    for (let i = 0; i < da; i++) for (let j = 0; j < i; j++) assert.equal(gram[i * da + j], gram[j * da + i], 'the Gram is symmetric');
  }
});

void test('productOfRows widens and centers float32 rows in float64, across blocks', async () => {
  // 5000 rows of 100 + 28 columns: more than one block of rows (2^20 values per block pair)
  for (const [n, da, db] of [
    [7, 3, 5],
    [5000, 100, 28],
  ] as const) {
    const a32 = Float32Array.from(gaussian(n * da, 11));
    const b32 = Float32Array.from(gaussian(n * db, 12));
    const meanA = new Float64Array(da);
    const meanB = new Float64Array(db);
    for (let i = 0; i < n; i++) for (let j = 0; j < da; j++) meanA[j] = (meanA[j] as number) + (a32[i * da + j] as number) / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < db; j++) meanB[j] = (meanB[j] as number) + (b32[i * db + j] as number) / n;
    const ca = new Float64Array(n * da).map((_, k) => (a32[k] as number) - (meanA[k % da] as number));
    const cb = new Float64Array(n * db).map((_, k) => (b32[k] as number) - (meanB[k % db] as number));

    const cross = productOfRows({ data: a32, cols: da, mean: meanA }, { data: b32, cols: db, mean: meanB }, n);
    assert.ok(relativeToScale(cross.product, await js.cross(ca, cb, n, da, db)) < 1e-13, `centered cross ${n}`);
    const gram = productOfRows({ data: a32, cols: da, mean: meanA }, undefined, n);
    assert.ok(relativeToScale(gram.product, await js.gram(ca, n, da)) < 1e-13, `centered gram ${n}`);
    // the column sums are of the values used: of the centered rows, so about 0; of the raw rows, N mean
    const raw = productOfRows({ data: a32, cols: da }, undefined, n);
    assert.ok(relativeToScale(raw.product, await js.gram(Float64Array.from(a32), n, da)) < 1e-13, `raw gram ${n}`);
    for (let j = 0; j < da; j++) {
      assert.ok(Math.abs((raw.sums[j] as number) - n * (meanA[j] as number)) < 1e-9 * n, `column sum ${j}`);
      assert.ok(Math.abs(gram.sums[j] as number) < 1e-9 * n, `centered column sum ${j}`);
    }
  }
});

void test('smallProduct sends only small products to the kernel', () => {
  assert.equal(smallProduct(2000, 64, 64), true);
  assert.equal(smallProduct(2000, 768, 768), false, 'wide rows keep the threaded GEMM');
  assert.equal(smallProduct(1_000_000, 64, 64), false, 'many rows keep the threaded GEMM');
});

void test("the kernels' exp and expm1 agree with Math.exp and Math.expm1 to a few units in the last place", () => {
  const exp = kernelFunction('exp');
  const expm1 = kernelFunction('expm1');
  const rand = mulberry32(7);
  for (let i = 0; i < 50_000; i++) {
    // the row terms' range: t (m - dist) <= 0, from tiny to past the underflow floor
    const x = -rand() * [1e-12, 0.01, 0.34, 0.36, 1, 8, 40, 200, 708][i % 9]!;
    const e = Math.exp(x);
    assert.ok(Math.abs(exp(x) - e) <= 4e-16 * e, `exp(${x}) = ${exp(x)}, Math.exp ${e}`);
    const m = Math.expm1(x);
    assert.ok(Math.abs(expm1(x) - m) <= 8e-16 * Math.abs(m), `expm1(${x}) = ${expm1(x)}, Math.expm1 ${m}`);
  }
  assert.equal(exp(0), 1);
  assert.equal(expm1(0), 0);
  assert.equal(expm1(-1e-300), -1e-300, 'expm1 keeps a tiny argument whole');
  assert.equal(exp(-800), 0, 'below the floor the term is 0, not a subnormal or NaN');
  assert.equal(exp(-Infinity), 0);
});

void test('the shared kernel memory: dropped and made again, every kernel gives the same results (the exp table is rewritten)', async () => {
  const { releaseKernelMemory, kernelMemory } = await import('../../src/engine/linalg/kernelMemory');
  const { createWasmBackend } = await import('../../src/engine/wasmBackend');
  const wasm = createWasmBackend();
  const a = gaussian(300 * 12, 3);
  const z = Float32Array.from(a);
  const sq = new Float32Array(300);
  for (let i = 0; i < 300; i++) for (let k = 0; k < 12; k++) sq[i] = (sq[i] as number) + (z[i * 12 + k] as number) ** 2;
  const run = async (): Promise<[Float64Array, Float64Array, Float64Array]> => [
    wasmCross(a, undefined, 300, 12, 12),
    (await wasm.dispersiveRows(z, sq, 300, z, sq, 300, 12, 0.01, 0, false)).sum,
    (await wasm.dispersiveRows(z, sq, 300, z, sq, 300, 12, 0.01, 5, true)).sum,
  ];
  const before = await run();
  const first = kernelMemory().generation;
  releaseKernelMemory();
  const after = await run();
  assert.ok(kernelMemory().generation > first, 'a new memory was made');
  assert.deepEqual(after, before);
});

void test('kernelBytes.ts holds the modules the builders assemble, byte for byte (KERNEL_BYTES_WRITE=1 rewrites it)', async () => {
  const { assemblePairModule } = await import('../../src/engine/linalg/pairWasm');
  const { assembleCrossModule } = await import('../../src/engine/linalg/crossWasm');
  const { assembleRowsModule } = await import('../../src/engine/linalg/rowsWasm');
  const { assembleBlockedModule } = await import('../../src/engine/linalg/eigenBlockedWasm');
  await checkKeptBytes({
    file: 'kernelBytes.ts',
    header: [
      "The in-process kernels' WebAssembly modules (pairWasm.ts, crossWasm.ts, rowsWasm.ts,",
      'eigenBlockedWasm.ts), base64, assembled ahead of time: running the assembler in a fresh',
      'process cost more CPU than compiling the bytes. Generated, do not edit. After a change to a',
      'builder:',
      'KERNEL_BYTES_WRITE=1 node --import tsx --test test/unit/engine-wasm-kernels.test.ts',
    ],
    rewrite: 'KERNEL_BYTES_WRITE',
    testFile: 'engine-wasm-kernels.test.ts',
    built: {
      PAIR_WASM: Buffer.from(assemblePairModule()).toString('base64'),
      CROSS_WASM: Buffer.from(assembleCrossModule()).toString('base64'),
      ROWS_WASM: Buffer.from(assembleRowsModule()).toString('base64'),
      BLOCKED_WASM: Buffer.from(assembleBlockedModule()).toString('base64'),
    },
    // read after a rewrite, so the check sees the file as written
    kept: () => import('../../src/engine/linalg/kernelBytes'),
  });
});
