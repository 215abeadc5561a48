/**
 * A run folder of model checkpoints (one per epoch or step): the weights report of each, in
 * order, on one backend, so each matrix's metrics can be followed over training (issue 9 item 4).
 * One checkpoint, and within it one matrix, is in memory at a time.
 */
import { listRun } from '../io/run';
import { openModel } from '../io/tensorTable';
import type { WeightsRunReport } from '../protocol/weights';
import type { JobControl } from './types';
import { throwIfAborted } from './types';
import { analyseCheckpoint, WEIGHTS_WORK, weightsBackend } from './weightsAnalyze';
import type { WeightsAnalyzeRequest } from './weightsAnalyze';

export async function weightsRunJob(req: WeightsAnalyzeRequest, ctl?: JobControl): Promise<WeightsRunReport> {
  throwIfAborted(ctl?.signal);
  ctl?.onProgress?.(0, 'listing checkpoints');
  const list = await listRun(req.path);
  return weightsBackend(req, WEIGHTS_WORK, async (backend) => {
    const checkpoints: WeightsRunReport['checkpoints'] = [];
    for (const [i, c] of list.entries()) {
      throwIfAborted(ctl?.signal);
      const started = performance.now();
      const cp = await openModel(c.file);
      const part = (f: number, s: string): void => ctl?.onProgress?.((i + f) / list.length, `${i + 1}/${list.length} ${s}`);
      const report = await analyseCheckpoint(cp, { ...req, path: c.file }, backend, { signal: ctl?.signal, onProgress: part }, started);
      checkpoints.push({ file: c.file, epoch: c.epoch, step: c.step, report });
    }
    ctl?.onProgress?.(1, 'done');
    return { version: 1, kind: 'weightsRun', source: req.path, engine: backend.info, checkpoints };
  });
}

/** Whether a folder is a run whose first checkpoint is a model checkpoint. */
export async function isWeightsRun(folder: string): Promise<boolean> {
  const { isRunFolder } = await import('../io/run');
  if (!(await isRunFolder(folder))) return false;
  const list = await listRun(folder);
  const first = list[0];
  if (!first) return false;
  const { detectCheckpointKind } = await import('../engine/weights/detect');
  return detectCheckpointKind((await openModel(first.file)).entries).kind === 'weights';
}
