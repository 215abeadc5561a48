/**
 * A run folder written by dagr train (config.json + checkpoints/epoch_XX.safetensors) is a run,
 * not a folder of shards: numbered names that count training progress never open as one dataset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openShardSet } from '../../src/io/shardSet';
import { inspectPath } from '../../src/jobs';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import type { RunReport } from '../../src/protocol/report';

const ex = (f: string): string => join(__dirname, '..', '..', 'examples', f);

void test('a dagr train run folder opens as a run, not as a shard set', async () => {
  const run = mkdtempSync(join(tmpdir(), 'dagr-trainrun-'));
  mkdirSync(join(run, 'checkpoints'));
  for (const e of ['01', '02', '03'])
    copyFileSync(ex(`run-collapse/epoch_${e}.safetensors`), join(run, 'checkpoints', `epoch_${e}.safetensors`));
  writeFileSync(join(run, 'config.json'), JSON.stringify({ dataset: 'train.safetensors' }));
  assert.equal(await openShardSet(run), null);
  const report = (await inspectPath({ path: run, options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS, engine: 'js' })) as RunReport;
  assert.equal(report.kind, 'run');
  assert.deepEqual(
    report.checkpoints.map((c) => c.epoch),
    [1, 2, 3],
  );
});
