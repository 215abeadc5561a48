/**
 * A run view follows its folder (issue 10 part 1): a file-system watcher (debounced) and a poll
 * every few seconds (network and remote file systems do not always send events) drive the run
 * watcher of src/jobs/watch.ts on the extension host, which reads only a few header bytes per
 * file; each new or replaced checkpoint is inspected in the compute process, alone, so old epochs
 * are never recomputed. Every change updates the view, Problems and the status bar.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { GeometryReport, RunReport } from '../protocol/report';
import type { InspectJob } from '../protocol/messages';
import type { RunLive, ViewModel } from '../protocol/webview';
import { affectsMetrics, affectsWarnings, readSettings } from '../settings/config';
import { RunWatcher, followRun } from '../jobs/watch';
import type { WatchEvent } from '../jobs/watch';
import type { Services } from './services';

/** seconds between looks at the folder when no file-system event comes */
export const POLL_MS = 2000;
/** file-system events closer than this start one look */
export const DEBOUNCE_MS = 300;

/** What a run view says right after its first full job: following the folder, waiting for nothing yet. */
export function followingLive(): RunLive {
  return { following: true, pending: [], problems: [] };
}

export interface RunViewTarget {
  setView(view: ViewModel): void;
  isDisposed(): boolean;
}

export class RunFollower implements vscode.Disposable {
  private readonly stop = new AbortController();
  private readonly subs: vscode.Disposable[] = [];
  private readonly problems = new Map<string, string>();
  private debounce: NodeJS.Timeout | undefined;
  private readonly watcher: RunWatcher;
  private wake: (() => void) | undefined;
  /** what the view was last sent about waiting files: an empty list at first, as the first full job showed it */
  private lastLive = JSON.stringify(followingLive());

  constructor(
    private readonly folder: string,
    private readonly target: RunViewTarget,
    private readonly svc: Services,
  ) {
    this.watcher = new RunWatcher(folder, { inspect: (file) => this.inspect(file) });
  }

  /** Starts following; `seed` is the run the view's first full job computed (absent: start from the folder alone). */
  async start(seed?: RunReport): Promise<void> {
    if (seed) await this.watcher.seed(seed);
    if (this.stop.signal.aborted) return;
    try {
      const fsw = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(this.folder), '**/*'));
      const kick = (): void => this.kick();
      this.subs.push(fsw, fsw.onDidCreate(kick), fsw.onDidChange(kick), fsw.onDidDelete(kick));
    } catch {
      // no watcher for this folder (some remote file systems): the poll still runs
    }
    const follower = followRun(this.watcher, {
      intervalMs: POLL_MS,
      signal: this.stop.signal,
      // each epoch is shown as soon as it is computed (a backlog of many does not wait for the last)
      onEvent: (e) => {
        this.onEvent(e);
        if (e.type === 'checkpoint' || e.type === 'removed') this.publish(true);
      },
      onPolled: () => this.publish(false),
      onError: (e) =>
        this.svc.log.appendLine(`[${new Date().toISOString()}] following ${this.folder}: ${e instanceof Error ? e.message : String(e)}`),
    });
    this.wake = follower.wake;
    if (!seed) this.kick();
    // new thresholds: re-judge the shown epochs (no file is read again), regroup, show
    this.subs.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!affectsWarnings(e) || affectsMetrics(e)) return;
        const { thresholds } = readSettings();
        void this.watcher
          .rejudge((r) => this.svc.compute.run('evaluateWarnings', { core: r, thresholds }))
          .then(
            () => this.publish(true),
            (err: unknown) => this.svc.log.appendLine(`re-judging ${this.folder}: ${err instanceof Error ? err.message : String(err)}`),
          );
      }),
    );
  }

  private kick(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.wake?.(), DEBOUNCE_MS);
  }

  /** One checkpoint, in the compute process, with the settings the view's first job used. */
  private async inspect(file: string): Promise<GeometryReport | null> {
    const s = readSettings();
    const job: InspectJob = { path: file, options: s.options, thresholds: s.thresholds, engine: s.engine, device: s.device };
    const r = await this.svc.compute.run('inspect', job);
    return 'checkpoints' in r ? null : r;
  }

  private onEvent(e: WatchEvent): void {
    const log = (m: string): void => this.svc.log.appendLine(`[${new Date().toISOString()}] run ${path.basename(this.folder)}: ${m}`);
    switch (e.type) {
      case 'checkpoint':
        this.problems.delete(e.file);
        log(`${e.replaced ? 'replaced' : 'new'} checkpoint ${path.basename(e.file)}${e.epoch !== null ? ` (epoch ${e.epoch})` : ''}`);
        break;
      case 'removed':
        this.problems.delete(e.file);
        log(`checkpoint ${path.basename(e.file)} was removed`);
        break;
      case 'stalled':
        this.problems.set(e.file, `still incomplete after ${e.seconds} s without change: ${e.reason}`);
        log(`${path.basename(e.file)} is still incomplete after ${e.seconds} s without change (${e.reason})`);
        break;
      case 'failed':
        this.problems.set(e.file, e.message);
        log(`${path.basename(e.file)} could not be read: ${e.message}`);
        break;
    }
  }

  /** Sends the run to the view and the warnings when something changed (a new epoch, or what is awaited). */
  private publish(runChanged: boolean): void {
    if (this.target.isDisposed()) return;
    const live: RunLive = {
      following: !this.stop.signal.aborted,
      pending: this.watcher.pending(),
      problems: [...this.problems].map(([file, message]) => ({ file, message })),
    };
    const liveKey = JSON.stringify(live);
    if (!runChanged && liveKey === this.lastLive) return;
    this.lastLive = liveKey;
    const run = this.watcher.run;
    if (runChanged) this.svc.warnings.updateRun(run);
    this.target.setView({ kind: 'run', run, live });
  }

  dispose(): void {
    this.stop.abort();
    if (this.debounce) clearTimeout(this.debounce);
    this.subs.forEach((s) => s.dispose());
  }
}
