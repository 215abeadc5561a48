/** Two reports side by side: key numbers with a colored change column, overlaid spectra. */
import type { GeometryReport } from '../../src/protocol/report';
import { getOwn, hasOwnKey } from '../../src/protocol/keys';
import type { ViewModel } from '../../src/protocol/webview';
import { compareRows, metricLabel } from '../analysis';
import { countOf, digitsFor, dimOf, judgeCompare, metricRule } from '../changes';
import type { JudgedChange, Verdict } from '../changes';
import { metricName } from '../help';
import { spectrumConfig } from '../charts/spectrum';
import { card, chartBox, h } from '../dom';
import { basename, fmtDelta, fmtFixed, fmtInt, fmtNum, fmtRank, fmtShare, fmtSig, idPart, pctDecimals, plural } from '../format';
import { engineText, pageHeader, skippedList } from './common';

/** overlaid spectra drawn, at most (a chart each); the change table has every modality */
export const MAX_COMPARE_SPECTRA = 8;
/** rows of the change table, at most (1000 modalities and their pairs make ~30,000 metrics) */
export const MAX_CHANGE_ROWS = 2000;
/** modality names listed in a summary card, at most */
const MAX_NAMES_LISTED = 20;

function namesText(names: string[]): string {
  const shown = names.slice(0, MAX_NAMES_LISTED).join(', ');
  return names.length > MAX_NAMES_LISTED ? `${shown} and ${fmtInt(names.length - MAX_NAMES_LISTED)} more` : shown;
}
import type { ViewContext, ViewHandle } from './context';
import { moversCard } from './movers';

type CompareView = Extract<ViewModel, { kind: 'compare' }>;

function summaryCard(label: string, r: GeometryReport, id: string): HTMLElement {
  return card(
    `${label}: ${basename(r.source)}`,
    { id, className: 'card-summary' },
    h(
      'dl',
      { class: 'summary' },
      h('dt', null, 'file'),
      h('dd', { title: r.source, class: 'path' }, r.source),
      h('dt', null, 'rows'),
      h('dd', null, fmtInt(r.n)),
      h('dt', null, 'modalities'),
      h('dd', null, namesText(Object.keys(r.modalities))),
      h('dt', null, 'engine'),
      h('dd', null, engineText(r.engine), r.engine.note ? h('span', { class: 'engine-note' }, r.engine.note) : null),
      h('dt', null, 'warnings'),
      h(
        'dd',
        { class: r.warnings.length ? 'bad' : 'good' },
        r.warnings.length ? [...new Set(r.warnings.map((w) => w.code))].join(', ') : 'none',
      ),
      r.pairSelection?.note ? h('dt', null, 'pairs') : null,
      r.pairSelection?.note
        ? h(
            'dd',
            { class: 'note', id: `${id}-pair-selection` },
            `${fmtInt(r.pairSelection.computed)} of ${fmtInt(r.pairSelection.possible)}: ${r.pairSelection.note}`,
          )
        : null,
    ),
    skippedList(r.skipped, `${id}-skipped`),
  );
}

/** The glossary key of a flat metric path: its last part, drift statistics by their drift name. */
function helpKey(metric: string): string {
  const leaf = metric.split('.').pop() ?? metric;
  return leaf === 'mean' && metric.includes('.drift.') ? 'driftMean' : leaf;
}

const VERDICT_TEXT: Record<Verdict, string> = {
  better: 'better',
  worse: 'worse',
  changed: 'changed',
  same: 'within tolerance',
  missing: 'one side only',
};

/** How a metric's values read: a share of rows or dimensions (as a percentage, as in the other views), a rank, a count, a number. */
type Kind = { kind: 'share'; n: number } | { kind: 'rank'; n: number } | { kind: 'int' } | { kind: 'num' };

function kindOf(metric: string, r: GeometryReport): Kind {
  if (/\.(r1|r5|r10)$/.test(metric)) return { kind: 'share', n: countOf(r, metric, 'queries') };
  if (/\.fractionBeyondTau$/.test(metric)) return { kind: 'share', n: countOf(r, metric, 'rows') };
  if (/\.deadDimensionFraction$/.test(metric)) return { kind: 'share', n: dimOf(r, metric) };
  if (/\.medianRank$/.test(metric)) return { kind: 'rank', n: countOf(r, metric, 'queries') };
  if (/\.dim$/.test(metric)) return { kind: 'int' };
  return { kind: 'num' };
}

function valueText(k: Kind, x: number | null, digits: number): string {
  if (x === null) return '—';
  switch (k.kind) {
    case 'share':
      return fmtShare(x, k.n, false);
    case 'rank':
      return fmtRank(x, 0);
    case 'int':
      return fmtInt(x);
    case 'num':
      return fmtSig(x, digits);
  }
}

function changeText(j: JudgedChange, k: Kind): string {
  if (j.delta === null) return '—';
  if (j.delta === 0) return '0';
  const sign = j.delta > 0 ? '+' : '';
  if (k.kind === 'share') return `${sign}${fmtFixed(j.delta * 100, pctDecimals(k.n))} pp`;
  const abs = k.kind === 'rank' || k.kind === 'int' ? `${sign}${fmtRank(j.delta, 0)}` : fmtDelta(j.delta, 3);
  if (j.a === null || j.b === null || j.a === 0) return abs;
  // the relative size the rows are ordered by; a factor once it passes ten-fold
  const rel = j.delta / Math.abs(j.a);
  const ratio = j.b / j.a;
  return Math.abs(rel) >= 10 && ratio > 0 ? `${abs} (×${fmtNum(ratio, 3)})` : `${abs} (${sign}${fmtNum(100 * rel, 2)}%)`;
}

