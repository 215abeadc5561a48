/**
 * `dagr neighbors FILE --modality A [--in B] --row I|--label L --k K [--json]`: the k nearest rows
 * of one row by cosine (issue 12). JSON is the list `[{row, similarity, label}]` in order (of A,
 * the row itself left out; or of B with --in B); the text form adds where the row's partner ranks.
 */
import { parseArgs, numberFlag } from './args';
import type { ParsedArgs } from './args';
import type { CommandContext } from './context';
import { EXIT_OK, UsageError } from './errors';
import { printJson } from './json';
import { createProgress } from './progress';
import type { MoversSummary, NeighborList, NeighborsResult } from '../protocol/neighbors';

export const NEIGHBORS_HELP = `dagr neighbors FILE --modality A (--row I | --label L) [--in B] [--k K] [--json]

The K nearest rows of row I of modality A by cosine similarity, exact over every row (ties in
ascending row order). Without --in: among the other rows of A. With --in B: among the rows of B
(same width as A), and where row I of B (the true partner) ranks.

  --modality A           the query row's modality
  --row I                the query row (0-based)
  --label L              instead of --row: the first row whose label is L
  --in B                 search modality B instead of A
  --k K                  neighbours to list (default 10)
  --modalities a,b       arrays to read as modalities, as for inspect
  --json                 print [{row, similarity, label}] in order (label null without labels)
`;

const FLAGS = { values: ['modality', 'row', 'label', 'in', 'k', 'modalities'], booleans: ['json', 'help'] };

export async function neighborsCommand(argv: string[], cx: CommandContext): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (args.booleans.has('help')) return (cx.print(NEIGHBORS_HELP), EXIT_OK);
  const [path, ...extra] = args.positionals;
  if (path === undefined) throw new UsageError('neighbors needs a FILE');
  if (extra.length > 0) throw new UsageError(`neighbors takes one FILE, got also "${extra.join(' ')}"`);
  const modality = args.values.get('modality');
  if (modality === undefined || modality.trim() === '') throw new UsageError('neighbors needs --modality A');
  const row = numberFlag(args, 'row', (x) => Number.isInteger(x) && x >= 0, 'a row index >= 0');
  const label = numberFlag(args, 'label', (x) => Number.isInteger(x), 'an integer label');
  if ((row === undefined) === (label === undefined)) throw new UsageError('neighbors needs one of --row I or --label L');
  const k = numberFlag(args, 'k', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1') ?? 10;
  const target = args.values.get('in');
  const list = args.values
    .get('modalities')
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  cx.currentFile = path;
  const inOther = target !== undefined && target !== modality;
  const { neighborsOf } = await import('../jobs/neighbors');
  const progress = createProgress();
  let result: NeighborsResult;
  try {
    result = await neighborsOf(
      {
        path,
        modality,
        k,
        ...(row !== undefined ? { row } : {}),
        ...(label !== undefined ? { label } : {}),
        ...(inOther ? { in: [target], own: false } : { in: [] }),
        ...(list && list.length > 0 ? { modalities: list } : {}),
      },
      { onProgress: (f, s) => progress.update(f, s), signal: cx.signal },
    );
  } finally {
    progress.done();
  }
  const shown = result.lists[0] as NeighborList;
  if (shown.note !== '') throw new UsageError(`--in ${target ?? ''}: ${shown.note}`);
  if (args.booleans.has('json')) printJson(cx.print, shown.neighbors);
  else cx.print(formatNeighbors(result, shown));
  return EXIT_OK;
}

export function formatNeighbors(r: NeighborsResult, l: NeighborList): string {
  const q = r.query;
  const head =
    `Nearest rows to row ${q.row}${q.label !== null ? ` (label ${q.label})` : ''} of '${q.modality}' ` +
    (l.modality === q.modality ? `among the other rows of '${l.modality}'` : `among the rows of '${l.modality}'`);
  const lines = [head, ''];
  lines.push(`${'#'.padStart(4)}  ${'row'.padStart(8)}  ${'cosine'.padStart(9)}  label`);
  l.neighbors.forEach((x, i) => {
    lines.push(`${String(i + 1).padStart(4)}  ${String(x.row).padStart(8)}  ${x.similarity.toFixed(4).padStart(9)}  ${x.label ?? '-'}`);
  });
  if (l.partnerRank !== null)
    lines.push(
      '',
      `Row ${q.row} of '${l.modality}' (its partner) ranks ${l.partnerRank} (cosine ${(l.partnerSimilarity ?? 0).toFixed(4)}).`,
    );
  return lines.join('\n');
}

/** flags `dagr compare` adds for movers */
export const MOVERS_VALUE_FLAGS = ['movers', 'movers-rows'] as const;

export const MOVERS_HELP = `  --movers K             also the rows whose neighbourhoods changed: per row, the Jaccard overlap of
                         its K nearest rows (cosine) in A and in B (JSON: movers [{row, jaccard,
                         label, modality}] most changed first, and moversSummary per modality)
  --movers-rows N        rows compared, a seeded sample beyond it; 0 = all (default 4096; s^2 d work)`;

/** --movers K [--movers-rows N] as the compare job's request, or undefined without --movers */
export function moversFlags(args: ParsedArgs): { k: number; maxRows?: number } | undefined {
  const k = numberFlag(args, 'movers', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  const maxRows = numberFlag(args, 'movers-rows', (x) => Number.isInteger(x) && (x === 0 || x >= 2), '0 (all rows) or an integer >= 2');
  if (k === undefined) {
    if (maxRows !== undefined) throw new UsageError('--movers-rows needs --movers K');
    return undefined;
  }
  return maxRows !== undefined ? { k, maxRows } : { k };
}

/** The text form of the movers summaries: per modality the mean overlap and the most changed rows. */
export function formatMovers(summary: readonly MoversSummary[], shown = 10): string {
  const lines: string[] = [];
  for (const s of summary) {
    lines.push(
      '',
      `Movers in '${s.modality}': mean neighbourhood overlap ${s.meanJaccard.toFixed(3)} (Jaccard of ${s.k}-NN sets over ${s.rows} rows${s.sampled ? ', sampled' : ''})`,
    );
    lines.push(
      `  most changed: ${s.mostChanged
        .slice(0, shown)
        .map((m) => `row ${m.row}${m.label !== null ? ` [${m.label}]` : ''} ${m.jaccard.toFixed(2)}`)
        .join(', ')}`,
    );
    if (s.note) lines.push(`  ${s.note}`);
  }
  return lines.join('\n');
}
