/**
 * Per-class geometry for an inspect report (issue 12): reads the label array, runs
 * engine/classes.ts over the report's pairs, and adds `classes` and the class-collapse warnings
 * to the report. Kept out of jobs/inspect.ts, which calls it once labels exist.
 */
import { classGeometry } from '../engine/classes';
import type { GeometryBackend } from '../engine';
import type { KeptRanks } from '../engine/types';
import type { ArrayEntry, Matrix } from '../io/types';
import type { GeometryReport, WarningThresholds } from '../protocol/report';

/** more classes than this: per-class numbers would dwarf the report (labels that are ids, not classes) */
export const MAX_CLASSES = 1000;

/** The label of each row as integers, or a reason why the array cannot be read as classes. */
export async function readLabels(entry: ArrayEntry, rows: number): Promise<Int32Array | string> {
  const raw = await entry.readRows();
  if (raw.length !== rows) return `'${entry.name}' has ${raw.length} entries but the modalities have ${rows} rows`;
  if (raw instanceof Int32Array) return raw;
  const out = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i] as number;
    if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) return `'${entry.name}' holds ${v} at row ${i}, not an integer class`;
    out[i] = v;
  }
  return out;
}

export async function addClassGeometry(
  report: GeometryReport,
  matrices: Matrix[],
  labelsEntry: ArrayEntry,
  thresholds: WarningThresholds,
  backend: GeometryBackend,
  signal?: AbortSignal,
  /** the report's retrieval ranks (computeGeometry's keptRanks), reused per class */
  keptRanks?: KeptRanks,
): Promise<void> {
  const labels = await readLabels(labelsEntry, report.n);
  if (typeof labels === 'string') {
    report.classesNote = `no per-class geometry: ${labels}`;
    return;
  }
  // the scatter's rows carry their labels (tooltips, the lasso's exported rows)
  if (report.projection) report.projection.labels = report.projection.rows.map((r) => labels[r] as number);
  const distinct = new Set(labels).size;
  if (distinct > MAX_CLASSES) {
    report.classesNote = `no per-class geometry: '${labelsEntry.name}' has ${distinct} distinct values, more than ${MAX_CLASSES} classes`;
    return;
  }
  const { classes, warnings } = await classGeometry(matrices, labels, backend, {
    pairs: report.pairs.map((p) => [p.a, p.b] as [string, string]),
    maxPairwiseRows: report.options.maxPairwiseRows,
    ...(thresholds.classCollapse !== undefined ? { classCollapse: thresholds.classCollapse } : {}),
    ...(signal ? { signal } : {}),
    ...(keptRanks ? { keptRanks } : {}),
  });
  report.classes = classes;
  report.warnings.push(...warnings);
}
