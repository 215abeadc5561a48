/**
 * A selection on the scatter (issue 12): rows picked with a lasso (a polygon drawn on the canvas),
 * by label or by typed row numbers, and those rows as exported CSV/JSON rows (row, label, the
 * position of each shown modality's point). Pure: no DOM, no Chart.js; the view wires it.
 */
import { getOwn } from '../../src/protocol/keys';
import type { Projection, ScatterPlan } from './scatterPlan';

/** Even-odd rule: is (x, y) inside the polygon x0,y0,x1,y1,... (closed implicitly)? */
export function insidePolygon(x: number, y: number, poly: readonly number[]): boolean {
  const n = Math.floor(poly.length / 2);
  if (n < 3) return false;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i] ?? 0;
    const yi = poly[2 * i + 1] ?? 0;
    const xj = poly[2 * j] ?? 0;
    const yj = poly[2 * j + 1] ?? 0;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A drawn point where it is on screen: which row and modality it stands for. */
export interface PlacedPoint {
  row: number;
  modality: string;
  x: number;
  y: number;
}

/** Rows with a point inside the polygon, each with the modalities whose point is inside (in draw order). */
export function rowsInside(points: readonly PlacedPoint[], poly: readonly number[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const p of points) {
    if (!insidePolygon(p.x, p.y, poly)) continue;
    const ms = out.get(p.row);
    if (ms) {
      if (!ms.includes(p.modality)) ms.push(p.modality);
    } else out.set(p.row, [p.modality]);
  }
  return out;
}

/** Rows of the drawn sample whose label is `label` (none when the projection has no labels). */
export function rowsWithLabel(proj: Projection, plan: ScatterPlan, label: number): number[] {
  if (!proj.labels) return [];
  return plan.drawn.filter((i) => proj.labels?.[i] === label).map((i) => proj.rows[i] ?? i);
}

/**
 * "3, 10-20, 42" -> the drawn rows among those (ascending), or a one-line reason when the text is
 * not a list of whole numbers and ranges. Rows outside the drawn sample are left out and counted.
 */
export function rowsFromText(text: string, proj: Projection, plan: ScatterPlan): { rows: number[]; notDrawn: number } | string {
  const drawn = new Set(plan.drawn.map((i) => proj.rows[i] ?? i));
  const want = new Set<number>();
  const parts = text
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (parts.length === 0) return 'Type row numbers, e.g. 3, 10-20.';
  for (const part of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return `'${part}' is not a row number or a range like 10-20.`;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    if (hi < lo) return `'${part}': the range ends before it starts.`;
    if (hi - lo > 1_000_000) return `'${part}': a range of more than a million rows.`;
    for (let r = lo; r <= hi; r++) want.add(r);
  }
  const rows = [...want].filter((r) => drawn.has(r)).sort((a, b) => a - b);
  return { rows, notDrawn: want.size - rows.length };
}

/** columns of an exported selection: row, label, then x and y of each shown modality's point, and which were inside */
export function selectionColumns(plan: ScatterPlan): string[] {
  return ['row', 'label', ...plan.modalities.flatMap((m) => [`${m}_pc1`, `${m}_pc2`]), 'selected_by'];
}

/**
 * The selected rows (ascending) as exported rows. `how`: per row, the modalities whose point the
 * lasso enclosed; rows picked by label or typed number are marked 'label' / 'row'.
 */
export function selectionRows(
  proj: Projection,
  plan: ScatterPlan,
  rows: Iterable<number>,
  how: ReadonlyMap<number, string>,
): (string | number | null)[][] {
  const at = new Map<number, number>(plan.drawn.map((i) => [proj.rows[i] ?? i, i]));
  return [...rows]
    .sort((a, b) => a - b)
    .map((row) => {
      const i = at.get(row);
      const xy = plan.modalities.flatMap((m) => {
        const flat = getOwn(proj.points, m);
        return i === undefined || !flat ? [null, null] : [flat[2 * i] ?? null, flat[2 * i + 1] ?? null];
      });
      const label = i === undefined ? null : (proj.labels?.[i] ?? null);
      return [row, label, ...xy, how.get(row) ?? null];
    });
}

/**
 * The pairs whose per-row metrics (drift, partner cosine, partner rank: computed by the host's
 * compute process) a selection's export asks for: the two modalities shown, or with more shown
 * the report's pairs among them; only pairs of one width (cosine needs one space).
 */
export function metricPairs(
  shown: readonly string[],
  reportPairs: readonly { a: string; b: string }[],
  dimOf: (m: string) => number | undefined,
): [string, string][] {
  const sameWidth = (a: string, b: string): boolean => dimOf(a) !== undefined && dimOf(a) === dimOf(b);
  const [a, b] = shown;
  if (shown.length === 2 && a !== undefined && b !== undefined) return sameWidth(a, b) ? [[a, b]] : [];
  return reportPairs.filter((p) => shown.includes(p.a) && shown.includes(p.b) && sameWidth(p.a, p.b)).map((p) => [p.a, p.b]);
}
