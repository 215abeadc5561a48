/**
 * Human-readable reports for stdout: per-modality and per-pair tables, warnings, a run's timeline
 * and a comparison. Every report names the engine that produced its numbers.
 */
import type { CompareReport, EngineInfo, GeometryReport, GeometryWarning, RunReport, SkippedMember, WarningCode } from '../protocol/report';
import { getOwn } from '../protocol/keys';
import { fixed, num, percent, renderTable } from './table';
// one format per quantity in the views, the HTML export and here (issue 14): the webview's pure
// formatters and its judgement of a change
import { chanceMedianRank, chanceRecall, fmtInt, fmtRank, fmtShare } from '../../webview/format';
import { judgeCompare } from '../../webview/changes';
import { metricRule } from '../../webview/changes';

/** skipped members printed, at most; the rest are counted ("and N more") and all are in --json */
export const MAX_SKIPPED_LINES = 20;
/** a run's timeline has a column group per modality and per pair: at most this many of each */
export const MAX_RUN_MODALITIES = 4;
export const MAX_RUN_PAIRS = 3;

/** "skipped: NAME (REASON)" per member, the first MAX_SKIPPED_LINES, then how many more. */
export function formatSkipped(skipped: readonly SkippedMember[] | undefined, indent = ''): string[] {
  if (!skipped || skipped.length === 0) return [];
  const lines = skipped.slice(0, MAX_SKIPPED_LINES).map((e) => `${indent}skipped: ${e.name} (${e.reason})`);
  if (skipped.length > MAX_SKIPPED_LINES)
    lines.push(`${indent}skipped: and ${skipped.length - MAX_SKIPPED_LINES} more (all are listed in --json)`);
  return lines;
}

export function engineLine(e: EngineInfo): string {
  const threads = `${e.threads} thread${e.threads === 1 ? '' : 's'}`;
  return `engine: ${e.name} (device ${e.device}, ${threads})${e.note ? ` - ${e.note}` : ''}`;
}

