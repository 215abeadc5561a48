/** A folder of .npy files as one checkpoint: one array per file, named by the file. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ArrayEntry, Checkpoint, ReaderError } from './types';
import { fileByteSource } from './byteSource';
import { npyEntry, npyStem, readNpyInfo, readScalar } from './npy';
import { normalizeMetadata } from './metadata';

export async function npyFilesIn(folder: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (e) {
    throw new ReaderError(folder, `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return names.filter((n) => n.toLowerCase().endsWith('.npy') && !n.startsWith('.')).sort();
}

export async function readNpyFolder(folder: string): Promise<Checkpoint> {
  const files = await npyFilesIn(folder);
  if (files.length === 0) throw new ReaderError(folder, 'the folder holds no .npy files');
  const entries: ArrayEntry[] = [];
  const rawMeta: Record<string, unknown> = {};
  for (const f of files) {
    const src = await fileByteSource(join(folder, f));
    const info = await readNpyInfo(src);
    const name = npyStem(f);
    const entry = npyEntry(src, name, info);
    if ((name === 'epoch' || name === 'step') && info.shape.length === 0) {
      rawMeta[name] = await readScalar(src, info);
      continue;
    }
    entries.push(entry);
  }
  return { path: folder, format: 'npy-folder', entries, metadata: normalizeMetadata(rawMeta) };
}
