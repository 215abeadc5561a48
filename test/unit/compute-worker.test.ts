// The real compute process (src/worker/main.ts, run through tsx): garbage in never kills it, a
// malformed request with an id is answered with a ProtocolError, reader errors come back with
// their one line and file, and valid jobs still run afterwards.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { ComputeToHost } from '../../src/protocol/messages';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';

const root = join(__dirname, '..', '..');
const child = fork(join(root, 'src', 'worker', 'main.ts'), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  serialization: 'advanced',
});
after(() => {
  child.kill('SIGKILL');
});

const inbox: ComputeToHost[] = [];
const waiters: (() => void)[] = [];
child.on('message', (m: ComputeToHost) => {
  inbox.push(m);
  waiters.splice(0).forEach((w) => w());
});

async function answerFor(id: number, timeoutMs = 30_000): Promise<ComputeToHost> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = inbox.find((m) => 'id' in m && m.id === id && (m.type === 'result' || m.type === 'error'));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no answer for request ${id}`);
    await new Promise<void>((r) => {
      waiters.push(r);
      setTimeout(r, 200);
    });
  }
}

// a process that never says 'ready' fails the test (within a minute) instead of hanging the suite
void test('announces itself, survives garbage, answers malformed requests, runs valid ones', async () => {
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const t = setInterval(() => {
      if (inbox.some((m) => m.type === 'ready')) {
        clearInterval(t);
        resolve();
      } else if (Date.now() > deadline) {
        clearInterval(t);
        reject(new Error('the compute process never said ready'));
      }
    }, 20);
  });
  for (const junk of ['hello', 42, null, [], { type: 'job' }, { type: 'cancel', id: 999 }]) child.send(junk as never);
  child.send({ type: 'job', id: 5, kind: 'format-disk', params: {} });
  child.send({ type: 'job', id: 6, kind: 'inspect', params: { path: '' } });
  const a5 = await answerFor(5);
  assert.ok(a5.type === 'error' && a5.error.name === 'ProtocolError');
  const a6 = await answerFor(6);
  assert.ok(a6.type === 'error' && a6.error.name === 'ProtocolError');

  child.send({
    type: 'job',
    id: 7,
    kind: 'inspect',
    params: { path: join(root, 'nope.safetensors'), options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS },
  });
  const a7 = await answerFor(7);
  assert.ok(a7.type === 'error', JSON.stringify(a7));
  assert.equal(a7.error.name, 'ReaderError');
  assert.match(a7.error.message, /nope\.safetensors/);
  assert.ok(!a7.error.message.includes('\n'), 'one line');

  child.send({ type: 'job', id: 8, kind: 'describe', params: { path: join(root, 'examples', 'healthy.safetensors') } });
  const a8 = await answerFor(8);
  assert.ok(a8.type === 'result', JSON.stringify(a8));
  const names = (a8.result as { arrays: { name: string }[] }).arrays.map((x) => x.name).sort();
  assert.deepEqual(names, ['audio', 'labels', 'visual']);
  assert.equal(child.exitCode, null, 'still running');
});
