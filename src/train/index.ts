/**
 * Fine-tuning with DAGR on TensorFlow.js (docs/architecture.md, src/train). Typed arrays and plain
 * records in and out; no tensor leaves this folder.
 */
export { train } from './trainer';
export type { TrainControl } from './trainer';
export { sweep } from './sweep';
export type { SweepControl } from './sweep';
export { tfjsGeometry } from './geometry';
export type { TfjsGeometry } from './geometry';
export { selectBackend, describeEngine } from './backend';
export { validateTrainConfig, validateSweepConfig, ConfigError, DEFAULT_CONFIG } from './config';
