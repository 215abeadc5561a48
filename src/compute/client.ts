/**
 * Client of the compute process, free of vscode so it can be unit-tested with plain Node.
 * Guarantees: the process starts on the first request; every request settles exactly once
 * (result, error, cancel, or the process dying); after a death the next request starts a fresh
 * process. restart() stops the process on purpose: its requests end as cancelled, which is not a
 * crash (no onCrash). Only paths and small JSON go over the channel.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ComputeError, isComputeToHost } from '../protocol/messages';
import { computeEnv } from './env';
import { abortError } from '../protocol/abort';
import type { IDisposable } from '../shared/dispose';
import type { ComputeToHost, HostToCompute, JobKind, JobTable } from '../protocol/messages';
import type { EpochMetrics, SweepPoint } from '../protocol/train';

export interface RequestHandlers {
  signal?: AbortSignal;
  onProgress?(fraction: number, message: string): void;
  onEpoch?(m: EpochMetrics): void;
  onSweepPoint?(p: SweepPoint): void;
  /**
   * On cancel, wait for the job's own answer (training returns a 'cancelled' summary naming its
   * run folder) instead of rejecting at once; still rejects with AbortError after the grace time.
   */
  cooperativeCancel?: boolean;
}

export interface ComputeClientOptions {
  /** path of the bundled worker (dist/worker.js) */
  workerPath: string;
  env?: NodeJS.ProcessEnv;
  execArgv?: string[];
  /** called when the process dies unexpectedly (not when disposed) */
  onCrash?(reason: string): void;
  /** a cancelled job the process does not acknowledge within this time gets the process killed (if idle otherwise) */
  cancelGraceMs?: number;
  log?(line: string): void;
}

/** Jobs with side effects on disk: never re-sent to a replacement process. */
const WRITES_FILES: ReadonlySet<JobKind> = new Set<JobKind>(['train', 'sweep', 'embed']);

/** The process died with requests in flight. */
export class ComputeCrashError extends Error {
  constructor(reason: string) {
    super(`The DAGR compute process stopped (${reason}). It restarts on the next request.`);
    this.name = 'ComputeCrashError';
  }
}

