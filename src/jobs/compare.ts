/**
 * Two checkpoints -> CompareReport: both reports and the change of every numeric metric, as flat
 * paths ("modalities.audio.effectiveRank", "pairs.audio/visual.drift.mean", ...).
 */
import type { CompareReport, GeometryReport } from '../protocol/report';
import type { InspectRequest, JobControl } from './types';
import { inspectWith, withBackend } from './inspect';

export async function compareCheckpoints(a: InspectRequest, b: InspectRequest, ctl?: JobControl): Promise<CompareReport> {
  return withBackend(a, async (backend) => {
    const half = (offset: number): JobControl => ({
      signal: ctl?.signal,
      onProgress: ctl?.onProgress ? (f, s) => ctl.onProgress?.(offset + f / 2, s) : undefined,
    });
    const ra = await inspectWith(a, backend, half(0));
    // b may ask for another engine only through its own request; the shared backend follows a's.
    const rb = await inspectWith(b, backend, half(0.5));
    return { version: 1, kind: 'compare', a: ra, b: rb, changes: diffReports(ra, rb) };
  });
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
