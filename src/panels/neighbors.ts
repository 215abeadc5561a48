/**
 * The host side of the neighbours panel, the movers section and row exports (issue 12): runs the
 * compute process's `neighbors` / `movers` jobs for the view's checkpoint(s) and posts the answer
 * back, and saves listed rows as CSV or JSON through the save dialog. One job of each kind at a
 * time: a new click cancels the previous search.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { InspectJob } from '../protocol/messages';
import { isAbortError } from '../protocol/messages';
import type { NeighborsMessage, NeighborsRequest } from '../protocol/neighborsView';
import { toCsv, toJsonRows } from '../protocol/neighborsView';
import { withRowMetrics } from '../protocol/rowMetrics';
import type { PersistedState } from '../protocol/webview';
import { readSettings } from '../settings/config';
import type { Services } from './services';
import { moversPair } from './moversPair';

export interface NeighborsHost {
  source: PersistedState['source'];
  /** the modalities the view was computed with (its controls), when the user chose them */
  modalities(): string[] | undefined;
  /** a run view's checkpoint files (movers between two of them), else none */
  checkpoints(): string[];
  post(m: NeighborsMessage): void;
  isDisposed(): boolean;
}

type JobWhat = 'neighbors' | 'movers' | 'rowMetrics';
type SaveRows = Extract<NeighborsRequest, { type: 'saveRows' }>;
/** the rows to write, and why per-row metrics are missing or partial ('' when complete or not asked) */
type RowsToWrite = { columns: string[]; rows: (string | number | null)[][]; note: string; failed: boolean };

export class NeighborsController {
  private jobs = new Map<JobWhat, vscode.CancellationTokenSource>();

  constructor(
    private readonly view: NeighborsHost,
    private readonly svc: Services,
  ) {}

  onMessage(m: NeighborsRequest): void {
    switch (m.type) {
      case 'neighbors':
        void this.neighbors(m);
        break;
      case 'movers':
        void this.movers(m);
        break;
      case 'saveRows':
        // a scatter selection: per-row metrics from the compute process once the user has picked a file
        void saveRows(m, this.view.source, m.metrics ? () => this.withMetrics(m) : undefined);
        break;
    }
  }

  private start(what: JobWhat): vscode.CancellationTokenSource {
    this.jobs.get(what)?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.jobs.set(what, cts);
    return cts;
  }

  private finish(what: JobWhat, cts: vscode.CancellationTokenSource): boolean {
    const current = this.jobs.get(what) === cts;
    if (current) this.jobs.delete(what);
    cts.dispose();
    return current && !this.view.isDisposed();
  }

