/**
 * Per-row metrics of a selection (issue 12, "row index, label, metrics" in an export): what the
 * host asks the compute process (`rowMetrics` job), what comes back, and how the answer becomes
 * columns of the exported rows. The webview only has 2-D positions; drift, partner cosine and
 * partner rank need the original rows, so the compute process works them out.
 * No vscode, DOM or node imports: host, compute process and webview all import this file.
 */

/** one pair of modalities, a -> b (the partner rank is of b_i among b's rows, by cosine to a_i) */
export type ModalityPair = [string, string];

export interface RowMetricsParams {
  path: string;
  /** the selected row indices (any order; answered in this order) */
  rows: number[];
  pairs: ModalityPair[];
  /** the modality arrays to read, as for inspect (absent = the automatic choice) */
  modalities?: string[];
}

export interface RowMetricsPair {
  a: string;
  b: string;
  /** per requested row, in the request's order */
  drift: number[];
  partnerCosine: number[];
  partnerRank: number[];
}

export interface RowMetricsResult {
  source: string;
  rows: number[];
  /** the pairs that could be computed */
  pairs: RowMetricsPair[];
  /** why a requested pair has no columns (widths differ, no such modality), one line each */
  notes: string[];
  seconds: number;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isRow = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

export function isModalityPair(x: unknown): x is ModalityPair {
  return Array.isArray(x) && x.length === 2 && x.every((s) => typeof s === 'string' && s.length > 0) && x[0] !== x[1];
}

/** rows and pairs as a saveRows request or the job carries them */
export function isRowMetricsAsk(x: unknown): x is { rows: number[]; pairs: ModalityPair[] } {
  return (
    isObj(x) &&
    Array.isArray(x.rows) &&
    x.rows.every(isRow) &&
    Array.isArray(x.pairs) &&
    x.pairs.length > 0 &&
    x.pairs.every(isModalityPair)
  );
}

export function isRowMetricsParams(x: unknown): x is RowMetricsParams {
  return (
    isRowMetricsAsk(x) &&
    typeof (x as Record<string, unknown>).path === 'string' &&
    ((x as Record<string, unknown>).modalities === undefined ||
      (Array.isArray((x as Record<string, unknown>).modalities) &&
        ((x as Record<string, unknown>).modalities as unknown[]).every((s) => typeof s === 'string')))
  );
}

/** the export's column names per pair, in the user's words */
export function rowMetricColumns(p: { a: string; b: string }): [string, string, string] {
  return [`drift_${p.a}_${p.b}`, `partner_cosine_${p.a}_${p.b}`, `partner_rank_${p.a}_to_${p.b}`];
}

/**
 * The exported rows with the metrics appended: each row is matched by its value in the `row`
 * column (so the order of the webview's rows and the job's rows need not agree); a row the job
 * did not answer gets empty cells. Without a `row` column the rows come back unchanged.
 */
export function withRowMetrics(
  columns: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
  result: RowMetricsResult,
): { columns: string[]; rows: (string | number | null)[][] } {
  const at = columns.indexOf('row');
  if (at < 0 || result.pairs.length === 0) return { columns: [...columns], rows: rows.map((r) => [...r]) };
  const index = new Map<number, number>(result.rows.map((r, k) => [r, k]));
  return {
    columns: [...columns, ...result.pairs.flatMap(rowMetricColumns)],
    rows: rows.map((r) => {
      const v = r[at];
      const k = typeof v === 'number' ? index.get(v) : undefined;
      const extra = result.pairs.flatMap((p) =>
        k === undefined ? [null, null, null] : [p.drift[k] ?? null, p.partnerCosine[k] ?? null, p.partnerRank[k] ?? null],
      );
      return [...r, ...extra];
    }),
  };
}
