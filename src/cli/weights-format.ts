/**
 * Human-readable weights report and weights comparison for stdout (issue 9): one table row per
 * tensor (metrics of matrices, summary statistics of vectors), totals, shards, warnings.
 */
import type { WeightsComparison, WeightsReport, WeightsRunReport, WeightTensor, WeightWarning } from '../protocol/weights';
import { engineLine, formatSkipped } from './format';
import { fixed, num, renderTable } from './table';
import { fmtInt } from '../protocol/format';

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let x = n / 1024;
  let u = 0;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${x.toFixed(x < 10 ? 2 : 1)} ${units[u] ?? ''}`;
}

// not toLocaleString: its first call loads ICU's locale data (tens of ms in a short CLI run)
const count = (n: number): string => fmtInt(n);

function metricsCells(t: WeightTensor): string[] {
  if (!t.analysed) return ['-', '-', '-', '-', '-', t.reason ?? ''];
  const bad = t.nonFinite !== null && t.nonFinite > 0 ? `${t.nonFinite} NaN/Inf` : '';
  if (t.effectiveRank === null) {
    const s = t.summary;
    const stats = s ? `mean ${num(s.mean)} std ${num(s.std)} [${num(s.min)}, ${num(s.max)}]` : '';
    return ['-', '-', t.spectralNorm === 0 ? '0' : '-', '-', bad || '0', [stats, t.reason].filter(Boolean).join('; ')];
  }
  return [fixed(t.effectiveRank, 2), fixed(t.stableRank, 2), num(t.spectralNorm), t.alpha ? fixed(t.alpha.value, 2) : '-', bad || '0', ''];
}

export function formatWeightWarnings(ws: readonly WeightWarning[]): string[] {
  if (ws.length === 0) return ['Warnings: none'];
  return [`Warnings (${ws.length})`, ...ws.map((w) => `  ${w.severity.toUpperCase().padEnd(7)} ${w.code}: ${w.message}`)];
}

export function formatWeights(r: WeightsReport): string {
  const lines: string[] = [];
  lines.push(`dagr weights report: ${r.file}`);
  lines.push(engineLine(r.engine));
  lines.push(
    `${r.format}: ${count(r.totals.tensors)} tensors, ${count(r.totals.parameters)} parameters, ${bytesText(r.totals.bytes)}; ${r.analysed} analysed   ${r.seconds.toFixed(2)} s`,
  );
  if (r.shards) lines.push(`shards (${r.shards.length}): ${r.shards.join(', ')}`);
  if (r.selection.regex !== undefined) lines.push(`tensors matching /${r.selection.regex}/`);
  if (r.embeddingTables.length)
    lines.push(`embedding tables: ${r.embeddingTables.join(', ')} (dagr inspect FILE --as embeddings --modalities NAME)`);
  lines.push(...formatSkipped(r.skipped));
  lines.push('');
  const shown = r.selection.regex !== undefined || r.selection.names ? r.tensors.filter((t) => t.analysed) : r.tensors;
  const rows = shown.map((t) => [
    t.name,
    t.dtype,
    `[${t.shape.join(', ')}]`,
    count(t.parameters),
    ...(r.shards ? [t.shard ?? ''] : []),
    ...metricsCells(t),
  ]);
  const header = [
    'tensor',
    'dtype',
    'shape',
    'params',
    ...(r.shards ? ['shard'] : []),
    'eff. rank',
    'stable rank',
    'spectral norm',
    'alpha',
    'NaN/Inf',
    'note',
  ];
  lines.push(renderTable(header, rows, { left: [0, 1, 2, ...(r.shards ? [4] : []), header.length - 1] }));
  if (shown.length < r.tensors.length) lines.push(`(${r.tensors.length - shown.length} tensors not selected; all are in --json)`);
  lines.push('alpha: power-law exponent of the eigenvalue tail (experimental; WeightWatcher reads 2..6 as typical of trained layers)');
  lines.push('');
  lines.push(...formatWeightWarnings(r.warnings));
  return lines.join('\n');
}

export function formatWeightsComparison(c: WeightsComparison): string {
  const lines: string[] = [];
  lines.push('dagr compare (model checkpoints): the update dW = B - A of every tensor');
  lines.push(`  A: ${c.a}`);
  lines.push(`  B: ${c.b}`);
  lines.push(engineLine(c.engine));
  lines.push(`${c.tensors.length} tensors matched by name and shape   ${c.seconds.toFixed(2)} s`);
  lines.push('');
  const rows = c.tensors.map((t) => [
    t.name,
    `[${t.shape.join(', ')}]`,
    t.relativeChange === null ? '-' : num(t.relativeChange),
    fixed(t.deltaEffectiveRank, 2),
    fixed(t.deltaStableRank, 2),
    num(t.deltaSpectralNorm),
    t.reason ?? '',
  ]);
  lines.push(
    renderTable(['tensor', 'shape', '|dW|/|W_A|', 'dW eff. rank', 'dW stable rank', 'dW spectral norm', 'note'], rows, { left: [0, 1, 6] }),
  );
  lines.push('');
  if (c.mostChanged.length) lines.push(`Moved most: ${c.mostChanged.join(', ')}`);
  lines.push(`Only in A (${c.onlyInA.length}): ${c.onlyInA.join(', ') || '-'}`);
  lines.push(`Only in B (${c.onlyInB.length}): ${c.onlyInB.join(', ') || '-'}`);
  lines.push(
    `Shape changed (${c.shapeChanged.length}): ${c.shapeChanged.map((s) => `${s.name} [${s.shapeA.join(', ')}] -> [${s.shapeB.join(', ')}]`).join(', ') || '-'}`,
  );
  return lines.join('\n');
}

/** Matrices followed in a run's table (the largest of the first checkpoint); all are in --json. */
export const MAX_RUN_MATRICES = 4;

/** One row per checkpoint: the mean effective rank over its matrices, the largest matrices' ranks and alpha, warnings. */
export function formatWeightsRun(run: WeightsRunReport): string {
  const lines: string[] = [];
  lines.push(`dagr weights run: ${run.source} (${run.checkpoints.length} checkpoints)`);
  lines.push(engineLine(run.engine));
  const first = run.checkpoints[0]?.report;
  if (!first) return [...lines, 'no checkpoints'].join('\n');
  const followed = first.tensors
    .filter((t) => t.effectiveRank !== null)
    .sort((a, b) => b.parameters - a.parameters)
    .slice(0, MAX_RUN_MATRICES)
    .map((t) => t.name);
  lines.push(
    `columns: the mean effective rank over all analysed matrices, then the ${followed.length} largest matrices (every tensor is in --json)`,
  );
  lines.push('');
  const header = ['epoch', 'step', 'file', 'mean eff. rank', ...followed.flatMap((n) => [`${n} rank`, `${n} alpha`]), 'warnings'];
  const rows = run.checkpoints.map((c) => {
    const ranks = c.report.tensors.map((t) => t.effectiveRank).filter((x): x is number => x !== null);
    const mean = ranks.length ? ranks.reduce((a, b) => a + b, 0) / ranks.length : null;
    const by = new Map(c.report.tensors.map((t) => [t.name, t]));
    const counts = new Map<string, number>();
    for (const w of c.report.warnings) counts.set(w.code, (counts.get(w.code) ?? 0) + 1);
    return [
      c.epoch === null ? '-' : String(c.epoch),
      c.step === null ? '-' : String(c.step),
      c.file.split(/[\\/]/).pop() ?? c.file,
      fixed(mean, 2),
      ...followed.flatMap((n) => [fixed(by.get(n)?.effectiveRank, 2), by.get(n)?.alpha ? fixed(by.get(n)?.alpha?.value, 2) : '-']),
      [...counts].map(([k, v]) => `${k} x${v}`).join(' '),
    ];
  });
  lines.push(renderTable(header, rows, { left: [2, header.length - 1] }));
  return lines.join('\n');
}
