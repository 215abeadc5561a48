/**
 * The weights report of a model checkpoint, kept per file content so reopening it is instant:
 * in memory for this window, and as one JSON file per checkpoint path under the extension's
 * global storage for later windows. An entry is valid while the checkpoint and each of its shards
 * keep the size and modification time they had when it was written; anything else is a miss.
 * Free of vscode (the folder is passed in) so it is unit-tested with plain Node.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { TensorTable, WeightsReport } from '../protocol/weights';

/** Size and modification time of one file: what "the same content" means here. */
export interface FileStamp {
  file: string;
  size: number;
  mtimeMs: number;
}

export interface CachedWeights {
  version: 1;
  /** the checkpoint path the entry is for */
  file: string;
  /** the file itself, then each shard of a sharded set */
  stamps: FileStamp[];
  table: TensorTable;
  /** tensors analysed so far (null: none yet) */
  report: WeightsReport | null;
  /** the user stopped the analysis: reopening shows what there is and does not start it again */
  stopped: boolean;
}

const VERSION = 1;

async function stampOf(file: string): Promise<FileStamp | undefined> {
  try {
    const s = await stat(file);
    return { file, size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

/** The files whose content the table was read from: the path, then its shards (beside it). */
export function filesOf(file: string, table: TensorTable): string[] {
  const dir = path.dirname(file);
  const shards = (table.shards ?? []).map((s) => (path.isAbsolute(s) ? s : path.join(dir, s)));
  return [file, ...shards.filter((s) => s !== file)];
}

export async function stampsOf(files: string[]): Promise<FileStamp[] | undefined> {
  const out: FileStamp[] = [];
  for (const f of files) {
    const s = await stampOf(f);
    if (!s) return undefined;
    out.push(s);
  }
  return out;
}

function sameStamps(a: FileStamp[], b: FileStamp[]): boolean {
  return a.length === b.length && a.every((s, i) => s.file === b[i]?.file && s.size === b[i]?.size && s.mtimeMs === b[i]?.mtimeMs);
}

function isEntry(x: unknown, file: string): x is CachedWeights {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Partial<CachedWeights>;
  return (
    e.version === VERSION &&
    e.file === file &&
    Array.isArray(e.stamps) &&
    typeof e.table === 'object' &&
    e.table !== null &&
    Array.isArray(e.table.tensors) &&
    (e.report === null || (typeof e.report === 'object' && Array.isArray(e.report?.tensors)))
  );
}

export class WeightsCache {
  private readonly memory = new Map<string, CachedWeights>();
  private readonly writes = new Map<string, NodeJS.Timeout>();

  /** `dir`: where entries are written (undefined: memory only) */
  constructor(
    private readonly dir: string | undefined,
    private readonly writeDelayMs = 1000,
  ) {}

  private diskPath(file: string): string | undefined {
    if (this.dir === undefined) return undefined;
    return path.join(this.dir, `${createHash('sha256').update(file).digest('hex').slice(0, 32)}.json`);
  }

  /** The entry of `file` if the file and its shards are unchanged since it was written. */
  async lookup(file: string): Promise<CachedWeights | undefined> {
    let entry = this.memory.get(file);
    if (!entry) {
      const p = this.diskPath(file);
      if (p === undefined) return undefined;
      try {
        const parsed: unknown = JSON.parse(await readFile(p, 'utf8'));
        if (isEntry(parsed, file)) entry = parsed;
      } catch {
        return undefined; // absent or unreadable: a miss, never an error
      }
      if (!entry) return undefined;
    }
    const now = await stampsOf(entry.stamps.map((s) => s.file));
    if (!now || !sameStamps(now, entry.stamps)) {
      this.memory.delete(file);
      return undefined;
    }
    this.memory.set(file, entry);
    return entry;
  }

  /**
   * Records what is known of `file` now. The stamps are taken now: a file that changes while it is
   * analysed gets stamps newer than its numbers only if it changed after they were read, which the
   * next table read (on reopen) notices through its own stamps.
   */
  async store(file: string, table: TensorTable, report: WeightsReport | null, stopped: boolean): Promise<void> {
    const stamps = await stampsOf(filesOf(file, table));
    if (!stamps) return;
    const entry: CachedWeights = { version: VERSION, file, stamps, table, report, stopped };
    this.memory.set(file, entry);
    this.scheduleWrite(file);
  }

  /** Writes pending entries now (on dispose, and in tests). */
  async flush(): Promise<void> {
    const files = [...this.writes.keys()];
    for (const f of files) {
      clearTimeout(this.writes.get(f));
      this.writes.delete(f);
      await this.write(f);
    }
  }

  private scheduleWrite(file: string): void {
    if (this.dir === undefined) return;
    clearTimeout(this.writes.get(file));
    // batches arrive every second or so: write once they pause, not after each
    const t = setTimeout(() => {
      this.writes.delete(file);
      void this.write(file);
    }, this.writeDelayMs);
    t.unref();
    this.writes.set(file, t);
  }

  private async write(file: string): Promise<void> {
    const entry = this.memory.get(file);
    const p = this.diskPath(file);
    if (!entry || p === undefined || this.dir === undefined) return;
    try {
      await mkdir(this.dir, { recursive: true });
      // write then rename: a window closing mid-write leaves the old entry, not half a file
      const tmp = `${p}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(entry));
      await rename(tmp, p);
    } catch {
      // the cache is an optimisation: a full disk or a read-only profile only costs a recompute
    }
  }
}
