/**
 * The parts of the end-to-end test that are not about DAGR: install code-server, install the
 * .vsix into a throw-away profile, start code-server on a free loopback port, and stop it again.
 * Follows ../shared/tools/E2E.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { hostTarget, vsixName } from '../../scripts/package-targets';

export const REPO = resolve(__dirname, '..', '..');
export const CODE_SERVER_DIR = join(homedir(), '.cache', 'code-server-e2e');
const ENTRY = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** Installs (or finds) code-server; returns the reason when it cannot. */
export function installCodeServer(): string | undefined {
  const script = resolve(REPO, '..', 'shared', 'tools', 'install-code-server.sh');
  const r = spawnSync('bash', [script, CODE_SERVER_DIR], { encoding: 'utf8', timeout: 6 * 60_000 });
  if (r.status === 0) return undefined;
  return `install-code-server.sh failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}`;
}

/**
 * What every e2e file does first: code-server installed (its absence fails in CI and skips
 * elsewhere, naming why) and the package to install. That is DAGR_E2E_VSIX when set, else the
 * package a person on this platform installs (its own natives), built once per `npm test`: the
 * next e2e file reuses it while it is newer than every bundle in dist/.
 * Returns undefined when the test was skipped.
 */
export function e2eStart(t: TestContext): string | undefined {
  const problem = installCodeServer();
  if (problem) {
    if (process.env.CI === 'true') assert.fail(`code-server is required in CI: ${problem}`);
    t.skip(`code-server not available: ${problem}`);
    return undefined;
  }
  const given = process.env.DAGR_E2E_VSIX ?? '';
  if (given !== '') return given;
  const target = hostTarget()?.target ?? 'universal';
  const vsix = join(REPO, 'build', vsixName(target));
  if (!newerThanBundles(vsix)) run('npm', ['run', 'package', '--', '--target', target], { timeoutMs: 400_000 });
  return vsix;
}

function newerThanBundles(file: string): boolean {
  if (!existsSync(file)) return false;
  const dist = join(REPO, 'dist');
  if (!existsSync(dist)) return false;
  const built = statSync(file).mtimeMs;
  return readdirSync(dist).every((f) => statSync(join(dist, f)).mtimeMs <= built);
}

export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? REPO,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 180_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}\n${r.stdout}`.slice(0, 4000),
    );
  return r.stdout;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

export interface Profile {
  extensionsDir: string;
  userDataDir: string;
}

export function makeProfile(root: string, settings: Record<string, unknown>): Profile {
  const extensionsDir = join(root, 'extensions');
  const userDataDir = join(root, 'user-data');
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeUserSettings({ extensionsDir, userDataDir }, settings);
  return { extensionsDir, userDataDir };
}

/**
 * The user settings, written before code-server starts. A rewrite while it runs was not seen by
 * code-server here, so the test changes settings live as a person does: theme picker, Settings UI.
 */
export function writeUserSettings(p: Profile, settings: Record<string, unknown>): void {
  writeFileSync(
    join(p.userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        // otherwise a welcome page and the terminal take the keyboard focus
        'workbench.startupEditor': 'none',
        'terminal.integrated.hideOnStartup': 'always',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        // the repo's git folder sits above the workspace: no prompt about it
        'git.openRepositoryInParentFolders': 'never',
        'extensions.ignoreRecommendations': true,
        ...settings,
      },
      null,
      2,
    ),
  );
}

export function installVsix(p: Profile, vsix: string): void {
  run(process.execPath, [ENTRY, '--extensions-dir', p.extensionsDir, '--user-data-dir', p.userDataDir, '--install-extension', vsix]);
}

export interface Server {
  pid: number;
  url: string;
  logs: string[];
  proc: ChildProcess;
}

export async function startCodeServer(p: Profile, workspace: string): Promise<Server> {
  const port = await freePort();
  // detached: its own process group, so the extension host and the DAGR compute process go with it
  const proc = spawn(
    process.execPath,
    [
      ENTRY,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--extensions-dir',
      p.extensionsDir,
      '--user-data-dir',
      p.userDataDir,
      '--disable-telemetry',
      '--disable-workspace-trust',
      workspace,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  proc.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
  proc.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
  if (proc.pid === undefined) throw new Error('code-server did not start');
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (proc.exitCode !== null) throw new Error(`code-server exited: ${logs.join('')}`);
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${port}: ${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { pid: proc.pid, url, logs, proc };
}

/** Kills the code-server process group by its pid; SIGKILL if it lingers. */
export async function stopCodeServer(s: Server): Promise<void> {
  const kill = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-s.pid, sig);
    } catch {
      try {
        process.kill(s.pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  kill('SIGTERM');
  for (let i = 0; i < 20 && s.proc.exitCode === null && s.proc.signalCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  kill('SIGKILL');
}
