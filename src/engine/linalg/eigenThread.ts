/**
 * One eigenproblem on a second thread, so a modality's two (its raw and its centered Gram) are
 * solved at once: the one-stage solver is single-threaded and the engine's products leave the
 * second core idle while it runs (two 768-wide solves, 130 + 90 ms cold, overlap to about 130).
 * The worker (./eigenWorker.ts, dist/eigenWorker.js beside the bundle) runs the same solver, so
 * the values are the same bit for bit. It is started on first use, shared, and does not keep the
 * process alive. Where it cannot start (a bundle shipped without it, a host without worker
 * threads) the caller solves in its own thread: `solveOffThread` resolves undefined then.
 * (Only the module's own script is started, from a path made here: no file is read.)
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { abortError } from '../types';

export interface EigenRequest {
  id: number;
  a: Float64Array;
  n: number;
}
export interface EigenReply {
  id: number;
  values?: Float64Array;
  error?: string;
}

interface Pending {
  /** the thread it was sent to: a thread that ends settles its own solves, not a successor's */
  on: Worker;
  resolve(v: Float64Array | undefined): void;
  reject(e: Error): void;
}

/** the worker script beside this module: the bundle's (dist/), or the sources' when run with tsx */
export function eigenWorkerScript(dir: string = __dirname, self: string = __filename): string {
  return join(dir, self.endsWith('.ts') ? 'eigenWorker.ts' : 'eigenWorker.js');
}

/** a worker on `script`; a TypeScript one (tests, benchmarks) loads it through tsx's require hook */
function workerOn(script: string): Worker {
  if (!script.endsWith('.ts')) return new Worker(script);
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)});`, { eval: true });
}

let worker: Worker | undefined;
/** set once the worker failed to start: every later solve stays in the calling thread */
let unavailable = false;
let nextId = 1;
const pending = new Map<number, Pending>();

function settleAll(how: (p: Pending) => void, of?: Worker): void {
  const all = [...pending].filter(([, p]) => of === undefined || p.on === of);
  for (const [id] of all) pending.delete(id);
  holdWhileOpen();
  for (const [, p] of all) how(p);
}

/**
 * The thread keeps the process alive exactly while a solve is open: a caller awaiting one must
 * not see the process exit under it (nothing else may be pending), and a finished job must not
 * be held open by an idle thread.
 */
function holdWhileOpen(): void {
  if (!worker) return;
  if (pending.size > 0) worker.ref();
  else worker.unref();
}

function startWorker(script: string): Worker | undefined {
  if (unavailable) return undefined;
  if (worker) return worker;
  let w: Worker;
  try {
    w = workerOn(script);
  } catch {
    unavailable = true;
    return undefined;
  }
  w.on('message', (r: EigenReply) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    holdWhileOpen();
    if (r.values) p.resolve(r.values);
    else p.reject(new Error(r.error ?? 'the eigenvalue thread gave no answer'));
  });
  // a worker that failed or ended: its open solves go back to the callers' threads
  const lost = (): void => {
    if (worker === w) worker = undefined;
    settleAll((p) => p.resolve(undefined), w);
  };
  w.on('error', () => {
    unavailable = true;
    lost();
  });
  w.on('exit', lost);
  // held only while a solve is open (holdWhileOpen): an idle thread must not keep the process alive
  w.unref();
  worker = w;
  return w;
}

/**
 * The eigenvalues of the symmetric n x n `a`, descending, solved on the second thread (`a` is
 * copied to it and stays the caller's). undefined where the thread is not available or was lost
 * (a missing script ends it with an error): the caller then solves `a` itself. An AbortError on
 * `signal`, which stops the thread mid-solve (a new one starts for the next call).
 */
export function solveOffThread(
  a: Float64Array,
  n: number,
  signal?: AbortSignal,
  script: string = eigenWorkerScript(),
): Promise<Float64Array | undefined> {
  if (signal?.aborted) return Promise.reject(abortError());
  const w = startWorker(script);
  if (!w) return Promise.resolve(undefined);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      pending.delete(id);
      holdWhileOpen();
      reject(abortError());
      // the solve cannot be interrupted inside the thread: end the thread (the next call starts another)
      if (worker === w) worker = undefined;
      void w.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    pending.set(id, {
      on: w,
      resolve: (v) => {
        done();
        resolve(v);
      },
      reject: (e) => {
        done();
        reject(e);
      },
    });
    holdWhileOpen();
    w.postMessage({ id, a, n } satisfies EigenRequest);
  });
}

/** ends the thread (tests; a process that exits needs nothing: the thread is unref'd) */
export async function stopEigenThread(): Promise<void> {
  const w = worker;
  worker = undefined;
  unavailable = false;
  settleAll((p) => p.resolve(undefined));
  if (w) await w.terminate();
}
