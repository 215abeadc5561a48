// The compute client's promise: every request settles (result, error, cancel, process death),
// and a dead process is replaced on the next request. A tiny scripted worker stands in for the
// real one so these run in milliseconds without the engine.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeClient, ComputeCrashError } from '../../src/compute/client';
import type { JobTable } from '../../src/protocol/messages';

const dir = mkdtempSync(join(tmpdir(), 'dagr-compute-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// behaviour is chosen by the request's path: "ok", "fail", "slow", "stuck", "crash"
const fakeWorker = join(dir, 'fake-worker.js');
writeFileSync(
  fakeWorker,
  `
const timers = new Map();
process.on('message', (m) => {
  if (m.type === 'cancel') {
    const t = timers.get(m.id);
    if (t) {
      clearInterval(t); timers.delete(m.id);
      // "coop" jobs answer a cancel with a result, as the trainer does (a 'cancelled' summary)
      process.send(t.coop ? { type: 'result', id: m.id, result: { status: 'cancelled' } } : { type: 'error', id: m.id, error: { name: 'AbortError', message: 'cancelled' } });
    }
    return;
  }
  const mode = m.params.path;
  if (mode === 'ok') process.send({ type: 'result', id: m.id, result: { pid: process.pid } });
  else if (mode === 'fail') process.send({ type: 'error', id: m.id, error: { name: 'ReaderError', message: 'x.npy: bad header', file: 'x.npy' } });
  else if (mode === 'slow' || mode === 'coop') {
    let f = 0;
    const t = setInterval(() => { f += 0.1; process.send({ type: 'progress', id: m.id, fraction: f, message: 'working' }); }, 10);
    t.coop = mode === 'coop';
    timers.set(m.id, t);
  } else if (mode === 'stuck') { const end = Date.now() + 60000; while (Date.now() < end) {} }
  else if (mode === 'crash') process.exit(7);
  else if (mode === 'garbage') { process.send({ nonsense: true }); process.send({ type: 'result', id: m.id, result: 1 }); }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', pid: process.pid });
`,
);

const inspect = (path: string): JobTable['inspect']['params'] => ({ path, options: {} as never, thresholds: {} as never });

function client(extra: Partial<ConstructorParameters<typeof ComputeClient>[0]> = {}): ComputeClient {
  return new ComputeClient({ workerPath: fakeWorker, ...extra });
}

void test('starts lazily and resolves a result', async () => {
  const c = client();
  assert.equal(c.pid, undefined);
  const r = (await c.request('inspect', inspect('ok'))) as unknown as { pid: number };
  assert.equal(typeof r.pid, 'number');
  c.dispose();
});

void test('an error response rejects with its name, message and file', async () => {
  const c = client();
  await assert.rejects(
    c.request('inspect', inspect('fail')),
    (e: Error & { file?: string }) => e.name === 'ReaderError' && e.message === 'x.npy: bad header' && e.file === 'x.npy',
  );
  c.dispose();
});

void test('progress arrives, and cancel rejects with AbortError and stops the job', async () => {
  const c = client();
  const ac = new AbortController();
  const seen: number[] = [];
  const p = c.request('inspect', inspect('slow'), {
    signal: ac.signal,
    onProgress: (f) => {
      seen.push(f);
      if (seen.length === 3) ac.abort();
    },
  });
  await assert.rejects(p, { name: 'AbortError' });
  assert.ok(seen.length >= 3);
  // the same process still serves requests afterwards
  const pid = c.pid;
  await c.request('inspect', inspect('ok'));
  assert.equal(c.pid, pid);
  c.dispose();
});

void test('a cooperative cancel waits for the job to answer with its own result', async () => {
  const c = client();
  const ac = new AbortController();
  const p = c.request('inspect', inspect('coop'), { signal: ac.signal, cooperativeCancel: true, onProgress: () => ac.abort() });
  assert.deepEqual(await p, { status: 'cancelled' });
  c.dispose();
});

void test('a cooperative cancel that is never answered still rejects after the grace time', async () => {
  const c = client({ cancelGraceMs: 150 });
  const ac = new AbortController();
  const p = c.request('inspect', inspect('stuck'), { signal: ac.signal, cooperativeCancel: true });
  await new Promise((r) => setTimeout(r, 100));
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
  c.dispose();
});

void test('an already-aborted signal rejects without starting anything', async () => {
  const c = client();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(c.request('inspect', inspect('ok'), { signal: ac.signal }), { name: 'AbortError' });
  assert.equal(c.pid, undefined);
  c.dispose();
});

void test('a process killed mid-request rejects every pending request, reports the crash, and restarts', async () => {
  const crashes: string[] = [];
  const c = client({ onCrash: (r) => crashes.push(r) });
  const a = c.request('inspect', inspect('slow'));
  const b = c.request('inspect', inspect('slow'));
  await new Promise((r) => setTimeout(r, 50));
  const firstPid = c.pid;
  c.kill('SIGKILL');
  await assert.rejects(a, ComputeCrashError);
  await assert.rejects(b, (e: Error) => e instanceof ComputeCrashError && /SIGKILL/.test(e.message));
  assert.equal(crashes.length, 1);
  await c.request('inspect', inspect('ok'));
  assert.notEqual(c.pid, firstPid);
  c.dispose();
});

void test('a process that exits by itself rejects the request with the exit code', async () => {
  const c = client({ onCrash: () => undefined });
  await assert.rejects(
    c.request('inspect', inspect('crash')),
    (e: Error) => e instanceof ComputeCrashError && /exit code 7/.test(e.message),
  );
  await c.request('inspect', inspect('ok'));
  c.dispose();
});

void test('a job stuck in synchronous code is cancelled at once; its process is replaced and the other jobs re-sent', async () => {
  const c = client({ cancelGraceMs: 200 });
  const ac = new AbortController();
  const stuck = c.request('inspect', inspect('stuck'), { signal: ac.signal });
  await new Promise((r) => setTimeout(r, 100));
  const stuckPid = c.pid;
  // queued behind the stuck job in the same process
  const next = c.request('inspect', inspect('ok')) as unknown as Promise<{ pid: number }>;
  const t0 = Date.now();
  ac.abort();
  await assert.rejects(stuck, { name: 'AbortError' });
  const r = await next;
  assert.notEqual(r.pid, stuckPid, 'answered by a fresh process');
  assert.ok(Date.now() - t0 < 5000, 'well before the stuck job would have ended');
  c.dispose();
});

void test('a job that writes files is not started over in the replacement process: it fails plainly', async () => {
  const c = client({ cancelGraceMs: 200 });
  const ac = new AbortController();
  const stuck = c.request('inspect', inspect('stuck'), { signal: ac.signal });
  await new Promise((r) => setTimeout(r, 100));
  // a training queued behind the stuck job (the fake worker never answers it)
  const training = c.request('train', { config: {} as never });
  ac.abort();
  await assert.rejects(stuck, { name: 'AbortError' });
  await assert.rejects(training, (e: Error) => e instanceof ComputeCrashError && /start it again or resume/.test(e.message));
  c.dispose();
});

void test('malformed messages from the process are ignored, the request still settles', async () => {
  const logs: string[] = [];
  const c = client({ log: (l) => logs.push(l) });
  assert.equal(await c.request('inspect', inspect('garbage')), 1);
  assert.ok(logs.some((l) => /malformed/.test(l)));
  c.dispose();
});

void test('dispose rejects pending requests and refuses new ones', async () => {
  const c = client();
  const p = c.request('inspect', inspect('slow'));
  await new Promise((r) => setTimeout(r, 30));
  c.dispose();
  await assert.rejects(p);
  await assert.rejects(c.request('inspect', inspect('ok')), /disposed/);
});

void test('restart stops the process on purpose: its requests end as cancelled, no crash is reported, the next request gets a fresh process', async () => {
  const crashes: string[] = [];
  const c = client({ onCrash: (r) => crashes.push(r) });
  const a = c.request('inspect', inspect('slow'));
  const b = c.request('train', { config: {} as never });
  await new Promise((r) => setTimeout(r, 50));
  const firstPid = c.pid;
  assert.equal(typeof firstPid, 'number');
  c.restart();
  await assert.rejects(a, (e: Error) => e.name === 'AbortError' && /restarted/.test(e.message));
  await assert.rejects(b, (e: Error) => e.name === 'AbortError' && !(e instanceof ComputeCrashError));
  // the killed process's exit arrives after the restart: still not a crash
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(crashes, []);
  const r = (await c.request('inspect', inspect('ok'))) as unknown as { pid: number };
  assert.notEqual(r.pid, firstPid);
  c.dispose();
});
