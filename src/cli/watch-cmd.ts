/**
 * `dagr watch RUN_DIR`: follows a run folder while training writes it (src/jobs/watch.ts) and
 * prints one row, or one JSON object per line, per checkpoint as it lands (those already there
 * first). With --fail-on it exits 3 at the first checkpoint that crosses a threshold, naming the
 * epoch and the warning, so a training script can stop itself. Ctrl-C exits 130.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { GeometryReport, RunReport } from '../protocol/report';
import type { CheckpointRunWarning } from '../jobs/runWarnings';
import type { WatchEvent } from '../jobs/watch';
import { parseArgs, numberFlag } from './args';
import type { FlagSpec } from './args';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_WARNING, UsageError } from './errors';
import { failOn, inspectRequest, METRIC_FLAGS } from './options';
import type { FailOn } from './options';
import type { CommandContext } from './context';
import { WATCH_HELP } from './help';
import { fixed, percent } from './table';
import { engineLine } from './format';

export const WATCH_FLAGS: FlagSpec = {
  ...METRIC_FLAGS,
  values: [...METRIC_FLAGS.values.filter((v) => v !== 'html'), 'timeout', 'interval', 'grace'],
  booleans: ['json-lines', 'help'],
};

/** columns of the table: at most this many modalities and pairs (every one is in --json-lines) */
const MAX_MODALITIES = 4;
const MAX_PAIRS = 3;

/** The JSON-lines object of one checkpoint: the report's own names, without spectra and histograms. */
export function checkpointLine(e: Extract<WatchEvent, { type: 'checkpoint' }>, warnings: CheckpointRunWarning[]): Record<string, unknown> {
  const r = e.report;
  const modalities = Object.fromEntries(
    Object.entries(r.modalities).map(([name, m]) => [
      name,
      {
        dim: m.dim,
        effectiveRank: m.effectiveRank,
        effectiveRankCentered: m.effectiveRankCentered,
        stableRank: m.stableRank,
        dispersiveLoss: m.dispersiveLoss,
        meanCosine: m.meanCosine,
        deadDimensionFraction: m.deadDimensionFraction,
      },
    ]),
  );
  const pairs = Object.fromEntries(
    r.pairs.map((p) => [
      `${p.a}/${p.b}`,
      {
        linearCka: p.linearCka,
        anchoringLoss: p.anchoringLoss,
        modalityGap: p.modalityGap,
        drift: p.drift
          ? { mean: p.drift.mean, median: p.drift.median, p90: p.drift.p90, fractionBeyondTau: p.drift.fractionBeyondTau }
          : null,
        retrieval: p.retrieval,
      },
    ]),
  );
  return {
    event: e.replaced ? 'replaced' : 'checkpoint',
    epoch: e.epoch,
    step: e.step,
    file: e.file,
    n: r.n,
    modalities,
    pairs,
    warnings: warnings.map((w) => ({
      code: w.code,
      severity: w.severity,
      ...(w.modality ? { modality: w.modality } : {}),
      ...(w.pair ? { pair: w.pair } : {}),
      value: w.value,
      threshold: w.threshold,
      onsetEpoch: w.onsetEpoch,
      message: w.message,
    })),
  };
}

/** Fixed-width rows printed one at a time (the table grows while training runs). */
class LiveTable {
  private widths: number[] = [];
  private modalities: string[] = [];
  private pairs: string[] = [];
  private started = false;

  constructor(private readonly print: (t: string) => void) {}

  row(e: Extract<WatchEvent, { type: 'checkpoint' }>, warnings: CheckpointRunWarning[]): void {
    const r = e.report;
    if (!this.started) this.start(r);
    const byName = new Map(r.pairs.map((p) => [`${p.a}/${p.b}`, p]));
    const cells = [
      e.epoch === null ? '-' : String(e.epoch),
      e.step === null ? '-' : String(e.step),
      basename(e.file) + (e.replaced ? ' (replaced)' : ''),
      ...this.modalities.map((m) => fixed(Object.hasOwn(r.modalities, m) ? r.modalities[m]?.effectiveRank : undefined, 2)),
      ...this.pairs.flatMap((k) => {
        const p = byName.get(k);
        return [fixed(p?.drift?.mean, 3), percent(p?.drift?.fractionBeyondTau), percent(p?.retrieval?.aToB.r1)];
      }),
      warnings.length === 0
        ? ''
        : warnings.map((w) => `${w.code}${(w.modality ?? w.pair) ? ` [${w.modality ?? w.pair ?? ''}]` : ''}`).join(', '),
    ];
    this.print(this.line(cells));
  }

  private start(r: GeometryReport): void {
    this.started = true;
    this.modalities = Object.keys(r.modalities).slice(0, MAX_MODALITIES);
    this.pairs = r.pairs.slice(0, MAX_PAIRS).map((p) => `${p.a}/${p.b}`);
    const header = [
      'epoch',
      'step',
      'file',
      ...this.modalities.map((m) => `${m} rank`),
      ...this.pairs.flatMap((p) => [`${p} drift`, `${p} > tau`, `${p} R@1`]),
      'warnings',
    ];
    this.widths = header.map((h, i) => (i === 2 ? Math.max(h.length, 22) : Math.max(h.length, 7)));
    this.print(engineLine(r.engine));
    this.print(this.line(header));
    this.print(this.line(this.widths.map((w) => '-'.repeat(w))));
  }

