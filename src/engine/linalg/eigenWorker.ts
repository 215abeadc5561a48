/**
 * The second thread's side of ./eigenThread.ts (bundled to dist/eigenWorker.js): takes one
 * symmetric matrix at a time and answers with its eigenvalues from eigen.ts's one-stage solver,
 * the same code, and so the same values bit for bit, as the calling thread's.
 */
import { parentPort } from 'node:worker_threads';
import { symmetricEigenvalues } from './eigen';
import type { EigenReply, EigenRequest } from './eigenThread';

const port = parentPort;
if (port) {
  port.on('message', ({ id, a, n }: EigenRequest) => {
    let reply: EigenReply;
    try {
      reply = { id, values: symmetricEigenvalues(a, n) };
    } catch (e) {
      reply = { id, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply, reply.values ? [reply.values.buffer as ArrayBuffer] : []);
  });
}
