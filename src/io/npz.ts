/** .npz reader: a zip of .npy members; 0-d "epoch"/"step" members are metadata, not arrays. */
import { ArrayEntry, ByteSource, Checkpoint, ReaderError } from './types';
import { listZip, memberSource } from './zip';
import { npyEntry, readNpyInfo, readScalar } from './npy';
import { normalizeMetadata } from './metadata';

export async function readNpz(src: ByteSource): Promise<Checkpoint> {
  const members = await listZip(src);
  const entries: ArrayEntry[] = [];
  const seen = new Set<string>();
  const rawMeta: Record<string, unknown> = {};
  for (const m of members) {
    if (m.name.endsWith('/') || !m.name.toLowerCase().endsWith('.npy')) continue;
    const name = m.name.slice(0, -4);
    if (seen.has(name)) throw new ReaderError(`${src.name}:${m.name}`, 'the archive holds two members with this name');
    seen.add(name);
    const msrc = await memberSource(src, m);
    const info = await readNpyInfo(msrc);
    const entry = npyEntry(msrc, name, info);
    if ((name === 'epoch' || name === 'step') && info.shape.length === 0) {
      rawMeta[name] = await readScalar(msrc, info);
      continue;
    }
    entries.push(entry);
  }
  return { path: src.name, format: 'npz', entries, metadata: normalizeMetadata(rawMeta) };
}
