/**
 * The weights jobs (model checkpoints, DESIGN.md section 2b): tensor table, per-tensor weight
 * geometry, the comparison of two checkpoints, an embedding table read as embeddings. Used by the
 * `dagr` CLI and by the compute process; one matrix is in memory at a time.
 */
import type { GeometryReport } from '../protocol/report';
import type { WeightsEmbeddingParams } from '../protocol/weights';
import type { JobControl } from './types';
import { pairwiseRows, pairwiseWork, reportFromCheckpoint } from './inspect';
import { withSizedBackend } from './sizeRule';
import { openModel } from '../io/tensorTable';
import { throwIfAborted } from './types';

export { tensorTableJob } from './weightsTable';
export { analyzeWeightsJob, analyseCheckpoint, looksLikeWeights } from './weightsAnalyze';
export type { WeightsAnalyzeRequest } from './weightsAnalyze';
export { compareWeightsJob } from './weightsCompare';
export { weightsRunJob, isWeightsRun } from './weightsRun';
export type { WeightsCompareRequest } from './weightsCompare';

/** An embedding table of a model (its rows are the samples of one modality) -> the embeddings report. */
export async function embeddingTableReport(req: WeightsEmbeddingParams & { threads?: number }, ctl?: JobControl): Promise<GeometryReport> {
  const started = performance.now();
  throwIfAborted(ctl?.signal);
  const inspect = {
    path: req.path,
    modalities: [req.tensor],
    options: req.options,
    thresholds: req.thresholds,
    ...(req.engine ? { engine: req.engine } : {}),
    ...(req.threads ? { threads: req.threads } : {}),
    ...(req.device ? { device: req.device } : {}),
  };
  // openModel, not openCheckpoint: a folder holding one sharded model opens as that model
  const cp = await openModel(req.path);
  // the table's rows are embeddings: 'auto' is sized by their O(N^2) passes, as an inspect is
  const report = await withSizedBackend(
    inspect,
    pairwiseRows(cp, inspect),
    (b) => reportFromCheckpoint(inspect, cp, b, ctl, started),
    pairwiseWork(cp, inspect),
  );
  return { ...report, kind: 'embeddings' };
}
