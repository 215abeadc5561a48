/**
 * Collapse warnings where the user works: Problems entries, a status-bar item and a notification
 * the first time a warning appears. A checkpoint's warnings sit on its file. A run's warnings
 * belong to the run (issue 14 item 3): one entry per warning that fires at the newest epoch, on
 * the newest checkpoint, saying since which epoch; they go when the run view closes, and a run
 * notifies once per warning, naming the epoch where it first appeared. The status bar follows the
 * active editor: the warnings of the file or run in front, else a count over everything.
 * Holds the last report per file so a thresholds change re-judges them without recomputing.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { GeometryReport, GeometryWarning, RunReport, RunWarning, Severity } from '../protocol/report';
import type { ComputeService } from '../compute/service';
import type { WarningPlace } from '../protocol/webview';
import { readSettings } from '../settings/config';
import { checkpointLabel, groupRunWarnings } from '../jobs/runWarnings';
import { keySpans, MAX_SCANNED_BYTES } from './jsonKeys';
import type { KeySpan } from './jsonKeys';

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

interface FileEntry {
  uri: vscode.Uri;
  report: GeometryReport;
  /** a .json checkpoint: where each modality's key is, so its entries open the text there */
  keys?: Map<string, KeySpan>;
}

interface RunEntry {
  folder: string;
  run: RunReport;
  warnings: RunWarning[];
}

/** What the status bar and the Problems panel say about one warning, whoever raised it. */
interface Shown {
  severity: Severity;
  label: string;
  message: string;
  /** where "Open Report" goes: a checkpoint file or a run folder */
  target: vscode.Uri;
}

/** What a Problems entry's link (the diagnostic's code) passes to dagr.revealWarning (src/commands/revealWarning.ts). */
export interface RevealArgs {
  /** a checkpoint's warning: its report is opened and scrolled to the card */
  file?: string;
  /** a run's warning: the run view is opened */
  run?: string;
  place: WarningPlace;
}

/**
 * A diagnostic's code as a link: the Problems panel shows the code as a link and opens its target
 * with command links allowed, which is how an entry reaches its card. (The entry itself opens the
 * checkpoint, whose custom editor is the report, at "Ln 1, Col 1": a binary file has no lines to
 * point at.) Arguments travel as JSON in the query.
 */
function codeLink(code: string, args: RevealArgs): vscode.Diagnostic['code'] {
  return { value: code, target: vscode.Uri.parse(`command:dagr.revealWarning?${encodeURIComponent(JSON.stringify([args]))}`) };
}

const placeOf = (w: { code: string; modality?: string; pair?: string }): WarningPlace => ({
  code: w.code,
  ...(w.modality !== undefined ? { modality: w.modality } : {}),
  ...(w.pair !== undefined ? { pair: w.pair } : {}),
});

const whereOf = (w: { modality?: string; pair?: string }): string => w.modality ?? w.pair ?? '';
const keyOf = (scope: string, w: { code: string; modality?: string; pair?: string }): string => `${scope}|${w.code}|${whereOf(w)}`;

