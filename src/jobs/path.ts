/**
 * A path of unknown kind: a file is one checkpoint; a folder is a run, except a folder of plain
 * .npy files (one modality per file, no numbered series), which is one checkpoint. The reader
 * decides which (isRunFolder), so the CLI, the extension and listRun agree.
 */
import { stat } from 'node:fs/promises';
import { isRunFolder } from '../io';
import { ReaderError } from '../io/types';
import type { GeometryReport, RunReport } from '../protocol/report';
import type { InspectRequest, JobControl } from './types';
import { inspectCheckpoint } from './inspect';
import { inspectRun } from './run';
import { inspectShardSetIfAny } from './stream';

export async function inspectPath(req: InspectRequest, ctl?: JobControl): Promise<GeometryReport | RunReport> {
  // a folder or glob of embedding shards is one dataset, streamed (DESIGN.md section 2c)
  const sharded = await inspectShardSetIfAny(req, ctl);
  if (sharded) return sharded;
  let isDir: boolean;
  try {
    isDir = (await stat(req.path)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReaderError(req.path, code === 'ENOENT' ? 'no such file or folder' : `cannot read (${code ?? String(e)})`);
  }
  if (isDir && (await isRunFolder(req.path))) return inspectRun(req, ctl);
  return inspectCheckpoint(req, ctl);
}
