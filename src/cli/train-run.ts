/**
 * `dagr train CONFIG.json` and `dagr sweep CONFIG.json`: read and validate the config (paths in it
 * are relative to the config file), run, show a progress bar on stderr when it is a terminal,
 * print the run (or sweep) folder on stdout. Exit codes as every sub-command's (./errors.ts):
 * 0 done, 2 bad config or dataset (one line), 1 a failure while training, 130 interrupted (the run
 * is cancelled cleanly and resumable). The CLI's side of src/train: the trainer never imports the CLI.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { createProgress, type Progress } from './progress';
import { parseArgs as parseFlags } from './args';
import { EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_FAILED } from './errors';
import { ReaderError } from '../io/types';
import type { EpochMetrics, TrainConfig } from '../protocol/train';
import { ConfigError, validateSweepConfig, validateTrainConfig } from '../train/config';
import { DatasetError } from '../train/dataset';
import { sweep } from '../train/sweep';
import { train } from '../train/trainer';

const USAGE_TRAIN = 'usage: dagr train CONFIG.json [--resume RUN_DIR]';
const USAGE_SWEEP = 'usage: dagr sweep CONFIG.json';
export const EXIT = { ok: EXIT_OK, failed: EXIT_RUN_FAILED, bad: EXIT_BAD_INPUT, interrupted: EXIT_INTERRUPTED } as const;

interface Io {
  out(line: string): void;
  err(text: string): void;
  isTTY: boolean;
}

const realIo: Io = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
};

function epochLine(m: EpochMetrics): string {
  const acc = Object.entries(m.valAccuracy)
    .map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`)
    .join(', ');
  const rank = Object.entries(m.effectiveRank)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
  return `epoch ${m.epoch}: loss ${m.losses.total.toFixed(4)}; val acc ${acc}; eff. rank ${rank} (${m.seconds.toFixed(1)} s)\n`;
}

/** Reads a JSON config and resolves its paths against the config file's folder. */
async function readConfig(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '(file)', `cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, '(file)', `is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    const base = path.dirname(path.resolve(file));
    for (const k of ['dataset', 'outDir', 'resumeFrom']) if (typeof o[k] === 'string' && o[k]) o[k] = path.resolve(base, o[k] as string);
  }
  return raw;
}

/** The CONFIG.json and the flags, through the parser every sub-command uses; usage or an error as one line. */
function parseArgs(argv: string[], usage: string, flags: string[]): { file: string; values: Record<string, string> } | string {
  if (argv.some((a) => a === '-h' || a === '--help')) return usage;
  let parsed;
  try {
    parsed = parseFlags(argv, { values: flags, booleans: [] });
  } catch (e) {
    return `${e instanceof Error ? e.message : String(e)}; ${usage}`;
  }
  if (parsed.positionals.length !== 1) return usage;
  return { file: parsed.positionals[0] as string, values: Object.fromEntries(parsed.values) };
}

/** Classifies an error: bad input (exit 2, one line) or a failure (exit 1). */
function report(e: unknown, io: Io): number {
  const msg = e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e);
  const bad =
    e instanceof ConfigError || e instanceof DatasetError || e instanceof ReaderError || (e instanceof Error && e.name === 'ReaderError');
  io.err(`dagr: ${msg}\n`);
  return bad ? EXIT.bad : EXIT.failed;
}

/** Aborts on the first SIGINT; a second one exits at once. Returns the cleanup. */
function onInterrupt(ac: AbortController, io: Io): () => void {
  const handler = () => {
    if (ac.signal.aborted) process.exit(EXIT.interrupted);
    io.err('\ndagr: interrupted; finishing the current batch (Ctrl-C again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/**
 * What train and sweep share: parse the arguments (usage or an error: one line), abort on Ctrl-C,
 * draw the progress bar on a terminal, and turn a thrown error into its exit code.
 */
async function runCommand(
  argv: string[],
  usage: string,
  flags: string[],
  io: Io,
  body: (args: { file: string; values: Record<string, string> }, signal: AbortSignal, progress: Progress) => Promise<number>,
): Promise<number> {
  const args = parseArgs(argv, usage, flags);
  if (typeof args === 'string') {
    io.err(`dagr: ${args}\n`);
    return args === usage && argv.some((a) => a === '-h' || a === '--help') ? EXIT.ok : EXIT.bad;
  }
  const ac = new AbortController();
  const cleanup = onInterrupt(ac, io);
  const progress = createProgress({ isTTY: io.isTTY, columns: process.stderr.columns, write: io.err });
  try {
    return await body(args, ac.signal, progress);
  } catch (e) {
    progress.done();
    return report(e, io);
  } finally {
    cleanup();
  }
}

export function runTrainCli(argv: string[], io: Io = realIo): Promise<number> {
  return runCommand(argv, USAGE_TRAIN, ['resume'], io, async (args, signal, progress) => {
    // "engine" is allowed so a run's own config.json can be trained again.
    const cfg: TrainConfig = validateTrainConfig(await readConfig(args.file), args.file, ['engine']);
    if (args.values.resume) cfg.resumeFrom = path.resolve(args.values.resume);
    const s = await train(cfg, {
      signal,
      onProgress: (f, msg) => progress.update(f, msg),
      onEpoch: (m) => {
        progress.done();
        io.err(epochLine(m));
      },
    });
    progress.done();
    io.err(`backend: ${s.backend}\n`);
    if (s.message && s.status !== 'cancelled') io.err(`note: ${s.message}\n`);
    if (s.status === 'cancelled')
      io.err(`dagr: run cancelled after ${s.epochsCompleted} epoch(s); resume with: dagr train ${args.file} --resume ${s.runDir}\n`);
    io.out(s.runDir);
    return s.status === 'cancelled' ? EXIT.interrupted : EXIT.ok;
  });
}

export function runSweepCli(argv: string[], io: Io = realIo): Promise<number> {
  return runCommand(argv, USAGE_SWEEP, [], io, async (args, signal, progress) => {
    const cfg = validateSweepConfig(await readConfig(args.file), args.file);
    const points = await sweep(cfg, {
      signal,
      onProgress: (f, msg) => progress.update(f, msg),
      onPoint: (p) => {
        progress.done();
        const params = Object.entries(p.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        io.err(`${params}: mean unimodal ${(100 * p.meanUnimodalAccuracy).toFixed(1)}%, fusion ${(100 * p.fusionAccuracy).toFixed(1)}%\n`);
      },
    });
    progress.done();
    const dir = points[0] ? path.dirname(points[0].runDir) : cfg.outDir;
    for (const p of points) {
      const params = Object.entries(p.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      io.err(
        `${p.pareto ? '*' : ' '} ${params.padEnd(28)} unimodal ${(100 * p.meanUnimodalAccuracy).toFixed(1).padStart(5)}%  fusion ${(100 * p.fusionAccuracy).toFixed(1).padStart(5)}%\n`,
      );
    }
    io.out(dir);
    return signal.aborted ? EXIT.interrupted : EXIT.ok;
  });
}
