/** The jobs layer: io + engine -> reports. Used by the `dagr` CLI and by the compute process. */
export type { InspectRequest, JobControl, JobEngine, EmbedRequest, EmbedResult } from './types';
export { inspectCheckpoint, inspectWith, withBackend } from './inspect';
export { inspectRun, inspectRunFiles, firstWarnings } from './run';
export { groupRunWarnings, withRunWarnings } from './runWarnings';
export { inspectPath } from './path';
export { compareCheckpoints, diffReports, flattenMetrics } from './compare';
export { embedWithOnnx, DEFAULT_BATCH_SIZE } from './embed';
export { tensorTableJob, analyzeWeightsJob, compareWeightsJob, embeddingTableReport } from './weights';
