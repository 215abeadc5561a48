/**
 * The neighbours job (issue 12): one checkpoint, one query row (by index or by the first row with
 * a label), its k nearest rows in its own modality and in each paired one. Only the modalities
 * searched are read. Shared by `dagr neighbors` and the compute process's neighbours panel.
 */
import { stat } from 'node:fs/promises';
import { loadMatrix, openCheckpoint, selectModalities } from '../io';
import type { ArrayEntry, Matrix } from '../io/types';
import { ReaderError } from '../io/types';
import { neighborLists, rowNorms } from '../engine/neighbors';
import type { NeighborsParams, NeighborsResult } from '../protocol/neighbors';
import { readLabels } from './classes';
import type { JobControl } from './types';
import { throwIfAborted } from './types';

/** reading is a small share next to the search (which reads every value once more) */
const LOAD_SHARE = 0.3;

/**
 * The matrices of the last file searched, kept while its size and modification time stay the
 * same: the panel asks again on every click, and reading a 1,000,000-row modality takes far
 * longer than searching it. One file only, so the compute process holds at most one checkpoint.
 */
let cached: { key: string; mats: Map<string, Matrix>; norms: WeakMap<Matrix, Float64Array> } | undefined;

async function fileKey(path: string): Promise<string> {
  const s = await stat(path);
  return `${path}\0${s.size}\0${s.mtimeMs}`;
}

/** one modality of `path`, from the kept matrices when the file is unchanged (also the rowMetrics job) */
export async function loadCached(path: string, entry: ArrayEntry): Promise<Matrix> {
  const key = await fileKey(path);
  if (cached?.key !== key) cached = { key, mats: new Map(), norms: new WeakMap() };
  const hit = cached.mats.get(entry.name);
  // (Not moved into WebAssembly memory, residentCopy: a 1M x 768 modality took 14-48 s to copy
  // there on the dev VM, and 3 GB more for a moment, against 0.08 s saved per query; worth it only
  // once the reader reads into such a memory itself.)
  if (hit) return hit;
  const m = await loadMatrix(entry);
  cached.mats.set(entry.name, m);
  return m;
}

/** rowNorms(m) of a kept matrix, worked out once; undefined for a matrix the cache does not hold */
export function keptNorms(m: Matrix): Float64Array | undefined {
  if (!cached || ![...cached.mats.values()].includes(m)) return undefined;
  let v = cached.norms.get(m);
  if (!v) {
    v = rowNorms(m);
    cached.norms.set(m, v);
  }
  return v;
}

/** Forget the kept matrices (tests; a caller that knows the file changed). */
export function clearNeighborsCache(): void {
  cached = undefined;
}

export async function neighborsOf(p: NeighborsParams, ctl?: JobControl): Promise<NeighborsResult> {
  const started = performance.now();
  const progress = ctl?.onProgress;
  progress?.(0, 'reading');
  const cp = await openCheckpoint(p.path);
  const { modalities, labels: labelEntry } = selectModalities(cp, p.modalities);
  const names = modalities.map((m) => m.name);
  const find = (name: string): ArrayEntry => {
    const e = modalities.find((m) => m.name === name);
    if (!e) throw new ReaderError(p.path, `no modality named "${name}"; modalities: ${names.join(', ')}`);
    return e;
  };
  const queryEntry = find(p.modality);
  const targetEntries = (p.in ?? names.filter((n) => n !== p.modality)).map(find).filter((e) => e !== queryEntry);
  let labels: Int32Array | undefined;
  if (labelEntry) {
    const read = await readLabels(labelEntry, queryEntry.shape[0] as number);
    if (typeof read !== 'string') labels = read;
  }
  let row = p.row;
  if (row === undefined) {
    if (p.label === undefined) throw new ReaderError(p.path, 'neighbours need a row index or a label value');
    if (!labels) throw new ReaderError(p.path, `no integer label array to find label ${p.label} in`);
    const at = labels.indexOf(p.label);
    if (at < 0) throw new ReaderError(p.path, `no row has label ${p.label} in "${labelEntry?.name ?? 'labels'}"`);
    row = at;
  }
  const n = queryEntry.shape[0] as number;
  if (!(Number.isInteger(row) && row >= 0 && row < n)) throw new ReaderError(p.path, `row ${row} is outside 0..${n - 1}`);
  const entries = [queryEntry, ...targetEntries];
  const mats: Matrix[] = [];
  for (const [i, e] of entries.entries()) {
    throwIfAborted(ctl?.signal);
    progress?.((LOAD_SHARE * i) / entries.length, `loading ${e.name}`);
    mats.push(await loadCached(p.path, e));
  }
  const [query, ...targets] = mats as [Matrix, ...Matrix[]];
  const lists = await neighborLists(query, row, targets, p.k, labels, {
    own: p.own !== false,
    // the row norms once per kept matrix: later clicks on the same file only take dot products
    normsOf: keptNorms,
    ...(ctl?.signal ? { signal: ctl.signal } : {}),
    onProgress: (f) => progress?.(LOAD_SHARE + (1 - LOAD_SHARE) * f, 'searching'),
  });
  progress?.(1, 'done');
  return {
    source: p.path,
    query: { modality: query.name, row, label: labels ? (labels[row] as number) : null },
    k: p.k,
    lists,
    ...(labelEntry && labels ? { labels: labelEntry.name } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}
