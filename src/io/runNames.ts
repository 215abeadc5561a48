/**
 * What a run folder's file names say: which files may hold checkpoints, and the epoch or step in
 * a name (the last number; "step" in the name makes it a step). Shared by listRun (src/io/run.ts)
 * and the run watcher (src/jobs/watch.ts); no reader is imported, so the extension host can use it.
 */

/** Files a run folder may hold checkpoints in (PyTorch's .pt/.pth/.ckpt/.bin and Parquet included). */
export const CHECKPOINT_EXT = /\.(safetensors|npz|json|pt|pth|ckpt|bin|parquet)$/;
/** Files that may be something else entirely (configs, tokenizer or optimizer blobs): skipped when unreadable. */
export const MAYBE_NOT_CHECKPOINT = /\.(json|bin)$/i;
/** .npy files that are checkpoint metadata or labels, not numbered checkpoints. */
export const SPECIAL_NPY = new Set(['labels', 'y', 'epoch', 'step']);

export function lastInteger(name: string): { value: number; pattern: string } | null {
  const m = /(\d+)(?!.*\d)/.exec(name);
  if (!m || m.index === undefined) return null;
  const value = Number(m[1]);
  if (!Number.isSafeInteger(value)) return null;
  return { value, pattern: name.slice(0, m.index) + '#' + name.slice(m.index + (m[1] as string).length) };
}

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Epoch (or step, when the name says "step" and not "epoch") from the last number in a file name. */
export function orderFromName(name: string): { epoch: number | null; step: number | null } {
  const n = lastInteger(name.replace(/\.(safetensors|npz|npy|json|pt|pth|ckpt|bin|parquet)$/i, ''));
  if (!n) return { epoch: null, step: null };
  return /step/i.test(name) && !/epoch/i.test(name) ? { epoch: null, step: n.value } : { epoch: n.value, step: null };
}