export class WarningCenter implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('dagr');
  private readonly status = vscode.window.createStatusBarItem('dagr.warning', vscode.StatusBarAlignment.Left, 50);
  private readonly files = new Map<string, FileEntry>();
  private readonly runs = new Map<string, RunEntry>();
  /** warnings already notified, so a recompute (or a new epoch) does not notify again */
  private readonly notified = new Set<string>();
  /** the file or run folder in front, when a DAGR view reported it (a webview panel has no uri) */
  private focusedView: string | undefined;
  private readonly changed = new vscode.EventEmitter<{ source: string; warnings: GeometryWarning[] }>();
  readonly onDidChange = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly compute: ComputeService) {
    this.status.name = 'DAGR geometry warning';
    this.subs.push(
      vscode.window.tabGroups.onDidChangeTabs(() => this.renderStatus()),
      vscode.window.tabGroups.onDidChangeTabGroups(() => this.renderStatus()),
      vscode.window.onDidChangeActiveTextEditor(() => this.renderStatus()),
    );
  }

  /** Records a fresh report for its file; notifies about warnings not seen before. */
  update(report: GeometryReport, notify = true): void {
    if (!path.isAbsolute(report.source)) return;
    const uri = vscode.Uri.file(report.source);
    const keys = this.files.get(uri.toString())?.keys;
    this.files.set(uri.toString(), { uri, report, ...(keys ? { keys } : {}) });
    this.render();
    if (notify) this.notifyFile(uri, report.warnings);
    if (/\.json$/i.test(uri.fsPath)) void this.locateKeys(uri, Object.keys(report.modalities));
  }

  /** A text checkpoint: finds its modalities' keys, then draws its entries there (read on the host, so small files only). */
  private async locateKeys(uri: vscode.Uri, names: string[]): Promise<void> {
    try {
      if ((await vscode.workspace.fs.stat(uri)).size > MAX_SCANNED_BYTES) return;
      const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
      const entry = this.files.get(uri.toString());
      if (!entry) return;
      entry.keys = keySpans(text, names);
      this.render();
    } catch {
      // unreadable now: the entries stay at the top of the file
    }
  }

  /**
   * Records a run (first shown, or grown by an epoch): its grouped warnings replace whatever it
   * had; warnings not notified before for this run are, once, with the epoch they first fired.
   */
  updateRun(run: RunReport, notify = true): void {
    const folder = path.resolve(run.source);
    const warnings = run.runWarnings ?? groupRunWarnings(run.checkpoints, run.origin);
    this.runs.set(folder, { folder, run, warnings });
    this.render();
    if (notify) this.notifyRun(folder, run, warnings);
  }

  /** The run view closed: its warnings leave Problems and the status bar (they are the run's). */
  clearRun(folder: string): void {
    if (this.runs.delete(path.resolve(folder))) this.render();
  }

  /** A DAGR view came to the front (or left it: undefined): the status bar follows it. */
  focus(source: string | undefined): void {
    this.focusedView = source === undefined ? undefined : path.resolve(source);
    this.renderStatus();
  }

  /** Thresholds changed: re-judge every stored report in the compute process (no file is re-read). */
  async reevaluate(): Promise<void> {
    const { thresholds } = readSettings();
    for (const [key, e] of [...this.files]) {
      try {
        const warnings = await this.compute.run('evaluateWarnings', { core: e.report, thresholds });
        const current = this.files.get(key);
        if (!current) continue;
        current.report = { ...current.report, thresholds, warnings };
        this.changed.fire({ source: current.report.source, warnings });
        this.notifyFile(current.uri, warnings);
      } catch {
        // a failed re-judgement keeps the old warnings; the next compute replaces them
      }
    }
    this.render();
  }

  /** The latest report of a file, for "Open Report" and the status bar. */
  reportFor(uri: vscode.Uri): GeometryReport | undefined {
    return this.files.get(uri.toString())?.report;
  }

  /** The run warnings shown for a run folder (tests, the run view). */
  runWarningsFor(folder: string): RunWarning[] | undefined {
    return this.runs.get(path.resolve(folder))?.warnings;
  }

  private render(): void {
    this.diagnostics.clear();
    const byUri = new Map<string, { uri: vscode.Uri; diags: vscode.Diagnostic[]; runKeys: Set<string> }>();
    const at = (uri: vscode.Uri): { uri: vscode.Uri; diags: vscode.Diagnostic[]; runKeys: Set<string> } => {
      let slot = byUri.get(uri.toString());
      if (!slot) byUri.set(uri.toString(), (slot = { uri, diags: [], runKeys: new Set() }));
      return slot;
    };
    // a run: one entry per warning firing at its newest epoch, on the newest checkpoint
    for (const { folder, run, warnings } of this.runs.values()) {
      const newest = run.checkpoints[run.checkpoints.length - 1];
      if (!newest) continue;
      const slot = at(vscode.Uri.file(newest.file));
      for (const w of warnings.filter((x) => x.active)) {
        slot.runKeys.add(keyOf('', w));
        slot.diags.push(runDiagnostic(folder, run, w));
      }
    }
    // a checkpoint opened on its own; a warning its run already lists is not repeated
    for (const { uri, report, keys } of this.files.values()) {
      const slot = at(uri);
      slot.diags.push(...report.warnings.filter((w) => !slot.runKeys.has(keyOf('', w))).map((w) => fileDiagnostic(report, w, keys)));
    }
    for (const { uri, diags } of byUri.values()) if (diags.length > 0) this.diagnostics.set(uri, diags);
    this.renderStatus();
  }

  /** The file or run folder in front: a text or custom editor's file, else the DAGR view that said so. */
  private activeSource(): string | undefined {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return input.uri.fsPath;
    if (input instanceof vscode.TabInputWebview) return this.focusedView;
    return undefined;
  }

  private shownFor(source: string | undefined): { known: boolean; items: Shown[]; name: string } {
    if (source === undefined) return { known: false, items: [], name: '' };
    const resolved = path.resolve(source);
    const run = this.runs.get(resolved);
    if (run) {
      return {
        known: true,
        name: `run ${path.basename(resolved)}`,
        items: run.warnings
          .filter((w) => w.active)
          .map((w) => ({
            severity: w.severity,
            label: shortLabel(w),
            message: runMessage(run.run, w),
            target: vscode.Uri.file(resolved),
          })),
      };
    }
    const file = this.files.get(vscode.Uri.file(resolved).toString());
    if (file) {
      return {
        known: true,
        name: path.basename(resolved),
        items: file.report.warnings.map((w) => ({
          severity: w.severity,
          label: shortLabel(w),
          message: w.message,
          target: file.uri,
        })),
      };
    }
    return { known: false, items: [], name: '' };
  }

  private renderStatus(): void {
    const front = this.shownFor(this.activeSource());
    let items = front.items;
    let title = front.name;
    if (!front.known) {
      // nothing of ours in front: a count over every file and run, worst first
      items = [
        ...[...this.runs.keys()].flatMap((f) => this.shownFor(f).items),
        ...[...this.files.values()].flatMap((e) => this.shownFor(e.uri.fsPath).items),
      ];
      // notes (information) only show for the file or run in front
      items = items.filter((i) => i.severity !== 'info');
      title = '';
    }
    items = [...items].sort((a, b) => RANK[b.severity] - RANK[a.severity]);
    const first = items[0];
    if (!first) {
      this.status.hide();
      return;
    }
    const count = items.filter((i) => i.severity !== 'info').length;
    const icon = first.severity === 'error' ? '$(error)' : first.severity === 'warning' ? '$(warning)' : '$(info)';
    const more = items.length > 1 ? ` (+${items.length - 1} more)` : '';
    this.status.text = `${icon} DAGR: ${first.label}${more}`;
    const head = title ? `${title}: ` : 'DAGR Lens, all open files and runs: ';
    this.status.tooltip = `${head}${count} warning${count === 1 ? '' : 's'}${items.length > count ? ` and ${items.length - count} note${items.length - count === 1 ? '' : 's'}` : ''}\n${items.map((i) => `• ${i.message}`).join('\n')}\nClick to open the report.`;
    this.status.command = { title: 'Open Report', command: 'dagr.openReport', arguments: [first.target] };
    this.status.backgroundColor =
      first.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : first.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.status.show();
  }

  private notifyFile(uri: vscode.Uri, warnings: GeometryWarning[]): void {
    const fresh = warnings.filter((w) => w.severity !== 'info' && !this.notified.has(keyOf(uri.fsPath, w)));
    fresh.forEach((w) => this.notified.add(keyOf(uri.fsPath, w)));
    const first = fresh.sort((a, b) => RANK[b.severity] - RANK[a.severity])[0];
    if (!first || !readSettings(uri).notifications) return;
    const more = fresh.length > 1 ? ` (+${fresh.length - 1} more)` : '';
    void vscode.window
      .showWarningMessage(`DAGR: ${path.basename(uri.fsPath)}: ${first.message}${more}`, 'Open Report', 'Fine-Tune with DAGR')
      .then((pick) => {
        if (pick === 'Open Report') void vscode.commands.executeCommand('dagr.openReport', uri);
        if (pick === 'Fine-Tune with DAGR') void vscode.commands.executeCommand('dagr.startFineTuning', { checkpoint: uri.fsPath });
      });
  }

  /** Once per run and warning: the epoch it first appeared at, and an action that fits the run. */
  private notifyRun(folder: string, run: RunReport, warnings: RunWarning[]): void {
    const fresh = warnings.filter((w) => w.active && w.severity !== 'info' && !this.notified.has(keyOf(folder, w)));
    fresh.forEach((w) => this.notified.add(keyOf(folder, w)));
    const first = fresh.sort((a, b) => RANK[b.severity] - RANK[a.severity])[0];
    if (!first || !readSettings(vscode.Uri.file(folder)).notifications) return;
    const more = fresh.length > 1 ? ` (+${fresh.length - 1} more)` : '';
    const trainedWithDagr = Boolean(run.origin?.dagr);
    const newest = run.checkpoints[run.checkpoints.length - 1];
    const actions = trainedWithDagr || !newest ? ['Open Run'] : ['Open Run', 'Fine-Tune with DAGR'];
    const hint = first.suggestion ? ` ${first.suggestion}` : '';
    void vscode.window
      .showWarningMessage(`DAGR: run ${path.basename(folder)}: ${runMessage(run, first)}${more}${trainedWithDagr ? hint : ''}`, ...actions)
      .then((pick) => {
        if (pick === 'Open Run') void vscode.commands.executeCommand('dagr.openRun', vscode.Uri.file(folder));
        if (pick === 'Fine-Tune with DAGR' && newest)
          void vscode.commands.executeCommand('dagr.startFineTuning', { checkpoint: newest.file });
      });
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    this.diagnostics.dispose();
    this.status.dispose();
    this.changed.dispose();
  }
}

