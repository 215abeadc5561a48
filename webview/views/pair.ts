/** One card per modality pair: anchoring, drift histogram with the τ band, gap, retrieval, CKA. */
import type { PairReport } from '../../src/protocol/report';
import { driftHistogramConfig } from '../charts/histogram';
import { card, chartBox, h, statTable } from '../dom';
import type { StatRow } from '../dom';
import { fmtNum, fmtPct, idPart, plural } from '../format';
import type { ViewContext } from './context';

export function pairId(p: { a: string; b: string }): string {
  return `${idPart(p.a)}-${idPart(p.b)}`;
}

function retrievalTable(p: PairReport, id: string): HTMLElement | null {
  const r = p.retrieval;
  if (!r) return null;
  const row = (label: string, d: { r1: number; r5: number; r10: number; medianRank: number }, key: string): HTMLElement =>
    h('tr', { 'data-direction': key },
      h('th', { scope: 'row' }, label),
      h('td', { class: 'num', id: `r1-${key}-${id}`, 'data-value': d.r1 }, fmtPct(d.r1)),
      h('td', { class: 'num', 'data-value': d.r5 }, fmtPct(d.r5)),
      h('td', { class: 'num', 'data-value': d.r10 }, fmtPct(d.r10)),
      h('td', { class: 'num', 'data-value': d.medianRank }, fmtNum(d.medianRank)));
  return h('table', { class: 'grid-table retrieval', id: `retrieval-${id}` },
    h('caption', null, `Retrieval over ${plural(r.galleryRows, 'row')}`),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'query → gallery'), h('th', { scope: 'col' }, 'R@1'), h('th', { scope: 'col' }, 'R@5'), h('th', { scope: 'col' }, 'R@10'), h('th', { scope: 'col' }, 'median rank'))),
    h('tbody', null, row(`${p.a} → ${p.b}`, r.aToB, 'ab'), row(`${p.b} → ${p.a}`, r.bToA, 'ba')));
}

export function pairCard(ctx: ViewContext, p: PairReport, tau: number): HTMLElement {
  const id = pairId(p);
  const rows: StatRow[] = [
    { label: 'anchoring loss', value: fmtNum(p.anchoringLoss, 4), id: `anchoring-loss-${id}`, raw: p.anchoringLoss, className: 'key' },
  ];
  if (p.drift) {
    const d = p.drift;
    rows.push(
      { label: `drift beyond τ = ${fmtNum(tau)}`, value: fmtPct(d.fractionBeyondTau), id: `drift-beyond-${id}`, raw: d.fractionBeyondTau, className: 'key' },
      { label: 'drift mean', value: fmtNum(d.mean), id: `drift-mean-${id}`, raw: d.mean },
      { label: 'drift median · p90 · p99 · max', value: [d.median, d.p90, d.p99, d.max].map((v) => fmtNum(v)).join(' · ') },
    );
  }
  rows.push(
    { label: 'modality gap', value: fmtNum(p.modalityGap), id: `modality-gap-${id}`, raw: p.modalityGap },
    { label: 'linear CKA', value: fmtNum(p.linearCka), id: `linear-cka-${id}`, raw: p.linearCka },
  );
  let hist: HTMLElement | null = null;
  if (p.drift) {
    const drift = p.drift;
    const box = chartBox(`drift-${id}`, `Histogram of squared drift between ${p.a} and ${p.b}, band beyond τ shaded`);
    ctx.charts.add(box.canvas, (pal) => driftHistogramConfig(pal, drift, tau, ctx.color(`${p.a}/${p.b}`, pal)));
    hist = h('div', { class: 'pair-chart' }, h('h3', { class: 'chart-title' }, 'Drift ‖ẑᵃ − ẑᵇ‖² per pair'), box.box);
  }
  return card(`${p.a} ↔ ${p.b}`, { id: `pair-${id}`, className: 'card-pair' },
    p.note ? h('p', { class: 'note', id: `pair-note-${id}`, role: 'note' }, p.note) : null,
    h('div', { class: 'pair-body' },
      h('div', { class: 'pair-numbers' }, statTable(rows, `${p.a} and ${p.b}`), retrievalTable(p, id)),
      hist));
}
