/**
 * A run folder -> RunReport: one report per checkpoint in epoch/step order, one backend shared by
 * all of them (on the device 'auto' picks for the largest checkpoint), and the first checkpoint at
 * which each warning code fires (the timeline's marks).
 */
import { listRun } from '../io';
import type { RunReport } from '../protocol/report';
import type { InspectRequest, JobControl } from './types';
import { throwIfAborted } from './types';
import { inspectWith, pairwiseSizeAt, totalWork } from './inspect';
import { withSizedBackend } from './sizeRule';
import { readRunOrigin } from './runOrigin';
import { firstWarnings, withRunWarnings } from './runWarnings';

export { firstWarnings };

export async function inspectRun(req: InspectRequest, ctl?: JobControl): Promise<RunReport> {
  const files = await listRun(req.path);
  return inspectRunFiles(req, files, ctl);
}

/** inspectRun on an already listed folder (inspectPath lists once to decide what the folder is). */
export async function inspectRunFiles(
  req: InspectRequest,
  files: { file: string; epoch: number | null; step: number | null }[],
  ctl?: JobControl,
): Promise<RunReport> {
  // one backend for the whole run, placed by its largest checkpoint's O(N^2) passes (src/jobs/sizeRule.ts)
  let rows = 0;
  const works: (number | undefined)[] = [];
  for (const f of files) {
    const size = await pairwiseSizeAt({ ...req, path: f.file });
    rows = Math.max(rows, size.rows);
    works.push(size.work);
  }
  return withSizedBackend(
    req,
    rows,
    async (backend) => {
      const checkpoints: RunReport['checkpoints'] = [];
      for (const [i, f] of files.entries()) {
        throwIfAborted(ctl?.signal);
        const onProgress = ctl?.onProgress;
        const report = await inspectWith({ ...req, path: f.file }, backend, {
          signal: ctl?.signal,
          onProgress: onProgress ? (frac, stage) => onProgress((i + frac) / files.length, `${i + 1}/${files.length} ${stage}`) : undefined,
        });
        checkpoints.push({ file: f.file, epoch: f.epoch, step: f.step, report });
      }
      const engine = checkpoints[0]?.report.engine ?? backend.info;
      const newest = checkpoints[checkpoints.length - 1];
      const origin = await readRunOrigin(req.path, newest?.report.metadata, newest?.file);
      const run: RunReport = {
        version: 1,
        kind: 'run',
        source: req.path,
        engine,
        checkpoints,
        firstWarning: firstWarnings(checkpoints.map((c) => c.report)),
        ...(origin ? { origin } : {}),
      };
      // the run's warnings, grouped with their onset (src/jobs/runWarnings.ts)
      return withRunWarnings(run);
    },
    totalWork(works),
  );
}
