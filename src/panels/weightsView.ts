/**
 * The weights report inside a Geometry view (issue 9). For a file it reads the tensor table
 * (header only, instant), decides whether the file is a model checkpoint (the table's looksLike,
 * or the user's "Analyze as…" choice), shows the table at once, then computes the weight geometry
 * in batches in the compute process, largest matrices first or the rows the view shows first,
 * each batch merged into the view as it arrives, with Cancel. Every batch is cached per file
 * content, so reopening is instant. For two model checkpoints it shows the weights comparison.
 * An embeddings file is handed back to the view's own inspect path.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { Controls, HostToWebview, ViewModel } from '../protocol/webview';
import { isAbortError } from '../protocol/messages';
import { mergeWeightsReports } from '../protocol/weights';
import type { TensorTable, WeightsReport } from '../protocol/weights';
import { isWeightsRequest, withoutSpectra } from '../protocol/weightsView';
import type { AnalysisPriority, WeightsProgress, WeightsRequest } from '../protocol/weightsView';
import { readSettings } from '../settings/config';
import type { ViewSource } from './geometryView';
import type { Services } from './services';
import { analysable, orderQueue, takeBatch } from './weightsQueue';
import { weightsServices } from './weightsServices';
import type { WeightsServices } from './weightsServices';

/** What the controller needs of its GeometryView. */
export interface WeightsHost {
  readonly source: ViewSource;
  readonly isDisposed: () => boolean;
  post(m: HostToWebview): void;
  /** show a new view (init/update: the webview redraws) */
  setView(v: ViewModel): void;
  /** remember the view as the webview already has it (patched by weightsProgress), without a redraw */
  keepView(v: ViewModel): void;
  /** the error banner (kept for a webview not ready yet) and a line in the DAGR Lens output */
  showError(message: string): void;
}

/** The reason the analysis gives a tensor that was outside its selection: still to do, for a view. */
export function isPending(reason: string): boolean {
  return reason.startsWith('not selected');
}

