/**
 * A big input is computed in a child started with glibc's huge pages (src/cli/relaunch.ts): when,
 * and that the user sees the same run: the same report, exit codes, and Ctrl+C (one press, which a
 * terminal delivers to both processes) still cancels gracefully with 130.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUGE_PAGES_MIN_BYTES, RELAUNCHED_ENV, RELAUNCH_ECHO_MS, inputBytes, relaunchEnv, sigintHandler } from '../../src/cli/relaunch';
import { ROOT, cliCommand, runCli } from '../fixtures/cli/run';

const root = mkdtempSync(join(tmpdir(), 'dagr-relaunch-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const OURS = 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456';
/** a machine whose fresh pages are dear (src/shared/freshPages): the relaunch pays there */
const DEAR = (): boolean => true;
const BIG = (p: string): number => (p.startsWith('big') ? HUGE_PAGES_MIN_BYTES : p.startsWith('half') ? HUGE_PAGES_MIN_BYTES / 2 : 0);

void test('when: Linux, inputs of 32 MiB or more, no hugetlb tunable yet, a command', () => {
  const env = relaunchEnv(['inspect', 'big.npy'], { PATH: '/bin' }, 'linux', BIG, DEAR);
  assert.equal(env?.GLIBC_TUNABLES, OURS);
  assert.equal(env?.[RELAUNCHED_ENV], '1');
  assert.equal(env?.PATH, '/bin');
  assert.ok(relaunchEnv(['compare', 'half-a.npz', 'half-b.npz'], {}, 'linux', BIG, DEAR), 'the inputs add up');
  assert.ok(relaunchEnv(['inspect', '--max-pairwise-rows', '0', 'big'], {}, 'linux', BIG, DEAR), 'options are passed over');
  assert.equal(relaunchEnv(['inspect', 'half.npy'], {}, 'linux', BIG, DEAR), undefined, 'small');
  assert.equal(relaunchEnv(['inspect', 'big.npy'], {}, 'darwin', BIG, DEAR), undefined, 'not Linux');
  assert.equal(
    relaunchEnv(['inspect', 'big.npy'], { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, 'linux', BIG, DEAR),
    undefined,
    "the user's tunable",
  );
  assert.equal(
    relaunchEnv(['inspect', 'big.npy'], { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }, 'linux', BIG, DEAR),
    undefined,
    'the child itself: no loop',
  );
  assert.equal(relaunchEnv(['inspect', 'big.npy'], { DAGR_HUGE_PAGES: '0' }, 'linux', BIG, DEAR), undefined, 'turned off');
  assert.equal(relaunchEnv(['--help', 'big.npy'], {}, 'linux', BIG, DEAR), undefined);
  assert.equal(relaunchEnv([], {}, 'linux', BIG, DEAR), undefined);
  assert.ok(relaunchEnv(['inspect', 'x'], { DAGR_HUGE_PAGES_MIN_BYTES: '0' }, 'linux', BIG, DEAR), 'the threshold overridden');
  assert.equal(
    relaunchEnv(['inspect', 'big'], { DAGR_HUGE_PAGES_MIN_BYTES: 'lots' }, 'linux', BIG, DEAR),
    undefined,
    'a bad threshold: no relaunch',
  );
  assert.equal(
    relaunchEnv(['inspect', 'big'], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux', BIG, DEAR)?.GLIBC_TUNABLES,
    `glibc.malloc.arena_max=2:${OURS}`,
  );
});

void test('fresh pages cheap on this machine: no relaunch; a small input is not measured', () => {
  let asked = 0;
  const cheap = (): boolean => (asked++, false);
  assert.equal(relaunchEnv(['inspect', 'big.npy'], {}, 'linux', BIG, cheap), undefined);
  assert.equal(asked, 1);
  assert.equal(relaunchEnv(['inspect', 'half.npy'], {}, 'linux', BIG, cheap), undefined);
  assert.equal(relaunchEnv(['inspect', 'big.npy'], { DAGR_HUGE_PAGES: '0' }, 'linux', BIG, cheap), undefined);
  assert.equal(asked, 1, 'small, or turned off: not measured');
});

void test('inputBytes: a file, a folder two levels down, nothing for a missing path', () => {
  const dir = join(root, 'sizes');
  mkdirSync(join(dir, 'a', 'b'), { recursive: true });
  writeFileSync(join(dir, 'one'), Buffer.alloc(100));
  writeFileSync(join(dir, 'a', 'two'), Buffer.alloc(20));
  writeFileSync(join(dir, 'a', 'b', 'three'), Buffer.alloc(3)); // three levels down: not counted
  assert.equal(inputBytes(join(dir, 'one')), 100);
  assert.equal(inputBytes(dir), 120);
  assert.equal(inputBytes(join(dir, 'missing')), 0);
});

/** the report's numbers, without the fields that say when and how long */
function numbers(json: string): unknown {
  return JSON.parse(json, (k, v: unknown) => (['seconds', 'createdAt', 'generatedAt', 'elapsedMs'].includes(k) ? undefined : v));
}

void test('the relaunched run prints the same report and exits with the same codes', async () => {
  const file = join(ROOT, 'examples', 'collapsed.safetensors');
  const relaunched = { DAGR_HUGE_PAGES_MIN_BYTES: '1', DAGR_HUGE_PAGES: '1', DAGR_DEBUG: '1' };
  const here = await runCli(['inspect', file, '--json'], { env: { DAGR_HUGE_PAGES: '0', DAGR_DEBUG: '1' } });
  const child = await runCli(['inspect', file, '--json'], { env: relaunched });
  assert.equal(here.code, 0, here.stderr);
  assert.equal(child.code, 0, child.stderr);
  assert.doesNotMatch(here.stderr, /child process with glibc huge pages/);
  assert.match(child.stderr, /child process with glibc huge pages/);
  assert.deepEqual(numbers(child.stdout), numbers(here.stdout));
  assert.equal((await runCli(['inspect', file, '--fail-on', 'warning'], { env: relaunched })).code, 3);
  const bad = join(root, 'bad.safetensors');
  writeFileSync(bad, 'not a safetensors file at all');
  const r = await runCli(['inspect', bad], { env: relaunched });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.safetensors/);
});

/** a relaunched `dagr watch` on a folder holding one checkpoint, in its own process group (as a terminal's foreground job) */
async function relaunchedWatch(
  name: string,
): Promise<{ childPid: number; group: number; exit: Promise<[number | null, NodeJS.Signals | null]>; err: () => string }> {
  const dir = join(root, name);
  mkdirSync(dir);
  copyFileSync(join(ROOT, 'examples', 'collapsed.safetensors'), join(dir, 'epoch_01.safetensors'));
  const child = spawn(process.execPath, [...cliCommand(), 'watch', dir, '--interval', '0.2', '--timeout', '120'], {
    cwd: ROOT,
    env: { ...process.env, DAGR_HUGE_PAGES_MIN_BYTES: '1', DAGR_HUGE_PAGES: '1', DAGR_DEBUG: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const group = child.pid as number;
  watched.push(group);
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, signal) => resolve([code, signal])),
  );
  // the first checkpoint's row: the watch runs in the child
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/epoch_01\.safetensors/.test(out)) resolve();
    });
    void exit.then(() => reject(new Error(`watch ended early: ${out}\n${err}`)));
  });
  const childPid = Number(/malloc thresholds \(GLIBC_TUNABLES\), pid (\d+)/.exec(err)?.[1]);
  assert.ok(childPid > 0 && childPid !== group, `a child process: ${err}`);
  return { childPid, group, exit, err: () => err };
}

