/**
 * A run folder followed while training writes it (DESIGN.md section 4: the CLI's `dagr watch` and
 * the run view share this). Each poll lists the folder, waits for files still being written
 * (temporary names, a size that changed since the last poll, a header or zip directory that
 * promises more bytes: src/io/completeness.ts), inspects each new or replaced checkpoint once
 * and drops deleted ones. Old checkpoints are never recomputed. Reading is the caller's: the CLI
 * inspects in-process, the extension asks its compute process, so nothing here loads an engine.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { EngineInfo, GeometryReport, RunOrigin, RunReport } from '../protocol/report';
import { checkCompleteness, temporaryNameReason } from '../io/completeness';
import { CHECKPOINT_EXT, MAYBE_NOT_CHECKPOINT, SPECIAL_NPY, lastInteger, naturalCompare, orderFromName } from '../io/runNames';
import { readRunOrigin } from './runOrigin';
import { firstWarnings, groupRunWarnings } from './runWarnings';
import { abortError } from './types';

export type WatchEvent =
  /** a checkpoint was inspected: new, or `replaced` (the file changed after it was shown) */
  | { type: 'checkpoint'; file: string; epoch: number | null; step: number | null; report: GeometryReport; replaced: boolean }
  /** a shown checkpoint was deleted (or renamed away) */
  | { type: 'removed'; file: string }
  /** a file has stayed incomplete, unchanged, for the grace period: said once, until it completes */
  | { type: 'stalled'; file: string; reason: string; seconds: number }
  /** a file that looks complete and stopped changing could not be read: said once per version of it */
  | { type: 'failed'; file: string; message: string };

export interface RunWatcherOptions {
  /** inspects one checkpoint that is ready; null: the file holds no embeddings (skipped quietly) */
  inspect(file: string, signal?: AbortSignal): Promise<GeometryReport | null>;
  /** how long a file may stay incomplete without changing before it is reported (default 30 s) */
  graceMs?: number;
  /** the clock (tests) */
  now?: () => number;
}

/** A file being waited for, as the run view shows it. */
export interface PendingFile {
  file: string;
  reason: string;
}

interface Shown {
  file: string;
  epoch: number | null;
  step: number | null;
  report: GeometryReport;
  signature: string;
}

interface Track {
  /** signature at the previous poll ('' before the first) */
  last: string;
  /** polls that saw the same signature in a row */
  steady: number;
  /** when the signature last changed (the grace period counts from the last byte written) */
  changedAt: number;
  /** signature already dealt with (shown, skipped or failed): nothing to do while it stays */
  settled?: string;
  stalledSaid: boolean;
  reason?: string;
}

interface Candidate {
  file: string;
  name: string;
  /** a subfolder of .npy files (one checkpoint) */
  npyFiles?: string[];
}

export const DEFAULT_GRACE_MS = 30_000;

const FALLBACK_ENGINE: EngineInfo = { name: 'none yet', device: '', threads: 0 };

function isNpyCheckpointName(name: string): boolean {
  const stem = name.replace(/\.npy$/i, '');
  return !SPECIAL_NPY.has(stem) && lastInteger(stem) !== null;
}

export class RunWatcher {
  private readonly shown = new Map<string, Shown>();
  private readonly tracks = new Map<string, Track>();
  private readonly temporary = new Map<string, string>();
  private origin: RunOrigin | undefined;
  private originRead = false;
  private engine: EngineInfo | undefined;
  private readonly graceMs: number;
  private readonly now: () => number;

