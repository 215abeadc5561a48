// Guards at both ends of the compute channel reject anything malformed, so neither side ever
// dereferences a field that is not there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ComputeError, isComputeToHost, isHostToCompute, isJobRequest, requestProblem, toWireError } from '../../src/protocol/messages';
import { DEVICE_CHOICES } from '../../src/protocol/jobs';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import { ReaderError } from '../../src/io/types';

const inspect = { path: '/data/a.safetensors', options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS };

void test('valid job requests pass', () => {
  assert.ok(isJobRequest({ type: 'job', id: 1, kind: 'inspect', params: inspect }));
  assert.ok(isJobRequest({ type: 'job', id: 2, kind: 'compare', params: { a: inspect, b: { ...inspect, engine: 'js' } } }));
  assert.ok(isJobRequest({ type: 'job', id: 3, kind: 'embed', params: { model: 'm.onnx', input: 'x.npy', out: 'y.npy' } }));
  assert.ok(isJobRequest({ type: 'job', id: 4, kind: 'train', params: { config: { dataset: 'd.npz', outDir: 'runs' } } }));
  assert.ok(isJobRequest({ type: 'job', id: 5, kind: 'sweep', params: { config: { dataset: 'd.npz', outDir: 'runs', grid: {} } } }));
  assert.ok(isJobRequest({ type: 'job', id: 6, kind: 'engineInfo', params: {} }));
  assert.ok(isHostToCompute({ type: 'cancel', id: 6 }));
});

void test('device: the four values pass on inspect, compare, movers and engineInfo; another is named in the error', () => {
  for (const device of DEVICE_CHOICES) {
    assert.ok(isJobRequest({ type: 'job', id: 1, kind: 'inspect', params: { ...inspect, device } }), device);
    assert.ok(isJobRequest({ type: 'job', id: 2, kind: 'engineInfo', params: { engine: 'onnxruntime', device } }), device);
  }
  const bad = [
    { type: 'job', id: 1, kind: 'inspect', params: { ...inspect, device: 'gpu' } },
    { type: 'job', id: 2, kind: 'compare', params: { a: inspect, b: { ...inspect, device: 'gpu' } } },
    { type: 'job', id: 3, kind: 'movers', params: { a: { ...inspect, device: 'gpu' }, b: inspect, k: 10 } },
    { type: 'job', id: 4, kind: 'engineInfo', params: { device: 'gpu' } },
  ];
  for (const m of bad) {
    assert.equal(isJobRequest(m), false, m.kind);
    assert.equal(requestProblem(m), 'device "gpu" is not one of auto, cpu, cuda, webgpu (the dagr.device setting or --device)', m.kind);
  }
  assert.equal(isJobRequest({ type: 'job', id: 5, kind: 'inspect', params: { ...inspect, device: 3 } }), false);
  assert.match(requestProblem({ type: 'job', id: 5, kind: 'inspect', params: { ...inspect, device: 3 } }), /^device 3 is not one of/);
  // anything else keeps the general answer
  assert.equal(requestProblem({ type: 'job', id: 6, kind: 'inspect', params: { ...inspect, path: '' } }), 'malformed request');
  assert.equal(requestProblem(null), 'malformed request');
});

void test('malformed host messages are rejected', () => {
  const bad: unknown[] = [
    null,
    42,
    'job',
    [],
    {},
    { type: 'job', id: -1, kind: 'inspect', params: inspect },
    { type: 'job', id: 1.5, kind: 'inspect', params: inspect },
    { type: 'job', id: '1', kind: 'inspect', params: inspect },
    { type: 'job', id: 1, kind: 'format-disk', params: {} },
    { type: 'job', id: 1, kind: 'toString', params: {} },
    { type: 'job', id: 1, kind: 'inspect' },
    { type: 'job', id: 1, kind: 'inspect', params: { ...inspect, path: '' } },
    { type: 'job', id: 1, kind: 'inspect', params: { ...inspect, modalities: [1] } },
    { type: 'job', id: 1, kind: 'inspect', params: { ...inspect, engine: 'cuda' } },
    { type: 'job', id: 1, kind: 'compare', params: { a: inspect } },
    { type: 'job', id: 1, kind: 'train', params: { config: { dataset: 'd.npz' } } },
    { type: 'job', id: 1, kind: 'sweep', params: { config: { dataset: 'd.npz', outDir: 'r' } } },
    { type: 'cancel' },
  ];
  for (const m of bad) assert.equal(isHostToCompute(m), false, JSON.stringify(m));
});

void test('compute -> host guard', () => {
  assert.ok(isComputeToHost({ type: 'ready', pid: 10 }));
  assert.ok(isComputeToHost({ type: 'progress', id: 1, fraction: 0.5, message: 'x' }));
  assert.ok(isComputeToHost({ type: 'result', id: 1, result: null }));
  assert.ok(isComputeToHost({ type: 'error', id: 1, error: { name: 'EngineError', message: 'NaN in audio row 3' } }));
  assert.ok(isComputeToHost({ type: 'epoch', id: 1, metrics: { epoch: 0 } }));
  assert.ok(isComputeToHost({ type: 'sweepPoint', id: 1, point: { params: {} } }));
  for (const m of [
    { type: 'progress', id: 1, fraction: NaN, message: 'x' },
    { type: 'result', id: 1 },
    { type: 'error', id: 1, error: 'boom' },
    { type: 'error', id: 1, error: { name: 'E' } },
    { type: 'error', id: 1, error: { name: 'E', message: 'm', file: 3 } },
    { type: 'epoch', id: 1, metrics: {} },
    { type: 'hello', id: 1 },
  ])
    assert.equal(isComputeToHost(m), false, JSON.stringify(m));
});

void test('errors travel as one line with name and file, and come back as the same name', () => {
  const w = toWireError(new ReaderError('/d/x.npy', 'truncated data'));
  assert.deepEqual(w, { name: 'ReaderError', message: '/d/x.npy: truncated data', file: '/d/x.npy' });
  const e = new ComputeError(w);
  assert.equal(e.name, 'ReaderError');
  assert.equal(e.message, '/d/x.npy: truncated data');
  assert.equal(e.file, '/d/x.npy');
  assert.deepEqual(toWireError('plain'), { name: 'Error', message: 'plain' });
});
