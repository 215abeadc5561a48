/**
 * `dagr watch` as a user runs it, beside a writer: JSON lines per checkpoint (their shape), a
 * collapsing epoch arriving mid-watch, written in pieces under a temporary name then renamed,
 * ends the watch with exit 3 naming that epoch and its warning; --timeout ends with 0; Ctrl-C 130;
 * bad input one line, exit 2. The writer waits for the watcher's output, not for the clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, cliCommand, runCli } from '../fixtures/cli/run';

const RUN = join(ROOT, 'examples', 'run-collapse');
const root = mkdtempSync(join(tmpdir(), 'dagr-cli-watch-'));
const children: ChildProcessWithoutNullStreams[] = [];
test.after(() => {
  // a failed assertion leaves its watcher running until --timeout: stop it
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

interface Watch {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  stderr: () => string;
  /** resolves when stdout has at least n lines */
  linesAtLeast(n: number): Promise<void>;
  exit: Promise<number | null>;
}

function startWatch(args: string[]): Watch {
  const child = spawn(process.execPath, [...cliCommand(), 'watch', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let err = '';
  let partial = '';
  const waiters: { n: number; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of [...waiters])
      if (lines.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => err,
    exit,
    linesAtLeast: (n) =>
      lines.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ n, resolve });
            void exit.then(() => reject(new Error(`watch exited with ${lines.length} lines: ${lines.join('\n')}\n${err}`)));
          }),
  };
}

void test('JSON lines per checkpoint; a collapsing epoch arriving mid-watch exits 3 naming it', async () => {
  const dir = join(root, 'live');
  mkdirSync(dir);
  for (const e of ['01', '02']) copyFileSync(join(RUN, `epoch_${e}.safetensors`), join(dir, `epoch_${e}.safetensors`));
  const w = startWatch([dir, '--json-lines', '--fail-on', 'warning', '--interval', '0.2', '--timeout', '300']);
  await w.linesAtLeast(2);
  const first = JSON.parse(w.lines[0] ?? '') as Record<string, unknown>;
  assert.deepEqual(Object.keys(first).sort(), ['epoch', 'event', 'file', 'modalities', 'n', 'pairs', 'step', 'warnings']);
  assert.equal(first.event, 'checkpoint');
  assert.equal(first.epoch, 1);
  assert.equal(first.file, join(dir, 'epoch_01.safetensors'));
  const mods = first.modalities as Record<string, Record<string, number>>;
  assert.deepEqual(Object.keys(mods).sort(), ['audio', 'visual']);
  assert.deepEqual(Object.keys(mods.audio ?? {}).sort(), [
    'deadDimensionFraction',
    'dim',
    'dispersiveLoss',
    'effectiveRank',
    'effectiveRankCentered',
    'meanCosine',
    'stableRank',
  ]);
  const pair = (first.pairs as Record<string, Record<string, unknown>>)['audio/visual'];
  assert.ok(pair);
  assert.deepEqual(Object.keys(pair).sort(), ['anchoringLoss', 'drift', 'linearCka', 'modalityGap', 'retrieval']);
  assert.deepEqual(first.warnings, []);
  assert.equal((JSON.parse(w.lines[1] ?? '') as { epoch: number }).epoch, 2);

  // the collapsing epoch (epoch 10 of the example run), written in pieces under a temporary name
  const bytes = readFileSync(join(RUN, 'epoch_10.safetensors'));
  const tmp = join(dir, 'epoch_10.safetensors.tmp');
  writeFileSync(tmp, bytes.subarray(0, 1000));
  appendFileSync(tmp, bytes.subarray(1000));
  // and a half-written file under its final name that never completes: waited for, not an error
  writeFileSync(join(dir, 'epoch_11.safetensors'), bytes.subarray(0, 5000));
  renameSync(tmp, join(dir, 'epoch_10.safetensors'));
  const code = await w.exit;
  assert.equal(code, 3, w.stderr());
  const last = JSON.parse(w.lines[w.lines.length - 1] ?? '') as { epoch: number; warnings: { code: string; onsetEpoch: number }[] };
  assert.equal(last.epoch, 10);
  assert.ok(
    last.warnings.some((x) => x.code === 'dimensional-collapse' && x.onsetEpoch === 10),
    JSON.stringify(last.warnings),
  );
  assert.match(
    w.stderr(),
    /^dagr: epoch 10 \(epoch_10\.safetensors\): (excess-drift|dimensional-collapse) \[[a-z/]+\]: .*\(--fail-on warning\)\n$/,
  );
  assert.equal(w.lines.length, 3, 'no line for the half-written epoch_11');
});

void test('table rows as checkpoints land; --timeout ends with exit 0', async () => {
  const dir = join(root, 'table');
  mkdirSync(dir);
  copyFileSync(join(RUN, 'epoch_01.safetensors'), join(dir, 'epoch_01.safetensors'));
  const w = startWatch([dir, '--interval', '0.2', '--timeout', '300']);
  await w.linesAtLeast(5); // title, engine, header, rule, one row
  assert.match(w.lines[2] ?? '', /^\s*epoch\s+step\s+file\s+audio rank\s+visual rank\s+audio\/visual drift/);
  assert.match(w.lines[4] ?? '', /^\s*1\s+100\s+epoch_01\.safetensors\s+\d+\.\d\d/);
  copyFileSync(join(RUN, 'epoch_02.safetensors'), join(dir, 'epoch_02.safetensors'));
  await w.linesAtLeast(6);
  assert.match(w.lines[5] ?? '', /^\s*2\s+200\s+epoch_02\.safetensors/);
  rmSync(join(dir, 'epoch_01.safetensors'));
  await w.linesAtLeast(7);
  assert.equal(w.lines[6], '  removed: epoch_01.safetensors');
  w.child.kill('SIGINT');
  assert.equal(await w.exit, 130, 'Ctrl-C');

  const empty = join(root, 'empty');
  mkdirSync(empty);
  const r = await runCli(['watch', empty, '--timeout', '0.5', '--fail-on', 'warning']);
  assert.equal(r.code, 0, r.stderr);
});

void test('bad input: one line, exit 2', async () => {
  const r = await runCli(['watch', join(root, 'nope')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^dagr: .*nope: no such folder/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const u = await runCli(['watch']);
  assert.equal(u.code, 2);
  const t = await runCli(['watch', root, '--timeout', 'soon']);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /--timeout must be/);
});
