// The rowMetrics job through the real compute process (src/worker/main.ts, run through tsx): the
// request passes the channel's checks, the answer equals the numpy reference, and a request with
// a pair of one name twice is refused as malformed before any file is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RowMetricsResult } from '../../src/protocol/rowMetrics';
import { startComputeProcess } from './compute-process';

const DIR = join(__dirname, '..', 'fixtures', 'neighbors');
const expected = JSON.parse(readFileSync(join(DIR, 'row-metrics.json'), 'utf8')) as {
  rows: number[];
  pairs: { a: string; b: string; partnerRank?: number[]; drift?: number[] }[];
};
const { child, answerFor, ready } = startComputeProcess(60_000);

void test('rowMetrics runs in the compute process and answers numpy reference ranks and drifts', async () => {
  await ready();
  const want = expected.pairs.find((p) => p.a === 'visual' && p.b === 'audio');
  assert.ok(want?.partnerRank && want.drift);
  child.send({
    type: 'job',
    id: 1,
    kind: 'rowMetrics',
    params: { path: join(DIR, 'a.npz'), rows: expected.rows, pairs: [['visual', 'audio']] },
  });
  const a1 = await answerFor(1);
  assert.ok(a1.type === 'result', JSON.stringify(a1));
  const r = a1.result as RowMetricsResult;
  assert.deepEqual(r.rows, expected.rows);
  assert.deepEqual(r.pairs[0]?.partnerRank, want.partnerRank);
  r.pairs[0]?.drift.forEach((d, i) => assert.ok(Math.abs(d - (want.drift?.[i] as number)) < 1e-12, `drift ${i}`));
  child.send({ type: 'job', id: 2, kind: 'rowMetrics', params: { path: join(DIR, 'a.npz'), rows: [1], pairs: [['audio', 'audio']] } });
  const a2 = await answerFor(2);
  assert.ok(a2.type === 'error' && a2.error.name === 'ProtocolError', JSON.stringify(a2));
  child.kill();
});
