import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunFolder, listRun, writeSafetensors } from '../../src/io';

async function checkpoint(file: string, epoch: number): Promise<void> {
  const data = new Float32Array(4 * 3).map((_, i) => Math.sin(i + epoch));
  await writeSafetensors(file, [{ name: 'audio', dtype: 'float32', shape: [4, 3], data }], { epoch: String(epoch) });
}

void test('a fine-tuning run folder lists the checkpoints kept in its checkpoints/ subfolder', async () => {
  const run = await mkdtemp(join(tmpdir(), 'dagr-run-'));
  try {
    await writeFile(join(run, 'config.json'), '{"epochs": 2}');
    await writeFile(join(run, 'metrics.jsonl'), '{"epoch":1}\n{"epoch":2}\n');
    await writeFile(join(run, 'summary.json'), '{"status":"completed"}');
    await mkdir(join(run, 'checkpoints'));
    await checkpoint(join(run, 'checkpoints', 'epoch_02.safetensors'), 2);
    await checkpoint(join(run, 'checkpoints', 'epoch_01.safetensors'), 1);
    assert.equal(await isRunFolder(run), true);
    const list = await listRun(run);
    assert.deepEqual(
      list.map((c) => [c.file, c.epoch]),
      [
        [join(run, 'checkpoints', 'epoch_01.safetensors'), 1],
        [join(run, 'checkpoints', 'epoch_02.safetensors'), 2],
      ],
    );
  } finally {
    await rm(run, { recursive: true, force: true });
  }
});

void test('top-level checkpoints win over a checkpoints/ subfolder', async () => {
  const run = await mkdtemp(join(tmpdir(), 'dagr-run-'));
  try {
    await checkpoint(join(run, 'epoch_1.safetensors'), 1);
    await checkpoint(join(run, 'epoch_2.safetensors'), 2);
    await mkdir(join(run, 'checkpoints'));
    await checkpoint(join(run, 'checkpoints', 'epoch_03.safetensors'), 3);
    const list = await listRun(run);
    assert.deepEqual(
      list.map((c) => c.epoch),
      [1, 2],
    );
  } finally {
    await rm(run, { recursive: true, force: true });
  }
});
