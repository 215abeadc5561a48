/**
 * What the neighbours panel, the movers section and the row exports (issue 12) exchange with the
 * extension host, beside the messages of ./webview. The webview asks; the host runs the compute
 * process's `neighbors` / `movers` jobs (./messages) and answers, or shows the save dialog.
 * No vscode, DOM or node imports.
 */
import type { MoverRow, MoversSummary, NeighborsResult } from './neighbors';
import type { ModalityPair } from './rowMetrics';
import { isRowMetricsAsk } from './rowMetrics';

/** webview -> host */
export type NeighborsRequest =
  /** the k nearest rows of one row (by index, or the first row with a label), in each modality */
  | { type: 'neighbors'; modality: string; row?: number; label?: number; k: number }
  /** compare view: the movers of the two checkpoints; run view: of two of its checkpoint files `a`, `b` */
  | { type: 'movers'; k: number; a?: string; b?: string }
  /** rows the view lists (neighbours, movers, a selection), saved through the save dialog */
  | {
      type: 'saveRows';
      what: string;
      format: 'csv' | 'json';
      columns: string[];
      rows: (string | number | null)[][];
      /** a scatter selection: the host adds drift, partner cosine and rank of these rows per pair (./rowMetrics) */
      metrics?: { rows: number[]; pairs: ModalityPair[] };
    };

export const NEIGHBORS_REQUEST_TYPES = ['neighbors', 'movers', 'saveRows'] as const;

/** host -> webview */
export type NeighborsMessage =
  | { type: 'neighborsResult'; result: NeighborsResult }
  | { type: 'moversResult'; movers: MoverRow[]; summary: MoversSummary[] }
  /** a neighbours or movers request failed (or was cancelled): shown inside its panel */
  | { type: 'neighborsError'; what: 'neighbors' | 'movers'; message: string };

export const NEIGHBORS_MESSAGE_TYPES = ['neighborsResult', 'moversResult', 'neighborsError'] as const;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1;

/** A request with every field it needs (rows and labels are integers; k >= 1). */
export function isNeighborsRequest(x: unknown): x is NeighborsRequest {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'neighbors':
      return (
        typeof x.modality === 'string' &&
        isCount(x.k) &&
        ((typeof x.row === 'number' && Number.isInteger(x.row) && x.row >= 0) || (typeof x.label === 'number' && Number.isInteger(x.label)))
      );
    case 'movers':
      return isCount(x.k) && (x.a === undefined || typeof x.a === 'string') && (x.b === undefined || typeof x.b === 'string');
    case 'saveRows':
      return (
        typeof x.what === 'string' &&
        (x.format === 'csv' || x.format === 'json') &&
        Array.isArray(x.columns) &&
        x.columns.every((c) => typeof c === 'string') &&
        Array.isArray(x.rows) &&
        x.rows.every((r) => Array.isArray(r) && r.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) &&
        (x.metrics === undefined || isRowMetricsAsk(x.metrics))
      );
    default:
      return false;
  }
}

/** A host message whose payload the panel can read. */
export function isNeighborsMessage(x: unknown): x is NeighborsMessage {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'neighborsResult':
      return isObj(x.result) && isObj(x.result.query) && Array.isArray(x.result.lists);
    case 'moversResult':
      return Array.isArray(x.movers) && Array.isArray(x.summary);
    case 'neighborsError':
      return (x.what === 'neighbors' || x.what === 'movers') && typeof x.message === 'string';
    default:
      return false;
  }
}

/** CSV of a header and rows: fields with a comma, quote or line break are quoted (RFC 4180). */
export function toCsv(columns: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const field = (v: string | number | null): string => {
    const s = v === null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns, ...rows].map((r) => r.map(field).join(',')).join('\n') + '\n';
}

/** JSON rows: one object per row keyed by the column names. */
export function toJsonRows(columns: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  return (
    JSON.stringify(
      rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null]))),
      null,
      2,
    ) + '\n'
  );
}

/** the neighbour lists as rows for CSV/JSON: one row per neighbour */
export const NEIGHBOR_COLUMNS = [
  'query_modality',
  'query_row',
  'query_label',
  'modality',
  'rank',
  'row',
  'similarity',
  'label',
  'partner_rank',
];

export function neighborRows(r: NeighborsResult): (string | number | null)[][] {
  return r.lists.flatMap((l) =>
    l.neighbors.map((x, i) => [
      r.query.modality,
      r.query.row,
      r.query.label,
      l.modality,
      i + 1,
      x.row,
      x.similarity,
      x.label,
      l.partnerRank,
    ]),
  );
}