  private async neighbors(m: Extract<NeighborsRequest, { type: 'neighbors' }>): Promise<void> {
    const file = this.view.source.kind === 'file' ? this.view.source.paths[0] : undefined;
    if (file === undefined) return;
    const cts = this.start('neighbors');
    const chosen = this.view.modalities();
    try {
      const result = await this.svc.compute.run(
        'neighbors',
        {
          path: file,
          modality: m.modality,
          k: m.k,
          ...(m.row !== undefined ? { row: m.row } : { label: m.label as number }),
          ...(chosen && chosen.length > 0 ? { modalities: chosen } : {}),
        },
        { token: cts.token },
      );
      if (this.finish('neighbors', cts)) this.view.post({ type: 'neighborsResult', result });
    } catch (e) {
      if (this.finish('neighbors', cts) && !isAbortError(e)) {
        this.view.post({ type: 'neighborsError', what: 'neighbors', message: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  private async movers(m: Extract<NeighborsRequest, { type: 'movers' }>): Promise<void> {
    const k = m.k;
    const pair = moversPair(this.view.source, this.view.checkpoints(), m);
    if (typeof pair === 'string') {
      if (!this.view.isDisposed()) this.view.post({ type: 'neighborsError', what: 'movers', message: pair });
      return;
    }
    const [a, b] = pair;
    const cts = this.start('movers');
    const settings = readSettings();
    const job = (p: string): InspectJob => ({
      path: p,
      options: settings.options,
      thresholds: settings.thresholds,
      engine: settings.engine,
      device: settings.device,
    });
    try {
      const r = await this.svc.compute.run(
        'movers',
        { a: job(a), b: job(b), k },
        {
          title: `DAGR: neighbourhood changes ${path.basename(a)} → ${path.basename(b)}`,
          token: cts.token,
        },
      );
      if (this.finish('movers', cts)) this.view.post({ type: 'moversResult', movers: r.movers, summary: r.moversSummary });
    } catch (e) {
      if (this.finish('movers', cts)) {
        this.view.post({
          type: 'neighborsError',
          what: 'movers',
          message: isAbortError(e) ? 'Cancelled.' : e instanceof Error ? e.message : String(e),
        });
      }
    }
  }

  /**
   * The selection's rows with drift, partner cosine and partner rank per pair appended. A failure
   * (or Cancel) keeps the export: the rows without metrics, and the reason for the message.
   */
  private async withMetrics(m: SaveRows): Promise<RowsToWrite> {
    const plain = (note: string): RowsToWrite => ({ columns: m.columns, rows: m.rows, note, failed: true });
    const ask = m.metrics;
    const file = this.view.source.kind === 'file' ? this.view.source.paths[0] : undefined;
    if (!ask) return { columns: m.columns, rows: m.rows, note: '', failed: false };
    if (file === undefined) return plain('per-row metrics need one checkpoint file');
    const cts = this.start('rowMetrics');
    const chosen = this.view.modalities();
    const n = ask.rows.length;
    try {
      const params = { path: file, rows: ask.rows, pairs: ask.pairs, ...(chosen && chosen.length > 0 ? { modalities: chosen } : {}) };
      const title = `DAGR: per-row metrics of ${n} rows`;
      // each selected row is one pass over the file's rows: even a few rows of a million-row file
      // take minutes, so every export gets the notification with progress and Cancel
      const r = await this.svc.compute.run('rowMetrics', params, { title, token: cts.token });
      this.finish('rowMetrics', cts);
      const merged = withRowMetrics(m.columns, m.rows, r);
      return { ...merged, note: r.notes.join('; '), failed: r.pairs.length === 0 };
    } catch (e) {
      this.finish('rowMetrics', cts);
      return plain(isAbortError(e) ? 'cancelled' : e instanceof Error ? e.message : String(e));
    }
  }

  dispose(): void {
    for (const c of this.jobs.values()) c.cancel();
    this.jobs.clear();
  }
}

/** Listed rows to a file the user picks (the dialog asks before replacing a file). */
export async function saveRows(
  m: SaveRows,
  source: PersistedState['source'],
  /** columns to add once a file is picked (a selection's per-row metrics) */
  extend?: () => Promise<RowsToWrite>,
): Promise<vscode.Uri | undefined> {
  const first = source.paths[0] ?? 'rows';
  const base = path.basename(first).replace(/\.[^.]+$/, '');
  const safeWhat = m.what.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'rows';
  const dir = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(first));
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(dir, `${base}.${safeWhat}.${m.format}`),
    filters: m.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    title: `Save ${m.what} as ${m.format.toUpperCase()}`,
  });
  if (!target) return undefined;
  try {
    const out = extend ? await extend() : { columns: m.columns, rows: m.rows, note: '', failed: false };
    const text = m.format === 'csv' ? toCsv(out.columns, out.rows) : toJsonRows(out.columns, out.rows);
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    const saved = `DAGR: ${out.rows.length} rows saved to ${target.fsPath}`;
    if (out.failed) void vscode.window.showWarningMessage(`${saved} without per-row metrics: ${out.note}`);
    else if (out.note) void vscode.window.showInformationMessage(`${saved} (${out.note})`);
    else void vscode.window.showInformationMessage(saved);
    return target;
  } catch (e) {
    void vscode.window.showErrorMessage(`DAGR: saving to ${target.fsPath} failed: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
