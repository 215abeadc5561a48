/**
 * The compute process (bundled to dist/worker.js, started by src/compute with child_process.fork).
 * It reads files and runs every heavy job so the extension host never blocks or holds big buffers.
 * Contract: every request gets exactly one result or error; a bad message or an uncaught error
 * never ends the process (only the host going away does).
 */
import { isHostToCompute, requestProblem, toWireError } from '../protocol/messages';
import type { ComputeToHost, JobRequest } from '../protocol/messages';
import { runJob } from './run-job';
import { sessionPolicy } from '../engine/ortDevice';
import { useEigenThread } from '../engine/linalg/eigenThread';
import { bundledEigenThread } from '../shared/eigenThreadScript';

// a long-lived process: engine sessions are kept between requests (a warm request skips their creation)
sessionPolicy.keepWarm = true;
// a spectrum's second eigenproblem on a thread of its own (dist/eigen-thread.js beside this bundle)
useEigenThread(bundledEigenThread());

/** Progress events are throttled: a tight loop must not flood the IPC channel. */
const PROGRESS_INTERVAL_MS = 100;

const active = new Map<number, AbortController>();

function send(msg: ComputeToHost): void {
  if (!process.connected || !process.send) return;
  try {
    process.send(msg);
  } catch (e) {
    // a result that cannot be serialized must still settle the request
    if (msg.type === 'result') send({ type: 'error', id: msg.id, error: toWireError(e) });
  }
}

async function handleJob(req: JobRequest): Promise<void> {
  if (active.has(req.id)) {
    send({ type: 'error', id: req.id, error: { name: 'ProtocolError', message: `duplicate request id ${req.id}` } });
    return;
  }
  const abort = new AbortController();
  active.set(req.id, abort);
  let lastProgress = 0;
  try {
    const result = await runJob(req, {
      signal: abort.signal,
      progress: (fraction, message) => {
        const now = Date.now();
        if (now - lastProgress < PROGRESS_INTERVAL_MS && fraction < 1) return;
        lastProgress = now;
        send({ type: 'progress', id: req.id, fraction, message });
      },
      epoch: (metrics) => send({ type: 'epoch', id: req.id, metrics }),
      sweepPoint: (point) => send({ type: 'sweepPoint', id: req.id, point }),
    });
    if (!active.has(req.id)) return; // already answered (uncaught error path)
    send({ type: 'result', id: req.id, result });
  } catch (e) {
    if (!active.has(req.id)) return;
    send({ type: 'error', id: req.id, error: abort.signal.aborted ? { name: 'AbortError', message: 'cancelled' } : toWireError(e) });
  } finally {
    active.delete(req.id);
  }
}

function onMessage(msg: unknown): void {
  if (!isHostToCompute(msg)) {
    const id = (msg as { id?: unknown } | null)?.id;
    if (typeof id === 'number') {
      send({ type: 'error', id, error: { name: 'ProtocolError', message: requestProblem(msg) } });
    } else {
      process.stderr.write(`dagr compute: ignored a malformed message\n`);
    }
    return;
  }
  if (msg.type === 'cancel') {
    active.get(msg.id)?.abort();
    return;
  }
  void handleJob(msg);
}

/** An error that escaped a job's promise chain cannot be attributed: fail every active job with it. */
function failAll(e: unknown): void {
  const error = toWireError(e);
  for (const [id, abort] of active) {
    active.delete(id);
    abort.abort();
    send({ type: 'error', id, error });
  }
  process.stderr.write(`dagr compute: uncaught ${error.name}: ${error.message}\n`);
}

process.on('message', onMessage);
process.on('uncaughtException', failAll);
process.on('unhandledRejection', failAll);
// the host closed the channel (window reload, extension deactivated): nothing left to serve
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
