/**
 * A paired dataset for fine-tuning (DESIGN.md section 3): per-modality feature arrays [N, f_m],
 * integer labels [N], an optional split array (0 train, 1 val, 2 test) or else a seeded 80/20
 * train/val split. Reads any reader format through src/io; every problem is a DatasetError that
 * names the file and what is wrong.
 */
import { loadMatrix } from '../io';
import { ReaderError, type ArrayEntry, type Checkpoint } from '../io/types';
import { makeRng, deriveSeed, shuffled } from './rng';

export class DatasetError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DatasetError';
  }
}

export interface ModalityFeatures {
  name: string;
  dim: number;
  /** [n, dim] row-major, standardized with the train rows' mean and std */
  data: Float32Array;
  mean: Float32Array;
  std: Float32Array;
}

export interface PairedDataset {
  file: string;
  n: number;
  numClasses: number;
  modalities: ModalityFeatures[];
  labels: Int32Array;
  train: Int32Array;
  val: Int32Array;
  /** "split array" or "seeded 80/20" */
  splitSource: string;
}

const LABEL_NAMES = ['labels', 'y', 'label', 'targets'];
const SPLIT_NAMES = ['split'];

function isFloat(e: ArrayEntry): boolean {
  return e.dtype.startsWith('float') || e.dtype === 'bfloat16';
}

/** Builds the dataset from an opened checkpoint (the reader is chosen by the caller). */
export async function datasetFromCheckpoint(
  cp: Checkpoint,
  opts: { modalities?: string[]; labels?: string; seed: number },
): Promise<PairedDataset> {
  const file = cp.path;
  const byName = (n: string) => cp.entries.find((e) => e.name === n);
  const labelEntry = opts.labels ? byName(opts.labels) : LABEL_NAMES.map(byName).find((e) => e !== undefined);
  if (!labelEntry)
    throw new DatasetError(file, opts.labels ? `no array named "${opts.labels}" for labels` : 'no labels array ("labels" or "y")');
  if (labelEntry.shape.length !== 1 || isFloat(labelEntry))
    throw new DatasetError(
      file,
      `labels "${labelEntry.name}" must be a 1-D integer array, found ${labelEntry.dtype} [${labelEntry.shape.join(', ')}]`,
    );
  const n = labelEntry.shape[0] ?? 0;
  const splitEntry = SPLIT_NAMES.map(byName).find((e) => e !== undefined);

  let modEntries: ArrayEntry[];
  if (opts.modalities && opts.modalities.length) {
    modEntries = opts.modalities.map((m) => {
      const e = byName(m);
      if (!e) throw new DatasetError(file, `no modality array named "${m}" (arrays: ${cp.entries.map((x) => x.name).join(', ')})`);
      return e;
    });
  } else {
    modEntries = cp.entries.filter((e) => e.shape.length === 2 && isFloat(e));
  }
  if (modEntries.length < 1) throw new DatasetError(file, 'no 2-D float feature arrays found');
  for (const e of modEntries) {
    if (e.shape.length !== 2 || !isFloat(e))
      throw new DatasetError(file, `modality "${e.name}" must be a 2-D float array, found ${e.dtype} [${e.shape.join(', ')}]`);
    if (e.shape[0] !== n) throw new DatasetError(file, `modality "${e.name}" has ${e.shape[0]} rows but labels have ${n}`);
  }
  if (n < 4) throw new DatasetError(file, `need at least 4 rows, found ${n}`);

  const labels = Int32Array.from(await labelEntry.readRows());
  let numClasses = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (y < 0) throw new DatasetError(file, `labels "${labelEntry.name}" row ${i} is negative (${y})`);
    numClasses = Math.max(numClasses, y + 1);
  }
  if (numClasses < 2) throw new DatasetError(file, 'labels need at least 2 classes');

  let train: Int32Array;
  let val: Int32Array;
  let splitSource: string;
  if (splitEntry) {
    if (splitEntry.shape.length !== 1 || splitEntry.shape[0] !== n) throw new DatasetError(file, `split must be 1-D with ${n} rows`);
    const split = await splitEntry.readRows();
    const tr: number[] = [];
    const va: number[] = [];
    split.forEach((s, i) => (s === 0 ? tr : s === 1 ? va : null)?.push(i));
    train = Int32Array.from(tr);
    val = Int32Array.from(va);
    splitSource = 'split array';
  } else {
    const all = shuffled(
      Int32Array.from({ length: n }, (_, i) => i),
      makeRng(deriveSeed(opts.seed, 2)),
    );
    const cut = Math.round(n * 0.8);
    train = all.slice(0, cut).sort();
    val = all.slice(cut).sort();
    splitSource = 'seeded 80/20';
  }
  if (train.length < 2 || val.length < 2)
    throw new DatasetError(file, `split leaves ${train.length} train and ${val.length} validation rows; need at least 2 each`);

  const modalities: ModalityFeatures[] = [];
  for (const e of modEntries) {
    const dim = e.shape[1] ?? 0;
    // A copy: standardization below writes into it, and the reader may hand out shared buffers.
    // loadMatrix refuses NaN/Inf in the stored dtype (naming the row) and scales values float32
    // cannot hold by a power of two, which standardization then removes.
    let data: Float32Array;
    try {
      data = Float32Array.from((await loadMatrix(e)).data);
    } catch (err) {
      if (err instanceof ReaderError) throw new DatasetError(file, `modality ${err.problem}`);
      throw err;
    }
    const { mean, std } = trainStats(data, dim, train);
    standardize(data, dim, mean, std);
    modalities.push({ name: e.name, dim, data, mean, std });
  }
  return { file, n, numClasses, modalities, labels, train, val, splitSource };
}

/** Per-feature mean and std over the train rows (float64 sums; std floor 1e-6 for constant features). */
function trainStats(data: Float32Array, dim: number, rows: Int32Array): { mean: Float32Array; std: Float32Array } {
  const s = new Float64Array(dim);
  const s2 = new Float64Array(dim);
  for (const r of rows) {
    for (let j = 0; j < dim; j++) {
      const x = data[r * dim + j] as number;
      s[j] = (s[j] as number) + x;
      s2[j] = (s2[j] as number) + x * x;
    }
  }
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    const m = (s[j] as number) / rows.length;
    mean[j] = m;
    std[j] = Math.max(1e-6, Math.sqrt(Math.max(0, (s2[j] as number) / rows.length - m * m)));
  }
  return { mean, std };
}

function standardize(data: Float32Array, dim: number, mean: Float32Array, std: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    const j = i % dim;
    data[i] = ((data[i] as number) - (mean[j] as number)) / (std[j] as number);
  }
}

/** Rows `idx` of a [n, dim] matrix, copied into a new [idx.length, dim] array. */
export function gatherRows(data: Float32Array, dim: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * dim);
  for (let k = 0; k < idx.length; k++) {
    const r = idx[k] as number;
    out.set(data.subarray(r * dim, (r + 1) * dim), k * dim);
  }
  return out;
}

export function gatherLabels(labels: Int32Array, idx: ArrayLike<number>): Int32Array {
  const out = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = labels[idx[k] as number] as number;
  return out;
}
