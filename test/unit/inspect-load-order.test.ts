/**
 * The modalities of a checkpoint are read at once (jobs/inspect.ts loadAll): the reads overlap,
 * the matrices keep the checkpoint's order, and of two failures the first modality's is the one
 * reported, even when the second fails first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend } from '../../src/engine';
import type { ArrayEntry, Checkpoint } from '../../src/io/types';
import { ReaderError } from '../../src/io/types';
import { reportFromCheckpoint } from '../../src/jobs/inspect';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import type { GeometryReport } from '../../src/protocol/report';
import { values } from '../fixtures/cli/files';

const N = 30;
const D = 4;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** an entry whose read takes `ms`, logging when it starts and ends, and failing when `fails` */
function entry(name: string, seed: number, ms: number, log: string[], fails = false): ArrayEntry {
  const data = Float32Array.from(values(N * D, seed));
  return {
    name,
    dtype: 'float32',
    shape: [N, D],
    file: `${name}.npy`,
    readRows: async (s = 0, e = N) => {
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      if (fails) throw new ReaderError(`${name}.npy`, `${name} is broken`);
      return data.slice(s * D, e * D);
    },
  };
}

async function report(entries: ArrayEntry[]): Promise<GeometryReport> {
  const cp: Checkpoint = { path: 'memory.npz', format: 'npz', entries, metadata: {} };
  const backend = await createBackend('js');
  try {
    return await reportFromCheckpoint(
      { path: cp.path, options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS, engine: 'js' },
      cp,
      backend,
    );
  } finally {
    await backend.dispose();
  }
}

void test('reads overlap and the modalities keep their order', async () => {
  const log: string[] = [];
  const r = await report([entry('audio', 1, 60, log), entry('visual', 2, 5, log)]);
  assert.deepEqual(log, ['start audio', 'start visual', 'end visual', 'end audio']);
  assert.deepEqual(Object.keys(r.modalities), ['audio', 'visual']);
});

void test("of two failed reads, the first modality's error is reported, though the second failed sooner", async () => {
  const log: string[] = [];
  await assert.rejects(report([entry('audio', 1, 60, log, true), entry('visual', 2, 5, log, true)]), /audio is broken/);
  assert.deepEqual(log, ['start audio', 'start visual', 'end visual', 'end audio']);
});
