/**
 * .npz reader: a zip of .npy members; 0-d "epoch"/"step" members are metadata, not arrays.
 *
 * A member that cannot be read as a numeric array (strings, pickled objects, a structured
 * dtype, a header that does not parse, an unsupported compression method) goes into
 * Checkpoint.skipped with its reason and the rest is read; nothing is ever unpickled. Problems
 * with the archive itself (ZipArchiveError: overlapping entries, bombs, corrupt data, a bad
 * central directory) fail the whole file. When no member is readable, the first member's own
 * problem is the file's error.
 */
import { ArrayEntry, ByteSource, Checkpoint, ReaderError, SkippedEntry } from './types';
import { ZipArchiveError, listZip, memberSource } from './zip';
import { npyEntry, readNpyInfo, readScalar } from './npy';
import { normalizeMetadata } from './metadata';

export async function readNpz(src: ByteSource): Promise<Checkpoint> {
  const members = await listZip(src);
  const entries: ArrayEntry[] = [];
  const skipped: SkippedEntry[] = [];
  let firstProblem: ReaderError | null = null;
  const seen = new Set<string>();
  const rawMeta: Record<string, unknown> = {};
  for (const m of members) {
    if (m.name.endsWith('/') || !m.name.toLowerCase().endsWith('.npy')) continue;
    const name = m.name.slice(0, -4);
    if (seen.has(name)) throw new ReaderError(`${src.name}:${m.name}`, 'the archive holds two members with this name');
    seen.add(name);
    let msrc: ByteSource;
    let info: Awaited<ReturnType<typeof readNpyInfo>>;
    try {
      msrc = await memberSource(src, m);
      info = await readNpyInfo(msrc);
    } catch (e) {
      if (!(e instanceof ReaderError) || e instanceof ZipArchiveError) throw e;
      firstProblem ??= e;
      skipped.push({ name, reason: e.problem });
      continue;
    }
    if ((name === 'epoch' || name === 'step') && info.shape.length === 0) {
      rawMeta[name] = await readScalar(msrc, info);
      continue;
    }
    entries.push(npyEntry(msrc, name, info));
  }
  if (entries.length === 0 && firstProblem) throw firstProblem;
  const cp: Checkpoint = { path: src.name, format: 'npz', entries, metadata: normalizeMetadata(rawMeta) };
  if (skipped.length > 0) cp.skipped = skipped;
  return cp;
}
