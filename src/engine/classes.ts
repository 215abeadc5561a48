/**
 * Per-class geometry (issue 12): when a checkpoint has labels, the report's per-modality and
 * per-pair numbers again for each class's rows, and a warning when one class collapses while the
 * others do not (a collapse the whole-data numbers average away). Classes come in ascending label
 * order. Effective ranks use the report's own spectrum code on the class's rows; R@1 ranks each
 * class query against the report's retrieval rows (the same seeded sample), so the count-weighted
 * mean of the classes' R@1 is the report's R@1 over those rows.
 */
import type { Matrix } from '../io/types';
import type { ClassModality, ClassPair, ClassReport } from '../protocol/neighbors';
import { DEFAULT_CLASS_COLLAPSE, MIN_CLASS_ROWS } from '../protocol/neighbors';
import type { GeometryWarning } from '../protocol/report';
import { recordOf } from '../protocol/keys';
import { driftPerRow, meanCosine, normalizedRowSum } from './pairs';
import { retrievalRanks } from './retrieval';
import { normalizedSample } from './rows';
import { PAIRWISE_SEED, sampleRows } from './sample';
import { spectrumOf } from './spectrum';
import type { GeometryBackend, KeptRanks } from './types';
import { EngineError, pairKey, throwIfAborted } from './types';

export interface ClassOptions {
  /** pairs to report per class, by modality name (the report's pairs) */
  pairs: [string, string][];
  /** the report's maxPairwiseRows: retrieval rows are the same seeded sample */
  maxPairwiseRows: number;
  /** share of the median class's effective rank below which a class is called collapsed */
  classCollapse?: number;
  signal?: AbortSignal;
  /** the report's own retrieval ranks (computeGeometry's keptRanks): used where they are of the same sample */
  keptRanks?: KeptRanks;
}

/** whether two row samples list the same rows */
function sameSample(x: Int32Array, y: Int32Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** rows of m at the given indices, as a Matrix of their own */
function subMatrix(m: Matrix, rows: Int32Array): Matrix {
  const d = m.cols;
  const data = new Float32Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) data.set(m.data.subarray((rows[r] as number) * d, (rows[r] as number) * d + d), r * d);
  return { name: m.name, rows: rows.length, cols: d, data, ...(m.scale !== undefined ? { scale: m.scale } : {}) };
}

/** row indices of every class, classes in ascending label order */
export function groupByLabel(labels: Int32Array): Map<number, Int32Array> {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const order = [...counts.keys()].sort((x, y) => x - y);
  const out = new Map<number, Int32Array>();
  const fill = new Map<number, number>();
  for (const l of order) {
    out.set(l, new Int32Array(counts.get(l) as number));
    fill.set(l, 0);
  }
  labels.forEach((l, i) => {
    const at = fill.get(l) as number;
    (out.get(l) as Int32Array)[at] = i;
    fill.set(l, at + 1);
  });
  return out;
}

