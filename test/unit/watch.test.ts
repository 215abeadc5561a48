/**
 * The run watcher (src/jobs/watch.ts), one poll at a time with a test clock: a checkpoint written
 * slowly in pieces is inspected once, only when whole; a temp-then-rename writer is never read
 * under its temporary name; a stalled file is reported once after the grace period; deleted and
 * replaced checkpoints update the run; a broken file that stopped changing is reported once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { openCheckpoint, writeSafetensors } from '../../src/io';
import type { GeometryReport } from '../../src/protocol/report';
import { RunWatcher } from '../../src/jobs/watch';
import type { WatchEvent } from '../../src/jobs/watch';

const root = mkdtempSync(join(tmpdir(), 'dagr-watch-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** bytes of a small two-modality safetensors checkpoint (seeded values, epoch metadata) */
async function checkpointBytes(epoch: number, rows = 64, dim = 32): Promise<Buffer> {
  const tmp = join(root, `src-${epoch}-${rows}-${Math.random().toString(36).slice(2)}.safetensors`);
  const data = (k: number): Float32Array => Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 0.37 + k + epoch));
  await writeSafetensors(
    tmp,
    [
      { name: 'audio', dtype: 'float32', shape: [rows, dim], data: data(1) },
      { name: 'visual', dtype: 'float32', shape: [rows, dim], data: data(2) },
    ],
    { epoch: String(epoch) },
  );
  const b = readFileSync(tmp);
  rmSync(tmp);
  return b;
}

/** A watcher whose inspect reads the file with the real reader (so a half file would throw) and returns a stub report. */
function watcherFor(folder: string, clock: { t: number }, graceMs = 30_000) {
  const inspected: string[] = [];
  const w = new RunWatcher(folder, {
    graceMs,
    now: () => clock.t,
    inspect: async (file) => {
      const cp = await openCheckpoint(file);
      inspected.push(file);
      const epoch = Number(cp.metadata.epoch);
      return {
        warnings: [],
        pairs: [],
        modalities: {},
        metadata: { epoch },
        engine: { name: 'stub', device: 'cpu', threads: 1 },
      } as unknown as GeometryReport;
    },
  });
  return { w, inspected };
}

const types = (es: WatchEvent[]): string[] => es.map((e) => e.type);

void test('a checkpoint written slowly in pieces is inspected once, when whole', async () => {
  const dir = join(root, 'pieces');
  mkdirSync(dir);
  const clock = { t: 0 };
  const { w, inspected } = watcherFor(dir, clock);
  const bytes = await checkpointBytes(1);
  const file = join(dir, 'epoch_01.safetensors');
  const cuts = [5, 200, Math.floor(bytes.length / 2), bytes.length - 1];
  let at = 0;
  for (const cut of cuts) {
    appendFileSync(file, bytes.subarray(at, cut));
    at = cut;
    clock.t += 2000;
    assert.deepEqual(types(await w.poll()), [], `cut at ${cut}`);
    assert.equal(w.pending().length, 1);
  }
  appendFileSync(file, bytes.subarray(at));
  clock.t += 2000;
  const events = [...(await w.poll()), ...(await w.poll())];
  assert.deepEqual(types(events), ['checkpoint']);
  assert.deepEqual(inspected, [file]);
  assert.equal(w.run.checkpoints.length, 1);
  assert.equal(w.run.checkpoints[0]?.epoch, 1);
  assert.deepEqual(w.pending(), []);
  assert.deepEqual(types(await w.poll()), [], 'nothing is recomputed');
});

void test('temp-then-rename: never read under its temporary name, shown once renamed', async () => {
  const dir = join(root, 'rename');
  mkdirSync(dir);
  const clock = { t: 0 };
  const { w, inspected } = watcherFor(dir, clock);
  writeFileSync(join(dir, 'epoch_01.safetensors'), await checkpointBytes(1));
  assert.deepEqual(types(await w.poll()), ['checkpoint'], 'a complete file is shown at first sight');
  for (const tmp of ['epoch_02.safetensors.tmp', '.epoch_02.safetensors', 'epoch_02-tmp.safetensors', 'epoch_02.safetensors.partial']) {
    writeFileSync(join(dir, tmp), await checkpointBytes(2));
    clock.t += 60_000;
    assert.deepEqual(types(await w.poll()), [], tmp);
    assert.ok(
      w.pending().some((p) => p.file.endsWith(tmp) && /renamed/.test(p.reason)),
      JSON.stringify(w.pending()),
    );
    if (tmp !== 'epoch_02.safetensors.partial') rmSync(join(dir, tmp));
  }
  renameSync(join(dir, 'epoch_02.safetensors.partial'), join(dir, 'epoch_02.safetensors'));
  const events = await w.poll();
  assert.deepEqual(types(events), ['checkpoint']);
  assert.deepEqual(
    inspected.map((f) => basename(f)),
    ['epoch_01.safetensors', 'epoch_02.safetensors'],
  );
  assert.deepEqual(
    w.run.checkpoints.map((c) => c.epoch),
    [1, 2],
  );
});

