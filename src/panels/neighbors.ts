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

export class NeighborsController {
  private jobs = new Map<'neighbors' | 'movers', vscode.CancellationTokenSource>();

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
        void saveRows(m, this.view.source);
        break;
    }
  }

  private start(what: 'neighbors' | 'movers'): vscode.CancellationTokenSource {
    this.jobs.get(what)?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.jobs.set(what, cts);
    return cts;
  }

  private finish(what: 'neighbors' | 'movers', cts: vscode.CancellationTokenSource): boolean {
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

  dispose(): void {
    for (const c of this.jobs.values()) c.cancel();
    this.jobs.clear();
  }
}

/** Listed rows to a file the user picks (the dialog asks before replacing a file). */
export async function saveRows(
  m: Extract<NeighborsRequest, { type: 'saveRows' }>,
  source: PersistedState['source'],
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
    const text = m.format === 'csv' ? toCsv(m.columns, m.rows) : toJsonRows(m.columns, m.rows);
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    void vscode.window.showInformationMessage(`DAGR: ${m.rows.length} rows saved to ${target.fsPath}`);
    return target;
  } catch (e) {
    void vscode.window.showErrorMessage(`DAGR: saving to ${target.fsPath} failed: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
