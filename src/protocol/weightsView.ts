/**
 * What the weights view (model checkpoints, issue 9) exchanges with the extension host, beside
 * the messages of ./webview: the view models of a weights report and of a weights comparison,
 * the analysis progress that fills the report in batch by batch, and the view's requests.
 * No vscode, DOM or node imports.
 */
import type { TensorTable, WeightsComparison, WeightsReport } from './weights';

/** Which rows the analysis computes first: the biggest matrices, or the rows the view shows. */
export type AnalysisPriority = 'largest' | 'visible';

export interface WeightsProgress {
  /** tensors the analysis covers (float tensors with at least one value) */
  total: number;
  /** of those, computed (or found not analysable) so far */
  done: number;
  /** share of the covered parameters done, 0..1 (the cost follows the parameters, not the count) */
  fraction: number;
  /**
   * idle: not started; running; stopped: the user pressed Cancel (Analyze continues it);
   * done; failed: `message` says why
   */
  state: 'idle' | 'running' | 'stopped' | 'done' | 'failed';
  priority: AnalysisPriority;
  message?: string;
  /** the numbers came from the cache of an earlier analysis of the same file content */
  fromCache?: boolean;
}

/**
 * A model checkpoint: the tensor table at once (header only), the report as it fills in.
 * Spectra are left out of `report` (the host keeps them): the view shows the scalar metrics.
 */
export interface WeightsViewModel {
  kind: 'weights';
  table: TensorTable;
  report: WeightsReport | null;
  progress: WeightsProgress;
}

export interface WeightsCompareViewModel {
  kind: 'weightsCompare';
  compare: WeightsComparison;
}

/** host -> webview: the report so far (every batch), and where the analysis stands */
export interface WeightsProgressMessage {
  type: 'weightsProgress';
  report: WeightsReport | null;
  progress: WeightsProgress;
}

/** webview -> host */
export type WeightsRequest =
  /** start or continue the analysis; `visible`: the names the view shows, computed first with priority 'visible' */
  | { type: 'weightsAnalyze'; priority: AnalysisPriority; visible?: string[] }
  /** open the embeddings report on the rows of one 2-D tensor (an embedding table) */
  | { type: 'tensorAsEmbeddings'; tensor: string }
  /** reopen this file as the other kind of report */
  | { type: 'analyzeAs'; as: 'weights' | 'embeddings' };

export const WEIGHTS_REQUEST_TYPES = ['weightsAnalyze', 'tensorAsEmbeddings', 'analyzeAs'] as const;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A weights request with every field it needs. */
export function isWeightsRequest(x: unknown): x is WeightsRequest {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'weightsAnalyze':
      return (
        (x.priority === 'largest' || x.priority === 'visible') &&
        (x.visible === undefined || (Array.isArray(x.visible) && x.visible.every((n) => typeof n === 'string')))
      );
    case 'tensorAsEmbeddings':
      return typeof x.tensor === 'string' && x.tensor.length > 0;
    case 'analyzeAs':
      return x.as === 'weights' || x.as === 'embeddings';
    default:
      return false;
  }
}

/** The report without spectra: what crosses to the webview and is saved with its state. */
export function withoutSpectra(r: WeightsReport): WeightsReport {
  return {
    ...r,
    tensors: r.tensors.map((t) => {
      if (t.spectrum === undefined) return t;
      const { spectrum: _s, ...rest } = t;
      return rest;
    }),
  };
}
