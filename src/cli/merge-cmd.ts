/**
 * `dagr inspect INPUT --partial OUT [--shard I/N]` (one part's exact, mergeable summary) and
 * `dagr merge PARTS... [--json] [--html OUT]` (the report of all parts), DESIGN.md section 2c.
 *
 * Which part a process computes: --shard I/N; else the array index a scheduler gives its tasks
 * (partFromEnv), so one command line serves every task of a Kubernetes Indexed Job, a Slurm job
 * array or an AWS Batch array job; else the whole input as one part.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeometryReport } from '../protocol/report';
import type { FlagSpec, ParsedArgs } from './args';
import { numberFlag, parseArgs } from './args';
import type { CommandContext } from './context';
import { EXIT_OK, UsageError } from './errors';
import { formatReport } from './format';
import { MERGE_HELP_TEXT } from './merge-help';
import { writeHtml } from './html';
import { printJson } from './json';
import { deviceFlag, ENGINES, failOn, inspectRequest, thresholds, THRESHOLD_FLAGS } from './options';
import { choiceFlag } from './args';
import { createProgress } from './progress';
import { warningExit } from './inspect-cmd';

export interface Part {
  index: number;
  count: number;
  /** where the index came from, for the summary line */
  from: string;
}

type Env = Record<string, string | undefined>;

function intFrom(raw: string | undefined, what: string, min: number): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const x = Number(raw);
  if (!Number.isSafeInteger(x) || x < min) throw new UsageError(`${what} must be an integer >= ${min}, got "${raw}"`);
  return x;
}

/**
 * The part this process computes. Order: --shard I/N; JOB_COMPLETION_INDEX (Kubernetes Indexed
 * Job, 0-based; the count from --shards or DAGR_SHARD_COUNT, as Kubernetes does not export
 * .spec.completions); SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN, so `--array=1-8` works)
 * with SLURM_ARRAY_TASK_COUNT; AWS_BATCH_JOB_ARRAY_INDEX (0-based) with the count from --shards,
 * DAGR_SHARD_COUNT or AWS_BATCH_JOB_ARRAY_SIZE (AWS Batch does not set that one: a job definition
 * can). Without any of them: part 0 of 1, the whole input.
 */