  constructor(
    readonly folder: string,
    private readonly opts: RunWatcherOptions,
  ) {
    this.graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Adopts a run computed elsewhere (the run view's first full job): its checkpoints count as
   * shown in the state their files have now, so only later changes are inspected.
   */
  async seed(run: RunReport): Promise<void> {
    this.engine = run.engine;
    if (run.origin) {
      this.origin = run.origin;
      this.originRead = true;
    }
    for (const c of run.checkpoints) {
      const sig = await this.signatureOf({ file: c.file, name: basename(c.file) });
      if (sig === null) continue;
      this.shown.set(c.file, { file: c.file, epoch: c.epoch, step: c.step, report: c.report, signature: sig });
      this.tracks.set(c.file, { last: sig, steady: 1, changedAt: this.now(), settled: sig, stalledSaid: false });
    }
  }

  /** The run as shown now: checkpoints in epoch/step order, first warnings, grouped warnings. */
  get run(): RunReport {
    const key = (v: number | null): number => (v === null ? Infinity : v);
    const cps = [...this.shown.values()]
      .sort((a, b) => key(a.epoch) - key(b.epoch) || key(a.step) - key(b.step) || naturalCompare(basename(a.file), basename(b.file)))
      .map(({ file, epoch, step, report }) => ({ file, epoch, step, report }));
    const run: RunReport = {
      version: 1,
      kind: 'run',
      source: this.folder,
      engine: cps[0]?.report.engine ?? this.engine ?? FALLBACK_ENGINE,
      checkpoints: cps,
      firstWarning: firstWarnings(cps.map((c) => c.report)),
      ...(this.origin ? { origin: this.origin } : {}),
    };
    return { ...run, runWarnings: groupRunWarnings(cps, this.origin) };
  }

  /**
   * New warning thresholds: each shown report gets the warnings `judge` returns for it (the
   * caller re-judges without recomputing geometry); the files are not read again.
   */
  async rejudge(judge: (report: GeometryReport) => Promise<GeometryReport['warnings']>): Promise<void> {
    for (const s of [...this.shown.values()]) {
      const warnings = await judge(s.report);
      const now = this.shown.get(s.file);
      if (now === s) this.shown.set(s.file, { ...s, report: { ...s.report, warnings } });
    }
  }

  /** Files seen but not shown yet, and why (temporary name, still growing, bytes missing). */
  pending(): PendingFile[] {
    const out: PendingFile[] = [...this.temporary].map(([file, reason]) => ({ file, reason }));
    for (const [file, t] of this.tracks) if (t.settled !== t.last && t.reason) out.push({ file, reason: t.reason });
    return out.sort((a, b) => naturalCompare(a.file, b.file));
  }

  /** The folders a poll lists: the run folder, and its checkpoints/ (where `dagr train` writes). */
  private async candidates(): Promise<Candidate[]> {
    const out: Candidate[] = [];
    this.temporary.clear();
    for (const folder of [this.folder, join(this.folder, 'checkpoints')]) {
      let dirents;
      try {
        dirents = await readdir(folder, { withFileTypes: true });
      } catch {
        continue; // not there (yet): checkpoints/ appears when training starts
      }
      for (const d of dirents) {
        const file = join(folder, d.name);
        const lower = d.name.toLowerCase();
        const temp = temporaryNameReason(d.name);
        if (d.isDirectory()) {
          if (temp || (d.name === 'checkpoints' && folder === this.folder)) continue;
          const npy = await readdir(file).then(
            (names) => names.filter((n) => n.toLowerCase().endsWith('.npy') && !temporaryNameReason(n)),
            () => [],
          );
          if (npy.length > 0) out.push({ file, name: d.name, npyFiles: npy.map((n) => join(file, n)) });
          continue;
        }
        if (!d.isFile()) continue;
        const looksLikeCheckpoint = CHECKPOINT_EXT.test(lower) || (lower.endsWith('.npy') && isNpyCheckpointName(d.name));
        if (temp) {
          // written under a temporary name and renamed when done: waited for, never read
          if (/\.(safetensors|npz|npy|pt|pth|ckpt|parquet)/.test(lower)) this.temporary.set(file, `${temp}: waiting for it to be renamed`);
          continue;
        }
        if (looksLikeCheckpoint) out.push({ file, name: d.name });
      }
    }
    return out.sort((a, b) => naturalCompare(a.name, b.name));
  }

  /** size and mtime (of every .npy in a folder checkpoint); null when it is gone */
  private async signatureOf(c: Candidate): Promise<string | null> {
    try {
      const files = c.npyFiles ?? [c.file];
      const parts = await Promise.all(
        files.map(async (f) => {
          const s = await stat(f);
          return `${s.size}:${s.mtimeMs}`;
        }),
      );
      return parts.join('|');
    } catch {
      return null;
    }
  }

  private async completeness(c: Candidate): Promise<{ state: 'complete' | 'unknown' } | { state: 'incomplete'; reason: string }> {
    for (const f of c.npyFiles ?? [c.file]) {
      let size: number;
      try {
        size = (await stat(f)).size;
      } catch {
        return { state: 'incomplete', reason: 'gone while being checked' };
      }
      const r = await checkCompleteness(f, size);
      if (r.state !== 'complete')
        return r.state === 'incomplete' && c.npyFiles ? { state: 'incomplete', reason: `${basename(f)}: ${r.reason}` } : r;
    }
    return { state: 'complete' };
  }

  /**
   * One look at the folder. Events go to `onEvent` as they happen (a slow inspection does not
   * hold back the rows before it) and are also returned.
   */
  async poll(onEvent?: (e: WatchEvent) => void, signal?: AbortSignal): Promise<WatchEvent[]> {
    const events: WatchEvent[] = [];
    const emit = (e: WatchEvent): void => {
      events.push(e);
      onEvent?.(e);
    };
    const seen = new Set<string>();
    for (const c of await this.candidates()) {
      if (signal?.aborted) throw abortError();
      const sig = await this.signatureOf(c);
      if (sig === null) continue;
      seen.add(c.file);
      await this.consider(c, sig, emit, signal);
    }
    for (const file of [...this.tracks.keys()]) {
      if (seen.has(file)) continue;
      this.tracks.delete(file);
      if (this.shown.delete(file)) emit({ type: 'removed', file });
    }
    return events;
  }

  private async consider(c: Candidate, sig: string, emit: (e: WatchEvent) => void, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    let t = this.tracks.get(c.file);
    if (!t) {
      t = { last: '', steady: 0, changedAt: now, stalledSaid: false };
      this.tracks.set(c.file, t);
    }
    const changed = t.last !== '' && t.last !== sig;
    if (t.last !== sig) {
      t.changedAt = now;
      t.steady = 1;
    } else t.steady++;
    t.last = sig;
    if (t.settled === sig) return;
    const wait = (reason: string): void => {
      t.reason = reason;
      const idle = now - t.changedAt;
      if (!t.stalledSaid && idle >= this.graceMs) {
        t.stalledSaid = true;
        emit({ type: 'stalled', file: c.file, reason, seconds: Math.round(idle / 1000) });
      }
    };
    if (changed) return wait('still being written (its size changed since the last look)');
    const done = await this.completeness(c);
    if (done.state === 'incomplete') return wait(done.reason);
    // a format that promises no length is read once its size has held still for a whole poll
    if (done.state === 'unknown' && t.steady < 2) return wait('waiting for its size to stop changing');
    let report: GeometryReport | null;
    try {
      report = await this.opts.inspect(c.file, signal);
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') throw e;
      if ((await this.signatureOf(c)) !== sig) return wait('changed while being read');
      t.settled = sig;
      t.reason = undefined;
      // a config or optimizer blob beside the checkpoints is not a broken checkpoint
      if (e instanceof Error && e.name === 'ReaderError' && MAYBE_NOT_CHECKPOINT.test(c.name)) return;
      emit({ type: 'failed', file: c.file, message: e instanceof Error ? e.message : String(e) });
      return;
    }
    if ((await this.signatureOf(c)) !== sig) return wait('changed while being read');
    t.settled = sig;
    t.reason = undefined;
    t.stalledSaid = false;
    if (!report) return;
    const named = orderFromName(c.name);
    const epoch = report.metadata.epoch ?? (report.metadata.step === undefined ? named.epoch : null);
    const step = report.metadata.step ?? (report.metadata.epoch === undefined ? named.step : null);
    const replaced = this.shown.has(c.file);
    this.shown.set(c.file, { file: c.file, epoch: epoch ?? null, step: step ?? null, report, signature: sig });
    if (!this.originRead || !this.origin) {
      this.originRead = true;
      this.origin = await readRunOrigin(this.folder, report.metadata, c.file);
    }
    emit({ type: 'checkpoint', file: c.file, epoch: epoch ?? null, step: step ?? null, report, replaced });
  }
}

/**
 * Polls `watcher` every `intervalMs` until `signal` aborts; `wake()` on the returned handle starts
 * the next poll at once (a file-system event, debounced by the caller). Resolves when stopped.
 */
export function followRun(
  watcher: RunWatcher,
  opts: {
    intervalMs: number;
    signal: AbortSignal;
    onEvent(e: WatchEvent): void;
    onPolled?(events: WatchEvent[]): void;
    onError?(e: unknown): void;
  },
): { done: Promise<void>; wake(): void } {
  let wakeUp: (() => void) | undefined;
  let early = false;
  const wake = (): void => {
    early = true;
    wakeUp?.();
  };
  const done = (async () => {
    while (!opts.signal.aborted) {
      early = false;
      try {
        const events = await watcher.poll(opts.onEvent, opts.signal);
        opts.onPolled?.(events);
      } catch (e) {
        if (opts.signal.aborted) break;
        opts.onError?.(e);
      }
      if (early) continue;
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          clearTimeout(timer);
          opts.signal.removeEventListener('abort', stop);
          resolve();
        };
        const timer = setTimeout(stop, opts.intervalMs);
        wakeUp = stop;
        opts.signal.addEventListener('abort', stop, { once: true });
      });
      wakeUp = undefined;
    }
  })();
  return { done, wake };
}
