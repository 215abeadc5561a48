/**
 * The eigenvalue thread (bundled to dist/eigen-thread.js, started by src/engine/linalg/eigenThread.ts
 * with worker_threads): solves each symmetric matrix it is sent with the same blocked solver the
 * engine runs on its own thread, and answers with the eigenvalues or with why it could not.
 */
import { parentPort } from 'node:worker_threads';
import { blockedEigenvalueSteps } from '../engine/linalg/eigenBlocked';
import { solvesBlocked } from '../engine/linalg/eigenBand';
import type { EigenThreadJob, EigenThreadReply } from '../engine/linalg/eigenThread';

const port = parentPort;
if (!port) throw new Error('eigen-thread.js runs as a worker thread');

port.on('message', (job: EigenThreadJob) => {
  let reply: EigenThreadReply;
  try {
    // the engine asks only for sizes it solves this way; one this thread would solve otherwise is refused, not solved differently
    if (!solvesBlocked(job.n)) throw new Error(`no blocked eigensolver here for n = ${job.n}`);
    const steps = blockedEigenvalueSteps(job.matrix, job.n);
    let r = steps.next();
    while (!r.done) r = steps.next();
    reply = { id: job.id, values: r.value };
  } catch (e) {
    reply = { id: job.id, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply, 'values' in reply ? [reply.values.buffer as ArrayBuffer] : []);
});
