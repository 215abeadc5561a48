/**
 * Sharded Hugging Face checkpoints: `model.safetensors.index.json` / `pytorch_model.bin.index.json`
 * (`{"metadata": {...}, "weight_map": {tensor: shard file}}`) open as one checkpoint across all
 * shards. Only headers are read to list the tensors (a safetensors header, a data.pkl); rows are
 * read from the shard that holds them, by positional reads (fileByteSource), so shards over 2 GiB
 * are fine.
 *
 * Opening one shard of a set (`model-00001-of-00002.safetensors` beside its index) opens the
 * whole set; metadata.openedFrom names the shard that was asked for.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ArrayEntry, ByteSource, Checkpoint, ReaderError, SkippedEntry } from './types';
import { fileByteSource } from './byteSource';
import { readSafetensors } from './safetensors';
import { readPytorch } from './pytorch';

/** An index larger than this is not an index (a 1000-shard model's is a few MB). */
const MAX_INDEX = 64 * 1024 * 1024;
const MAX_SHARDS = 10_000;

/** `<prefix>-00001-of-00002.<ext>` */
const SHARD_NAME = /^(.+)-(\d+)-of-(\d+)\.(safetensors|bin|pt|pth)$/i;

const q = (s: string): string => JSON.stringify(s);

export function isIndexName(path: string): boolean {
  return /\.index\.json$/i.test(path);
}

interface Index {
  weightMap: [string, string][];
  metadata: Record<string, unknown>;
}

async function parseIndex(src: ByteSource): Promise<Index> {
  const file = src.name;
  if (src.size > MAX_INDEX) throw new ReaderError(file, `index is ${src.size} bytes, over the ${MAX_INDEX}-byte limit`);
  const raw = await src.read(0, src.size);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (e) {
    throw new ReaderError(file, `index is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ReaderError(file, 'index is not a JSON object');
  const wm = (doc as Record<string, unknown>).weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) {
    throw new ReaderError(file, 'index has no "weight_map" object (not a Hugging Face sharded-checkpoint index)');
  }
  const weightMap: [string, string][] = [];
  for (const [k, v] of Object.entries(wm as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new ReaderError(file, `weight_map[${q(k)}] is not a file name`);
    if (v === '' || v.includes('/') || v.includes('\\') || v === '.' || v === '..' || v.includes('\0')) {
      throw new ReaderError(file, `weight_map[${q(k)}] names ${q(v)}: a shard must be a file beside the index`);
    }
    weightMap.push([k, v]);
  }
  if (weightMap.length === 0) throw new ReaderError(file, 'weight_map is empty');
  const meta = (doc as Record<string, unknown>).metadata;
  const metadata: Record<string, unknown> = {};
  if (typeof meta === 'object' && meta !== null && !Array.isArray(meta)) {
    for (const [k, v] of Object.entries(meta as Record<string, unknown>)) {
      if (typeof v === 'string' || typeof v === 'number')
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  return { weightMap, metadata };
}

async function readShard(path: string): Promise<Checkpoint> {
  const src = await fileByteSource(path);
  return /\.safetensors$/i.test(path) ? readSafetensors(src) : readPytorch(src);
}

/** Reads an index file (its source's name is its path) and the headers of all its shards. */
export async function readSharded(src: ByteSource): Promise<Checkpoint> {
  const file = src.name;
  const { weightMap, metadata } = await parseIndex(src);
  const dir = dirname(file);
  const shards = [...new Set(weightMap.map(([, s]) => s))];
  if (shards.length > MAX_SHARDS) throw new ReaderError(file, `index names ${shards.length} shards (at most ${MAX_SHARDS})`);
  const wanted = new Map(weightMap);
  const entries: ArrayEntry[] = [];
  const skipped: SkippedEntry[] = [];
  const owner = new Map<string, string>();
  for (const shard of shards) {
    const cp = await readShard(join(dir, shard));
    for (const e of cp.entries) {
      if (wanted.get(e.name) !== shard) continue; // HF loads each tensor from the shard the map names
      if (owner.has(e.name)) throw new ReaderError(file, `tensor ${q(e.name)} appears twice in shard ${q(shard)}`);
      owner.set(e.name, shard);
      entries.push(e);
    }
    for (const s of cp.skipped ?? []) {
      if (wanted.get(s.name) === shard || !wanted.has(s.name)) {
        owner.set(s.name, shard);
        skipped.push(s);
      }
    }
  }
  const missing = weightMap.filter(([k]) => !owner.has(k));
  if (missing.length) {
    const [k, s] = missing[0] as [string, string];
    throw new ReaderError(
      file,
      `tensor ${q(k)} is mapped to shard ${q(s)}, which does not hold it${missing.length > 1 ? ` (and ${missing.length - 1} more missing)` : ''}`,
    );
  }
  // the index's order: what Hugging Face lists, not shard order
  const rank = new Map(weightMap.map(([k], i) => [k, i]));
  entries.sort((a, b) => (rank.get(a.name) ?? 0) - (rank.get(b.name) ?? 0));
  const cp: Checkpoint = {
    path: file,
    format: 'sharded',
    entries,
    metadata: { ...metadata, shards, shardFormat: /\.safetensors$/i.test(shards[0] ?? '') ? 'safetensors' : 'pytorch' },
  };
  if (skipped.length) cp.skipped = skipped;
  return cp;
}

/**
 * For a shard file (`model-00001-of-00002.safetensors`), the index beside it that names it
 * (`model.safetensors.index.json`), or null when there is none.
 */
export async function indexForShard(path: string): Promise<string | null> {
  const m = SHARD_NAME.exec(basename(path));
  if (!m) return null;
  const dir = dirname(path);
  const wantLower = `${m[1]}.${m[4]}.index.json`.toLowerCase();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const index = names.find((n) => n.toLowerCase() === wantLower);
  if (!index) return null;
  const full = join(dir, index);
  try {
    const { weightMap } = await parseIndex(await fileByteSource(full));
    return weightMap.some(([, s]) => s === basename(path)) ? full : null;
  } catch {
    return null;
  }
}

/** Opens the set a shard belongs to, noting which shard was asked for. */
export async function openShardSet(shardPath: string, indexPath: string): Promise<Checkpoint> {
  const cp = await readSharded(await fileByteSource(indexPath));
  cp.metadata.openedFrom = basename(shardPath);
  cp.metadata.note = `${basename(shardPath)} is one shard of ${basename(indexPath)}: the whole set is opened`;
  return cp;
}
