/**
 * The rowMetrics job (issue 12): drift, partner cosine and partner rank of a selection's rows for
 * each requested pair of modalities, in the compute process. Matrices come through the neighbours
 * job's cache (one checkpoint kept), so an export after a few neighbour clicks reads nothing again.
 */
import { openCheckpoint, selectModalities } from '../io';
import type { Matrix } from '../io/types';
import { ReaderError } from '../io/types';
import { rowPairMetrics } from '../engine/rowMetrics';
import type { RowMetricsPair, RowMetricsParams, RowMetricsResult } from '../protocol/rowMetrics';
import { keptNorms, loadCached } from './neighbors';
import type { JobControl } from './types';
import { throwIfAborted } from './types';

/** reading is a small share next to the pass (every row of b scored against each selected row) */
const LOAD_SHARE = 0.2;

export async function rowMetricsOf(p: RowMetricsParams, ctl?: JobControl): Promise<RowMetricsResult> {
  const started = performance.now();
  const progress = ctl?.onProgress;
  progress?.(0, 'reading');
  const cp = await openCheckpoint(p.path);
  const { modalities } = selectModalities(cp, p.modalities);
  const names = modalities.map((m) => m.name);
  const notes: string[] = [];
  // the pairs whose modalities exist and share a width; the others get a note, not an error
  const usable = p.pairs.filter(([a, b]) => {
    const ea = modalities.find((m) => m.name === a);
    const eb = modalities.find((m) => m.name === b);
    if (!ea || !eb) {
      notes.push(`no modality named "${!ea ? a : b}" in ${p.path}; modalities: ${names.join(', ')}`);
      return false;
    }
    if (ea.shape[1] !== eb.shape[1]) {
      notes.push(`${a} and ${b}: widths differ (${ea.shape[1]} vs ${eb.shape[1]}), so no drift, cosine or rank between their rows`);
      return false;
    }
    return true;
  });
  const n = (modalities[0]?.shape[0] as number | undefined) ?? 0;
  const bad = p.rows.find((r) => !(Number.isInteger(r) && r >= 0 && r < n));
  if (bad !== undefined) throw new ReaderError(p.path, `row ${bad} is outside 0..${n - 1}`);
  const wanted = [...new Set(usable.flat())];
  const mats = new Map<string, Matrix>();
  for (const [i, name] of wanted.entries()) {
    throwIfAborted(ctl?.signal);
    progress?.((LOAD_SHARE * i) / wanted.length, `loading ${name}`);
    const entry = modalities.find((m) => m.name === name);
    if (entry) mats.set(name, await loadCached(p.path, entry));
  }
  const pairs: RowMetricsPair[] = [];
  for (const [k, [a, b]] of usable.entries()) {
    const ma = mats.get(a);
    const mb = mats.get(b);
    if (!ma || !mb) continue;
    const normsB = keptNorms(mb);
    const m = await rowPairMetrics(ma, mb, p.rows, {
      ...(normsB ? { normsB } : {}),
      ...(ctl?.signal ? { signal: ctl.signal } : {}),
      onProgress: (f) =>
        progress?.(
          LOAD_SHARE + ((1 - LOAD_SHARE) * (k + f)) / usable.length,
          `${a} → ${b}: ${Math.round(f * 100)}% of the pass for ${p.rows.length} rows`,
        ),
    });
    pairs.push({ a, b, drift: [...m.drift], partnerCosine: [...m.partnerCosine], partnerRank: [...m.partnerRank] });
  }
  progress?.(1, 'done');
  return { source: p.path, rows: [...p.rows], pairs, notes, seconds: (performance.now() - started) / 1000 };
}