export class WeightsController implements vscode.Disposable {
  private readonly ws: WeightsServices;
  private table: TensorTable | undefined;
  /** the report so far, with spectra (the webview gets it without) */
  private report: WeightsReport | null = null;
  private done = new Set<string>();
  private queue: string[] = [];
  private priority: AnalysisPriority = 'largest';
  private run: vscode.CancellationTokenSource | undefined;
  /** bumped by every compute(): a superseded table read or analysis stops touching the view */
  private generation = 0;
  private fromCache = false;
  private failed: string | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly host: WeightsHost,
    private readonly svc: Services,
  ) {
    this.ws = weightsServices(svc);
    this.subs.push(
      this.ws.onRejudged((byFile) => {
        const file = this.file;
        const warnings = file === undefined ? undefined : byFile.get(file);
        if (this.report && warnings && this.table) {
          this.report = { ...this.report, warnings };
          this.publish();
        }
      }),
    );
  }

  private get file(): string | undefined {
    return this.host.source.kind === 'file' ? this.host.source.paths[0] : undefined;
  }

  /** Is a weights report (or comparison) what this view shows now? */
  get showing(): boolean {
    return this.table !== undefined;
  }

  /**
   * Shows the weights report when the source is a model checkpoint (or two, for a comparison):
   * true when it did, false when the view should show the embeddings report instead.
   */
  async compute(byUser: boolean, controls: Controls | undefined): Promise<boolean> {
    const gen = ++this.generation;
    this.stopRun();
    const src = this.host.source;
    if (src.kind === 'compare') return this.computeCompare(gen, byUser);
    const file = this.file;
    // a view asked for named arrays (an embedding table's rows) is an embeddings report
    if (file === undefined || (controls && controls.modalities.length > 0)) return this.handBack();
    const choice = this.ws.choices.get(file);
    if (choice === 'embeddings') return this.handBack();
    let table: TensorTable;
    let cached: Awaited<ReturnType<WeightsServices['cache']['lookup']>>;
    try {
      cached = await this.ws.cache.lookup(file);
      table = cached?.table ?? (await this.svc.compute.run('weightsTable', { path: file }));
    } catch (e) {
      if (gen !== this.generation || this.host.isDisposed()) return true;
      const message = e instanceof Error ? e.message : String(e);
      this.svc.log.appendLine(`weights: reading the tensor table of ${file} failed: ${message}`);
      if (choice !== 'weights') return this.handBack(); // the embeddings path reports its own error
      this.fail(`Could not read the tensors of ${path.basename(file)}: ${message}`);
      return true;
    }
    if (gen !== this.generation || this.host.isDisposed()) return true;
    if (choice === undefined && table.looksLike !== 'weights') return this.handBack();

    this.table = table;
    this.fromCache = cached !== undefined && cached.report !== null;
    this.report = cached?.report ? this.ws.warnings.update(file, cached.report) : null;
    // done: analysed, or judged not analysable; a tensor outside every batch so far says 'not selected'
    this.done = new Set(
      this.report
        ? this.report.tensors.filter((t) => t.analysed || (t.reason !== undefined && !isPending(t.reason))).map((t) => t.name)
        : [],
    );
    this.failed = undefined;
    if (!cached) void this.ws.cache.store(file, table, null, false);
    const left = this.left();
    this.queue = orderQueue(table.tensors, left, this.priority);
    const start = left.size > 0 && !(cached?.stopped ?? false);
    this.host.setView({
      kind: 'weights',
      table,
      report: this.report ? withoutSpectra(this.report) : null,
      progress: this.progress(start ? 'running' : left.size > 0 ? 'stopped' : 'done'),
    });
    if (start) void this.analyse(gen, byUser);
    return true;
  }

  /** The view is an embeddings report after all: forget the weights state. */
  private handBack(): boolean {
    this.table = undefined;
    this.report = null;
    return false;
  }

  /** Analysable tensors not done yet. */
  private left(): Set<string> {
    return new Set((this.table?.tensors ?? []).filter((t) => analysable(t) && !this.done.has(t.name)).map((t) => t.name));
  }

  private progress(state: WeightsProgress['state'], message?: string, within = 0): WeightsProgress {
    const rows = (this.table?.tensors ?? []).filter(analysable);
    const totalParams = rows.reduce((s, t) => s + t.parameters, 0);
    const doneParams = rows.filter((t) => this.done.has(t.name)).reduce((s, t) => s + t.parameters, 0);
    const p: WeightsProgress = {
      total: rows.length,
      done: rows.filter((t) => this.done.has(t.name)).length,
      fraction: totalParams > 0 ? Math.min(1, (doneParams + within) / totalParams) : 1,
      state,
      priority: this.priority,
    };
    if (message !== undefined) p.message = message;
    if (this.fromCache) p.fromCache = true;
    return p;
  }

  /** Sends the report so far and where the analysis stands; the view patches its rows in place. */
  private publish(state?: WeightsProgress['state'], message?: string, within = 0): void {
    if (!this.table) return;
    const left = this.left().size;
    const st = state ?? (this.run ? 'running' : this.failed !== undefined ? 'failed' : left > 0 ? 'stopped' : 'done');
    const progress = this.progress(st, message ?? this.failed, within);
    const report = this.report ? withoutSpectra(this.report) : null;
    this.host.keepView({ kind: 'weights', table: this.table, report, progress });
    this.host.post({ type: 'weightsProgress', report, progress });
  }

  /** Computes the queue batch by batch until it is empty, cancelled, or superseded. */
  private async analyse(gen: number, byUser: boolean): Promise<void> {
    const file = this.file;
    const table = this.table;
    if (file === undefined || !table || this.run) return;
    const cts = new vscode.CancellationTokenSource();
    this.run = cts;
    const params = new Map(table.tensors.map((t) => [t.name, t.parameters]));
    // dagr.device is obeyed; 'auto' takes CUDA or the CPU for weights (src/jobs/weightsAnalyze.ts weightsBackend)
    const { engine, device } = readSettings();
    this.publish('running', undefined);
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `DAGR: weights of ${path.basename(file)}` },
        async (bar) => {
          while (this.queue.length > 0 && !cts.token.isCancellationRequested) {
            // a reorder while a batch ran (weightsAnalyze) queued that batch's names again: drop the done ones
            this.queue = this.queue.filter((n) => !this.done.has(n));
            const batch = takeBatch(this.queue, params);
            if (batch.length === 0) break;
            const batchParams = batch.reduce((s, n) => s + (params.get(n) ?? 0), 0);
            const r = await this.svc.compute.run(
              'weightsAnalyze',
              { path: file, selection: { names: batch }, order: 'file', engine, device },
              {
                token: cts.token,
                onProgress: (f, message) => {
                  if (gen !== this.generation) return;
                  this.publish('running', message, f * batchParams);
                },
              },
            );
            if (gen !== this.generation || this.host.isDisposed()) return;
            batch.forEach((n) => this.done.add(n));
            this.report = this.ws.warnings.update(file, this.report ? mergeWeightsReports(this.report, r) : r);
            const p = this.progress('running');
            bar.report({ message: `${p.done}/${p.total} tensors` });
            this.publish('running');
            void this.ws.cache.store(file, table, this.report, false);
          }
        },
      );
    } catch (e) {
      if (gen !== this.generation || this.host.isDisposed()) return;
      if (!isAbortError(e)) {
        const message = e instanceof Error ? e.message : String(e);
        this.failed = `The weight analysis of ${path.basename(file)} failed: ${message}`;
        this.host.showError(this.failed);
      }
    } finally {
      if (this.run === cts) this.run = undefined;
      cts.dispose();
    }
    if (gen !== this.generation || this.host.isDisposed()) return;
    // the requeue of an aborted batch: its names were taken off the queue but not done
    this.queue = orderQueue(table.tensors, this.left(), this.priority, this.visible);
    const stopped = this.queue.length > 0;
    this.publish();
    void this.ws.cache.store(file, table, this.report, stopped && this.failed === undefined);
    void byUser;
  }

  private visible: string[] = [];

  private stopRun(): void {
    this.run?.cancel();
    this.run = undefined;
  }

  /** The view's Cancel: stop after the batch in flight is abandoned; what is done stays. */
  cancel(): void {
    if (!this.run) return;
    this.run.cancel();
  }

  onMessage(m: unknown): void {
    if (!isWeightsRequest(m)) return;
    void this.handle(m);
  }

  private async handle(m: WeightsRequest): Promise<void> {
    switch (m.type) {
      case 'weightsAnalyze': {
        if (!this.table) return;
        this.priority = m.priority;
        this.visible = m.visible ?? [];
        this.failed = undefined;
        this.queue = orderQueue(this.table.tensors, this.left(), this.priority, this.visible);
        // a running analysis takes the new order with its next batch
        if (!this.run && this.queue.length > 0) void this.analyse(this.generation, true);
        else this.publish();
        return;
      }
      case 'tensorAsEmbeddings': {
        const file = this.file;
        if (file !== undefined) await vscode.commands.executeCommand('dagr.analyzeAsEmbeddings', vscode.Uri.file(file), m.tensor);
        return;
      }
      case 'analyzeAs': {
        const file = this.file;
        if (file === undefined) return;
        await vscode.commands.executeCommand(
          m.as === 'weights' ? 'dagr.analyzeAsWeights' : 'dagr.analyzeAsEmbeddings',
          vscode.Uri.file(file),
        );
        return;
      }
    }
  }

  /** Two model checkpoints: the update A -> B per tensor. */
  private async computeCompare(gen: number, byUser: boolean): Promise<boolean> {
    const [a, b] = this.host.source.paths;
    if (a === undefined || b === undefined) return this.handBack();
    const looks = async (p: string): Promise<boolean> => {
      const choice = this.ws.choices.get(p);
      if (choice !== undefined) return choice === 'weights';
      const t = (await this.ws.cache.lookup(p))?.table ?? (await this.svc.compute.run('weightsTable', { path: p }));
      return t.looksLike === 'weights';
    };
    let both: boolean;
    try {
      both = (await looks(a)) && (await looks(b));
    } catch (e) {
      this.svc.log.appendLine(`weights: reading the tensor tables of ${a} and ${b} failed: ${e instanceof Error ? e.message : String(e)}`);
      return this.handBack();
    }
    if (gen !== this.generation || this.host.isDisposed()) return true;
    if (!both) return this.handBack();
    const name = `${path.basename(a)} vs ${path.basename(b)}`;
    const cts = new vscode.CancellationTokenSource();
    this.run = cts;
    this.host.post({ type: 'busy', message: `Comparing the weights of ${name}…`, focus: byUser });
    try {
      const compare = await this.svc.compute.run(
        'weightsCompare',
        { a, b, engine: readSettings().engine, device: readSettings().device },
        { title: `DAGR: comparing weights of ${name}`, token: cts.token },
      );
      if (gen !== this.generation || this.host.isDisposed()) return true;
      this.host.setView({ kind: 'weightsCompare', compare });
    } catch (e) {
      if (gen !== this.generation || this.host.isDisposed()) return true;
      const message = e instanceof Error ? e.message : String(e);
      if (isAbortError(e)) this.host.post({ type: 'error', message: 'Cancelled. Run Compare Checkpoints again to recompute.' });
      else this.host.showError(`Comparing the weights of ${name} failed: ${message}`);
    } finally {
      if (this.run === cts) this.run = undefined;
      cts.dispose();
    }
    return true;
  }

  private fail(message: string): void {
    this.failed = message;
    this.host.showError(message);
  }

  dispose(): void {
    this.generation++;
    this.stopRun();
    this.subs.forEach((s) => s.dispose());
  }
}
