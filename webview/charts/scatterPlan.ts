/**
 * What the report scatter draws (pure, no DOM or Chart.js, so unit tests import it): which rows
 * of the projection sample, which modalities (all projected ones, or the two the user picked when
 * there are 3+), and which pairs get a line.
 */
import { getOwn } from '../../src/protocol/keys';
import { strideSample } from '../analysis';

export interface Projection {
  rows: number[];
  points: Record<string, number[]>;
  variance?: Record<string, number[]>;
  fit?: 'joint' | 'per-modality';
  /** the label of each projected row (integer classes), when the checkpoint has labels */
  labels?: number[];
}

/** A drawn point: its position and the report row it stands for (a click or lasso reads `row`). */
export interface ScatterPoint {
  x: number;
  y: number;
  row: number;
}

export interface ScatterPlan {
  /** indices into projection.rows that are drawn */
  drawn: number[];
  /** indices (subset of drawn) whose pair line is drawn */
  linked: number[];
  modalities: string[];
}

/** The projected modalities (in the report's order) that have points. */
export function projectedModalities(proj: Projection, modalities: readonly string[]): string[] {
  return modalities.filter((m) => (getOwn(proj.points, m)?.length ?? 0) >= 2);
}

/** The pairs the scatter can show on their own: every two of the projected modalities, when 3+. */
export function scatterChoices(proj: Projection, modalities: readonly string[]): [string, string][] {
  const present = projectedModalities(proj, modalities);
  if (present.length < 3) return [];
  return present.flatMap((a, i) => present.slice(i + 1).map((b): [string, string] => [a, b]));
}

/** A saved pick that still names two projected modalities, else undefined (all are shown). */
export function validShown(saved: unknown, proj: Projection, modalities: readonly string[]): [string, string] | undefined {
  if (!Array.isArray(saved) || saved.length !== 2) return undefined;
  const [a, b] = saved as unknown[];
  const present = projectedModalities(proj, modalities);
  return typeof a === 'string' && typeof b === 'string' && a !== b && present.includes(a) && present.includes(b) ? [a, b] : undefined;
}

/**
 * At most `maxPoints` points in total across modalities, and at most `maxLines` pair lines.
 * `shown`: two of the projected modalities to draw alone (their pair lines joined), else all.
 */
export function planScatter(
  proj: Projection,
  modalities: readonly string[],
  maxPoints: number,
  maxLines = 150,
  shown?: readonly [string, string],
): ScatterPlan {
  const projected = projectedModalities(proj, modalities);
  const present = shown && shown.every((m) => projected.includes(m)) ? [...shown] : projected;
  const per = present.length > 0 ? Math.floor(Math.max(0, maxPoints) / present.length) : 0;
  const drawn = strideSample(proj.rows.length, Math.min(per, proj.rows.length));
  const linked = present.length >= 2 ? strideSample(drawn.length, Math.min(maxLines, drawn.length)).map((j) => drawn[j] ?? 0) : [];
  return { drawn, linked, modalities: present };
}
