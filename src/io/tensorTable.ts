/**
 * Model checkpoints as tensors: open any checkpoint the readers know (a safetensors file, a
 * sharded Hugging Face set by its index, by any shard or by its folder, a PyTorch file, .npz/.npy,
 * a folder of .npy) and list its tensors from the headers alone, with the shard that holds each
 * one; then read one tensor at a time as a float64 matrix (shape[0] x the rest) in row blocks.
 * Nothing here reads values until asked, so listing a multi-GB set is instant.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TensorRow } from '../protocol/weights';
import { isEmbeddingTableName, layerIndex, modulePath, tensorRole } from '../protocol/tensorNames';
import { ITEMSIZE, isFloatDType, shapeProduct } from './dtype';
import { fileByteSource } from './byteSource';
import { openCheckpoint } from './open';
import { readSharded } from './sharded';
import { readSafetensors } from './safetensors';
import { ArrayEntry, Checkpoint, ReaderError, SkippedEntry } from './types';

const SHARD_NAME = /^(.+)-(\d+)-of-(\d+)\.(safetensors|bin|pt|pth)$/i;

/**
 * A folder that is one model: it holds one *.index.json (a sharded set), or shards named
 * `<name>-0000K-of-0000M.*` without an index, or exactly one model.safetensors /
 * pytorch_model.bin. Returns what to open, or null when the folder is something else (a run
 * folder, a folder of .npy files).
 */
export async function modelInFolder(folder: string): Promise<{ index: string } | { shards: string[] } | { file: string } | null> {
  let names: string[];
  try {
    names = (await readdir(folder)).sort();
  } catch (e) {
    throw new ReaderError(folder, `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const indexes = names.filter((n) => /\.index\.json$/i.test(n));
  if (indexes.length === 1) return { index: join(folder, indexes[0] as string) };
  const shards = names.filter((n) => SHARD_NAME.test(n) && /\.safetensors$/i.test(n));
  if (indexes.length === 0 && shards.length > 0) return { shards: shards.map((n) => join(folder, n)) };
  for (const single of ['model.safetensors', 'pytorch_model.bin']) if (names.includes(single)) return { file: join(folder, single) };
  return null;
}

/** Safetensors shards without an index: one checkpoint of all of them, in file-name order. */
async function readShardFiles(folder: string, files: string[]): Promise<Checkpoint> {
  const entries: ArrayEntry[] = [];
  const skipped: SkippedEntry[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const cp = await readSafetensors(await fileByteSource(f));
    for (const e of cp.entries) {
      const prev = seen.get(e.name);
      if (prev) throw new ReaderError(folder, `tensor ${JSON.stringify(e.name)} is in two shards: ${basename(prev)} and ${basename(f)}`);
      seen.set(e.name, f);
      entries.push(e);
    }
    skipped.push(...(cp.skipped ?? []));
  }
  const cp: Checkpoint = {
    path: folder,
    format: 'sharded',
    entries,
    metadata: { shards: files.map((f) => basename(f)), shardFormat: 'safetensors' },
  };
  if (skipped.length) cp.skipped = skipped;
  return cp;
}

/** Opens a model checkpoint: a file, an index, a shard (its whole set), or a folder holding one model. */
export async function openModel(path: string): Promise<Checkpoint> {
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReaderError(path, code === 'ENOENT' ? 'no such file or folder' : `cannot open: ${code ?? String(e)}`);
  }
  if (!isDir) return openCheckpoint(path);
  const found = await modelInFolder(path);
  if (!found) return openCheckpoint(path); // a folder of .npy files, or its own error
  if ('index' in found) return readSharded(await fileByteSource(found.index));
  if ('shards' in found) return readShardFiles(path, found.shards);
  return openCheckpoint(found.file);
}

/** The table row of one entry (no values read). */
export function tensorRow(cp: Checkpoint, e: ArrayEntry): TensorRow {
  const parameters = shapeProduct(e.shape) ?? Number.MAX_SAFE_INTEGER;
  const ndim = e.shape.length;
  const row: TensorRow = {
    name: e.name,
    dtype: e.dtype,
    shape: [...e.shape],
    parameters,
    bytes: parameters * ITEMSIZE[e.dtype],
    module: modulePath(e.name),
    layer: layerIndex(e.name),
    role: tensorRole(e.name, ndim),
    matrix: ndim >= 2 ? [e.shape[0] as number, rest(e.shape)] : null,
    embeddingTable: ndim === 2 && isFloatDType(e.dtype) && isEmbeddingTableName(e.name),
  };
  if (cp.format === 'sharded' && e.file) row.shard = basename(e.file);
  return row;
}

function rest(shape: readonly number[]): number {
  let n = 1;
  for (let k = 1; k < shape.length; k++) n *= shape[k] as number;
  return n;
}

export function tensorRows(cp: Checkpoint): TensorRow[] {
  return cp.entries.map((e) => tensorRow(cp, e));
}

/** Values read per block (float64): bounded memory whatever the tensor's size. */
const BLOCK_VALUES = 1 << 22;

/**
 * One tensor as a float64 matrix of shape[0] x (product of the rest), read in row blocks
 * (a 1-D tensor is shape[0] x 1, a 0-d one 1 x 1). Only float dtypes: integer tensors (position
 * ids, masks) are not weights.
 */
export function tensorMatrix(e: ArrayEntry): {
  rows: number;
  cols: number;
  blockRows: number;
  read(start: number, end: number): Promise<Float64Array>;
} {
  if (!isFloatDType(e.dtype)) throw new ReaderError(e.file ?? e.name, `"${e.name}" is ${e.dtype}, not a float tensor`);
  const rows = e.shape.length === 0 ? 1 : (e.shape[0] as number);
  const cols = e.shape.length <= 1 ? 1 : rest(e.shape);
  return {
    rows,
    cols,
    blockRows: Math.max(1, Math.floor(BLOCK_VALUES / Math.max(1, cols))),
    async read(start: number, end: number): Promise<Float64Array> {
      const v = await e.readRows(start, end);
      return v instanceof Float64Array ? v : Float64Array.from(v);
    },
  };
}
