/**
 * Run folders: many checkpoints, one per epoch or step. A folder of plain .npy files is a single
 * checkpoint unless its files are one name numbered several times (emb_001.npy, emb_002.npy).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ReaderError } from './types';
import { npyFilesIn, readNpyFolder } from './npyFolder';
import { openCheckpoint } from './open';
import { npyStem } from './npy';
import { isFloatDType } from './dtype';
import { CHECKPOINT_EXT, MAYBE_NOT_CHECKPOINT, SPECIAL_NPY, lastInteger, naturalCompare, orderFromName } from './runNames';

export interface RunCheckpoint {
  file: string;
  epoch: number | null;
  step: number | null;
}

/** True when the .npy stems are one name with different numbers. */
function isNumberedSeries(stems: string[]): boolean {
  const s = stems.filter((n) => !SPECIAL_NPY.has(n));
  if (s.length < 2) return false;
  const nums = s.map(lastInteger);
  if (nums.some((n) => n === null)) return false;
  const patterns = new Set(nums.map((n) => n?.pattern));
  const values = new Set(nums.map((n) => n?.value));
  return patterns.size === 1 && values.size === s.length;
}

interface FolderScan {
  files: string[]; // .safetensors / .npz / .json / .pt / .pth / .ckpt / .bin / .parquet
  subfolders: string[]; // holding .npy files
  npy: string[];
}

async function scan(folder: string): Promise<FolderScan> {
  let dirents;
  try {
    dirents = await readdir(folder, { withFileTypes: true });
  } catch (e) {
    throw new ReaderError(folder, `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const out: FolderScan = { files: [], subfolders: [], npy: [] };
  for (const d of dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (d.name.startsWith('.')) continue;
    const lower = d.name.toLowerCase();
    if (d.isDirectory()) {
      if ((await npyFilesIn(join(folder, d.name)).catch(() => [])).length > 0) out.subfolders.push(d.name);
    } else if (d.isFile()) {
      if (lower.endsWith('.npy')) out.npy.push(d.name);
      else if (CHECKPOINT_EXT.test(lower)) out.files.push(d.name);
    }
  }
  return out;
}

function isRun(s: FolderScan): boolean {
  const binary = s.files.some((f) => !f.toLowerCase().endsWith('.json'));
  if (binary || s.subfolders.length > 0) return true;
  if (s.npy.length > 0) return isNumberedSeries(s.npy.map(npyStem));
  return s.files.length > 0;
}

/**
 * A fine-tuning run folder (src/train) keeps its per-epoch checkpoints in `checkpoints/` beside
 * config.json and metrics.jsonl; opening the run folder itself should show them.
 */
async function scanRun(folder: string): Promise<{ folder: string; scan: FolderScan }> {
  const top = await scan(folder);
  const hasTopLevelCheckpoints = top.npy.length > 0 || top.files.some((f) => !f.toLowerCase().endsWith('.json'));
  if (!hasTopLevelCheckpoints) {
    const inner = join(folder, 'checkpoints');
    const sub = await scan(inner).catch(() => null);
    if (sub && isRun(sub)) return { folder: inner, scan: sub };
  }
  return { folder, scan: top };
}

/** Whether `folder` is a run (many checkpoints) rather than one checkpoint made of .npy files. */
export async function isRunFolder(folder: string): Promise<boolean> {
  return isRun((await scanRun(folder)).scan);
}

/**
 * The checkpoints of a run folder, ordered by epoch/step from their metadata, else by the last
 * number in the file name, else by name. A folder that is one .npy checkpoint lists as itself.
 * Files without a 2-D float array (metrics, optimizer state) and .json or .bin files that are
 * not checkpoints (configs, other binaries) are skipped; other unreadable files throw.
 */
export async function listRun(runFolder: string): Promise<RunCheckpoint[]> {
  const { folder, scan: s } = await scanRun(runFolder);
  if (!isRun(s)) {
    if (s.npy.length === 0) throw new ReaderError(folder, 'no checkpoints in this folder');
    const cp = await readNpyFolder(folder);
    return [{ file: folder, epoch: cp.metadata.epoch ?? null, step: cp.metadata.step ?? null }];
  }
  const out: (RunCheckpoint & { name: string })[] = [];
  const candidates = [...s.files, ...s.subfolders];
  if (isNumberedSeries(s.npy.map(npyStem))) candidates.push(...s.npy.filter((n) => !SPECIAL_NPY.has(npyStem(n))));
  for (const name of candidates) {
    const file = join(folder, name);
    let epoch: number | null = null;
    let step: number | null = null;
    if (!name.toLowerCase().endsWith('.npy')) {
      try {
        const cp = await openCheckpoint(file);
        // Logs, optimizer state and the like hold no embeddings to inspect.
        if (!cp.entries.some((e) => e.shape.length === 2 && isFloatDType(e.dtype))) continue;
        epoch = cp.metadata.epoch ?? null;
        step = cp.metadata.step ?? null;
      } catch (e) {
        if (e instanceof ReaderError && MAYBE_NOT_CHECKPOINT.test(name)) continue;
        throw e;
      }
    }
    if (epoch === null && step === null) ({ epoch, step } = orderFromName(name));
    out.push({ file, epoch, step, name });
  }
  if (out.length === 0) throw new ReaderError(folder, 'no checkpoints in this folder (no file holds a 2-D float array)');
  const key = (v: number | null): number => (v === null ? Infinity : v);
  out.sort((a, b) => key(a.epoch) - key(b.epoch) || key(a.step) - key(b.step) || naturalCompare(a.name, b.name));
  return out.map(({ file, epoch, step }) => ({ file, epoch, step }));
}
