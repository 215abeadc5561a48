/** Two reports side by side: key numbers with a colored change column, overlaid spectra. */
import type { GeometryReport } from '../../src/protocol/report';
import type { ViewModel } from '../../src/protocol/webview';
import { compareRows } from '../analysis';
import { spectrumConfig } from '../charts/spectrum';
import { card, chartBox, h } from '../dom';
import { basename, fmtDelta, fmtInt, fmtNum, idPart } from '../format';
import { engineText, pageHeader } from './common';
import type { ViewContext, ViewHandle } from './context';

type CompareView = Extract<ViewModel, { kind: 'compare' }>;

function summaryCard(label: string, r: GeometryReport, id: string): HTMLElement {
  return card(`${label}: ${basename(r.source)}`, { id, className: 'card-summary' },
    h('dl', { class: 'summary' },
      h('dt', null, 'file'), h('dd', { title: r.source, class: 'path' }, r.source),
      h('dt', null, 'rows'), h('dd', null, fmtInt(r.n)),
      h('dt', null, 'modalities'), h('dd', null, Object.keys(r.modalities).join(', ')),
      h('dt', null, 'engine'), h('dd', null, engineText(r.engine), r.engine.note ? h('span', { class: 'engine-note' }, r.engine.note) : null),
      h('dt', null, 'warnings'), h('dd', { class: r.warnings.length ? 'bad' : 'good' }, r.warnings.length ? r.warnings.map((w) => w.code).join(', ') : 'none')));
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
    h('tbody', null, ...rows.map((r) => h('tr', { 'data-metric': r.metric },
      h('th', { scope: 'row' }, r.label),
      h('td', { class: 'num' }, fmtNum(r.a)),
      h('td', { class: 'num' }, fmtNum(r.b)),
      h('td', { class: `num change change-${r.cls}`, 'data-change': r.cls },
        fmtDelta(r.delta), r.cls !== 'neutral' ? h('span', { class: 'change-word' }, word[r.cls]) : null)))));

  const shared = Object.keys(a.modalities).filter((m) => b.modalities[m]);
  const spectra = shared.map((m) => {
    const box = chartBox(`compare-spectrum-${idPart(m)}`, `Singular values of ${m}: A solid, B dashed`);
    ctx.charts.add(box.canvas, (p) => spectrumConfig(p, [
      { label: `${m} A`, values: a.modalities[m]?.spectrum ?? [], color: ctx.color(m, p) },
      { label: `${m} B`, values: b.modalities[m]?.spectrum ?? [], color: ctx.color(m, p), dashed: true },
    ]));
    return card(`Spectrum · ${m}`, { className: 'card-chart' }, box.box, h('p', { class: 'caption' }, 'A solid, B dashed; log scale.'));
  });

  // two columns: A beside B, then the change table beside the overlaid spectra
  root.append(h('div', { class: 'grid grid-compare' },
    summaryCard('A', a, 'compare-a'),
    summaryCard('B', b, 'compare-b'),
    card('Changes', { id: 'changes-card' }, h('div', { class: 'table-scroll' }, table)),
    h('div', { class: 'stack' }, ...spectra)));
  return {};
}
