/**
 * The pair matrix (issue 12): with three or more modalities, one heat map of a pair metric over
 * every pair (drift mean, linear CKA, R@1, modality gap) instead of reading card after card.
 * An HTML table, not a canvas: every cell is text a screen reader and a test can read, and its
 * shade is one of a few CSS classes (heat-0 … heat-5; the CSP allows no inline styles).
 * R@1 is directional: the cell (row a, column b) is a → b (queries of a, gallery b). The values
 * and shades are in ./pairValues (no DOM, so unit tests import them).
 */
import type { PairReport } from '../../src/protocol/report';
import { PAIR_METRICS, heatLevel, pairValue } from './pairValues';
import type { PairMetric } from './pairValues';
import { h } from '../dom';
import { fmtNum, fmtPct } from '../format';

/** The matrix table of one metric over `names` (rows and columns in that order). */
export function pairMatrixTable(names: readonly string[], pairs: readonly PairReport[], metric: PairMetric): HTMLTableElement {
  const m = PAIR_METRICS.find((x) => x.key === metric) as (typeof PAIR_METRICS)[number];
  const fmt = (v: number): string => (metric === 'r1' ? fmtPct(v) : fmtNum(v));
  return h(
    'table',
    { class: 'grid-table pair-matrix', id: 'pair-matrix-table', 'data-metric': metric },
    h('caption', { class: 'visually-hidden' }, `${m.label} for every pair of modalities`),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, ''), ...names.map((n) => h('th', { scope: 'col' }, n)))),
    h(
      'tbody',
      null,
      ...names.map((a) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, a),
          ...names.map((b) => {
            if (a === b) return h('td', { class: 'num pair-cell pair-self', 'aria-label': `${a} with itself` }, '·');
            const v = pairValue(pairs, a, b, metric);
            if (v === null)
              return h(
                'td',
                {
                  class: 'num pair-cell pair-none',
                  'data-pair': `${a}/${b}`,
                  title: 'not computed for this pair (see the pair selection note), or widths differ',
                },
                '—',
              );
            return h(
              'td',
              {
                class: `num pair-cell heat-${heatLevel(v, metric)}`,
                'data-pair': `${a}/${b}`,
                'data-value': v,
                title: `${a} → ${b}: ${m.label} ${fmt(v)}`,
              },
              fmt(v),
            );
          }),
        ),
      ),
    ),
  );
}

/**
 * Modalities in the matrix, at most: M² cells, and past a screen's width a heat map is no longer
 * read at a glance (the report's pairs table lists every pair of more modalities).
 */
export const MAX_MATRIX_MODALITIES = 16;

/** The card: a metric picker above the matrix; for 3 to MAX_MATRIX_MODALITIES modalities (two have one pair). */
export function pairMatrixCard(names: readonly string[], pairs: readonly PairReport[]): HTMLElement | null {
  if (names.length < 3 || names.length > MAX_MATRIX_MODALITIES) return null;
  let metric: PairMetric = 'driftMean';
  const holder = h('div', { class: 'table-scroll' }, pairMatrixTable(names, pairs, metric));
  const picker = h(
    'select',
    { id: 'pair-matrix-metric', 'aria-label': 'metric shown in the pair matrix' },
    ...PAIR_METRICS.map((x) => h('option', { value: x.key, title: x.tooltip }, x.label)),
  );
  const caption = h('p', { class: 'caption', id: 'pair-matrix-caption' }, '');
  const describe = (): void => {
    const m = PAIR_METRICS.find((x) => x.key === metric) as (typeof PAIR_METRICS)[number];
    caption.textContent = `${m.tooltip} Stronger shade = better (${m.higherIsBetter ? 'higher' : 'lower'}); — = not computed.`;
  };
  picker.addEventListener('change', () => {
    metric = picker.value as PairMetric;
    holder.replaceChildren(pairMatrixTable(names, pairs, metric));
    describe();
  });
  describe();
  return h(
    'section',
    { class: 'card card-wide', id: 'pair-matrix', 'aria-label': 'Pair matrix' },
    h('h2', { class: 'card-title' }, `Pair matrix (${names.length} modalities)`),
    h('div', { class: 'neighbors-form' }, h('label', null, 'metric ', picker)),
    holder,
    caption,
  );
}
