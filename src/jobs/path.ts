/**
 * A path of unknown kind: a file is one checkpoint; a folder is a run, except a folder of plain
 * .npy files without epoch/step numbers, which is one checkpoint (one modality per file).
 */
import { stat } from 'node:fs/promises';
import { listRun } from '../io';
import { ReaderError } from '../io/types';
import type { GeometryReport, RunReport } from '../protocol/report';
import type { InspectRequest, JobControl } from './types';
import { inspectCheckpoint } from './inspect';
import { inspectRunFiles } from './run';

export async function inspectPath(req: InspectRequest, ctl?: JobControl): Promise<GeometryReport | RunReport> {
  let isDir: boolean;
  try {
    isDir = (await stat(req.path)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReaderError(req.path, code === 'ENOENT' ? 'no such file or folder' : `cannot read (${code ?? String(e)})`);
  }
  if (!isDir) return inspectCheckpoint(req, ctl);
  const files = await listRun(req.path);
  if (isNpyFolder(files)) return inspectCheckpoint(req, ctl);
  return inspectRunFiles(req, files, ctl);
}

/** True when the listing is what a folder of per-modality .npy files looks like (or is empty, so the reader says why). */
export function isNpyFolder(files: { file: string; epoch: number | null; step: number | null }[]): boolean {
  return files.every((f) => f.file.toLowerCase().endsWith('.npy') && f.epoch === null && f.step === null);
}