  private line(cells: string[]): string {
    return cells
      .map((c, i) => (i === 2 || i === cells.length - 1 ? c.padEnd(this.widths[i] ?? 0) : c.padStart(this.widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  }
}

function crosses(w: CheckpointRunWarning, fail: FailOn): boolean {
  return fail === 'warning' ? w.severity === 'warning' || w.severity === 'error' : fail === 'error' && w.severity === 'error';
}

export async function watchCommand(argv: string[], cx: CommandContext): Promise<number> {
  const args = parseArgs(argv, WATCH_FLAGS);
  if (args.booleans.has('help')) return (cx.print(WATCH_HELP), EXIT_OK);
  const [folder, ...extra] = args.positionals;
  if (folder === undefined) throw new UsageError('watch needs a RUN_DIR');
  if (extra.length > 0) throw new UsageError(`watch takes one RUN_DIR, got also "${extra.join(' ')}"`);
  const timeout = numberFlag(args, 'timeout', (x) => x > 0, 'a number of seconds > 0');
  const interval = numberFlag(args, 'interval', (x) => x >= 0.05, 'a number of seconds >= 0.05') ?? 2;
  const grace = numberFlag(args, 'grace', (x) => x >= 0, 'a number of seconds >= 0') ?? 30;
  const jsonLines = args.booleans.has('json-lines');
  const fail = failOn(args);
  cx.currentFile = folder;
  const req = inspectRequest(folder, args);
  const { ReaderError } = await import('../io/types');
  try {
    if (!(await stat(folder)).isDirectory())
      throw new ReaderError(folder, 'not a folder: watch follows a run folder (one checkpoint per epoch)');
  } catch (e) {
    if (e instanceof ReaderError) throw e;
    throw new ReaderError(folder, `no such folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }

  const { openCheckpoint, isFloatDType } = await import('../io');
  const { pairwiseRows, reportFromCheckpoint } = await import('../jobs/inspect');
  const { withLazySizedBackend } = await import('../jobs/sizeRule');
  const { RunWatcher, followRun } = await import('../jobs/watch');
  const { warningsAt } = await import('../jobs/runWarnings');

  const stop = new AbortController();
  let exit = EXIT_OK;
  const onCancel = (): void => {
    exit = EXIT_INTERRUPTED;
    stop.abort();
  };
  if (cx.signal.aborted) return EXIT_INTERRUPTED;
  cx.signal.addEventListener('abort', onCancel, { once: true });
  const timer = timeout !== undefined ? setTimeout(() => stop.abort(), timeout * 1000) : undefined;
  const table = new LiveTable(cx.print);
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  if (!jsonLines)
    cx.print(`dagr watch: ${folder} (every ${interval} s${timeout !== undefined ? `, for ${timeout} s` : ''}; Ctrl-C to stop)`);

  try {
    // one backend, made for the first checkpoint and placed by its size (src/jobs/sizeRule.ts)
    await withLazySizedBackend(req, async (backendFor) => {
      const watcher = new RunWatcher(folder, {
        graceMs: grace * 1000,
        inspect: async (file, signal) => {
          const cp = await openCheckpoint(file);
          if (!cp.entries.some((e) => e.shape.length === 2 && isFloatDType(e.dtype))) return null;
          const backend = await backendFor(pairwiseRows(cp, req));
          return reportFromCheckpoint({ ...req, path: file }, cp, backend, { signal });
        },
      });
      const onEvent = (e: WatchEvent): void => {
        if (e.type === 'checkpoint') {
          const run: RunReport = watcher.run;
          const index = run.checkpoints.findIndex((c) => c.file === e.file);
          const warnings = warningsAt(run, index);
          if (jsonLines) cx.print(JSON.stringify(checkpointLine(e, warnings)));
          else table.row(e, warnings);
          const crossed = fail ? warnings.find((w) => crosses(w, fail)) : undefined;
          if (crossed && exit === EXIT_OK) {
            const where = crossed.modality ?? crossed.pair;
            const at = e.epoch !== null ? `epoch ${e.epoch}` : e.step !== null ? `step ${e.step}` : basename(e.file);
            err(
              `dagr: ${at} (${basename(e.file)}): ${crossed.code}${where ? ` [${where}]` : ''}: ${crossed.message} (--fail-on ${fail ?? ''})`,
            );
            exit = EXIT_WARNING;
            stop.abort();
          }
        } else if (e.type === 'removed') {
          if (jsonLines) cx.print(JSON.stringify({ event: 'removed', file: e.file }));
          else cx.print(`  removed: ${basename(e.file)}`);
        } else if (e.type === 'stalled') {
          if (jsonLines) cx.print(JSON.stringify({ event: 'stalled', file: e.file, reason: e.reason, seconds: e.seconds }));
          err(`dagr: ${e.file}: still incomplete after ${e.seconds} s without change (${e.reason}); still waiting`);
        } else {
          if (jsonLines) cx.print(JSON.stringify({ event: 'failed', file: e.file, message: e.message }));
          err(`dagr: ${e.message.startsWith(e.file) ? e.message : `${e.file}: ${e.message}`}`);
        }
      };
      const follower = followRun(watcher, {
        intervalMs: interval * 1000,
        signal: stop.signal,
        onEvent,
        onError: (e) => err(`dagr: ${folder}: ${e instanceof Error ? e.message : String(e)}`),
      });
      await follower.done;
    });
  } finally {
    if (timer) clearTimeout(timer);
    cx.signal.removeEventListener('abort', onCancel);
  }
  return exit;
}
