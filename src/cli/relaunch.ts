/**
 * A CLI run on a big input computes in a child process started with glibc's huge pages and malloc
 * thresholds (../shared/mallocTunables: tunables are read when a process starts, so this process
 * cannot switch them on for itself). Only when the inputs named on the command line add up to
 * HUGE_PAGES_MIN_BYTES: a second Node start costs about 0.15 s, which a small file must not pay.
 * The child inherits stdin, stdout and stderr; its exit code (or signal) becomes this process's.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pagesAreDear } from '../shared/freshPages';
import { hasHugePagesTunable, withMallocTunables } from '../shared/mallocTunables';

/** set in the relaunched child's environment */
export const RELAUNCHED_ENV = 'DAGR_RELAUNCHED';
/** a relaunched child takes a second SIGINT this soon after the first for the same Ctrl+C */
export const RELAUNCH_ECHO_MS = 500;

/** inputs from this size on (32 MiB: an 8192 x 768 float32 pair is 50 MB and saved 0.9 s of 4.4 where pages are dear) */
export const HUGE_PAGES_MIN_BYTES = 32 * 2 ** 20;

/** bytes of a file, or of the files in a folder and its subfolders (two levels: runs, shard sets); 0 for anything else */
export function inputBytes(path: string, depth = 2): number {
  try {
    const st = statSync(path);
    if (st.isFile()) return st.size;
    if (!st.isDirectory() || depth === 0) return 0;
    let total = 0;
    const names = readdirSync(path);
    // a folder of a million files is not worth walking to decide this
    for (const name of names.slice(0, 10_000)) total += inputBytes(join(path, name), depth - 1);
    return total;
  } catch {
    return 0;
  }
}

/**
 * The child's environment when this run should be relaunched with huge pages, else undefined:
 * Linux, no hugetlb tunable yet (a user's own, or ours in the child: no loop), inputs of at least
 * the threshold (DAGR_HUGE_PAGES_MIN_BYTES overrides it), and fresh pages dear on this machine
 * (../shared/freshPages, asked last: a small input never pays for the measurement; DAGR_HUGE_PAGES=1
 * relaunches without measuring, 0 never relaunches).
 */
export function relaunchEnv(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  sizeOf: (path: string) => number = inputBytes,
  dear: (env: NodeJS.ProcessEnv) => boolean = pagesAreDear,
): NodeJS.ProcessEnv | undefined {
  if (platform !== 'linux' || hasHugePagesTunable(env) || env.DAGR_HUGE_PAGES === '0') return undefined;
  const command = argv[0];
  if (command === undefined || command.startsWith('-') || command === 'help' || command === 'version') return undefined;
  const min = env.DAGR_HUGE_PAGES_MIN_BYTES !== undefined ? Number(env.DAGR_HUGE_PAGES_MIN_BYTES) : HUGE_PAGES_MIN_BYTES;
  if (!Number.isFinite(min)) return undefined;
  let total = 0;
  for (const arg of argv.slice(1)) {
    if (arg.startsWith('-')) continue;
    total += sizeOf(arg);
    if (total >= min) return dear(env) ? { ...withMallocTunables(env, platform), [RELAUNCHED_ENV]: '1' } : undefined;
  }
  return undefined;
}

/**
 * Runs this same command in a child with `env` and settles with its exit code; rejects when the
 * child cannot be started (the caller then computes in this process). SIGINT, SIGTERM and SIGHUP
 * sent to this process are passed on, and this process waits for the child to end. (A terminal's
 * Ctrl+C reaches both processes, so the child sees it twice; main.ts takes the copy as one.)
 */
export function runRelaunched(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  onSpawn?: (pid: number) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    // the parent's debugger flags stay with the parent: a second inspector on the same port would fail
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
    const child = spawn(process.execPath, [...execArgv, process.argv[1] ?? '', ...argv], { stdio: 'inherit', env });
    if (child.pid !== undefined) onSpawn?.(child.pid);
    const pass = (signal: NodeJS.Signals) => (): void => void child.kill(signal);
    const onTerm = pass('SIGTERM');
    const onHup = pass('SIGHUP');
    const onInt = pass('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    process.on('SIGINT', onInt);
    const done = (): void => {
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      process.off('SIGINT', onInt);
    };
    // 'error' also comes when a kill fails: only a child that never started means computing here
    // (a started one ends with 'exit', and the job must not run twice)
    child.on('error', (e) => {
      if (child.pid !== undefined) return;
      done();
      reject(e);
    });
    child.once('exit', (code, signal) => {
      done();
      resolve({ code, signal });
    });
  });
}

/**
 * The CLI's SIGINT listener: the first Ctrl+C cancels the job; a second ends the process at once
 * (the default action). In a relaunched child one Ctrl+C arrives twice, from the terminal and
 * passed on by the parent: there a second within RELAUNCH_ECHO_MS of the first is that copy, not
 * a second press. `clock` and `endNow` are the tests' (the default ends with SIGINT's own action).
 */
export function sigintHandler(
  cancel: () => void,
  relaunched: boolean,
  clock: () => number = Date.now,
  endNow: () => void = () => process.kill(process.pid, 'SIGINT'),
): () => void {
  let first: number | undefined;
  const onSigint = (): void => {
    const now = clock();
    if (first === undefined) {
      first = now;
      cancel();
      if (!relaunched) process.off('SIGINT', onSigint);
      return;
    }
    if (now - first < RELAUNCH_ECHO_MS) return;
    process.off('SIGINT', onSigint);
    endNow();
  };
  return onSigint;
}
