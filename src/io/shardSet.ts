/**
 * Embedding dumps as one dataset of rows: a folder or glob of shards (LAION-style
 * `img_emb/img_emb_0000.npy`, `text_emb/text_emb_0000.npy`, ...) opens as one dataset whose
 * modalities are the sub-folders or the file-name prefixes, and whose shards are matched across
 * modalities by the number in their names (each shard index must exist in every modality and
 * hold the same number of rows there). A plain checkpoint is a dataset of one piece. Only headers
 * are read here; rows are read later, piece by piece, by positional reads.
 *
 * Not to be confused with sharded.ts: a Hugging Face index (`*.index.json`) splits the tensors of
 * one checkpoint across files; here every shard holds rows of the same arrays.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileByteSource } from './byteSource';
import { formatShape, isFloatDType } from './dtype';
import { npyEntry, readNpyInfo } from './npy';
import { openCheckpoint } from './open';
import { selectModalities } from './select';
import { ArrayEntry, Checkpoint, DType, ReaderError } from './types';

/** rows [start, start + rows) of the dataset, one entry per modality (same order as names) */
export interface RowPiece {
  /** the shard number (0 for a single checkpoint) */
  index: number;
  start: number;
  rows: number;
  entries: ArrayEntry[];
}

export interface RowDataset {
  path: string;
  n: number;
  names: string[];
  dims: number[];
  dtypes: DType[];
  pieces: RowPiece[];
  metadata: Checkpoint['metadata'];
  /** the labels array of a single checkpoint, by name */
  labels?: string;
}

/** The selected modalities of an opened checkpoint as a one-piece dataset. */
export function datasetFromCheckpoint(cp: Checkpoint, explicit?: string[]): RowDataset {
  const { modalities, labels } = selectModalities(cp, explicit);
  const n = modalities[0]?.shape[0] as number;
  return {
    path: cp.path,
    n,
    names: modalities.map((e) => e.name),
    dims: modalities.map((e) => e.shape[1] as number),
    dtypes: modalities.map((e) => e.dtype),
    pieces: [{ index: 0, start: 0, rows: n, entries: modalities }],
    metadata: cp.metadata ?? {},
    ...(labels ? { labels: labels.name } : {}),
  };
}

/** shards are files that hold one embedding array */
const SHARD_EXT = /\.(npy|safetensors|npz|parquet)$/i;
/** `img_emb_0000.npy` -> prefix `img_emb`, index 0; `0003.npy` -> prefix ``, index 3 */
const INDEXED = /^(.*?)[_.-]?(\d+)\.(npy|safetensors|npz|parquet)$/i;
const MAX_SHARDS = 1_000_000;

interface ShardFile {
  path: string;
  group: string;
  prefix: string;
  index: number;
}

/** a numbered name that counts training progress, not a part of one dataset */
const RUN_NAME = /^(epoch|step|global_step|checkpoint|ckpt|iter|iteration|model)s?[-_.]?$/i;

/** model-00001-of-00002.safetensors: the parts of one sharded checkpoint (sharded.ts), not row shards */
const CHECKPOINT_PART = /-\d+-of-\d+\.[a-z]+$/i;

function parseShard(path: string): { prefix: string; index: number } | null {
  if (CHECKPOINT_PART.test(basename(path))) return null;
  const m = INDEXED.exec(basename(path));
  if (!m) return null;
  const index = Number(m[2]);
  return Number.isSafeInteger(index) ? { prefix: m[1] as string, index } : null;
}

