/**
 * The pair matrix (issue 12): with three or more modalities, how the report's pairs read at a
 * glance. One heat map of a pair metric over every pair (drift mean, linear CKA, R@1, modality
 * gap) stands instead of a list of near-identical pair cards; each cell is a button that opens
 * that pair's full card (drift histogram, retrieval, gap, CKA, warnings) below the matrix. The
 * opened pair and the metric are kept in the saved webview state; without a pair, the worst warning's
 * pair opens (./pairValues defaultPair). A Problems entry's link reaches a pair behind the matrix
 * through openPairInMatrix (webview/reveal.ts).
 *
 * An HTML table, not a canvas: every cell is text a screen reader and a test can read, and its
 * shade is one of a few CSS classes (heat-0, the worst value, to heat-5, the best: a stronger
 * shade is worse; the CSP allows no inline styles). A pair in
 * trouble (a warning about it) is tinted in the theme's warning (or error) color AND carries ▲
 * before its number, so color is never the only mark. The matrix is one Tab stop (the opened
 * pair's cell); the arrow keys, Home and End move between its cells, Enter or Space opens one. R@1 is directional: the cell (row a,
 * column b) is a → b (queries of a, gallery b).
 */
import type { GeometryWarning, PairReport } from '../../src/protocol/report';
import { PAIR_METRICS, findPair, heatLevel, openedPair, pairName, pairValue, pairWarnings } from './pairValues';
import type { PairMetric } from './pairValues';
import { h } from '../dom';
import { fmtNum, fmtPct } from '../format';
import type { ViewContext } from '../views/context';
import { pairCard } from '../views/pair';

/**
 * Modalities in the matrix, at most: M² cells, and past a screen's width a heat map is no longer
 * read at a glance (the report lists the pair cards and a table of every pair instead).
 */
export const MAX_MATRIX_MODALITIES = 16;

/** whether a report of these modalities shows its pairs as the matrix (3 to MAX_MATRIX_MODALITIES) */
export function usesPairMatrix(names: readonly string[]): boolean {
  return names.length >= 3 && names.length <= MAX_MATRIX_MODALITIES;
}

/** the event a reveal request sends the matrix (detail: the pair "a/b") */
const OPEN_PAIR_EVENT = 'dagr-open-pair';

/**
 * Opens the pair's card below the matrix, when a matrix is on the page and has the pair (a
 * Problems entry's link asking for a pair card). True when the card is now on the page.
 */
export function openPairInMatrix(pair: string): boolean {
  const matrix = document.getElementById('pair-matrix');
  if (!matrix) return false;
  const ev = new CustomEvent<string>(OPEN_PAIR_EVENT, { detail: pair, cancelable: true });
  // the listener cancels the event when it opened the pair
  return !matrix.dispatchEvent(ev);
}

interface MatrixInput {
  names: readonly string[];
  pairs: readonly PairReport[];
  warnings: readonly GeometryWarning[];
  /** the pair cards' τ and row count */
  tau: number;
  n: number;
}

/** One cell of the table: a button opening the pair, its value, its trouble mark. */
function cell(inp: MatrixInput, a: string, b: string, metric: PairMetric, opened: PairReport | undefined): HTMLElement {
  if (a === b) return h('td', { class: 'num pair-cell pair-self', 'aria-label': `${a} with itself` }, '·');
  const p = findPair(inp.pairs, `${a}/${b}`);
  const m = PAIR_METRICS.find((x) => x.key === metric) as (typeof PAIR_METRICS)[number];
  const v = pairValue(inp.pairs, a, b, metric);
  const shown = v === null ? '—' : metric === 'r1' ? fmtPct(v) : fmtNum(v);
  const worst = p ? pairWarnings(inp.warnings, p.a, p.b)[0] : undefined;
  const classes = ['num', 'pair-cell'];
  if (v === null) classes.push('pair-none');
  else classes.push(`heat-${heatLevel(v, metric)}`);
  if (worst) classes.push(worst.severity === 'error' ? 'trouble-error' : 'trouble-warning');
  const valueText = v === null ? 'not computed' : `${m.label} ${shown}`;
  const td = h('td', {
    class: classes.join(' '),
    'data-pair': `${a}/${b}`,
    'data-value': v ?? undefined,
    'data-trouble': worst?.severity,
    title:
      p === undefined
        ? 'not computed for this pair (see the pair selection note)'
        : `${a} → ${b}: ${valueText}` + (worst ? `\n▲ ${worst.message}` : '') + '\nClick to open its card below.',
  });
  if (!p) {
    td.append('—');
    return td;
  }
  const isOpen = opened !== undefined && pairName(opened) === pairName(p);
  td.append(
    h(
      'button',
      {
        type: 'button',
        class: 'pair-open',
        'data-pair': `${a}/${b}`,
        'aria-pressed': isOpen ? 'true' : 'false',
        'aria-label': `${a} → ${b}: ${valueText}` + (worst ? `; warning: ${worst.message}` : '') + '. Opens the pair card below.',
      },
      worst ? h('span', { class: 'trouble-mark', 'aria-hidden': 'true' }, '▲ ') : null,
      shown,
    ),
  );
  return td;
}