const severityOf = (s: Severity): vscode.DiagnosticSeverity =>
  s === 'error'
    ? vscode.DiagnosticSeverity.Error
    : s === 'warning'
      ? vscode.DiagnosticSeverity.Warning
      : vscode.DiagnosticSeverity.Information;

/** A run warning's text: the warning at the newest epoch, and since when. */
function runMessage(run: RunReport, w: RunWarning): string {
  const since = checkpointLabel(run.checkpoints, w.onset);
  return w.code === 'not-shared-space' ? w.message : `${w.message} First at ${since}.`;
}

function runDiagnostic(folder: string, run: RunReport, w: RunWarning): vscode.Diagnostic {
  const d = new vscode.Diagnostic(
    new vscode.Range(0, 0, 0, 0),
    `Run ${path.basename(folder)}: ${runMessage(run, w)}${w.suggestion ? ` ${w.suggestion}` : ''}`,
    severityOf(w.severity),
  );
  d.source = 'DAGR';
  d.code = codeLink(w.code, { run: folder, place: placeOf(w) });
  const onset = run.checkpoints[w.onset];
  if (onset) {
    d.relatedInformation = [
      new vscode.DiagnosticRelatedInformation(
        new vscode.Location(vscode.Uri.file(onset.file), new vscode.Position(0, 0)),
        `first at ${checkpointLabel(run.checkpoints, w.onset)}`,
      ),
    ];
  }
  return d;
}

/** A pair's warning points at its first modality's key. */
function keyRange(w: GeometryWarning, report: GeometryReport, keys: Map<string, KeySpan> | undefined): vscode.Range {
  const name = w.modality ?? report.pairs.find((p) => `${p.a}/${p.b}` === w.pair)?.a;
  const k = name !== undefined ? keys?.get(name) : undefined;
  return k ? new vscode.Range(k.line, k.character, k.line, k.character + k.length) : new vscode.Range(0, 0, 0, 0);
}

function fileDiagnostic(report: GeometryReport, w: GeometryWarning, keys?: Map<string, KeySpan>): vscode.Diagnostic {
  const d = new vscode.Diagnostic(keyRange(w, report, keys), w.message, severityOf(w.severity));
  d.source = 'DAGR';
  d.code = codeLink(w.code, { file: report.source, place: placeOf(w) });
  return d;
}

function shortLabel(w: { code: string; modality?: string; pair?: string }): string {
  const what = w.code.replace(/-/g, ' ');
  const where = whereOf(w).replace('/', ' → ');
  return where ? `${where} ${what}` : what;
}
