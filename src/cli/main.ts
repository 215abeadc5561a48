/**
 * The `dagr` command (bundled to dist/cli.js, which ./launch.ts loads unless it relaunches). Parses
 * the command word, runs it, and turns every failure into one stderr line and an exit code: 0
 * fine, 2 bad input/usage, 3 warning with --fail-on. Heavy modules (engine, tfjs, report) load only inside the command that needs them.
 */
import { version } from '../../package.json';
import type { CommandContext } from './context';
import { describeError, EXIT_BAD_INPUT, EXIT_OK, UsageError } from './errors';
import { MAIN_HELP } from './help';
import { compareCommand, inspectCommand } from './inspect-cmd';
import { embedCommand } from './embed-cmd';
import { engineCommand } from './engine-cmd';
import { neighborsCommand } from './neighbors-cmd';
import { sweepCommand, trainCommand } from './train-cmd';
import { mergeCommand } from './merge-cmd';
import { watchCommand } from './watch-cmd';
import { RELAUNCHED_ENV, sigintHandler } from './relaunch';
import { useEigenThread } from '../engine/linalg/eigenThread';
import { bundledEigenThread } from '../shared/eigenThreadScript';

const COMMANDS: Record<string, (argv: string[], cx: CommandContext) => Promise<number>> = {
  inspect: inspectCommand,
  compare: compareCommand,
  neighbors: neighborsCommand,
  embed: embedCommand,
  engine: engineCommand,
  train: trainCommand,
  sweep: sweepCommand,
  merge: mergeCommand,
  watch: watchCommand,
};

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSigint = sigintHandler(() => controller.abort(), process.env[RELAUNCHED_ENV] === '1');
  process.on('SIGINT', onSigint);
  const cx: CommandContext = { print: (t) => void process.stdout.write(`${t}\n`), signal: controller.signal };
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined) throw new UsageError('no command');
    if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
      cx.print(MAIN_HELP);
      return EXIT_OK;
    }
    if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
      cx.print(version);
      return EXIT_OK;
    }
    const run = COMMANDS[cmd];
    if (!run) throw new UsageError(`unknown command "${cmd}"`);
    return await run(rest, cx);
  } catch (e) {
    const { line, code } = describeError(e, cx.currentFile);
    process.stderr.write(`${line}\n`);
    if (process.env.DAGR_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return code;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

// `dagr inspect ... --json | head` closes the pipe early: that is the reader's choice, not an
// error worth a stack trace. Stop quietly, as other Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
  throw e;
});

// a spectrum's second eigenproblem on a thread of its own (dist/eigen-thread.js beside this bundle)
useEigenThread(bundledEigenThread());

// Set exitCode instead of calling exit() so stdout (possibly a pipe) is flushed first.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`dagr: ${String(e)}\n`);
    process.exitCode = EXIT_BAD_INPUT;
  },
);
