/**
 * Finds the tensors of an unpickled object, named by their path (`state_dict.encoder.weight`,
 * `features.audio`, `layers.0`). Iterative, depth-bounded, and every container is entered once,
 * so a memo bomb (a list holding the previous list twice, 60 times: 2^60 paths over 60 objects)
 * costs 60 steps, and a cycle ends.
 *
 * Checkpoints of a training loop (Lightning `.ckpt`, or any dict with a `state_dict`): the model's
 * tensors come first; optimizer and scheduler state (`optimizer_states`, `optimizer`,
 * `lr_schedulers`, ...) is never offered as arrays: each such subtree is one skipped entry that
 * says how many tensors it holds, so Adam's moment buffers are never mistaken for weights.
 */
import { SkippedEntry } from '../types';
import { PickleError, PyCall, PyDict, PyGlobal, PyList, PyTuple, PyValue } from './pickle';
import { StorageResolver, TensorRef, describe, interpret, isAllowedGlobal } from './rebuild';

/** Deeper than this is not a checkpoint anyone wrote: refused as hostile. */
export const MAX_DEPTH = 256;
/** More tensors than this in one file is refused (a model with a million named tensors is not one we read). */
export const MAX_TENSORS = 1_000_000;

/** Top-level keys of training state that hold tensors which are not weights. */
const TRAINING_STATE = new Set([
  'optimizer_states',
  'optimizer',
  'optimizers',
  'optimizer_state_dict',
  'optim',
  'optim_state',
  'opt',
  'lr_schedulers',
  'lr_scheduler',
  'scheduler',
  'schedulers',
  'scaler',
  'grad_scaler',
  'amp',
  'loops',
  'callbacks',
]);
/** Top-level keys whose tensors are offered first. */
const MODEL_FIRST = ['state_dict', 'model', 'model_state_dict', 'module', 'model_state', 'net', 'ema', 'state_dict_ema'];

export interface Found {
  name: string;
  tensor: TensorRef;
}

export interface WalkResult {
  tensors: Found[];
  skipped: SkippedEntry[];
  metadata: Record<string, unknown>;
}

function keyName(k: PyValue): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') return String(k);
  return `[${describe(k)}]`;
}

function children(v: PyValue): [string, PyValue][] | null {
  if (v instanceof PyDict) return v.keys.map((k, i) => [keyName(k), v.values[i] as PyValue]);
  if (v instanceof PyList || v instanceof PyTuple) return v.items.map((x, i) => [String(i), x]);
  if (typeof v === 'object' && v !== null && 'set' in v && Array.isArray(v.set)) return v.set.map((x, i) => [String(i), x]);
  return null;
}

const join = (path: string, k: string): string => (path ? `${path}.${k}` : k);

/** Why an object that is not a tensor or a container was not read (or null when it is plain data). */
function placeholderReason(v: PyCall): string | null {
  const g = v.callee instanceof PyGlobal ? v.callee : null;
  if (!g) return null;
  if (isAllowedGlobal(g)) return null;
  return `a pickled ${g.full} object: not in PyTorch's weights-only allowed set, so it was recorded, never imported or called`;
}

/**
 * Walks `root`; `rootName` names a bare tensor saved on its own (the file's stem).
 */
export function walk(root: PyValue, storage: StorageResolver, rootName: string): WalkResult {
  const tensors: Found[] = [];
  const skipped: SkippedEntry[] = [];
  const metadata: Record<string, unknown> = {};
  const names = new Set<string>();
  const seen = new Set<object>();

  const unique = (name: string): string => {
    let n = name || rootName;
    for (let k = 2; names.has(n); k++) n = `${name || rootName}#${k}`;
    names.add(n);
    return n;
  };

  /** Counts tensors under a subtree (training state), entering each container once. */
  const count = (v: PyValue): number => {
    let n = 0;
    const todo: [PyValue, number][] = [[v, 0]];
    while (todo.length) {
      const [x, d] = todo.pop() as [PyValue, number];
      if (d > MAX_DEPTH) throw new PickleError(`objects nested deeper than ${MAX_DEPTH} levels`);
      const t = interpret(x, storage);
      if (t) {
        n++;
        continue;
      }
      const ch = children(x);
      if (!ch || seen.has(x as object)) continue;
      seen.add(x as object);
      for (const [, c] of ch) todo.push([c, d + 1]);
    }
    return n;
  };

  const visit = (start: PyValue, startPath: string): void => {
    const todo: [PyValue, string, number][] = [[start, startPath, 0]];
    while (todo.length) {
      const [v, path, d] = todo.pop() as [PyValue, string, number];
      if (d > MAX_DEPTH) throw new PickleError(`objects nested deeper than ${MAX_DEPTH} levels`);
      const t = interpret(v, storage);
      if (t) {
        if (tensors.length + skipped.length >= MAX_TENSORS) throw new PickleError(`more than ${MAX_TENSORS} tensors`);
        const name = unique(path);
        if ('tensor' in t) tensors.push({ name, tensor: t.tensor });
        else skipped.push({ name, reason: t.skip });
        continue;
      }
      if (v instanceof PyCall) {
        const why = placeholderReason(v);
        if (why) skipped.push({ name: unique(path), reason: why });
        continue;
      }
      const ch = children(v);
      if (!ch || seen.has(v as object)) continue;
      seen.add(v as object);
      for (let i = ch.length - 1; i >= 0; i--) {
        const [k, c] = ch[i] as [string, PyValue];
        todo.push([c, join(path, k), d + 1]);
      }
    }
  };

  if (root instanceof PyDict) {
    const keys = root.keys.map(keyName);
    const order: number[] = [];
    for (const m of MODEL_FIRST) {
      const i = keys.indexOf(m);
      if (i >= 0 && root.keys[i] === m) order.push(i);
    }
    for (let i = 0; i < keys.length; i++) if (!order.includes(i)) order.push(i);
    seen.add(root);
    for (const i of order) {
      const k = keys[i] as string;
      const v = root.values[i] as PyValue;
      if (TRAINING_STATE.has(k) && typeof root.keys[i] === 'string' && !interpret(v, storage)) {
        const n = count(v);
        if (n > 0)
          skipped.push({
            name: unique(k),
            reason: `training state (${n} tensor${n === 1 ? '' : 's'}), not model weights: not offered as arrays`,
          });
        continue;
      }
      if (k === 'epoch' || k === 'step' || k === 'global_step') {
        if (typeof v === 'number') metadata[k === 'global_step' ? 'step' : k] ??= v;
        else if (typeof v === 'bigint') metadata[k === 'global_step' ? 'step' : k] ??= Number(v);
      } else if (typeof v === 'string' && /version$/i.test(k)) {
        metadata[k] = v;
      }
      visit(v, k);
    }
  } else {
    visit(root, '');
  }
  return { tensors, skipped, metadata };
}
