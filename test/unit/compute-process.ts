/**
 * The real compute process (src/worker/main.ts, run through tsx) for a test file that talks to
 * it in raw messages, as the extension's client does: started at import, killed after the
 * file's tests. Not a test file itself.
 */
import { after } from 'node:test';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ComputeToHost } from '../../src/protocol/messages';

export interface ComputeProcess {
  child: ChildProcess;
  /** every message the process has sent, in order */
  inbox: ComputeToHost[];
  /** the result or error for request `id`; rejects after `timeoutMs` without one */
  answerFor(id: number, timeoutMs?: number): Promise<ComputeToHost>;
  /** resolves once the process said 'ready'; rejects after `timeoutMs` (so a mute process fails, not hangs) */
  ready(timeoutMs?: number): Promise<void>;
}

export function startComputeProcess(answerTimeoutMs: number): ComputeProcess {
  const root = join(__dirname, '..', '..');
  const child = fork(join(root, 'src', 'worker', 'main.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  after(() => {
    child.kill('SIGKILL');
  });

  const inbox: ComputeToHost[] = [];
  const waiters: (() => void)[] = [];
  child.on('message', (m: ComputeToHost) => {
    inbox.push(m);
    waiters.splice(0).forEach((w) => w());
  });

  async function answerFor(id: number, timeoutMs = answerTimeoutMs): Promise<ComputeToHost> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = inbox.find((m) => 'id' in m && m.id === id && (m.type === 'result' || m.type === 'error'));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no answer for request ${id}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  function ready(timeoutMs = 60_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const t = setInterval(() => {
        if (inbox.some((m) => m.type === 'ready')) {
          clearInterval(t);
          resolve();
        } else if (Date.now() > deadline) {
          clearInterval(t);
          reject(new Error('the compute process never said ready'));
        }
      }, 20);
    });
  }

  return { child, inbox, answerFor, ready };
}