const STEPS: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

/**
 * The button an arrow key (or Home / End, along the row) moves to from `from`: the next cell in
 * that direction that opens a pair (the diagonal and pairs not computed are skipped); null at the
 * edge or for another key.
 */
function cellInDirection(holder: HTMLElement, from: HTMLButtonElement, key: string): HTMLButtonElement | null {
  const td = from.closest('td');
  const tr = td?.parentElement;
  const rows = [...holder.querySelectorAll<HTMLTableRowElement>('tbody tr')];
  if (!td || !(tr instanceof HTMLTableRowElement)) return null;
  const buttonAt = (i: number, j: number): HTMLButtonElement | null =>
    rows[i]?.cells[j]?.querySelector<HTMLButtonElement>('button.pair-open') ?? null;
  const i0 = rows.indexOf(tr);
  if (key === 'Home' || key === 'End') {
    const cols = [...tr.cells].map((_, j) => j);
    for (const j of key === 'Home' ? cols : cols.reverse()) {
      const b = buttonAt(i0, j);
      if (b) return b === from ? null : b;
    }
    return null;
  }
  const step = STEPS[key];
  if (!step) return null;
  for (
    let i = i0 + step[0], j = td.cellIndex + step[1];
    i >= 0 && i < rows.length && j >= 0 && j < tr.cells.length;
    i += step[0], j += step[1]
  ) {
    const b = buttonAt(i, j);
    if (b) return b;
  }
  return null;
}

/** The matrix table of one metric over `names` (rows and columns in that order). */
export function pairMatrixTable(inp: MatrixInput, metric: PairMetric, opened: PairReport | undefined): HTMLTableElement {
  const m = PAIR_METRICS.find((x) => x.key === metric) as (typeof PAIR_METRICS)[number];
  return h(
    'table',
    { class: 'grid-table pair-matrix', id: 'pair-matrix-table', 'data-metric': metric },
    h(
      'caption',
      { class: 'visually-hidden' },
      `${m.label} for every pair of modalities; a cell opens its pair's card (arrow keys move between cells)`,
    ),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, ''), ...inp.names.map((n) => h('th', { scope: 'col' }, n)))),
    h(
      'tbody',
      null,
      ...inp.names.map((a) => h('tr', null, h('th', { scope: 'row' }, a), ...inp.names.map((b) => cell(inp, a, b, metric, opened)))),
    ),
  );
}

/**
 * The matrix card and, below it, the opened pair's card: the two grid items that stand for every
 * pair of a report of 3 to MAX_MATRIX_MODALITIES modalities.
 */
