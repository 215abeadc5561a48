/** Weight geometry of model checkpoints (DESIGN.md section 2b): names, detection, per-matrix metrics, fits, warnings. */
export { layerIndex, modulePath, tensorRole, isEmbeddingTableName } from '../../protocol/tensorNames';
export { detectCheckpointKind } from './detect';
export type { TensorHeader } from './detect';
export { fitPowerLaw, MIN_TAIL } from './powerLaw';
export { matrixMetrics, summarize, nonFiniteAt, unflatten, KEEP_WHOLE } from './matrix';
export type { MatrixBlocks, MatrixMetrics, MatrixStats, SpectralMetrics } from './matrix';
export { weightWarnings } from './warnings';
