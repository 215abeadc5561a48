/** One card per modality pair: anchoring, drift histogram with the τ band, gap, retrieval, CKA. */
import type { GeometryWarning, PairReport } from '../../src/protocol/report';
import { driftHistogramConfig } from '../charts/histogram';
import { card, chartBox, h, statTable } from '../dom';
import type { StatRow } from '../dom';
import { chanceMedianRank, chanceRecall, fmtNum, fmtPct, fmtRank, fmtShare, idPart, plural } from '../format';
import { metricName } from '../help';
import type { ViewContext } from './context';

export function pairId(p: { a: string; b: string }): string {
  return `${idPart(p.a)}-${idPart(p.b)}`;
}

function retrievalTable(p: PairReport, id: string): HTMLElement | null {
  const r = p.retrieval;
  if (!r) return null;
  const n = r.galleryRows;
  // a percentage of N queries with enough decimals for one query, the count in its tooltip
  const share = (x: number, k: number): HTMLElement =>
    h(
      'td',
      { class: 'num', 'data-value': x, title: `${fmtShare(x, n)}; chance ${fmtShare(chanceRecall(k, n), n, false)}` },
      fmtShare(x, n, false),
    );
  const row = (label: string, d: { r1: number; r5: number; r10: number; medianRank: number }, key: string): HTMLElement =>
    h(
      'tr',
      { 'data-direction': key },
      h('th', { scope: 'row' }, label),
      h(
        'td',
        {
          class: 'num',
          id: `r1-${key}-${id}`,
          'data-value': d.r1,
          title: `${fmtShare(d.r1, n)}; chance ${fmtShare(chanceRecall(1, n), n, false)}`,
        },
        fmtShare(d.r1, n, false),
      ),
      share(d.r5, 5),
      share(d.r10, 10),
      h('td', { class: 'num', 'data-value': d.medianRank }, fmtRank(d.medianRank, n)),
    );
  const chance = h(
    'tr',
    { class: 'chance', 'data-direction': 'chance' },
    h('th', { scope: 'row' }, 'chance'),
    ...[1, 5, 10].map((k) => h('td', { class: 'num' }, fmtShare(chanceRecall(k, n), n, false))),
    h('td', { class: 'num' }, fmtRank(chanceMedianRank(n), n)),
  );
  return h(
    'table',
    { class: 'grid-table retrieval', id: `retrieval-${id}` },
    h('caption', null, `Retrieval over ${plural(n, 'row')} (1 query = ${fmtShare(1 / n, n, false)})`),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'query → gallery'),
        h('th', { scope: 'col' }, metricName('R@1', 'r1')),
        h('th', { scope: 'col' }, metricName('R@5', 'r5')),
        h('th', { scope: 'col' }, metricName('R@10', 'r10')),
        h('th', { scope: 'col' }, metricName('median rank', 'medianRank')),
      ),
    ),
    h('tbody', null, row(`${p.a} → ${p.b}`, r.aToB, 'ab'), row(`${p.b} → ${p.a}`, r.bToA, 'ba'), chance),
  );
}

/** The message of the warning of `code` about this pair, for marking its value. */
function flag(warnings: readonly GeometryWarning[], code: GeometryWarning['code'], p: PairReport): string | undefined {
  return warnings.find((w) => w.code === code && w.pair === `${p.a}/${p.b}`)?.message;
}

export function pairCard(ctx: ViewContext, p: PairReport, tau: number, n = 0, warnings: readonly GeometryWarning[] = []): HTMLElement {
  const id = pairId(p);
  const rows: StatRow[] = [
    {
      label: metricName('anchoring loss', 'anchoringLoss'),
      value: fmtNum(p.anchoringLoss, 4),
      id: `anchoring-loss-${id}`,
      raw: p.anchoringLoss,
      className: 'key',
    },
  ];
  if (p.drift) {
    const d = p.drift;
    const shareText = n > 0 ? fmtShare(d.fractionBeyondTau, n) : fmtPct(d.fractionBeyondTau);
    rows.push(
      {
        label: metricName(`drift beyond τ = ${fmtNum(tau)}`, 'fractionBeyondTau'),
        value: shareText,
        id: `drift-beyond-${id}`,
        raw: d.fractionBeyondTau,
        className: 'key',
        flagged: flag(warnings, 'excess-drift', p),
      },
      { label: metricName('drift mean', 'driftMean'), value: fmtNum(d.mean), id: `drift-mean-${id}`, raw: d.mean },
      { label: 'drift median · p90 · p99 · max', value: [d.median, d.p90, d.p99, d.max].map((v) => fmtNum(v)).join(' · ') },
    );
  }
  rows.push(
    {
      label: metricName('modality gap', 'modalityGap'),
      value: fmtNum(p.modalityGap),
      id: `modality-gap-${id}`,
      raw: p.modalityGap,
      flagged: flag(warnings, 'modality-gap', p),
    },
    { label: metricName('linear CKA', 'linearCka'), value: fmtNum(p.linearCka), id: `linear-cka-${id}`, raw: p.linearCka },
  );
  let hist: HTMLElement | null = null;
  if (p.drift) {
    const drift = p.drift;
    const box = chartBox(`drift-${id}`, `Histogram of squared drift between ${p.a} and ${p.b}, band beyond τ shaded`);
    ctx.charts.add(box.canvas, (pal) => driftHistogramConfig(pal, drift, tau, ctx.color(`${p.a}/${p.b}`, pal)));
    hist = h('div', { class: 'pair-chart' }, h('h3', { class: 'chart-title' }, 'Drift ‖ẑᵃ − ẑᵇ‖² per pair'), box.box);
  }
  return card(
    `${p.a} ↔ ${p.b}`,
    { id: `pair-${id}`, className: 'card-pair' },
    p.note ? h('p', { class: 'note', id: `pair-note-${id}`, role: 'note' }, p.note) : null,
    h(
      'div',
      { class: 'pair-body' },
      h('div', { class: 'pair-numbers' }, statTable(rows, `${p.a} and ${p.b}`), retrievalTable(p, id)),
      hist,
    ),
  );
}
