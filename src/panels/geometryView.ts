/**
 * One webview showing a ViewModel: a checkpoint report (custom editor or panel), a run, a
 * comparison, a training session or a sweep. It owns the ready -> init handshake, recomputes in
 * the compute process when controls or settings change, and answers the webview's requests.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { Controls, HostToWebview, PersistedState, ViewModel, WarningPlace } from '../protocol/webview';
import { isWebviewToHost } from '../protocol/webview';
import type { GeometryReport, RunReport } from '../protocol/report';
import type { EpochMetrics, SweepPoint } from '../protocol/train';
import type { InspectJob } from '../protocol/messages';
import { isAbortError } from '../protocol/messages';
import { readSettings } from '../settings/config';
import { reportJobError } from '../compute/service';
import { setupWebview } from './html';
import { exportView } from './export';
import { detached, settleFromFolder } from './restore';
import type { Services } from './services';
import { WeightsController } from './weightsView';
import { RunFollower, followingLive } from './runFollow';
import { NeighborsController } from './neighbors';
import { isNeighborsRequest } from '../protocol/neighborsView';

export type ViewSource = PersistedState['source'];

export class GeometryView implements vscode.Disposable {
  private view: ViewModel | undefined;
  private ready = false;
  private controls: Controls | undefined;
  private job: vscode.CancellationTokenSource | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private disposed = false;
  /** the weights report when the source is a model checkpoint (issue 9) */
  private readonly weights: WeightsController;
  /** a run view follows its folder while training writes it (runFollow.ts) */
  private follower: RunFollower | undefined;
  /** the neighbours panel, movers and row exports (issue 12) */
  private readonly neighbors: NeighborsController;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly source: ViewSource,
    private readonly svc: Services,
    readonly isEditor: boolean,
    restored?: PersistedState,
  ) {
    this.controls = restored?.controls;
    // a restored training or sweep view cannot be recomputed: it shows what it saved, without a
    // job behind it (restore.ts), then how its run folder says the run ended
    if (restored?.view && (source.kind === 'training' || source.kind === 'sweep')) {
      this.view = detached(restored.view);
      void settleFromFolder(this.view, readText).then((v) => {
        if (!this.disposed) this.setView(v);
      });
    }
    setupWebview(panel, svc.extensionUri, panel.title);
    this.weights = new WeightsController(
      {
        source,
        isDisposed: () => this.disposed,
        post: (m) => this.post(m),
        setView: (v) => this.setView(v),
        keepView: (v) => {
          this.view = v;
        },
        showError: (message) => this.showError(message),
      },
      svc,
    );
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      // the status bar follows the view in front (a panel has no file of its own)
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) svc.warnings.focus(source.kind === 'file' || source.kind === 'run' ? source.paths[0] : undefined);
      }),
    );
    this.neighbors = new NeighborsController(
      {
        source,
        modalities: () => this.controls?.modalities,
        checkpoints: () => (this.view?.kind === 'run' ? this.view.run.checkpoints.map((c) => c.file) : []),
        post: (m) => this.post(m),
        isDisposed: () => this.disposed,
      },
      svc,
    );
    svc.views.add(this);
    if (panel.active) svc.warnings.focus(source.kind === 'file' || source.kind === 'run' ? source.paths[0] : undefined);
  }

  get current(): ViewModel | undefined {
    return this.view;
  }

  /** Can this view be recomputed from its source paths? */
  get recomputable(): boolean {
    return this.source.kind === 'file' || this.source.kind === 'run' || this.source.kind === 'compare';
  }

  /**
   * Runs the inspect/compare job for this view's source with the current settings and controls.
   * `byUser`: started from the view's own controls, so the webview may move focus to Cancel; a
   * restored panel or a settings change recomputes without taking the keyboard focus.
   */
  async compute(byUser = false): Promise<void> {
    if (!this.recomputable || this.disposed) return;
    this.job?.cancel();
    // a model checkpoint (or two) gets the weights report; an embeddings file comes back here
    if (await this.weights.compute(byUser, this.controls)) return;
    const cts = new vscode.CancellationTokenSource();
    this.job = cts;
    const settings = readSettings();
    const c = this.controls;
    const job = (p: string): InspectJob => {
      const j: InspectJob = {
        path: p,
        options: c ? { ...settings.options, tau: c.tau, t: c.t, hinge: c.hinge, pairs: c.pairs } : settings.options,
        thresholds: settings.thresholds,
        engine: settings.engine,
        device: settings.device,
      };
      if (c && c.modalities.length > 0 && this.source.kind === 'file') j.modalities = c.modalities;
      return j;
    };
    const name = this.source.paths.map((p) => path.basename(p)).join(' vs ');
    this.post({ type: 'busy', message: `Computing ${name}…`, focus: byUser });
    try {
      let view: ViewModel;
      if (this.source.kind === 'compare') {
        const [a, b] = this.source.paths;
        if (a === undefined || b === undefined) throw new Error('a comparison needs two checkpoints');
        const compare = await this.svc.compute.run(
          'compare',
          { a: job(a), b: job(b) },
          { title: `DAGR: comparing ${name}`, token: cts.token },
        );
        view = { kind: 'compare', compare };
        this.svc.warnings.update(compare.a, false);
        this.svc.warnings.update(compare.b);
      } else {
        const p = this.source.paths[0];
        if (p === undefined) throw new Error('nothing to inspect');
        const r = await this.svc.compute.run('inspect', job(p), { title: `DAGR: inspecting ${name}`, token: cts.token });
        view = this.toView(r, settings.maxPointsPlotted);
      }
      if (this.job !== cts || this.disposed) return; // superseded while running
      this.setView(view);
    } catch (e) {
      if (this.job !== cts || this.disposed) return;
      this.showError(
        isAbortError(e)
          ? 'Cancelled. Change a control or run the command again to recompute.'
          : `Could not compute ${name}: ${e instanceof Error ? e.message : String(e)}`,
        !isAbortError(e),
      );
      reportJobError(e, `inspecting ${name}`);
      // a run folder that could not be read whole (a file half written) is still followed
      if (this.source.kind === 'run' && !isAbortError(e)) this.follow();
    } finally {
      if (this.job === cts) this.job = undefined;
      cts.dispose();
    }
  }

  private toView(r: GeometryReport | RunReport, maxPointsPlotted: number): ViewModel {
    if ('kind' in r && r.kind === 'run') {
      // a run's warnings belong to the run (one entry each, with its onset epoch), and it follows its folder
      this.svc.warnings.updateRun(r);
      this.follow(r);
      return { kind: 'run', run: r, live: followingLive() };
    }
    const report = r as GeometryReport;
    this.svc.warnings.update(report);
    const available = new Set([...Object.keys(report.modalities), ...(this.controls?.modalities ?? [])]);
    return { kind: 'report', report, availableModalities: [...available], maxPointsPlotted };
  }

  /**
   * A failure shown where the user looks: the view's error banner (kept until the webview is ready
   * to show it: a file that fails fast fails before the webview has loaded) and the "DAGR Lens"
   * output log, with a time, so it is still there after the notification has gone.
   */
  showError(message: string, log = true): void {
    if (log) this.svc.log.appendLine(`[${new Date().toISOString()}] ${this.panel.title}: ${message}`);
    this.pendingError = message;
    this.post({ type: 'error', message });
  }

  private pendingError: string | undefined;

  /** Shows a new model (first time: init, afterwards: update). */
  setView(view: ViewModel): void {
    const first = this.view === undefined;
    this.view = view;
    this.pendingError = undefined;
    if (this.ready) this.post({ type: first ? 'init' : 'update', view });
  }

  /** Live training and sweep events go straight to the webview, which appends them. */
  pushEpoch(metrics: EpochMetrics): void {
    if (this.view?.kind === 'training') this.view = { ...this.view, epochs: [...this.view.epochs, metrics] };
    this.post({ type: 'epoch', metrics });
  }

  pushSweepPoint(point: SweepPoint): void {
    if (this.view?.kind === 'sweep') this.view = { ...this.view, points: [...this.view.points, point] };
    this.post({ type: 'sweepPoint', point });
  }

  /** The warnings were re-judged after a thresholds change: patch the shown report in place. */
  patchWarnings(source: string, warnings: GeometryReport['warnings']): void {
    if (this.view?.kind === 'report' && this.view.report.source === source) {
      this.setView({ ...this.view, report: { ...this.view.report, warnings } });
    }
  }

  private readonly cancelRequests = new vscode.EventEmitter<void>();
  /** The view's Cancel button was pressed: the training command cancels its job on it. */
  readonly onDidRequestCancel: vscode.Event<void> = this.cancelRequests.event;

  /** a reveal asked for before the webview was ready: sent once it is */
  private pendingReveal: WarningPlace | undefined;

  /** Scrolls the report to the card a warning is about (a Problems entry's link); the webview waits for the report if needed. */
  reveal(place: WarningPlace): void {
    if (this.ready) this.post({ type: 'reveal', place });
    else this.pendingReveal = place;
  }

  post(msg: HostToWebview): void {
    if (!this.ready || this.disposed) return;
    void this.panel.webview.postMessage(msg);
  }

  private onMessage(m: unknown): void {
    if (!isWebviewToHost(m)) return;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.view) this.post({ type: 'init', view: this.view });
        else if (this.job) this.post({ type: 'busy', message: 'Computing…' });
        if (this.pendingError !== undefined) this.post({ type: 'error', message: this.pendingError });
        if (this.pendingReveal) this.post({ type: 'reveal', place: this.pendingReveal });
        this.pendingReveal = undefined;
        break;
      case 'recompute':
        if (!this.recomputable) break;
        this.controls = m.controls;
        void this.compute(true);
        break;
      case 'export':
        if (this.view) void exportView(this.view, m.format, this.source, (msg) => this.showError(msg));
        break;
      case 'openCheckpoint':
        if (typeof m.file === 'string') void openCheckpointFile(m.file);
        break;
      case 'cancel':
        this.job?.cancel();
        this.cancelRequests.fire();
        this.weights.cancel();
        break;
      case 'openRun':
        // through the command, as checkpoints are: a folder opens as a run, and it is remembered
        if (typeof m.dir === 'string') void vscode.commands.executeCommand('dagr.openRun', vscode.Uri.file(m.dir));
        break;
      case 'fineTune':
        void vscode.commands.executeCommand('dagr.startFineTuning', { checkpoint: this.source.paths[0] });
        break;
      case 'neighbors':
      case 'movers':
      case 'saveRows':
        if (isNeighborsRequest(m)) this.neighbors.onMessage(m);
        break;
      default:
        this.weights.onMessage(m);
    }
  }

  /** Follows this run view's folder from `seed` (the full job's run), or from nothing when that job failed. */
  private follow(seed?: RunReport): void {
    this.follower?.dispose();
    const folder = this.source.paths[0];
    if (this.source.kind !== 'run' || folder === undefined || this.disposed) return;
    this.follower = new RunFollower(folder, { setView: (v) => this.setView(v), isDisposed: () => this.disposed }, this.svc);
    void this.follower.start(seed);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.job?.cancel();
    this.weights.dispose();
    this.neighbors.dispose();
    this.follower?.dispose();
    // a run's warnings leave Problems with its view
    if (this.source.kind === 'run' && this.source.paths[0] !== undefined) this.svc.warnings.clearRun(this.source.paths[0]);
    this.svc.views.delete(this);
    this.subs.forEach((s) => s.dispose());
    this.cancelRequests.dispose();
  }
}

/** A small file of a run folder, read on the host (summary.json, metrics.jsonl, sweep.json). */
async function readText(file: string): Promise<string | undefined> {
  try {
    return Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(file))).toString('utf8');
  } catch {
    return undefined;
  }
}

/** Opens a checkpoint in the geometry editor (or a panel for types the editor is not registered for). */
export async function openCheckpointFile(file: string): Promise<void> {
  await vscode.commands.executeCommand('dagr.inspectCheckpoint', vscode.Uri.file(file));
}