function hasGlob(p: string): boolean {
  return /[*?[]/.test(p);
}

function globToRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${segment
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** files matching a glob with wildcards in any path segment (no `**`), sorted */
export async function expandGlob(pattern: string): Promise<string[]> {
  const absolute = pattern.startsWith('/');
  const parts = pattern.split(/[\\/]+/).filter((p) => p !== '');
  let bases = [absolute ? '/' : '.'];
  for (const [k, part] of parts.entries()) {
    const last = k === parts.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (!hasGlob(part)) {
        next.push(join(base, part));
        continue;
      }
      let names: string[];
      try {
        names = await readdir(base);
      } catch {
        continue;
      }
      const re = globToRegExp(part);
      for (const name of names.sort()) if (!name.startsWith('.') && re.test(name)) next.push(join(base, name));
    }
    bases = last ? next : next;
  }
  const files: string[] = [];
  for (const f of bases) {
    try {
      if ((await stat(f)).isFile()) files.push(absolute || pattern.startsWith('./') ? f : relative('.', f) || f);
    } catch {
      /* a literal segment that does not exist */
    }
  }
  return files.sort();
}

async function listShards(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((n) => !n.startsWith('.') && SHARD_EXT.test(n))
      .sort()
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/**
 * The shard files of a folder: every sub-folder whose shard files all carry an index (one group
 * per sub-folder), else the folder's own files when they are indexed under two or more prefixes
 * (`img_emb_0000.npy`, `text_emb_0000.npy`). Null when the folder is not laid out as shards.
 */
async function shardsOfFolder(folder: string): Promise<ShardFile[] | null> {
  const dirents = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const sub: ShardFile[] = [];
  for (const d of dirents) {
    if (!d.isDirectory() || d.name.startsWith('.')) continue;
    const files = await listShards(join(folder, d.name));
    if (files.length === 0) continue;
    const parsed = files.map(parseShard);
    if (parsed.some((p) => p === null)) return null; // a checkpoint folder of a run, not shards
    // epoch_01.safetensors, step-500.pt, checkpoint_3.npz: the checkpoints of a run (dagr train
    // writes run/checkpoints/epoch_XX.safetensors), which inspect reads as a run, not as shards
    if (parsed.some((p) => RUN_NAME.test(p?.prefix ?? ''))) return null;
    if (new Set(parsed.map((p) => p?.prefix)).size !== 1) return null;
    files.forEach((f, k) => sub.push({ path: f, group: d.name, prefix: parsed[k]?.prefix ?? '', index: parsed[k]?.index ?? 0 }));
  }
  const top = await listShards(folder);
  if (sub.length > 0) return top.length === 0 ? sub : null;
  const parsed = top.map(parseShard);
  if (top.length === 0 || parsed.some((p) => p === null || p.prefix === '')) return null;
  if (new Set(parsed.map((p) => p?.prefix)).size < 2) return null; // one numbered name is a run (run.ts)
  return top.map((f, k) => ({ path: f, group: parsed[k]?.prefix ?? '', prefix: parsed[k]?.prefix ?? '', index: parsed[k]?.index ?? 0 }));
}

/** glob matches grouped by file-name prefix, or by folder where the prefixes do not tell them apart */
function shardsOfFiles(pattern: string, files: string[]): ShardFile[] {
  const out: ShardFile[] = [];
  for (const f of files) {
    const p = parseShard(f);
    if (!p) throw new ReaderError(pattern, `${f} has no shard number in its name (expected e.g. img_emb_0000.npy)`);
    out.push({ path: f, group: '', prefix: p.prefix, index: p.index });
  }
  const key = (s: ShardFile): string => `${dirname(s.path)}${sep}${s.prefix}`;
  const keys = [...new Set(out.map(key))];
  const prefixes = new Set(out.map((s) => s.prefix));
  const dirs = new Set(out.map((s) => basename(dirname(s.path))));
  for (const s of out) {
    s.group =
      prefixes.size === keys.length && !prefixes.has('') ? s.prefix : dirs.size === keys.length ? basename(dirname(s.path)) : key(s);
  }
  return out;
}

/** The header of one shard: its one 2-D float array. */
async function shardEntry(file: string, name: string): Promise<ArrayEntry> {
  if (/\.npy$/i.test(file)) {
    const src = await fileByteSource(file);
    const info = await readNpyInfo(src);
    const e = npyEntry(src, name, info);
    e.file = file;
    if (!(e.shape.length === 2 && isFloatDType(e.dtype)))
      throw new ReaderError(file, `a shard must hold a 2-D float array, got ${e.dtype} ${formatShape(e.shape)}`);
    return e;
  }
  const cp = await openCheckpoint(file);
  const { modalities } = selectModalities(cp);
  if (modalities.length !== 1) {
    throw new ReaderError(
      file,
      `a shard must hold one 2-D float array, got ${modalities.length}: ${modalities.map((m) => m.name).join(', ')}`,
    );
  }
  const e = modalities[0] as ArrayEntry;
  return { name, dtype: e.dtype, shape: e.shape, file, readRows: (s?: number, t?: number) => e.readRows(s, t) };
}

/**
 * Opens `path` as a shard set when it is a glob or a folder laid out as shards; null otherwise
 * (a checkpoint file, a run folder, a folder of plain .npy files), so the caller goes on as before.
 */
export async function openShardSet(path: string, explicit?: string[]): Promise<RowDataset | null> {
  let shards: ShardFile[] | null;
  if (hasGlob(path)) {
    const files = (await expandGlob(path)).filter((f) => SHARD_EXT.test(f));
    if (files.length === 0) throw new ReaderError(path, 'no shard files match this pattern');
    shards = shardsOfFiles(path, files);
  } else {
    const st = await stat(path).catch(() => null);
    if (!st?.isDirectory()) return null;
    shards = await shardsOfFolder(path);
    if (!shards) return null;
  }
  if (shards.length > MAX_SHARDS) throw new ReaderError(path, `${shards.length} shard files, over the limit of ${MAX_SHARDS}`);
  const groups = new Map<string, Map<number, string>>();
  for (const s of shards) {
    const g = groups.get(s.group) ?? new Map<number, string>();
    const seen = g.get(s.index);
    if (seen !== undefined) throw new ReaderError(path, `${s.path} and ${seen} are both shard ${s.index} of '${s.group}'`);
    g.set(s.index, s.path);
    groups.set(s.group, g);
  }
  let names = [...groups.keys()].sort();
  if (explicit && explicit.length > 0) {
    for (const want of explicit)
      if (!groups.has(want)) throw new ReaderError(path, `no modality named "${want}"; modalities: ${names.join(', ')}`);
    names = [...explicit];
  }
  const first = groups.get(names[0] as string) as Map<number, string>;
  const indices = [...first.keys()].sort((a, b) => a - b);
  for (const name of names.slice(1)) {
    const g = groups.get(name) as Map<number, string>;
    for (const i of indices) {
      if (!g.has(i))
        throw new ReaderError(path, `shard ${i} is missing from '${name}' (${names[0] as string} has ${first.get(i) as string})`);
    }
    for (const i of g.keys()) {
      if (!first.has(i))
        throw new ReaderError(path, `shard ${i} is missing from '${names[0] as string}' (${name} has ${g.get(i) as string})`);
    }
  }
  const pieces: RowPiece[] = [];
  const dims: number[] = [];
  const dtypes: DType[] = [];
  let start = 0;
  for (const i of indices) {
    const entries: ArrayEntry[] = [];
    for (const [k, name] of names.entries()) {
      const file = (groups.get(name) as Map<number, string>).get(i) as string;
      const e = await shardEntry(file, name);
      const cols = e.shape[1] as number;
      if (dims[k] === undefined) {
        dims[k] = cols;
        dtypes[k] = e.dtype;
      } else if (dims[k] !== cols) {
        throw new ReaderError(file, `${cols} columns, but the other shards of '${name}' have ${dims[k] as number}`);
      }
      const rows = e.shape[0] as number;
      const want = entries[0]?.shape[0];
      if (want !== undefined && rows !== want) {
        throw new ReaderError(file, `${rows} rows, but ${entries[0]?.file ?? ''} has ${want} (shards are matched by their number, ${i})`);
      }
      entries.push(e);
    }
    const rows = entries[0]?.shape[0] as number;
    pieces.push({ index: i, start, rows, entries });
    start += rows;
  }
  if (start === 0) throw new ReaderError(path, 'the shards hold no rows');
  return { path, n: start, names, dims, dtypes, pieces, metadata: { shards: indices.length } };
}
