/**
 * Turning any failure into the CLI's one stderr line and exit code. Reader and engine errors are
 * the user's input (exit 2); everything else is also one line, with a pointer to DAGR_DEBUG.
 */

/**
 * The exit codes of every `dagr` sub-command, the one list (docs/architecture.md and `dagr --help`
 * repeat it): 0 done, 1 a training or sweep run failed, 2 bad input or usage, 3 a warning fired
 * with --fail-on, 130 cancelled with Ctrl-C.
 */
export const EXIT_OK = 0;
/** a training or sweep run failed while running (its run folder keeps what it wrote) */
export const EXIT_RUN_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_WARNING = 3;
/** a cancelled job (Ctrl-C), the shell's convention for SIGINT */
export const EXIT_INTERRUPTED = 130;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One line, "dagr: <file>: <problem>", and the exit code for an error thrown by a command. */
export function describeError(e: unknown, fallbackFile?: string): { line: string; code: number } {
  const err = e instanceof Error ? e : new Error(String(e));
  const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();
  if (err.name === 'AbortError') return { line: 'dagr: cancelled', code: EXIT_INTERRUPTED };
  if (err.name === 'UsageError') return { line: `dagr: ${oneLine(err.message)} (see dagr --help)`, code: EXIT_BAD_INPUT };
  if (err.name === 'ReaderError') {
    // ReaderError's message is already "<file>: <problem>".
    return { line: `dagr: ${oneLine(err.message)}`, code: EXIT_BAD_INPUT };
  }
  const file = (err as { file?: unknown }).file ?? fallbackFile;
  const where = typeof file === 'string' && file !== '' ? `${file}: ` : '';
  // --device cuda where CUDA cannot be used: the reason is the whole message, no file involved.
  if (err.name === 'EngineDeviceError') return { line: `dagr: ${oneLine(err.message)}`, code: EXIT_BAD_INPUT };
  if (err.name === 'EngineError') return { line: `dagr: ${where}${oneLine(err.message)}`, code: EXIT_BAD_INPUT };
  // Not ours: a bug or an environment problem. Still one line; the stack only when asked for.
  return { line: `dagr: ${where}${oneLine(err.message || err.name)} (run with DAGR_DEBUG=1 for details)`, code: EXIT_BAD_INPUT };
}
