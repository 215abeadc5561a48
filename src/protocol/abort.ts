/**
 * Cancellation as one error shape everywhere: an Error named 'AbortError' (the DOM's and Node's
 * name for it), whether the engine stops between tiles, a job between files, or the compute client
 * gives up on a request. It crosses the compute channel as { name, message }, so a check by name
 * works on both sides. No vscode, DOM or node imports.
 */

/** The error a cancelled computation rejects with; `message` says what was cancelled. */
export function abortError(message = 'cancelled'): Error {
  const e = new Error(message);
  e.name = 'AbortError';
  return e;
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/** Throws abortError(message) once `signal` has aborted: the check between tiles, files and steps. */
export function throwIfAborted(signal: AbortSignal | undefined, message?: string): void {
  if (signal?.aborted) throw abortError(message);
}
