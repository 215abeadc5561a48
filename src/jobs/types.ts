/**
 * Request and control types of the jobs layer (docs/architecture.md "src/jobs"). The CLI and the
 * compute process both build these; no vscode here.
 */
import type { EmbedParams, EngineChoice, InspectParams } from '../protocol/jobs';
import type { EngineDevice } from '../engine/types';

export type JobEngine = EngineChoice;
export type { EmbedResult } from '../protocol/jobs';

/** The compute process's inspect job, plus settings that only a local caller (the CLI) sets. */
export interface InspectRequest extends InspectParams {
  /** engine threads (0 or absent: the engine's default) */
  threads?: number;
  /** where onnxruntime runs the metric graphs; default 'auto' (CUDA when usable, else CPU) */
  device?: EngineDevice;
  /**
   * read row blocks and drop them (src/jobs/stream.ts) even when the input would fit in memory;
   * shard sets and inputs over STREAM_ABOVE_BYTES stream anyway
   */
  stream?: boolean;
}

export interface JobControl {
  onProgress?(fraction: number, stage: string): void;
  signal?: AbortSignal;
}

export type EmbedRequest = EmbedParams;

/** Thrown when a job is cancelled: one shape everywhere (src/protocol/abort.ts). */
export { abortError, throwIfAborted } from '../protocol/abort';