export function partFromEnv(shardFlag: string | undefined, shardsFlag: number | undefined, env: Env): Part {
  if (shardFlag !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(shardFlag);
    if (!m) throw new UsageError(`--shard takes I/N (part I of N, 0-based), got "${shardFlag}"`);
    const index = Number(m[1]);
    const count = Number(m[2]);
    if (!(count >= 1 && index < count))
      throw new UsageError(`--shard ${shardFlag}: the part index must be below the part count (0..${count - 1})`);
    return { index, count, from: '--shard' };
  }
  const countFrom = (name: string, extra?: string): number => {
    const c = shardsFlag ?? intFrom(env.DAGR_SHARD_COUNT, 'DAGR_SHARD_COUNT', 1) ?? (extra ? intFrom(env[extra], extra, 1) : undefined);
    if (c === undefined) throw new UsageError(`${name} is set but the number of parts is not: pass --shards N or set DAGR_SHARD_COUNT`);
    return c;
  };
  const check = (p: Part): Part => {
    if (p.index >= p.count) throw new UsageError(`${p.from} = ${p.index} but there are ${p.count} parts (indices 0..${p.count - 1})`);
    return p;
  };
  const k8s = intFrom(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX', 0);
  if (k8s !== undefined) return check({ index: k8s, count: countFrom('JOB_COMPLETION_INDEX'), from: 'JOB_COMPLETION_INDEX' });
  const slurm = intFrom(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID', 0);
  if (slurm !== undefined) {
    const min = intFrom(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN', 0) ?? 0;
    const count = shardsFlag ?? intFrom(env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_COUNT', 1) ?? countFrom('SLURM_ARRAY_TASK_ID');
    return check({ index: slurm - min, count, from: 'SLURM_ARRAY_TASK_ID' });
  }
  const aws = intFrom(env.AWS_BATCH_JOB_ARRAY_INDEX, 'AWS_BATCH_JOB_ARRAY_INDEX', 0);
  if (aws !== undefined)
    return check({
      index: aws,
      count: countFrom('AWS_BATCH_JOB_ARRAY_INDEX', 'AWS_BATCH_JOB_ARRAY_SIZE'),
      from: 'AWS_BATCH_JOB_ARRAY_INDEX',
    });
  if (shardsFlag !== undefined && shardsFlag !== 1) {
    throw new UsageError(
      `--shards ${shardsFlag} needs the part index: --shard I/${shardsFlag}, or a scheduler's JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or AWS_BATCH_JOB_ARRAY_INDEX`,
    );
  }
  return { index: 0, count: 1, from: 'the whole input' };
}

/** `dagr inspect INPUT --partial OUT ...`, called by inspectCommand when --partial is given. */
export async function partialCommand(path: string, args: ParsedArgs, cx: CommandContext): Promise<number> {
  const out = args.values.get('partial') as string;
  if (out.trim() === '') throw new UsageError('--partial needs an output file');
  if (args.values.has('html') || args.values.has('fail-on'))
    throw new UsageError('--partial writes a summary, not a report: --html and --fail-on belong to dagr merge');
  if (args.values.get('engine') === 'tfjs')
    throw new UsageError('--partial computes with onnxruntime or js; --engine tfjs recomputes a finished report only');
  const shards = numberFlag(args, 'shards', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  const part = partFromEnv(args.values.get('shard'), shards, process.env);
  const req = inspectRequest(path, args);
  const { writePartPartial } = await import('../jobs/streamMerge');
  const progress = createProgress();
  let res;
  try {
    res = await writePartPartial(req, out, part.index, part.count, { onProgress: (f, s) => progress.update(f, s), signal: cx.signal });
  } finally {
    progress.done();
  }
  const summary = {
    out,
    part: { index: part.index, count: part.count, from: part.from },
    rows: res.rows,
    totalRows: res.totalRows,
    ranges: res.ranges,
  };
  if (args.booleans.has('json')) printJson(cx.print, summary);
  else cx.print(`part ${part.index} of ${part.count} (${part.from}): ${res.rows} of ${res.totalRows} rows summarized to ${out}`);
  return EXIT_OK;
}

/** inspect's flags plus the partial-summary ones (--partial, --shard, --shards, --stream) */
export function INSPECT_STREAM_FLAGS(base: FlagSpec): FlagSpec {
  return { ...base, values: [...base.values, 'partial', 'shard', 'shards'], booleans: [...base.booleans, 'stream'] };
}

const MERGE_FLAGS = {
  values: ['html', 'fail-on', 'engine', 'threads', 'device'],
  booleans: ['json', 'help'],
  valuePrefixes: ['threshold-'],
};

/** PARTS: files, or folders whose *.json files are all taken */
async function expandParts(items: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const item of items) {
    const st = await stat(item).catch(() => null);
    if (st?.isDirectory()) {
      const names = (await readdir(item)).filter((n) => n.toLowerCase().endsWith('.json') && !n.startsWith('.')).sort();
      if (names.length === 0) throw new UsageError(`${item} holds no .json partial summaries`);
      out.push(...names.map((n) => join(item, n)));
    } else out.push(item);
  }
  return out;
}

export async function mergeCommand(argv: string[], cx: CommandContext): Promise<number> {
  const args = parseArgs(argv, MERGE_FLAGS);
  if (args.booleans.has('help')) return (cx.print(MERGE_HELP_TEXT), EXIT_OK);
  if (args.positionals.length === 0)
    throw new UsageError('merge needs the partial summary files (PARTS...) written by dagr inspect --partial');
  const files = await expandParts(args.positionals);
  cx.currentFile = files[0];
  const fail = failOn(args);
  const hasThresholds = [...args.values.keys()].some((k) => k in THRESHOLD_FLAGS);
  const threads = numberFlag(args, 'threads', (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
  const engine = {
    engine:
      choiceFlag(
        args,
        'engine',
        ENGINES.filter((e) => e !== 'tfjs'),
      ) ?? 'auto',
    ...(threads ? { threads } : {}),
    ...deviceFlag(args),
  };
  const { mergePartials } = await import('../jobs/streamMerge');
  const progress = createProgress();
  let report: GeometryReport;
  try {
    report = await mergePartials(files, engine, hasThresholds ? thresholds(args) : undefined, {
      onProgress: (f, s) => progress.update(f, s),
      signal: cx.signal,
    });
  } finally {
    progress.done();
  }
  const html = args.values.get('html');
  if (html !== undefined) {
    await writeHtml(
      html,
      { kind: 'report', report, availableModalities: Object.keys(report.modalities), maxPointsPlotted: 2000 },
      `DAGR report: ${report.source}`,
    );
  }
  if (args.booleans.has('json')) printJson(cx.print, report);
  else {
    cx.print(formatReport(report));
    if (html !== undefined) cx.print(`\nHTML report written to ${html}`);
  }
  return warningExit([report], fail);
}
