/** `dagr inspect FILE|FOLDER` and `dagr compare A B`. */
import type { GeometryReport, RunReport } from '../protocol/report';
import { parseArgs } from './args';
import { EXIT_OK, EXIT_WARNING, UsageError } from './errors';
import { formatCompare, formatReport, formatRun } from './format';
import { writeHtml } from './html';
import { printJson } from './json';
import { failOn, inspectRequest } from './options';
import type { FailOn } from './options';
import { createProgress } from './progress';
import type { CommandContext } from './context';
import { INSPECT_HELP, COMPARE_HELP } from './help';
import { WEIGHTS_COMPARE_HELP, WEIGHTS_FLAGS, WEIGHTS_HELP, compareWeights, inspectWeights, reportKind } from './weights-cmd';
import { MOVERS_VALUE_FLAGS, formatMovers, moversFlags } from './neighbors-cmd';
import { INSPECT_STREAM_FLAGS, partialCommand } from './merge-cmd';

export async function inspectCommand(argv: string[], cx: CommandContext): Promise<number> {
  const args = parseArgs(argv, INSPECT_STREAM_FLAGS(WEIGHTS_FLAGS));
  if (args.booleans.has('help')) return (cx.print(`${INSPECT_HELP}\n${WEIGHTS_HELP}`), EXIT_OK);
  const [path, ...extra] = args.positionals;
  if (path === undefined) throw new UsageError('inspect needs a FILE or FOLDER');
  if (extra.length > 0) throw new UsageError(`inspect takes one FILE or FOLDER, got also "${extra.join(' ')}"`);
  cx.currentFile = path;
  // a model checkpoint gets the weights report (issue 9); --as weights|embeddings overrides
  // a folder or glob of embedding shards, and --partial, are embeddings (DESIGN.md 2c), never a weights run
  const { openShardSet } = await import('../io/shardSet');
  // (openShardSet throws only for a path laid out as shards whose shards do not line up: still shards)
  const shards =
    !args.values.has('as') &&
    (args.values.has('partial') ||
      (await openShardSet(path).then(
        (s) => s !== null,
        () => true,
      )));
  if (!shards && (await reportKind(path, args)) === 'weights') return inspectWeights(path, args, failOn(args), cx);
  // --partial: one part's mergeable summary instead of a report (DESIGN.md section 2c)
  if (args.values.has('partial')) return partialCommand(path, args, cx);
  const req = inspectRequest(path, args);
  if (args.booleans.has('stream')) req.stream = true;
  const fail = failOn(args);
  const { inspectPath } = await import('../jobs');
  const progress = createProgress();
  let result: GeometryReport | RunReport;
  try {
    result = await inspectPath(req, { onProgress: (f, s) => progress.update(f, s), signal: cx.signal });
  } finally {
    progress.done();
  }
  const html = args.values.get('html');
  const isRun = 'kind' in result && result.kind === 'run';
  if (html !== undefined) {
    const view = isRun
      ? { kind: 'run' as const, run: result as RunReport }
      : {
          kind: 'report' as const,
          report: result as GeometryReport,
          availableModalities: Object.keys((result as GeometryReport).modalities),
          maxPointsPlotted: 2000,
        };
    await writeHtml(html, view, `DAGR report: ${path}`);
  }
  if (args.booleans.has('json')) printJson(cx.print, result);
  else {
    cx.print(isRun ? formatRun(result as RunReport) : formatReport(result as GeometryReport));
    if (html !== undefined) cx.print(`\nHTML report written to ${html}`);
  }
  const reports = isRun ? (result as RunReport).checkpoints.map((c) => c.report) : [result as GeometryReport];
  return warningExit(reports, fail);
}

export async function compareCommand(argv: string[], cx: CommandContext): Promise<number> {
  const args = parseArgs(argv, { ...WEIGHTS_FLAGS, values: [...WEIGHTS_FLAGS.values, ...MOVERS_VALUE_FLAGS] });
  if (args.booleans.has('help')) return (cx.print(`${COMPARE_HELP}\n${WEIGHTS_COMPARE_HELP}`), EXIT_OK);
  const movers = moversFlags(args);
  const [a, b, ...extra] = args.positionals;
  if (a === undefined || b === undefined || extra.length > 0) throw new UsageError('compare needs exactly two checkpoint files, A and B');
  cx.currentFile = a;
  if ((await reportKind(a, args)) === 'weights' && (await reportKind(b, args)) === 'weights') return compareWeights(a, b, args, cx);
  const fail = failOn(args);
  const { compareCheckpoints } = await import('../jobs');
  const progress = createProgress();
  cx.currentFile = a;
  let result;
  try {
    result = await compareCheckpoints(
      inspectRequest(a, args),
      inspectRequest(b, args),
      {
        onProgress: (f, s) => {
          // The file being read decides which name a reader-less error line carries.
          cx.currentFile = f < 0.5 ? a : b;
          progress.update(f, s);
        },
        signal: cx.signal,
      },
      movers,
    );
  } finally {
    progress.done();
  }
  const html = args.values.get('html');
  if (html !== undefined) await writeHtml(html, { kind: 'compare', compare: result }, `DAGR compare: ${a} vs ${b}`);
  if (args.booleans.has('json')) printJson(cx.print, result);
  else {
    cx.print(formatCompare(result));
    if (result.moversSummary) cx.print(formatMovers(result.moversSummary));
    if (html !== undefined) cx.print(`\nHTML report written to ${html}`);
  }
  return warningExit([result.b], fail);
}

/** Exit 3 when --fail-on is given and a warning of that severity fired in any report. */
export function warningExit(reports: GeometryReport[], fail: FailOn): number {
  if (!fail) return EXIT_OK;
  const fired = reports.some((r) => r.warnings.some((w) => fail === 'warning' || w.severity === 'error'));
  return fired ? EXIT_WARNING : EXIT_OK;
}