const watched: number[] = [];
test.after(() => {
  for (const group of watched)
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
});

void test('Ctrl+C to the process group cancels a relaunched watch: exit 130', async () => {
  const w = await relaunchedWatch('watched-group');
  process.kill(-w.group, 'SIGINT');
  assert.deepEqual(await w.exit, [130, null], `cancelled, not killed: ${w.err()}`);
});

void test("SIGINT: the first cancels, a second ends at once; a relaunched child takes the parent's copy as the same press", () => {
  for (const relaunched of [false, true]) {
    let now = 1000;
    let cancels = 0;
    let ended = 0;
    const on = sigintHandler(
      () => cancels++,
      relaunched,
      () => now,
      () => ended++,
    );
    process.on('SIGINT', on);
    try {
      on();
      assert.deepEqual([cancels, ended], [1, 0], 'the first cancels');
      if (!relaunched) {
        assert.equal(process.listeners('SIGINT').includes(on), false, 'then the default action again: a second press ends the CLI');
        continue;
      }
      now += RELAUNCH_ECHO_MS - 1;
      on();
      assert.deepEqual([cancels, ended], [1, 0], "the parent's copy of the same press");
      now += 2;
      on();
      assert.deepEqual([cancels, ended], [1, 1], 'a second press ends it');
      assert.equal(process.listeners('SIGINT').includes(on), false);
    } finally {
      process.off('SIGINT', on);
    }
  }
});