function toleranceText(j: JudgedChange, k: Kind): string {
  if (j.tolerance === null) return '—';
  return k.kind === 'share' ? `±${fmtNum(j.tolerance * 100, 2)} pp` : `±${fmtNum(j.tolerance, 2)}`;
}

function changeRow(j: JudgedChange, ra: GeometryReport): HTMLElement {
  const digits = digitsFor(j.a, j.b, j.delta);
  const rule = metricRule(j.metric);
  const k = kindOf(j.metric, ra);
  return h(
    'tr',
    { 'data-metric': j.metric, 'data-verdict': j.verdict, class: `verdict-${j.verdict}` },
    h('th', { scope: 'row' }, metricName(metricLabel(j.metric), helpKey(j.metric))),
    h('td', { class: 'num', 'data-value': j.a ?? undefined }, valueText(k, j.a, digits)),
    h('td', { class: 'num', 'data-value': j.b ?? undefined }, valueText(k, j.b, digits)),
    h('td', { class: 'num change', 'data-delta': j.delta ?? undefined }, changeText(j, k)),
    h('td', { class: 'num tolerance', title: `noise band: ${j.basis}` }, toleranceText(j, k)),
    h(
      'td',
      {
        class: `verdict change-${j.verdict === 'better' ? 'good' : j.verdict === 'worse' ? 'bad' : 'neutral'}`,
        'data-change': j.verdict,
        title: rule.dir === 'neutral' ? `no better or worse: ${rule.why}` : rule.why,
      },
      VERDICT_TEXT[j.verdict],
    ),
  );
}

export function renderCompare(root: HTMLElement, ctx: ViewContext, view: CompareView): ViewHandle {
  const { a, b } = view.compare;
  root.append(
    pageHeader(`Compare · ${basename(a.source)} vs ${basename(b.source)}`, `${a.source}  ⟷  ${b.source}`, [
      h('span', null, 'A = before, B = after; change = B − A'),
    ]),
  );
  // row counts and sample sizes are bookkeeping, not geometry (judgeCompare leaves them out)
  const rows = judgeCompare(view.compare, compareRows(view.compare));
  const beyond = rows.filter((r) => r.verdict !== 'same').length;
  const table = h(
    'table',
    { class: 'grid-table changes', id: 'changes' },
    h(
      'caption',
      { class: 'visually-hidden' },
      'Key numbers of A and B, the change, its tolerance and what it means; biggest changes first',
    ),
    h('thead', null, h('tr', null, ...['metric', 'A', 'B', 'change', 'tolerance', 'meaning'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, ...rows.slice(0, MAX_CHANGE_ROWS).map((j) => changeRow(j, a))),
  );
  const summary = h(
    'p',
    { class: 'caption', id: 'changes-summary', 'data-beyond': beyond, 'data-within': rows.length - beyond },
    `${plural(beyond, 'change')} beyond tolerance, largest first; ${fmtInt(rows.length - beyond)} within tolerance (greyed, at the end). ` +
      'Tolerance: 2 standard errors for shares of rows (R@k, beyond τ), else a relative band; “better”/“worse” only where the metric has a good direction.',
  );
  const shared = Object.keys(a.modalities).filter((m) => hasOwnKey(b.modalities, m));
  const spectra = shared.slice(0, MAX_COMPARE_SPECTRA).map((m) => {
    const box = chartBox(`compare-spectrum-${idPart(m)}`, `Singular values of ${m}: A solid, B dashed`);
    ctx.charts.add(box.canvas, (p) =>
      spectrumConfig(p, [
        { label: `A: ${basename(a.source)}`, values: getOwn(a.modalities, m)?.spectrum ?? [], color: ctx.color(m, p) },
        { label: `B: ${basename(b.source)}`, values: getOwn(b.modalities, m)?.spectrum ?? [], color: ctx.color(m, p), dashed: true },
      ]),
    );
    return card(`Spectrum · ${m}`, { className: 'card-chart' }, box.box, h('p', { class: 'caption' }, 'A solid, B dashed; log scale.'));
  });

  // A beside B; the changes across the page (they are what a compare is read for); the overlaid
  // spectra side by side below
  root.append(
    h(
      'div',
      { class: 'grid grid-compare' },
      summaryCard('A', a, 'compare-a'),
      summaryCard('B', b, 'compare-b'),
      card(
        'Changes',
        { id: 'changes-card', className: 'card-wide' },
        summary,
        h('div', { class: 'table-scroll' }, table),
        rows.length > MAX_CHANGE_ROWS
          ? h(
              'p',
              { class: 'caption', id: 'changes-note' },
              `The first ${fmtInt(MAX_CHANGE_ROWS)} of ${fmtInt(rows.length)} metrics; the JSON export (or dagr compare --json) has every one.`,
            )
          : null,
      ),
      h('div', { class: 'modality-row' }, ...spectra),
      shared.length > spectra.length
        ? h(
            'p',
            { class: 'caption card-wide', id: 'compare-spectra-note' },
            `Spectra of the first ${fmtInt(spectra.length)} of ${fmtInt(shared.length)} shared modalities; the table has every one.`,
          )
        : null,
      moversCard(ctx, view.compare),
    ),
  );
  return {};
}
