// The weights jobs through the real compute process (src/worker/main.ts via tsx), as the
// extension runs them: the tensor table, an analysis with progress, a cancelled analysis, a
// comparison, an embedding table as embeddings, and a bad request answered with a ProtocolError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import type { GeometryReport } from '../../src/protocol/report';
import type { TensorTable, WeightsComparison, WeightsReport } from '../../src/protocol/weights';
import { startComputeProcess } from './compute-process';

const root = join(__dirname, '..', '..');
const BASE = join(root, 'test', 'fixtures', 'weights', 'base.safetensors');
const TUNED = join(root, 'test', 'fixtures', 'weights', 'tuned.safetensors');
const { child, inbox, answerFor } = startComputeProcess(60_000);

void test('weights jobs in the compute process', async () => {
  child.send({ type: 'job', id: 1, kind: 'weightsTable', params: { path: BASE } });
  const a1 = await answerFor(1);
  assert.ok(a1.type === 'result', JSON.stringify(a1));
  const table = a1.result as TensorTable;
  assert.equal(table.kind, 'tensorTable');
  assert.equal(table.looksLike, 'weights');
  assert.equal(table.tensors.length, 34);

  child.send({
    type: 'job',
    id: 2,
    kind: 'weightsAnalyze',
    params: { path: BASE, first: ['pooler.dense.weight'], selection: { regex: 'weight$' } },
  });
  const a2 = await answerFor(2);
  assert.ok(a2.type === 'result', JSON.stringify(a2));
  const report = a2.result as WeightsReport;
  assert.equal(report.kind, 'weights');
  assert.ok(report.analysed > 20);
  const progress = inbox.filter((m) => m.type === 'progress' && m.id === 2);
  assert.ok(progress.length >= 1, 'progress was reported');

  child.send({ type: 'job', id: 3, kind: 'weightsAnalyze', params: { path: BASE } });
  child.send({ type: 'cancel', id: 3 });
  const a3 = await answerFor(3);
  assert.ok(a3.type === 'error' && a3.error.name === 'AbortError', JSON.stringify(a3));

  child.send({ type: 'job', id: 4, kind: 'weightsCompare', params: { a: BASE, b: TUNED, selection: { regex: 'query' } } });
  const a4 = await answerFor(4);
  assert.ok(a4.type === 'result', JSON.stringify(a4));
  const cmp = a4.result as WeightsComparison;
  assert.equal(cmp.kind, 'weightsComparison');
  assert.equal(cmp.tensors.length, 4);

  child.send({
    type: 'job',
    id: 5,
    kind: 'weightsEmbedding',
    params: { path: BASE, tensor: 'embeddings.word_embeddings.weight', options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS },
  });
  const a5 = await answerFor(5);
  assert.ok(a5.type === 'result', JSON.stringify(a5));
  const emb = a5.result as GeometryReport;
  assert.equal(emb.kind, 'embeddings');
  assert.equal(emb.n, 100);

  child.send({ type: 'job', id: 6, kind: 'weightsAnalyze', params: { path: BASE, selection: { names: 'x' } } });
  const a6 = await answerFor(6);
  assert.ok(a6.type === 'error' && a6.error.name === 'ProtocolError', JSON.stringify(a6));

  child.send({ type: 'job', id: 7, kind: 'weightsAnalyze', params: { path: join(root, 'nope.safetensors') } });
  const a7 = await answerFor(7);
  assert.ok(a7.type === 'error' && a7.error.name === 'ReaderError', JSON.stringify(a7));
  assert.match(a7.error.message, /nope\.safetensors/);
});