void test('a file that stays incomplete past the grace period is reported once, then shown when finished', async () => {
  const dir = join(root, 'stalled');
  mkdirSync(dir);
  const clock = { t: 0 };
  const { w } = watcherFor(dir, clock, 30_000);
  const bytes = await checkpointBytes(3);
  const file = join(dir, 'epoch_03.safetensors');
  writeFileSync(file, bytes.subarray(0, 300));
  assert.deepEqual(types(await w.poll()), []);
  clock.t += 29_000;
  assert.deepEqual(types(await w.poll()), []);
  clock.t += 2_000;
  const stalled = await w.poll();
  assert.deepEqual(types(stalled), ['stalled']);
  assert.match((stalled[0] as { reason: string }).reason, /promises/);
  clock.t += 60_000;
  assert.deepEqual(types(await w.poll()), [], 'said once');
  appendFileSync(file, bytes.subarray(300));
  assert.deepEqual(types([...(await w.poll()), ...(await w.poll())]), ['checkpoint']);
});

void test('deleted and replaced checkpoints update the run', async () => {
  const dir = join(root, 'replace');
  mkdirSync(dir);
  const clock = { t: 0 };
  const { w, inspected } = watcherFor(dir, clock);
  writeFileSync(join(dir, 'epoch_01.safetensors'), await checkpointBytes(1));
  writeFileSync(join(dir, 'epoch_02.safetensors'), await checkpointBytes(2));
  assert.deepEqual(types(await w.poll()), ['checkpoint', 'checkpoint']);
  rmSync(join(dir, 'epoch_01.safetensors'));
  const removed = await w.poll();
  assert.deepEqual(removed, [{ type: 'removed', file: join(dir, 'epoch_01.safetensors') }]);
  assert.deepEqual(
    w.run.checkpoints.map((c) => c.epoch),
    [2],
  );
  // rewritten in place with other numbers (a resumed run): shown again, as a replacement
  writeFileSync(join(dir, 'epoch_02.safetensors'), await checkpointBytes(2, 80));
  clock.t += 2000;
  const again = [...(await w.poll()), ...(await w.poll())];
  assert.deepEqual(
    again.map((e) => [e.type, 'replaced' in e ? e.replaced : null]),
    [['checkpoint', true]],
  );
  assert.equal(w.run.checkpoints.length, 1);
  assert.equal(inspected.length, 3);
});

void test('a complete-looking file that cannot be read is reported once per version; config files are skipped quietly', async () => {
  const dir = join(root, 'broken');
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  const clock = { t: 0 };
  const failing = new RunWatcher(dir, {
    now: () => clock.t,
    inspect: async (file) => {
      await openCheckpoint(file);
      throw new Error('unreachable: every file here is unreadable');
    },
  });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ dagr: { enabled: true, lambdaAnc: 0.1, lambdaDisp: 0.1, tau: 0.5, t: 2 } }));
  // not a pickle, not a zip: a format that promises nothing, read once its size held still
  writeFileSync(join(dir, 'checkpoints', 'epoch_01.pt'), Buffer.from('this is not a checkpoint at all'));
  const first = await failing.poll();
  assert.deepEqual(types(first), [], 'unknown formats wait one more look');
  const second = await failing.poll();
  assert.deepEqual(types(second), ['failed']);
  assert.match((second[0] as { message: string }).message, /epoch_01\.pt/);
  assert.deepEqual(types(await failing.poll()), [], 'once');
});

void test('new thresholds: rejudge replaces the warnings of shown epochs without reading them again', async () => {
  const dir = join(root, 'rejudge');
  mkdirSync(dir);
  const clock = { t: 0 };
  const { w, inspected } = watcherFor(dir, clock);
  writeFileSync(join(dir, 'epoch_01.safetensors'), await checkpointBytes(1));
  writeFileSync(join(dir, 'epoch_02.safetensors'), await checkpointBytes(2));
  await w.poll();
  assert.equal(w.run.runWarnings?.length, 0);
  await w.rejudge(async (r) =>
    r.metadata.epoch === 2
      ? [{ code: 'dead-dimensions', severity: 'warning', modality: 'audio', value: 0.5, threshold: 0.2, message: 'dead' }]
      : [],
  );
  assert.deepEqual(
    w.run.runWarnings?.map((x) => [x.code, x.onsetEpoch, x.active]),
    [['dead-dimensions', 2, true]],
  );
  assert.equal(inspected.length, 2);
});
