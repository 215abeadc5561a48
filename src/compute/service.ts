/**
 * The extension host's handle on the compute process: one lazily started ComputeClient, every
 * long job wrapped in a cancellable progress notification, crashes reported once with a way to
 * the log. Nothing is started until the first job asks for it. Restart Compute Process stops the
 * process on purpose: its jobs end as cancelled, and no crash is reported.
 */
import * as vscode from 'vscode';
import { ComputeClient } from './client';
import { Disposable, DisposableValue } from '../shared/dispose';
import type { RequestHandlers } from './client';
import { isAbortError } from '../protocol/messages';
import type { JobKind, JobTable } from '../protocol/messages';

export interface JobOptions extends Omit<RequestHandlers, 'signal' | 'onProgress'> {
  /** notification title; omit to run without a notification (short jobs) */
  title?: string;
  /** an outside cancellation (a view's Cancel button, a closed editor) */
  token?: vscode.CancellationToken;
  onProgress?(fraction: number, message: string): void;
}

export class ComputeService extends Disposable implements vscode.Disposable {
  private readonly client = this.register(new DisposableValue<ComputeClient>());

  constructor(
    private readonly workerPath: string,
    private readonly log: vscode.OutputChannel,
  ) {
    super();
  }

  run<K extends JobKind>(kind: K, params: JobTable[K]['params'], opts: JobOptions = {}): Promise<JobTable[K]['result']> {
    const { title, token, onProgress, ...rest } = opts;
    if (title === undefined) {
      return this.request(kind, params, { ...rest, ...(onProgress ? { onProgress } : {}) }, token);
    }
    return Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, notificationToken) => {
          let reported = 0;
          const handlers: RequestHandlers = {
            ...rest,
            onProgress: (fraction, message) => {
              // withProgress takes increments; the compute process sends absolute fractions
              const pct = Math.max(0, Math.min(100, fraction * 100));
              progress.report({ increment: Math.max(0, pct - reported), message });
              reported = Math.max(reported, pct);
              onProgress?.(fraction, message);
            },
          };
          return this.request(kind, params, handlers, token, notificationToken);
        },
      ),
    );
  }

  /** Engine Info and similar: the process id shows in the log so a user can find it. */
  get pid(): number | undefined {
    return this.client.value?.pid;
  }

  /** Restart Compute Process: the running jobs end as cancelled; the next job starts a fresh process. */
  restart(): void {
    this.client.value?.restart();
    this.log.appendLine(`[${new Date().toISOString()}] compute: restarted on request`);
  }

  private request<K extends JobKind>(
    kind: K,
    params: JobTable[K]['params'],
    handlers: Omit<RequestHandlers, 'signal'>,
    ...tokens: (vscode.CancellationToken | undefined)[]
  ): Promise<JobTable[K]['result']> {
    const abort = new AbortController();
    const subs = tokens
      .filter((t): t is vscode.CancellationToken => t !== undefined)
      .map((t) => {
        if (t.isCancellationRequested) abort.abort();
        return t.onCancellationRequested(() => abort.abort());
      });
    const p = this.ensureClient().request(kind, { ...params }, { ...handlers, signal: abort.signal });
    return p.finally(() => subs.forEach((s) => s.dispose()));
  }

  private ensureClient(): ComputeClient {
    const existing = this.client.value;
    if (existing) return existing;
    const client = new ComputeClient({
      workerPath: this.workerPath,
      log: (line) => this.log.appendLine(line),
      onCrash: (reason) => {
        void vscode.window
          .showErrorMessage(
            `DAGR: the compute process stopped (${reason}), so the running jobs failed. It restarts on the next request.`,
            'Show Log',
          )
          .then((pick) => {
            if (pick) this.log.show(true);
          });
      },
    });
    // after dispose() the new client is released at once, so this request rejects plainly
    this.client.value = client;
    return client;
  }
}

/** Shows a job's failure in one line; a cancellation is not a failure. */
export function reportJobError(e: unknown, what: string): void {
  if (isAbortError(e)) {
    vscode.window.setStatusBarMessage(`DAGR: ${what} cancelled`, 4000);
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  void vscode.window.showErrorMessage(`DAGR: ${what} failed: ${message}`);
}
