// The real compute process (src/worker/main.ts, run through tsx): garbage in never kills it, a
// malformed request with an id is answered with a ProtocolError, reader errors come back with
// their one line and file, and valid jobs still run afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import { startComputeProcess } from './compute-process';

const root = join(__dirname, '..', '..');
const { child, answerFor, ready } = startComputeProcess(30_000);

// a process that never says 'ready' fails the test (within a minute) instead of hanging the suite
void test('announces itself, survives garbage, answers malformed requests, runs valid ones', async () => {
  await ready();
  for (const junk of ['hello', 42, null, [], { type: 'job' }, { type: 'cancel', id: 999 }]) child.send(junk as never);
  child.send({ type: 'job', id: 5, kind: 'format-disk', params: {} });
  child.send({ type: 'job', id: 6, kind: 'inspect', params: { path: '' } });
  const a5 = await answerFor(5);
  assert.ok(a5.type === 'error' && a5.error.name === 'ProtocolError');
  const a6 = await answerFor(6);
  assert.ok(a6.type === 'error' && a6.error.name === 'ProtocolError');
  // a device outside the four (a hand-edited setting) is named, not "malformed"
  child.send({
    type: 'job',
    id: 9,
    kind: 'inspect',
    params: {
      path: join(root, 'examples', 'healthy.safetensors'),
      options: DEFAULT_OPTIONS,
      thresholds: DEFAULT_THRESHOLDS,
      device: 'gpu',
    },
  });
  const a9 = await answerFor(9);
  assert.ok(a9.type === 'error' && a9.error.name === 'ProtocolError', JSON.stringify(a9));
  assert.match(a9.error.message, /^device "gpu" is not one of auto, cpu, cuda, webgpu/);

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
  // Show Engine Info passes dagr.device: the engine is made for it, so a device it cannot use is said
  child.send({ type: 'job', id: 10, kind: 'engineInfo', params: { engine: 'js', device: 'cuda' } });
  const a10 = await answerFor(10);
  assert.ok(a10.type === 'error', JSON.stringify(a10));
  assert.match(a10.error.message, /device cuda requested but the js engine runs on the CPU only/);
  assert.equal(child.exitCode, null, 'still running');
});