export async function classGeometry(
  modalities: Matrix[],
  labels: Int32Array,
  backend: GeometryBackend,
  opts: ClassOptions,
): Promise<{ classes: ClassReport[]; warnings: GeometryWarning[] }> {
  const first = modalities[0];
  if (!first) return { classes: [], warnings: [] };
  if (labels.length !== first.rows) {
    throw new EngineError(`the labels have ${labels.length} entries but '${first.name}' has ${first.rows} rows`);
  }
  const groups = groupByLabel(labels);
  const byName = new Map(modalities.map((m) => [m.name, m]));

  const perClass = new Map<number, { modalities: Map<string, ClassModality>; pairs: ClassPair[] }>();
  for (const l of groups.keys()) perClass.set(l, { modalities: new Map(), pairs: [] });

  for (const m of modalities) {
    for (const [l, rows] of groups) {
      throwIfAborted(opts.signal);
      const sub = subMatrix(m, rows);
      const spec = await spectrumOf(sub, backend, opts.signal);
      const { sum, sumSq } = normalizedRowSum(sub);
      perClass.get(l)?.modalities.set(m.name, {
        effectiveRank: spec.effectiveRank,
        effectiveRankCentered: spec.effectiveRankCentered,
        meanCosine: rows.length >= 2 ? meanCosine(sum, sumSq, rows.length) : null,
      });
    }
  }

  const n = first.rows;
  const size = opts.maxPairwiseRows > 0 && n > opts.maxPairwiseRows ? opts.maxPairwiseRows : n;
  const sample = sampleRows(n, size, PAIRWISE_SEED);
  for (const [an, bn] of opts.pairs) {
    const a = byName.get(an);
    const b = byName.get(bn);
    if (!a || !b || a.cols !== b.cols) continue;
    throwIfAborted(opts.signal);
    const drift = driftPerRow(a, b);
    const kept = opts.keptRanks?.get(pairKey(an, bn));
    const { aToB, bToA } =
      kept && sameSample(kept.sample, sample)
        ? kept
        : await retrievalRanks(normalizedSample(a, sample).z, normalizedSample(b, sample).z, size, a.cols, backend, opts.signal);
    const hitsAB = new Map<number, number>();
    const hitsBA = new Map<number, number>();
    const inSample = new Map<number, number>();
    sample.forEach((row, p) => {
      const l = labels[row] as number;
      inSample.set(l, (inSample.get(l) ?? 0) + 1);
      if ((aToB[p] as number) <= 1) hitsAB.set(l, (hitsAB.get(l) ?? 0) + 1);
      if ((bToA[p] as number) <= 1) hitsBA.set(l, (hitsBA.get(l) ?? 0) + 1);
    });
    for (const [l, rows] of groups) {
      let s = 0;
      for (const i of rows) s += drift[i] as number;
      const cnt = inSample.get(l) ?? 0;
      perClass.get(l)?.pairs.push({
        a: an,
        b: bn,
        driftMean: s / rows.length,
        r1: cnt > 0 ? (hitsAB.get(l) ?? 0) / cnt : null,
        r1BToA: cnt > 0 ? (hitsBA.get(l) ?? 0) / cnt : null,
        retrievalRows: cnt,
      });
    }
  }

  const classes: ClassReport[] = [...groups].map(([label, rows]) => {
    const c = perClass.get(label) as { modalities: Map<string, ClassModality>; pairs: ClassPair[] };
    return { label, count: rows.length, modalities: recordOf(c.modalities), pairs: c.pairs };
  });
  return {
    classes,
    warnings: classCollapseWarnings(
      classes,
      modalities.map((m) => m.name),
      opts.classCollapse ?? DEFAULT_CLASS_COLLAPSE,
    ),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = (s.length - 1) / 2;
  return ((s[Math.floor(mid)] as number) + (s[Math.ceil(mid)] as number)) / 2;
}

/**
 * Per modality, among classes with at least MIN_CLASS_ROWS rows (a smaller class's rank is bounded
 * by its count, not by collapse): a class whose effective rank is below `share` x the median
 * class's effective rank collapsed while the others did not. Needs at least 3 such classes, so
 * the median says what "the others" do.
 */
export function classCollapseWarnings(classes: ClassReport[], modalities: string[], share: number): GeometryWarning[] {
  const out: GeometryWarning[] = [];
  for (const name of modalities) {
    const eligible = classes.filter((c) => c.count >= MIN_CLASS_ROWS && c.modalities[name] !== undefined);
    if (eligible.length < 3) continue;
    const med = median(eligible.map((c) => (c.modalities[name] as ClassModality).effectiveRank));
    const threshold = share * med;
    for (const c of eligible) {
      const r = (c.modalities[name] as ClassModality).effectiveRank;
      if (r < threshold) {
        out.push({
          code: 'class-collapse',
          severity: 'warning',
          modality: name,
          label: c.label,
          value: r,
          threshold,
          message: `class ${c.label} of '${name}' has collapsed: effective rank ${r.toFixed(2)} is below ${share} × the median class's ${med.toFixed(2)} (${c.count} rows)`,
        });
      }
    }
  }
  return out;
}

/**
 * The class-collapse warnings of a computed report under (new) thresholds: the extension re-judges
 * a report when the user changes a threshold setting, without recomputing (the evaluateWarnings job).
 */
export function classWarningsOf(
  core: { modalities: Record<string, unknown>; classes?: ClassReport[] },
  thresholds: { classCollapse?: number },
): GeometryWarning[] {
  if (!core.classes || core.classes.length === 0) return [];
  return classCollapseWarnings(core.classes, Object.keys(core.modalities), thresholds.classCollapse ?? DEFAULT_CLASS_COLLAPSE);
}
