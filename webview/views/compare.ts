/** Two reports side by side: key numbers with a colored change column, overlaid spectra. */
import type { GeometryReport } from '../../src/protocol/report';
import { getOwn, hasOwnKey } from '../../src/protocol/keys';
import type { ViewModel } from '../../src/protocol/webview';
import { compareRows } from '../analysis';
import { spectrumConfig } from '../charts/spectrum';
import { card, chartBox, h } from '../dom';
import { basename, fmtDelta, fmtInt, fmtNum, idPart } from '../format';
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

type CompareView = Extract<ViewModel, { kind: 'compare' }>;

function summaryCard(label: string, r: GeometryReport, id: string): HTMLElement {
  return card(`${label}: ${basename(r.source)}`, { id, className: 'card-summary' },
    h('dl', { class: 'summary' },
      h('dt', null, 'file'), h('dd', { title: r.source, class: 'path' }, r.source),
      h('dt', null, 'rows'), h('dd', null, fmtInt(r.n)),
      h('dt', null, 'modalities'), h('dd', null, namesText(Object.keys(r.modalities))),
      h('dt', null, 'engine'), h('dd', null, engineText(r.engine), r.engine.note ? h('span', { class: 'engine-note' }, r.engine.note) : null),
      h('dt', null, 'warnings'), h('dd', { class: r.warnings.length ? 'bad' : 'good' }, r.warnings.length ? [...new Set(r.warnings.map((w) => w.code))].join(', ') : 'none'),
      r.pairSelection?.note ? h('dt', null, 'pairs') : null,
      r.pairSelection?.note ? h('dd', { class: 'note', id: `${id}-pair-selection` }, `${fmtInt(r.pairSelection.computed)} of ${fmtInt(r.pairSelection.possible)}: ${r.pairSelection.note}`) : null),
    skippedList(r.skipped, `${id}-skipped`));
}

export function renderCompare(root: HTMLElement, ctx: ViewContext, view: CompareView): ViewHandle {
  const { a, b } = view.compare;
  root.append(pageHeader(`Compare · ${basename(a.source)} vs ${basename(b.source)}`, `${a.source}  ⟷  ${b.source}`, [
    h('span', null, 'A = before, B = after; change = B − A'),
  ]));
  // row counts and sample sizes are bookkeeping, not geometry
  const rows = compareRows(view.compare).filter((r) => !/(^n|\.pairwiseRows|\.galleryRows)$/.test(r.metric));
  const word = { good: 'better', bad: 'worse', neutral: '' } as const;
  const table = h('table', { class: 'grid-table changes', id: 'changes' },
    h('caption', { class: 'visually-hidden' }, 'Key numbers of A and B and the change'),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'metric'), h('th', { scope: 'col' }, 'A'), h('th', { scope: 'col' }, 'B'), h('th', { scope: 'col' }, 'change'))),
    h('tbody', null, ...rows.slice(0, MAX_CHANGE_ROWS).map((r) => h('tr', { 'data-metric': r.metric },
      h('th', { scope: 'row' }, r.label),
      h('td', { class: 'num' }, fmtNum(r.a)),
      h('td', { class: 'num' }, fmtNum(r.b)),
      h('td', { class: `num change change-${r.cls}`, 'data-change': r.cls },
        fmtDelta(r.delta), r.cls !== 'neutral' ? h('span', { class: 'change-word' }, word[r.cls]) : null)))));

  const shared = Object.keys(a.modalities).filter((m) => hasOwnKey(b.modalities, m));
  const spectra = shared.slice(0, MAX_COMPARE_SPECTRA).map((m) => {
    const box = chartBox(`compare-spectrum-${idPart(m)}`, `Singular values of ${m}: A solid, B dashed`);
    ctx.charts.add(box.canvas, (p) => spectrumConfig(p, [
      { label: `${m} A`, values: getOwn(a.modalities, m)?.spectrum ?? [], color: ctx.color(m, p) },
      { label: `${m} B`, values: getOwn(b.modalities, m)?.spectrum ?? [], color: ctx.color(m, p), dashed: true },
    ]));
    return card(`Spectrum · ${m}`, { className: 'card-chart' }, box.box, h('p', { class: 'caption' }, 'A solid, B dashed; log scale.'));
  });

  // two columns: A beside B, then the change table beside the overlaid spectra
  root.append(h('div', { class: 'grid grid-compare' },
    summaryCard('A', a, 'compare-a'),
    summaryCard('B', b, 'compare-b'),
    card('Changes', { id: 'changes-card' }, h('div', { class: 'table-scroll' }, table),
      rows.length > MAX_CHANGE_ROWS ? h('p', { class: 'caption', id: 'changes-note' }, `The first ${fmtInt(MAX_CHANGE_ROWS)} of ${fmtInt(rows.length)} metrics; the JSON export (or dagr compare --json) has every one.`) : null),
    h('div', { class: 'stack' }, ...spectra,
      shared.length > spectra.length ? h('p', { class: 'caption', id: 'compare-spectra-note' }, `Spectra of the first ${fmtInt(spectra.length)} of ${fmtInt(shared.length)} shared modalities; the table has every one.`) : null)));
  return {};
}
