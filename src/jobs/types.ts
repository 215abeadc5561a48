/**
 * Request and control types of the jobs layer (docs/architecture.md "src/jobs"). The CLI and the
 * compute process both build these; no vscode here.
 */
import type { ReportOptions, WarningThresholds } from '../protocol/report';

export type JobEngine = 'onnxruntime' | 'js' | 'tfjs';

export interface InspectRequest {
  path: string;
  /** explicit modality array names; default: every 2-D float array with the common row count */
  modalities?: string[];
  options: ReportOptions;
  thresholds: WarningThresholds;
  engine?: JobEngine;
  /** engine threads (0 or absent: the engine's default) */
  threads?: number;
}

export interface JobControl {
  onProgress?(fraction: number, stage: string): void;
  signal?: AbortSignal;
}

export interface EmbedRequest {
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

/** Thrown when a job is cancelled, same shape as the engine's (name === 'AbortError'). */
export function abortError(): Error {
  const e = new Error('cancelled');
  e.name = 'AbortError';
  return e;
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError();
}
