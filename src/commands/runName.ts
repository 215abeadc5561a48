/**
 * The run folder of a fine-tuning run, chosen by the host before the trainer starts. The trainer
 * would name it only once it starts writing; knowing it up front lets the panel persist the real
 * folder, so a panel restored after a window reload can read how the run ended (summary.json).
 * Pure (no vscode, no fs) for unit tests: the caller passes how to test a path.
 */
import * as path from 'node:path';

/** "run-20261129-135248": the trainer's own default format (UTC), so folders look the same either way. */
export function runStamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `run-${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/**
 * The folder the trainer will create for `base` under `outDir`: it adds -2, -3, ... when the name is
 * taken, so the same walk here predicts its choice.
 */
export function freeRunDir(outDir: string, base: string, exists: (p: string) => boolean): string {
  for (let k = 1; k < 10000; k++) {
    const dir = path.join(outDir, k === 1 ? base : `${base}-${k}`);
    if (!exists(dir)) return dir;
  }
  throw new Error(`no free run folder name under ${outDir}`);
}
