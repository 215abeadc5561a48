/**
 * The request shapes of the inspect and embed jobs, defined once: the compute-process messages
 * (./messages) carry them as they are, and src/jobs extends them with process-local settings.
 * Plain data only (paths, names, options), so they cross IPC as JSON.
 */
import type { ReportOptions, WarningThresholds } from './report';

/**
 * The metric engine asked for. 'auto' (the default): onnxruntime, except for a small job in a
 * process that computes once (the CLI), which runs in-process in WebAssembly ('wasm') because
 * onnxruntime's start would cost more than its arithmetic (src/jobs/sizeRule.ts).
 */
export type EngineChoice = 'auto' | 'onnxruntime' | 'js' | 'wasm' | 'tfjs';
export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'onnxruntime', 'js', 'wasm', 'tfjs'];

export interface InspectParams {
  path: string;
  /** explicit modality array names; default: every 2-D float array with the common row count */
  modalities?: string[];
  options: ReportOptions;
  thresholds: WarningThresholds;
  engine?: EngineChoice;
  /** where the onnxruntime engine computes (the dagr.device setting); default 'auto' */
  device?: DeviceChoice;
}

/** Where the onnxruntime engine computes: the values of dagr.device and --device, checked at the process boundary. */
export const DEVICE_CHOICES = ['auto', 'cpu', 'cuda', 'webgpu'] as const;
export type DeviceChoice = (typeof DEVICE_CHOICES)[number];

export interface EmbedParams {
  model: string;
  input: string;
  out: string;
  batchSize?: number;
  inputName?: string;
  outputName?: string;
  /** tensor name in the output file; default "embeddings" */
  name?: string;
}

export interface EmbedResult {
  out: string;
  rows: number;
  dim: number;
}