export function pairMatrixCards(ctx: ViewContext, inp: MatrixInput): HTMLElement[] {
  let metric: PairMetric = ctx.pairMetric() ?? 'driftMean';
  let opened = openedPair(inp.pairs, inp.warnings, ctx.pairPick());
  const troubled = inp.pairs.filter((p) => pairWarnings(inp.warnings, p.a, p.b).length > 0).length;
  const holder = h('div', { class: 'table-scroll' });
  const picker = h(
    'select',
    { id: 'pair-matrix-metric', 'aria-label': 'metric shown in the pair matrix' },
    ...PAIR_METRICS.map((x) => h('option', { value: x.key, title: x.tooltip }, x.label)),
  );
  const caption = h('p', { class: 'caption', id: 'pair-matrix-caption' }, '');
  const status = h('p', { class: 'pair-matrix-status', id: 'pair-matrix-status', role: 'status' }, '');
  const detail = h('div', { class: 'pair-detail', id: 'pair-detail' });

  const drawTable = (): void => {
    // a redraw keeps the keyboard on the cell that had it
    const focused = holder.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.pair : undefined;
    holder.replaceChildren(pairMatrixTable(inp, metric, opened));
    const buttons = [...holder.querySelectorAll<HTMLButtonElement>('button.pair-open')];
    // one Tab stop for the whole matrix (the arrow keys move inside it): the focused cell, else the opened pair's
    const entry =
      buttons.find((x) => x.dataset.pair === focused) ??
      buttons.find((x) => opened !== undefined && x.dataset.pair === pairName(opened)) ??
      buttons[0];
    for (const x of buttons) x.tabIndex = x === entry ? 0 : -1;
    if (focused) entry?.focus();
  };
  const describe = (): void => {
    const m = PAIR_METRICS.find((x) => x.key === metric) as (typeof PAIR_METRICS)[number];
    caption.textContent =
      `${m.tooltip} Stronger shade = worse (${m.higherIsBetter ? 'lower' : 'higher'}); — = not computed. ` +
      (troubled ? `▲ and the warning color: a warning about the pair (${troubled} of ${inp.pairs.length}). ` : 'No pair has a warning. ') +
      'A cell opens its pair below.';
  };
  const drawDetail = (): void => {
    for (const c of detail.querySelectorAll('canvas')) ctx.charts.drop(c);
    if (!opened) {
      detail.replaceChildren(h('p', { class: 'note', role: 'note' }, 'No pair was computed.'));
      status.textContent = '';
      return;
    }
    detail.replaceChildren(pairCard(ctx, opened, inp.tau, inp.n, inp.warnings));
    detail.dataset.pair = pairName(opened);
    const why = ctx.pairPick() !== undefined && findPair(inp.pairs, ctx.pairPick()) === opened ? 'picked' : 'default';
    status.dataset.why = why;
    status.textContent =
      `Below: ${opened.a} ↔ ${opened.b}` +
      (why === 'default'
        ? pairWarnings(inp.warnings, opened.a, opened.b).length
          ? ' (the pair with the worst warning).'
          : opened.drift
            ? ' (no pair has a warning: the pair that drifts most).'
            : ' (no pair has a warning or a drift: the first pair).'
        : '.');
  };
  /** open a pair: its card below, the matrix marks it, the saved state keeps it */
  const open = (p: PairReport): void => {
    opened = p;
    ctx.savePairPick(pairName(p));
    drawTable();
    drawDetail();
    // the new card's histogram: its canvas is on the page now
    ctx.charts.mount();
  };

  holder.addEventListener('keydown', (e) => {
    const from = (e.target as Element | null)?.closest<HTMLButtonElement>('button.pair-open');
    const to = from ? cellInDirection(holder, from, e.key) : null;
    if (!from || !to) return;
    e.preventDefault();
    to.focus();
  });
  // the Tab stop is the cell last focused, however it got the focus (arrows, a click, a pointer)
  holder.addEventListener('focusin', (e) => {
    const at = (e.target as Element | null)?.closest<HTMLButtonElement>('button.pair-open');
    if (!at) return;
    for (const x of holder.querySelectorAll<HTMLButtonElement>('button.pair-open')) x.tabIndex = x === at ? 0 : -1;
  });
  holder.addEventListener('click', (e) => {
    const b = (e.target as Element | null)?.closest<HTMLButtonElement>('button.pair-open');
    const p = b ? findPair(inp.pairs, b.dataset.pair) : undefined;
    if (p) open(p);
  });
  picker.addEventListener('change', () => {
    metric = picker.value as PairMetric;
    ctx.savePairMetric(metric);
    drawTable();
    describe();
  });
  picker.value = metric;
  drawTable();
  describe();
  drawDetail();

  const matrix = h(
    'section',
    { class: 'card card-wide', id: 'pair-matrix', 'aria-label': 'Pair matrix' },
    h('h2', { class: 'card-title' }, `Pairs (${inp.names.length} modalities)`),
    h('div', { class: 'neighbors-form' }, h('label', null, 'metric ', picker)),
    holder,
    caption,
    status,
  );
  matrix.addEventListener(OPEN_PAIR_EVENT, (e) => {
    const p = findPair(inp.pairs, (e as CustomEvent<string>).detail);
    if (!p) return;
    if (p !== opened) open(p);
    e.preventDefault();
  });
  return [matrix, detail];
}
