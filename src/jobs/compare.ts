/**
 * Two checkpoints -> CompareReport: both reports and the change of every numeric metric, as flat
 * paths ("modalities.audio.effectiveRank", "pairs.audio/visual.drift.mean", ...); with `movers`,
 * also the rows whose neighbourhoods changed (issue 12), per modality both checkpoints have.
 */
import { loadMatrix, openCheckpoint, selectModalities } from '../io';
import { DEFAULT_MOVER_ROWS, jaccardHistogram, moversOf, orderByChange } from '../engine/movers';
import type { MoverRow, MoversSummary } from '../protocol/neighbors';
import type { CompareReport, GeometryReport } from '../protocol/report';
import type { InspectRequest, JobControl } from './types';
import { throwIfAborted } from './types';
import { inspectWith, pairwiseSizeAt, totalWork } from './inspect';
import { withSizedBackend } from './sizeRule';
import { readLabels } from './classes';

/** k of the movers' k-NN sets, and the most rows compared (a seeded sample beyond it; 0 = all) */
export interface MoversRequest {
  k: number;
  maxRows?: number;
}

/** rows listed as most and least changed in each modality's summary */
export const MOVERS_LISTED = 20;

export async function compareCheckpoints(
  a: InspectRequest,
  b: InspectRequest,
  ctl?: JobControl,
  movers?: MoversRequest,
): Promise<CompareReport> {
  // one backend for both sides, placed by the larger side's O(N^2) passes (src/jobs/sizeRule.ts)
  const [sa, sb] = [await pairwiseSizeAt(a), await pairwiseSizeAt(b)];
  const rows = Math.max(sa.rows, sb.rows);
  return withSizedBackend(
    a,
    rows,
    async (backend) => {
      const share = movers ? 0.4 : 0.5;
      const part = (offset: number, width: number): JobControl => ({
        signal: ctl?.signal,
        onProgress: ctl?.onProgress ? (f, s) => ctl.onProgress?.(offset + f * width, s) : undefined,
      });
      const ra = await inspectWith(a, backend, part(0, share));
      // b may ask for another engine only through its own request; the shared backend follows a's.
      const rb = await inspectWith(b, backend, part(share, share));
      const out: CompareReport = { version: 1, kind: 'compare', a: ra, b: rb, changes: diffReports(ra, rb) };
      if (movers) Object.assign(out, await moversBetween(a, b, movers, part(2 * share, 1 - 2 * share)));
      return out;
    },
    totalWork([sa.work, sb.work]),
  );
}

/**
 * Movers of every modality both checkpoints have (by name, same row count): all compared rows,
 * most changed first, and a summary per modality. Labels come from checkpoint a.
 */
export async function moversBetween(
  a: Pick<InspectRequest, 'path' | 'modalities'>,
  b: Pick<InspectRequest, 'path' | 'modalities'>,
  req: MoversRequest,
  ctl?: JobControl,
): Promise<{ movers: MoverRow[]; moversSummary: MoversSummary[] }> {
  const ca = selectModalities(await openCheckpoint(a.path), a.modalities);
  const cb = selectModalities(await openCheckpoint(b.path), b.modalities);
  const shared = ca.modalities.filter((e) => cb.modalities.some((x) => x.name === e.name && x.shape[0] === e.shape[0]));
  const n = ca.modalities[0]?.shape[0] ?? 0;
  const read = ca.labels ? await readLabels(ca.labels, n) : undefined;
  const labels = read instanceof Int32Array ? read : undefined;
  const rows: MoverRow[] = [];
  const summary: MoversSummary[] = [];
  for (const [i, ea] of shared.entries()) {
    throwIfAborted(ctl?.signal);
    const eb = cb.modalities.find((x) => x.name === ea.name);
    if (!eb) continue;
    const stage = `movers of '${ea.name}'`;
    ctl?.onProgress?.(i / shared.length, stage);
    const r = await moversOf(await loadMatrix(ea), await loadMatrix(eb), req.k, {
      maxRows: req.maxRows ?? DEFAULT_MOVER_ROWS,
      ...(ctl?.signal ? { signal: ctl.signal } : {}),
      onProgress: (f) => ctl?.onProgress?.((i + f) / shared.length, stage),
    });
    const order = orderByChange(r.jaccard);
    const mine: MoverRow[] = Array.from(order, (p) => {
      const row = r.rows[p] as number;
      return { row, jaccard: r.jaccard[p] as number, label: labels ? (labels[row] as number) : null, modality: ea.name };
    });
    rows.push(...mine);
    let sum = 0;
    for (const j of r.jaccard) sum += j;
    summary.push({
      modality: ea.name,
      k: r.k,
      rows: r.rows.length,
      sampled: r.sampled,
      meanJaccard: sum / r.jaccard.length,
      histogram: jaccardHistogram(r.jaccard),
      mostChanged: mine.slice(0, MOVERS_LISTED),
      leastChanged: mine.slice(-MOVERS_LISTED).reverse(),
      note: r.sampled ? `neighbours found among a seeded sample of ${r.rows.length} of ${n} rows (movers rows cap)` : '',
    });
  }
  const missing = ca.modalities.filter((e) => !shared.includes(e)).map((e) => e.name);
  if (missing.length > 0 && summary[0]) {
    summary[0].note = [summary[0].note, `not in both checkpoints with the same rows: ${missing.join(', ')}`].filter((x) => x).join('; ');
  }
  return { movers: rows, moversSummary: summary };
}

/** Every numeric leaf under n, modalities and pairs (pairs keyed "a/b"); arrays (spectra, histograms) are not metrics. */
export function flattenMetrics(r: GeometryReport): Map<string, number | null> {
  const out = new Map<string, number | null>();
  out.set('n', r.n);
  const walk = (prefix: string, v: unknown): void => {
    if (v === null) out.set(prefix, null);
    else if (typeof v === 'number') out.set(prefix, v);
    else if (typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(`${prefix}.${k}`, x);
    }
  };
  for (const [name, m] of Object.entries(r.modalities)) walk(`modalities.${name}`, m);
  for (const p of r.pairs) {
    const { a: _a, b: _b, note: _note, ...rest } = p;
    walk(`pairs.${p.a}/${p.b}`, rest);
  }
  return out;
}

/** Union of both sides' metrics in a's order then b's extras; a side without the metric is null. */
export function diffReports(a: GeometryReport, b: GeometryReport): CompareReport['changes'] {
  const fa = flattenMetrics(a);
  const fb = flattenMetrics(b);
  const keys = [...fa.keys(), ...[...fb.keys()].filter((k) => !fa.has(k))];
  return keys.map((metric) => {
    const va = fa.get(metric) ?? null;
    const vb = fb.get(metric) ?? null;
    return { metric, a: va, b: vb, delta: va !== null && vb !== null ? vb - va : null };
  });
}
