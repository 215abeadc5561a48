/**
 * A training or sweep panel restored after a window reload (src/panels/restore.ts): no job is
 * attached, so it is marked detached (no Cancel), and its folder says how the run ended. Also the
 * run folder the host fixes before training starts (src/commands/runName.ts), which is what lets
 * a restored panel find that folder.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freeRunDir, runStamp } from '../../src/commands/runName';
import { detached, settleFromFolder } from '../../src/panels/restore';
import type { ViewModel } from '../../src/protocol/webview';

type TrainingView = Extract<ViewModel, { kind: 'training' }>;
type SweepView = Extract<ViewModel, { kind: 'sweep' }>;

const load = <T>(name: string): T => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'views', `${name}.json`), 'utf8')) as T;

/** An in-memory run folder: path -> text; anything else reads as missing. */
function folder(files: Record<string, string>): (file: string) => Promise<string | undefined> {
  return (file) => Promise.resolve(files[file]);
}

void describe('restored training and sweep panels', () => {
  const training = load<TrainingView>('training');
  const live: TrainingView = { ...training, epochs: training.epochs.slice(0, 3) };

  void it('are detached at once (the webview hides Cancel); other views are left alone', () => {
    assert.equal((detached(live) as TrainingView).detached, true);
    const report = load<ViewModel>('report');
    assert.equal(detached(report), report);
  });

  void it('training: summary.json says how it ended; metrics.jsonl brings the epochs saved after the panel last was', async () => {
    const summary = {
      runDir: live.runDir,
      status: 'cancelled',
      epochsCompleted: 8,
      backend: 'tfjs-wasm',
      message: 'cancelled during epoch 9',
      engine: { name: 'tfjs' },
    };
    const metrics = training.epochs.map((m) => JSON.stringify(m)).join('\n') + '\n{"epoch": 9, "los'; // torn last line: killed mid-write
    const v = (await settleFromFolder(
      live,
      folder({
        [join(live.runDir, 'summary.json')]: JSON.stringify(summary),
        [join(live.runDir, 'metrics.jsonl')]: metrics,
      }),
    )) as TrainingView;
    assert.equal(v.detached, true);
    assert.deepEqual(v.summary, {
      runDir: live.runDir,
      status: 'cancelled',
      epochsCompleted: 8,
      backend: 'tfjs-wasm',
      message: 'cancelled during epoch 9',
    });
    assert.deepEqual(
      v.epochs.map((e) => e.epoch),
      training.epochs.map((e) => e.epoch),
    );
  });

  void it('training: no summary.json (the job was killed with the window) reads as interrupted, keeping the saved epochs', async () => {
    const v = (await settleFromFolder(live, folder({}))) as TrainingView;
    assert.equal(v.detached, true);
    assert.equal(v.summary, undefined);
    assert.equal(v.epochs.length, 3);
    // a summary.json that is not one is ignored rather than shown
    const bad = (await settleFromFolder(live, folder({ [join(live.runDir, 'summary.json')]: '{"status": "exploded"}' }))) as TrainingView;
    assert.equal(bad.summary, undefined);
  });

  void it('sweep: sweep.json completed or cancelled -> done; still "running" -> interrupted (not done)', async () => {
    const sweep = load<SweepView>('sweep');
    const running: SweepView = { ...sweep, points: sweep.points.slice(0, 2), done: false };
    const first = running.points[0];
    assert.ok(first);
    const file = join(first.runDir, '..', 'sweep.json');
    const finished = (await settleFromFolder(
      running,
      folder({ [file]: JSON.stringify({ status: 'completed', points: sweep.points }) }),
    )) as SweepView;
    assert.equal(finished.done, true);
    assert.equal(finished.detached, true);
    assert.equal(finished.points.length, sweep.points.length);
    const cut = (await settleFromFolder(
      running,
      folder({ [file]: JSON.stringify({ status: 'running', points: running.points }) }),
    )) as SweepView;
    assert.equal(cut.done, false);
    assert.equal(cut.detached, true);
    // a sweep with no point yet has no folder to ask
    const empty = (await settleFromFolder({ ...running, points: [] }, folder({}))) as SweepView;
    assert.deepEqual([empty.done, empty.detached], [false, true]);
  });
});

void describe('the run folder chosen before training starts', () => {
  void it('is named like the trainer names it (UTC timestamp)', () => {
    assert.equal(runStamp(new Date(Date.UTC(2026, 10, 29, 3, 4, 5))), 'run-20261129-030405');
  });

  void it('takes the suffix the trainer would add when the name is taken', () => {
    const taken = new Set([join('/runs', 'a'), join('/runs', 'a-2')]);
    assert.equal(
      freeRunDir('/runs', 'a', (p) => taken.has(p)),
      join('/runs', 'a-3'),
    );
    assert.equal(
      freeRunDir('/runs', 'b', (p) => taken.has(p)),
      join('/runs', 'b'),
    );
  });
});
