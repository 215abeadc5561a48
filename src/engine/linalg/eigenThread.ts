/**
 * The second of two eigenproblems on a thread of its own. A spectrum solves two d x d problems (the
 * raw and the centered Gram's) one after the other on one core, while the machine's other cores
 * wait: on a 2-core VM, two d = 768 solves took 123-127 ms one after the other and 66-75 ms with one
 * on a worker thread (the eigenvalues equal bit for bit: the same code and WebAssembly). The
 * thread runs ../../worker/eigen-thread.ts, bundled beside the host's own bundle; a host that has
 * that file says so with useEigenThread (the engine does not look for files). Without it, or when
 * the thread cannot start or dies, both problems are solved here, one after the other, with the
 * same results. The thread never keeps a process alive, and an idle one ends after IDLE_MS.
 */
import { Worker } from 'node:worker_threads';
import type { GeometryBackend } from '../types';
import { solvesBlocked, symmetricEigenvaluesFast } from './eigenBand';

/** an idle thread ends after this long (it holds the WebAssembly memory of its largest problem) */
const IDLE_MS = 30_000;

/** the thread's messages: a job's eigenvalues, or why it could not solve it */
export type EigenThreadReply = { id: number; values: Float64Array } | { id: number; error: string };
export interface EigenThreadJob {
  id: number;
  matrix: Float64Array;
  n: number;
}

interface Pending {
  resolve: (v: Float64Array) => void;
  reject: (e: Error) => void;
}

let script: string | undefined;
let thread: Worker | undefined;
let broken = false;
let nextId = 1;
let idle: ReturnType<typeof setTimeout> | undefined;
const pending = new Map<number, Pending>();

/** the bundled thread script (a host's dist/eigen-thread.js), or undefined to solve everything here */
export function useEigenThread(path: string | undefined): void {
  void stopEigenThread();
  script = path;
  broken = false;
}

/** ends the thread (the next solve starts another); pending solves fall back to this thread */
export async function stopEigenThread(): Promise<void> {
  const t = thread;
  thread = undefined;
  failAll('the eigenvalue thread was stopped');
  if (t) await t.terminate();
}

function failAll(why: string): void {
  for (const p of pending.values()) p.reject(new Error(why));
  pending.clear();
}

function settleIdle(t: Worker): void {
  if (idle !== undefined) clearTimeout(idle);
  idle = undefined;
  if (pending.size > 0) {
    t.ref();
    return;
  }
  // idle: it must not keep the process alive, and ends after a while
  t.unref();
  idle = setTimeout(() => void stopEigenThread(), IDLE_MS);
  idle.unref();
}

function started(): Worker | undefined {
  if (thread || broken || script === undefined) return thread;
  let t: Worker;
  try {
    t = new Worker(script);
  } catch {
    broken = true;
    return undefined;
  }
  t.on('message', (m: EigenThreadReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if ('values' in m) p.resolve(m.values);
    else p.reject(new Error(m.error));
    settleIdle(t);
  });
  const lost = (why: string): void => {
    if (thread !== t) return;
    thread = undefined;
    broken = true; // a thread that cannot run once will not run next time either
    failAll(why);
  };
  t.on('error', (e) => lost(`the eigenvalue thread failed: ${e.message}`));
  t.on('exit', (code) => lost(`the eigenvalue thread ended (code ${code})`));
  thread = t;
  settleIdle(t);
  return t;
}

/** whether a thread is running, could not run (its solves fall back here), or none was asked for (tests, `dagr engine`) */
export function eigenThreadState(): 'running' | 'failed' | 'none' {
  return thread ? 'running' : broken ? 'failed' : 'none';
}

/** starts the thread now, if there is one to start, so that it is ready by the first solve */
export function prestartEigenThread(n: number): void {
  if (solvesBlocked(n)) started();
}

function solveThere(t: Worker, matrix: Float64Array, n: number): Promise<Float64Array> {
  const id = nextId++;
  const job: EigenThreadJob = { id, matrix, n };
  return new Promise<Float64Array>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    settleIdle(t);
    t.postMessage(job); // a copy: the caller keeps its matrix
  });
}

/**
 * The eigenvalues of two symmetric n x n matrices, descending, each as symmetricEigenvaluesFast
 * gives them: `first` on the thread where there is one and the size takes the blocked path,
 * `second` here meanwhile. An abort on `signal` stops the one here (the thread's finishes and is
 * dropped).
 */
export async function eigenvaluesOfTwo(
  first: Float64Array,
  second: Float64Array,
  n: number,
  backend: GeometryBackend,
  signal?: AbortSignal,
): Promise<[Float64Array, Float64Array]> {
  const t = solvesBlocked(n) ? started() : undefined;
  if (!t) return [await symmetricEigenvaluesFast(first, n, backend, signal), await symmetricEigenvaluesFast(second, n, backend, signal)];
  const there = solveThere(t, first, n).then(
    (v) => ({ v }),
    (e: unknown) => ({ e }),
  );
  const here = await symmetricEigenvaluesFast(second, n, backend, signal);
  const got = await there;
  // the thread could not: solve it here too (the same eigenvalues)
  return ['v' in got ? got.v : await symmetricEigenvaluesFast(first, n, backend, signal), here];
}
