/**
 * Eigenvalues on the second thread (linalg/eigenThread.ts): the same values as this thread's solver
 * bit for bit, a pair solved at once, the caller's own solve where the thread cannot start, a
 * cancel that stops a solve mid-way, and a process that neither exits under an open solve nor
 * stays alive after its last one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { symmetricEigenvalues } from '../../src/engine/linalg/eigen';
import { symmetricEigenvaluesPair } from '../../src/engine/linalg/eigenBand';
import { solveOffThread, stopEigenThread } from '../../src/engine/linalg/eigenThread';
import { createJsBackend } from '../../src/engine/jsBackend';
import { mulberry32 } from '../../src/engine/random';

test.after(() => stopEigenThread());

/** a random symmetric n x n matrix (a Gram: B^T B plus a few repeated eigenvalues' worth of structure) */
function symmetric(n: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = rand() - 0.5 + (i === j ? (i % 7) * 0.25 : 0);
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  return a;
}

void test('the second thread gives the same eigenvalues bit for bit, and leaves the matrix to the caller', async () => {
  for (const [n, seed] of [
    [2, 1],
    [513, 2],
    [700, 3],
  ] as const) {
    const a = symmetric(n, seed);
    const copy = a.slice();
    const there = await solveOffThread(a, n);
    assert.ok(there, 'the thread started');
    assert.deepEqual(there, symmetricEigenvalues(a, n), `n = ${n}`);
    assert.deepEqual(a, copy, 'the caller keeps its matrix');
  }
  // zero and NaN matrices as this thread answers them
  assert.deepEqual(await solveOffThread(new Float64Array(9), 3), symmetricEigenvalues(new Float64Array(9), 3));
  const nan = new Float64Array(4).fill(NaN);
  assert.deepEqual(await solveOffThread(nan, 2), symmetricEigenvalues(nan, 2));
});

void test('a pair at once equals two solves one after the other; the caller solves both where the thread cannot start', async () => {
  const backend = createJsBackend();
  const a = symmetric(600, 4);
  const b = symmetric(530, 5);
  const [va, vb] = await symmetricEigenvaluesPair(a, 600, b, 530, backend);
  assert.deepEqual(va, symmetricEigenvalues(a, 600));
  assert.deepEqual(vb, symmetricEigenvalues(b, 530));
  // small ones stay here: the same answer either way
  const [sa, sb] = await symmetricEigenvaluesPair(symmetric(40, 6), 40, symmetric(30, 7), 30, backend);
  assert.deepEqual(sa, symmetricEigenvalues(symmetric(40, 6), 40));
  assert.deepEqual(sb, symmetricEigenvalues(symmetric(30, 7), 30));

  await stopEigenThread();
  const missing = join(__dirname, 'no-such-eigen-worker.js');
  assert.equal(await solveOffThread(a, 600, undefined, missing), undefined, 'no thread: undefined, not an error');
  assert.equal(await solveOffThread(a, 600), undefined, 'and it is not tried again');
  const [fa] = await symmetricEigenvaluesPair(a, 600, b, 530, backend);
  assert.deepEqual(fa, symmetricEigenvalues(a, 600), 'solved here instead');
  await stopEigenThread(); // forgets the failure: the real script starts again
  assert.ok(await solveOffThread(symmetric(3, 8), 3));
});

void test('a cancel stops the thread mid-solve with an AbortError; the next solve starts a new thread', async () => {
  const n = 1400;
  const a = symmetric(n, 9);
  const controller = new AbortController();
  const started = performance.now();
  const solving = solveOffThread(a, n, controller.signal);
  setTimeout(() => controller.abort(), 30);
  await assert.rejects(solving, { name: 'AbortError' });
  assert.ok(performance.now() - started < 2000, 'it did not wait for the solve to end');
  await assert.rejects(solveOffThread(a, n, controller.signal), { name: 'AbortError' }, 'already cancelled');
  assert.deepEqual(await solveOffThread(symmetric(520, 10), 520), symmetricEigenvalues(symmetric(520, 10), 520));
});

void test('a process awaiting a solve stays alive for it, and exits once its work is done', () => {
  // each process: nothing pending but the thread's solve, then nothing at all (the idle thread must not hold it)
  const code = [
    "const { symmetricEigenvaluesPair } = require('./src/engine/linalg/eigenBand');",
    "const { createJsBackend } = require('./src/engine/jsBackend');",
    'const n = 700; const a = new Float64Array(n * n); for (let i = 0; i < n; i++) a[i * n + i] = i;',
    'symmetricEigenvaluesPair(a, n, a.slice(), n, createJsBackend()).then(([x, y]) => console.log(x[0], y[0], x[n - 1]));',
  ].join('\n');
  const root = join(__dirname, '..', '..');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, 'ended by itself, not by the timeout');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '699 699 0', 'the answer came before the exit');
});
