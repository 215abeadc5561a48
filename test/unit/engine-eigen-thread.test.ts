/**
 * A spectrum's two eigenproblems at once, one on a worker thread (src/engine/linalg/eigenThread.ts,
 * src/worker/eigen-thread.ts bundled here with esbuild as scripts/build.mjs does): the same
 * eigenvalues bit for bit as both solved on this thread; a thread that cannot start, or is gone,
 * leaves the solves here with the same results; a cancel still stops the solve.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { createBackend, type GeometryBackend } from '../../src/engine';
import { symmetricEigenvaluesFast, solvesBlocked } from '../../src/engine/linalg/eigenBand';
import { eigenThreadState, eigenvaluesOfTwo, stopEigenThread, useEigenThread } from '../../src/engine/linalg/eigenThread';
import { mulberry32 } from '../../src/engine/random';
import { spectrumOf } from '../../src/engine/spectrum';
import { ROOT } from '../fixtures/cli/run';

const dir = mkdtempSync(join(tmpdir(), 'dagr-eigen-thread-'));
const script = join(dir, 'eigen-thread.js');
let backend: GeometryBackend;
test.before(async () => {
  await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'worker', 'eigen-thread.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'warning',
  });
  backend = await createBackend('js');
});
test.after(async () => {
  useEigenThread(undefined);
  await stopEigenThread();
  await backend.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** a symmetric n x n matrix with a spread spectrum */
function symmetric(n: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = (rand() - 0.5) * (i === j ? 10 + i : 1);
  return a;
}

const N = 600; // above eigenSmall's sizes: the blocked path, the one the thread takes

async function bothHere(a: Float64Array, b: Float64Array): Promise<[Float64Array, Float64Array]> {
  return [
    await symmetricEigenvaluesFast(Float64Array.from(a), N, backend),
    await symmetricEigenvaluesFast(Float64Array.from(b), N, backend),
  ];
}

void test('on the thread and here: the same eigenvalues bit for bit, and the caller keeps its matrices', async () => {
  assert.ok(solvesBlocked(N), 'the blocked path on this machine');
  const [a, b] = [symmetric(N, 1), symmetric(N, 2)];
  const expected = await bothHere(a, b);
  useEigenThread(script);
  const a0 = Float64Array.from(a);
  for (let round = 0; round < 2; round++) {
    const got = await eigenvaluesOfTwo(a, b, N, backend);
    assert.deepEqual(got, expected, `round ${round}`);
    assert.equal(eigenThreadState(), 'running', 'solved on the thread, not by the fallback');
  }
  assert.deepEqual(a, a0, 'the first matrix went to the thread as a copy');
});

void test('a spectrum through the thread equals the one without, every field', async () => {
  const rand = mulberry32(9);
  const rows = 900;
  const data = Float32Array.from({ length: rows * N }, (_, k) => (rand() - 0.5) * (1 + (k % N) / 50));
  const m = { name: 'x', rows, cols: N, data };
  useEigenThread(undefined);
  const alone = await spectrumOf(m, backend);
  assert.equal(eigenThreadState(), 'none');
  useEigenThread(script);
  const threaded = await spectrumOf(m, backend);
  assert.equal(eigenThreadState(), 'running');
  assert.deepEqual(threaded, alone);
});

void test('a script that cannot run, or a thread that is gone: solved here, the same numbers', async () => {
  const [a, b] = [symmetric(N, 3), symmetric(N, 4)];
  const expected = await bothHere(a, b);
  useEigenThread(join(dir, 'missing.js'));
  assert.deepEqual(await eigenvaluesOfTwo(a, b, N, backend), expected, 'no such file');
  assert.equal(eigenThreadState(), 'failed');
  const throws = join(dir, 'throws.js');
  writeFileSync(throws, "throw new Error('broken on purpose');\n");
  useEigenThread(throws);
  assert.deepEqual(await eigenvaluesOfTwo(a, b, N, backend), expected, 'a thread that dies at start');
  const silent = join(dir, 'exits.js');
  writeFileSync(silent, "require('node:worker_threads').parentPort.on('message', () => process.exit(3));\n");
  useEigenThread(silent);
  assert.deepEqual(await eigenvaluesOfTwo(a, b, N, backend), expected, 'a thread that exits mid-job');
  assert.equal(eigenThreadState(), 'failed');
  useEigenThread(script);
  const pending = eigenvaluesOfTwo(a, b, N, backend);
  await stopEigenThread();
  assert.deepEqual(await pending, expected, 'stopped while solving');
  assert.equal(eigenThreadState(), 'none', 'stopped: the next solve starts another');
});

void test('a cancel stops the solve here with an AbortError; the thread serves the next one', async () => {
  useEigenThread(script);
  const [a, b] = [symmetric(N, 5), symmetric(N, 6)];
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(eigenvaluesOfTwo(a, b, N, backend, abort.signal), (e: Error) => e.name === 'AbortError');
  assert.deepEqual(await eigenvaluesOfTwo(a, b, N, backend), await bothHere(a, b));
});