function metadataText(meta: GeometryReport['metadata']): string {
  const parts = Object.entries(meta)
    .filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k} ${String(v)}`);
  return parts.join(', ');
}

export function formatReport(r: GeometryReport): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push(`dagr report: ${r.source}`);
  lines.push(engineLine(r.engine));
  lines.push(`N = ${r.n}   t = ${o.t}   tau = ${o.tau}   pairs = ${o.pairs}   hinge = ${o.hinge}   ${r.seconds.toFixed(2)} s`);
  const meta = metadataText(r.metadata);
  if (meta || r.labels) lines.push([meta && `metadata: ${meta}`, r.labels && `labels: ${r.labels}`].filter(Boolean).join('   '));
  lines.push(...formatSkipped(r.skipped));
  lines.push('');
  lines.push(`Modalities (${Object.keys(r.modalities).length})`);
  const mods = Object.entries(r.modalities).map(([name, m]) => [
    name,
    String(m.dim),
    m.dtype ?? '-',
    fixed(m.effectiveRank, 2),
    fixed(m.effectiveRankCentered, 2),
    fixed(m.stableRank, 2),
    fixed(m.dispersiveLoss, 4),
    fixed(m.meanCosine, 3),
    `${percent(m.deadDimensionFraction)} (${Math.round(m.deadDimensionFraction * m.dim)})`,
    m.pairwiseRows < r.n ? `${m.pairwiseRows} of ${r.n}` : 'all',
  ]);
  lines.push(
    renderTable(
      ['modality', 'dim', 'dtype', 'eff. rank', 'centered', 'stable rank', 'dispersive', 'mean cos', 'dead dims', 'pair rows'],
      mods,
    ),
  );
  if (r.pairs.length > 0) {
    lines.push('');
    const sel = r.pairSelection;
    lines.push(sel && sel.computed < sel.possible ? `Pairs (${sel.computed} of ${sel.possible})` : 'Pairs');
    if (sel?.note) lines.push(`  ${sel.note}`);
    // shares of rows with the decimals one row needs at this N (0.05% = 1 of 2,000), as in the views
    const share = (x: number | undefined, n: number): string => (x === undefined ? '-' : fmtShare(x, n, false));
    const recalls = (x: { r1: number; r5: number; r10: number; medianRank: number } | undefined, n: number): string =>
      x ? `${share(x.r1, n)}/${share(x.r5, n)}/${share(x.r10, n)}` : '-';
    const pairs = r.pairs.map((p) => {
      const g = p.retrieval?.galleryRows ?? r.n;
      return [
        `${p.a}/${p.b}`,
        fixed(p.anchoringLoss, 4),
        fixed(p.drift?.mean, 3),
        fixed(p.drift?.median, 3),
        fixed(p.drift?.p90, 3),
        p.drift ? fmtShare(p.drift.fractionBeyondTau, r.n) : '-',
        fixed(p.modalityGap, 3),
        recalls(p.retrieval?.aToB, g),
        recalls(p.retrieval?.bToA, g),
        p.retrieval ? `${fmtRank(p.retrieval.aToB.medianRank, 0)}/${fmtRank(p.retrieval.bToA.medianRank, 0)}` : '-',
        fixed(p.linearCka, 3),
      ];
    });
    lines.push(
      renderTable(
        ['pair', 'anchoring', 'drift mean', 'median', 'p90', '> tau', 'gap', 'R@1/5/10 a->b', 'R@1/5/10 b->a', 'median rank', 'CKA'],
        pairs,
      ),
    );
    const g = r.pairs.find((p) => p.retrieval)?.retrieval?.galleryRows;
    if (g !== undefined) {
      lines.push(
        `  chance with ${fmtInt(g)} rows: R@1/5/10 ${[1, 5, 10].map((k) => fmtShare(chanceRecall(k, g), g, false)).join('/')}, median rank ${fmtRank(chanceMedianRank(g), 0)}`,
      );
    }
    for (const p of r.pairs) if (p.note) lines.push(`  note ${p.a}/${p.b}: ${p.note}`);
  } else if (r.pairSelection?.note) {
    lines.push('', 'Pairs: none', `  ${r.pairSelection.note}`);
  }
  if (r.projection?.note) lines.push('', `Projection: ${r.projection.note}`);
  lines.push('');
  lines.push(...formatWarnings(r.warnings));
  return lines.join('\n');
}

export function formatWarnings(ws: GeometryWarning[]): string[] {
  if (ws.length === 0) return ['Warnings: none'];
  return [
    `Warnings (${ws.length})`,
    ...ws.map((w) => {
      const where = w.modality ?? w.pair ?? '';
      return `  ${w.severity.toUpperCase().padEnd(7)} ${w.code}${where ? ` [${where}]` : ''}: ${w.message} (value ${num(w.value)}, threshold ${num(w.threshold)})`;
    }),
  ];
}

/** One row per checkpoint; a warning code is printed in the row where it first fires, "+" after. */
export function formatRun(run: RunReport): string {
  const lines: string[] = [];
  lines.push(`dagr run: ${run.source} (${run.checkpoints.length} checkpoints)`);
  lines.push(engineLine(run.engine));
  const first = run.checkpoints[0]?.report;
  if (!first) return [...lines, 'no checkpoints'].join('\n');
  const o = first.options;
  lines.push(`N = ${first.n}   t = ${o.t}   tau = ${o.tau}   pairs = ${o.pairs}   hinge = ${o.hinge}`);
  lines.push(...runSkipped(run));
  lines.push('');
  const allMods = Object.keys(first.modalities);
  const modNames = allMods.slice(0, MAX_RUN_MODALITIES);
  const pairNames = first.pairs.slice(0, MAX_RUN_PAIRS).map((p) => `${p.a}/${p.b}`);
  const cut: string[] = [];
  if (allMods.length > modNames.length) cut.push(`the first ${modNames.length} of ${allMods.length} modalities`);
  if (first.pairs.length > pairNames.length) cut.push(`the first ${pairNames.length} of ${first.pairs.length} pairs`);
  if (cut.length > 0) lines.push(`Columns for ${cut.join(' and ')} (every one is in --json; --modalities or --pairs-of choose others)`);
  const header = [
    'epoch',
    'step',
    'file',
    ...modNames.map((m) => `${m} rank`),
    ...modNames.map((m) => `${m} disp`),
    ...pairNames.flatMap((p) => [`${p} drift`, `${p} > tau`, `${p} R@1`]),
    'warnings',
  ];
  const firstAt = new Map<number, WarningCode[]>();
  for (const [code, idx] of Object.entries(run.firstWarning) as [WarningCode, number][])
    firstAt.set(idx, [...(firstAt.get(idx) ?? []), code]);
  const rows = run.checkpoints.map((c, i) => {
    const r = c.report;
    const byName = new Map<string, GeometryReport['pairs'][number]>(r.pairs.map((p) => [`${p.a}/${p.b}`, p]));
    const pairOf = (name: string): GeometryReport['pairs'][number] | undefined => byName.get(name);
    const codes = [...new Set(r.warnings.map((w) => w.code))];
    const newly = firstAt.get(i) ?? [];
    const warn = codes.length === 0 ? '' : codes.map((code) => (newly.includes(code) ? `<< ${code}` : `+${code}`)).join(' ');
    return [
      c.epoch === null ? '-' : String(c.epoch),
      c.step === null ? '-' : String(c.step),
      baseName(c.file),
      ...modNames.map((m) => fixed(getOwn(r.modalities, m)?.effectiveRank, 2)),
      ...modNames.map((m) => fixed(getOwn(r.modalities, m)?.dispersiveLoss, 3)),
      ...pairNames.flatMap((p) => {
        const pr = pairOf(p);
        const share = (x: number | undefined, n: number): string => (x === undefined ? '-' : fmtShare(x, n, false));
        return [
          fixed(pr?.drift?.mean, 3),
          share(pr?.drift?.fractionBeyondTau, r.n),
          share(pr?.retrieval?.aToB.r1, pr?.retrieval?.galleryRows ?? r.n),
        ];
      }),
      warn,
    ];
  });
  lines.push(renderTable(header, rows, { left: [2, header.length - 1] }));
  lines.push('');
  const fw = Object.entries(run.firstWarning) as [WarningCode, number][];
  if (fw.length === 0) lines.push('Warnings: none in any checkpoint');
  else {
    lines.push('First warnings ("<<" marks the checkpoint where a warning first fires, "+" that it still fires)');
    for (const [code, idx] of fw.sort((a, b) => a[1] - b[1])) {
      const c = run.checkpoints[idx];
      lines.push(
        `  ${code}: checkpoint ${idx + 1}${c?.epoch !== null && c?.epoch !== undefined ? ` (epoch ${c.epoch})` : ''} ${c ? baseName(c.file) : ''}`,
      );
    }
  }
  return lines.join('\n');
}

export function formatCompare(c: CompareReport): string {
  const lines: string[] = [];
  lines.push(`dagr compare`);
  lines.push(`  A: ${c.a.source}`);
  lines.push(`  B: ${c.b.source}`);
  lines.push(`A ${engineLine(c.a.engine)}`);
  lines.push(`B ${engineLine(c.b.engine)}`);
  lines.push(...formatSkipped(c.a.skipped, 'A '), ...formatSkipped(c.b.skipped, 'B '));
  for (const [side, r] of [
    ['A', c.a],
    ['B', c.b],
  ] as const)
    if (r.pairSelection?.note) lines.push(`${side} pairs: ${r.pairSelection.note}`);
  lines.push('');
  // judged as the compare view judges: tolerance, a direction only where one means something,
  // beyond tolerance first and biggest first (row counts are bookkeeping: in --json only)
  const judged = judgeCompare(c);
  const word = { better: 'better', worse: 'worse', changed: 'changed', same: 'within tolerance', missing: 'one side only' } as const;
  const rows = judged.map((j) => [
    j.metric,
    num(j.a),
    num(j.b),
    j.delta === null ? '-' : (j.delta > 0 ? '+' : '') + num(j.delta),
    j.tolerance === null ? '-' : `+-${num(Number(j.tolerance.toPrecision(2)))}`,
    word[j.verdict] +
      (j.verdict !== 'same' && metricRule(j.metric).dir === 'neutral' && j.verdict === 'changed' ? ' (no better/worse)' : ''),
  ]);
  const beyond = judged.filter((j) => j.verdict !== 'same').length;
  lines.push(
    `${beyond} of ${judged.length} metrics changed beyond their tolerance (2 standard errors for shares of rows, else a relative band); largest first`,
  );
  lines.push(renderTable(['metric', 'A', 'B', 'change (B - A)', 'tolerance', 'meaning'], rows, { left: [0, 5] }));
  lines.push('');
  lines.push('A ' + formatWarnings(c.a.warnings).join('\n  '));
  lines.push('B ' + formatWarnings(c.b.warnings).join('\n  '));
  return lines.join('\n');
}

/** The skipped members of a run's checkpoints, each name and reason once. */
function runSkipped(run: RunReport): string[] {
  const seen = new Map<string, SkippedMember>();
  for (const c of run.checkpoints) for (const e of c.report.skipped ?? []) seen.set(`${e.name}\u0000${e.reason}`, e);
  return formatSkipped([...seen.values()]);
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}