interface Pending {
  kind: JobKind;
  /** kept so a read-only job can be sent again when its process is replaced (see replaceChild) */
  msg: HostToCompute;
  handlers: RequestHandlers;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class ComputeClient implements IDisposable {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** ids cancelled on the host side whose worker acknowledgement is still awaited */
  private readonly cancelling = new Map<number, NodeJS.Timeout>();
  private disposed = false;

  constructor(private readonly opts: ComputeClientOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  request<K extends JobKind>(kind: K, params: JobTable[K]['params'], handlers: RequestHandlers = {}): Promise<JobTable[K]['result']> {
    return new Promise<JobTable[K]['result']>((resolve, reject) => {
      if (this.disposed) return reject(new Error('the compute client was disposed'));
      if (handlers.signal?.aborted) return reject(abortError());
      const id = this.nextId++;
      const onAbort = (): void => this.cancel(id);
      const signal = handlers.signal;
      signal?.addEventListener('abort', onAbort, { once: true });
      const msg = { type: 'job', id, kind, params } as HostToCompute;
      this.pending.set(id, {
        kind,
        msg,
        handlers,
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v as JobTable[K]['result']);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      try {
        this.post(msg);
      } catch (e) {
        this.settle(id, e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Cancels one request: it rejects with AbortError now, and the process is told to stop it. */
  cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    const cooperative = p.handlers.cooperativeCancel === true;
    if (!cooperative) this.settle(id, abortError());
    if (!this.child) return;
    try {
      this.post({ type: 'cancel', id });
    } catch {
      return; // channel gone: the exit handler cleans up
    }
    // a job stuck in synchronous code never reads the cancel and would slow every later job:
    // replace its process (the other read-only jobs in flight are sent again to the new one; jobs
    // that write files fail instead, see replaceChild)
    const grace = this.opts.cancelGraceMs ?? 10000;
    const t = setTimeout(() => {
      if (!this.cancelling.delete(id) || !this.child) return;
      this.opts.log?.(`compute: job ${id} ignored cancel for ${grace} ms; replacing the process`);
      this.settle(id, abortError());
      this.replaceChild();
    }, grace);
    t.unref();
    this.cancelling.set(id, t);
  }

  /** Stops the process; pending requests reject. */
  dispose(): void {
    this.disposed = true;
    this.failAll(new Error('the compute process was shut down'));
    this.stopChild(new Error('the compute process was shut down'));
  }

  /**
   * Stops the process on purpose (Restart Compute Process): the requests in flight reject as
   * cancelled, nothing is reported as a crash, and the next request starts a fresh process.
   */
  restart(): void {
    this.stopChild(abortError('cancelled: the compute process was restarted'));
  }

  /** Kills the process as a crash would (tests). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child?.kill(signal);
  }

  private post(msg: HostToCompute): void {
    const child = this.ensureChild();
    if (!child.connected) throw new ComputeCrashError('the IPC channel is closed');
    child.send(msg, (err) => {
      if (err && msg.type === 'job') this.settle(msg.id, new ComputeCrashError(err.message));
    });
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    const child = fork(this.opts.workerPath, [], {
      env: computeEnv(process.env, this.opts.env),
      execArgv: this.opts.execArgv ?? [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    this.opts.log?.(`compute: started process ${child.pid ?? '?'}`);
    child.stdout?.on('data', (d: Buffer) => this.opts.log?.(d.toString().trimEnd()));
    child.stderr?.on('data', (d: Buffer) => this.opts.log?.(d.toString().trimEnd()));
    child.on('message', (m: unknown) => this.onMessage(m));
    child.on('error', (e) => this.onExit(child, e.message));
    child.on('exit', (code, signal) => this.onExit(child, signal ? `signal ${signal}` : `exit code ${code ?? '?'}`));
    return child;
  }

  private onExit(child: ChildProcess, reason: string): void {
    if (this.child !== child) return; // an old process, already handled
    this.child = undefined;
    for (const t of this.cancelling.values()) clearTimeout(t);
    this.cancelling.clear();
    const hadWork = this.pending.size > 0;
    this.failAll(new ComputeCrashError(reason));
    if (!this.disposed && (hadWork || reason.startsWith('signal'))) this.opts.onCrash?.(reason);
    this.opts.log?.(`compute: process ${child.pid ?? '?'} ended (${reason})`);
  }

  /** Kills the process; its read-only jobs are re-sent to a fresh process, jobs that write files fail. */
  private replaceChild(): void {
    const old = this.child;
    if (!old) return;
    this.child = undefined; // its exit event is then ignored
    for (const t of this.cancelling.values()) clearTimeout(t);
    this.cancelling.clear();
    try {
      old.disconnect();
    } catch {
      /* already gone */
    }
    old.kill('SIGKILL');
    for (const [id, p] of [...this.pending]) {
      // a job that writes (a run, a sweep, embeddings) is not started over behind the user's back:
      // it would begin a second run from scratch; it fails plainly instead, its files kept
      if (WRITES_FILES.has(p.kind)) {
        this.settle(id, new ComputeCrashError('restarted because another job ignored Cancel; start it again or resume the run'));
        continue;
      }
      try {
        this.post(p.msg);
      } catch (e) {
        this.settle(id, e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  /** Stops the process on purpose; its requests reject with `reason`. */
  private stopChild(reason: Error): void {
    const child = this.child;
    if (!child) return;
    this.child = undefined; // an intentional stop is not a crash: its exit event is ignored
    for (const t of this.cancelling.values()) clearTimeout(t);
    this.cancelling.clear();
    this.failAll(reason);
    try {
      child.disconnect();
    } catch {
      /* already gone */
    }
    child.kill('SIGKILL');
  }

  private failAll(e: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, e);
  }

  private settle(id: number, outcome: Error | { value: unknown }): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome.value);
  }

  private onMessage(m: unknown): void {
    if (!isComputeToHost(m)) {
      this.opts.log?.('compute: ignored a malformed message');
      return;
    }
    if (m.type === 'ready') return;
    if (m.type === 'result' || m.type === 'error') {
      const t = this.cancelling.get(m.id);
      if (t) {
        clearTimeout(t);
        this.cancelling.delete(m.id);
      }
    }
    const p = this.pending.get(m.id);
    if (!p) return; // cancelled on this side already
    this.dispatch(m, p);
  }

  private dispatch(m: Exclude<ComputeToHost, { type: 'ready' }>, p: Pending): void {
    try {
      switch (m.type) {
        case 'progress':
          p.handlers.onProgress?.(m.fraction, m.message);
          break;
        case 'epoch':
          p.handlers.onEpoch?.(m.metrics);
          break;
        case 'sweepPoint':
          p.handlers.onSweepPoint?.(m.point);
          break;
        case 'result':
          this.settle(m.id, { value: m.result });
          break;
        case 'error':
          this.settle(m.id, new ComputeError(m.error));
          break;
      }
    } catch (e) {
      // a throwing UI callback must not leave the request hanging
      this.settle(m.id, e instanceof Error ? e : new Error(String(e)));
    }
  }
}
