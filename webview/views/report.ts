/**
 * The report of one checkpoint: header, warnings, options, notes, per-modality and per-pair cards,
 * projection. With 3 to 16 modalities the pairs are a matrix that opens one pair's card
 * (charts/pairMatrix.ts); with more, the cards stop at a few (each holds charts) and a table lists
 * every modality and every computed pair, so nothing here grows past O(M) elements (the matrix
 * has at most 16² cells).
 */
import type { GeometryReport, GeometryWarning, ModalityReport, PairReport } from '../../src/protocol/report';
import { getOwn } from '../../src/protocol/keys';
import type { ViewModel, WarningPlace } from '../../src/protocol/webview';
import { button, card, h } from '../dom';
import { basename, fmtFixed, fmtInt, fmtNum, fmtPct, fmtSeconds, plural } from '../format';
import { engineLine, pageHeader, skippedList, warningItem } from './common';
import type { ViewContext, ViewHandle } from './context';
import { controlsCard } from './controls';
import { modalityCard } from './modality';
import { pairCard } from './pair';
import { projectionCard } from './projection';
import { neighborsCard } from './neighbors';
import { pairMatrixCards, usesPairMatrix } from '../charts/pairMatrix';
import { requestReveal } from '../reveal';

type ReportView = Extract<ViewModel, { kind: 'report' }>;

/** modality cards (two charts each) drawn, at most; every modality is in the table below them */
export const MAX_MODALITY_CARDS = 8;
/** pair cards (a histogram each) drawn, at most: every pair of 8 modalities */
export const MAX_PAIR_CARDS = 28;
/** rows of the all-modalities and all-pairs tables, at most; the JSON export has the rest */
export const MAX_TABLE_ROWS = 1000;

/** The modalities that get a card: the hub of the pair selection first, then file order. */
export function cardModalities(r: GeometryReport, names: string[]): string[] {
  const hub = r.pairSelection?.hub;
  const ordered = hub !== undefined && names.includes(hub) ? [hub, ...names.filter((n) => n !== hub)] : names;
  return ordered.slice(0, MAX_MODALITY_CARDS);
}

/** What "Fine-Tune with DAGR…" will train: the dataset of this checkpoint's run, with DAGR on. */
function fineTuneTitle(r: GeometryReport): string {
  return (
    `Trains a new model with DAGR on: an MLP encoder and a classifier head per modality plus a fusion head, on the paired features and labels of the dataset ${basename(r.source)}'s run was trained on (its config.json; you pick a dataset if there is none). ` +
    'This checkpoint is not changed and its weights are not the starting point. Every setting is shown, and can be changed, before it starts.'
  );
}

function notesCard(r: GeometryReport): HTMLElement | null {
  const sel = r.pairSelection;
  const notes: HTMLElement[] = [];
  if (sel?.note) {
    notes.push(
      h(
        'p',
        {
          class: 'note',
          id: 'pair-selection-note',
          role: 'note',
          'data-mode': sel.mode,
          'data-computed': sel.computed,
          'data-possible': sel.possible,
        },
        `Pairs: ${fmtInt(sel.computed)} of ${fmtInt(sel.possible)} computed. ${sel.note}`,
      ),
    );
  }
  if (r.projection?.note) notes.push(h('p', { class: 'note', id: 'projection-note', role: 'note' }, `Projection: ${r.projection.note}`));
  const skipped = skippedList(r.skipped);
  if (skipped) notes.push(skipped);
  return notes.length ? card('Notes', { id: 'notes', className: 'card-notes card-wide' }, ...notes) : null;
}

function modalitiesTable(r: GeometryReport, names: string[]): HTMLElement {
  const shown = names.slice(0, MAX_TABLE_ROWS);
  const row = (name: string, m: ModalityReport): HTMLElement =>
    h(
      'tr',
      { 'data-modality': name },
      h('th', { scope: 'row' }, name),
      h('td', { class: 'num' }, fmtInt(m.dim)),
      h('td', { class: 'num', 'data-value': m.effectiveRank }, fmtFixed(m.effectiveRank, 2)),
      h('td', { class: 'num' }, fmtFixed(m.stableRank, 2)),
      h('td', { class: 'num' }, fmtNum(m.dispersiveLoss, 4)),
      h('td', { class: 'num' }, fmtNum(m.meanCosine)),
      h('td', { class: 'num' }, fmtPct(m.deadDimensionFraction)),
    );
  return card(
    `All modalities (${fmtInt(names.length)})`,
    { id: 'modalities-table-card', className: 'card-wide' },
    h(
      'p',
      { class: 'caption' },
      `Cards above for ${plural(Math.min(names.length, MAX_MODALITY_CARDS), 'modality', 'modalities')}; every modality here` +
        (names.length > shown.length ? ` (the first ${fmtInt(shown.length)}; the JSON export has all ${fmtInt(names.length)})` : '') +
        '.',
    ),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'grid-table', id: 'modalities-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...['modality', 'dim', 'eff. rank', 'stable rank', 'dispersive', 'mean cos', 'dead dims'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h(
          'tbody',
          null,
          ...shown.flatMap((n) => {
            const m = getOwn(r.modalities, n);
            return m ? [row(n, m)] : [];
          }),
        ),
      ),
    ),
  );
}

function pairsTable(pairs: PairReport[]): HTMLElement {
  const shown = pairs.slice(0, MAX_TABLE_ROWS);
  return card(
    `All computed pairs (${fmtInt(pairs.length)})`,
    { id: 'pairs-table-card', className: 'card-wide' },
    h(
      'p',
      { class: 'caption' },
      `Cards above for the first ${fmtInt(MAX_PAIR_CARDS)} pairs` +
        (pairs.length > shown.length
          ? `; the first ${fmtInt(shown.length)} here, the JSON export has all ${fmtInt(pairs.length)}`
          : '; every pair here') +
        '.',
    ),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'grid-table', id: 'pairs-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...['pair', 'anchoring', 'drift mean', '> τ', 'gap', 'R@1 a→b', 'R@1 b→a', 'CKA'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          null,
          ...shown.map((p) =>
            h(
              'tr',
              { 'data-pair': `${p.a}/${p.b}` },
              h('th', { scope: 'row' }, `${p.a} ↔ ${p.b}`),
              h('td', { class: 'num' }, fmtNum(p.anchoringLoss, 4)),
              h('td', { class: 'num' }, fmtNum(p.drift?.mean)),
              h('td', { class: 'num' }, fmtPct(p.drift?.fractionBeyondTau)),
              h('td', { class: 'num' }, fmtNum(p.modalityGap)),
              h('td', { class: 'num' }, fmtPct(p.retrieval?.aToB.r1)),
              h('td', { class: 'num' }, fmtPct(p.retrieval?.bToA.r1)),
              h('td', { class: 'num' }, fmtNum(p.linearCka)),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * A warning of the list whose code is a link to the card it is about, as its Problems entry's code
 * is: the modality's card, or the pair's (opened in the pair matrix when it is behind it).
 */
function revealableWarning(w: GeometryWarning, view: ReportView): HTMLElement {
  const li = warningItem(w);
  if (w.pair === undefined && w.modality === undefined) return li;
  const place: WarningPlace = { code: w.code };
  if (w.pair !== undefined) place.pair = w.pair;
  else if (w.modality !== undefined) place.modality = w.modality;
  const about = w.pair !== undefined ? `the pair ${w.pair.replace('/', ' ↔ ')}` : `'${w.modality ?? ''}'`;
  const link = button(w.code, { className: 'btn-link warning-code warning-reveal', title: `Show the card of ${about}` }, () =>
    requestReveal(place, view),
  );
  li.querySelector('.warning-code')?.replaceWith(link);
  return li;
}

export function renderReport(root: HTMLElement, ctx: ViewContext, view: ReportView): ViewHandle {
  const r = view.report;
  const names = Object.keys(r.modalities);
  const meta = [
    h('span', { id: 'row-count', 'data-value': r.n }, `N = ${plural(r.n, 'row')}`),
    typeof r.metadata.epoch === 'number' ? h('span', null, `epoch ${r.metadata.epoch}`) : null,
    typeof r.metadata.step === 'number' ? h('span', null, `step ${r.metadata.step}`) : null,
    r.labels ? h('span', null, `labels: ${r.labels}`) : null,
    names.length > MAX_MODALITY_CARDS
      ? h('span', { id: 'modality-count', 'data-value': names.length }, plural(names.length, 'modality', 'modalities'))
      : null,
    h('span', null, `computed in ${fmtSeconds(r.seconds)}`),
    engineLine(r.engine),
  ].filter((x): x is HTMLElement => x !== null);
  const actions = ctx.host.connected
    ? [
        button('Export HTML', { id: 'export-html', title: 'Save a self-contained HTML report' }, () =>
          ctx.host.post({ type: 'export', format: 'html' }),
        ),
        button('Export JSON', { id: 'export-json', title: 'Save the report as JSON (same as dagr inspect --json)' }, () =>
          ctx.host.post({ type: 'export', format: 'json' }),
        ),
      ]
    : [];
  root.append(pageHeader(`Geometry · ${basename(r.source)}`, r.source, meta, actions));

  const list = h('ul', { class: 'warning-list' }, ...r.warnings.map((w) => revealableWarning(w, view)));
  // one modality has no pair: nothing can drift, so "no drift" would claim what was not measured
  const single = names.length < 2;
  const okText = single
    ? ' No warnings: no collapse beyond the thresholds. One modality: drift, gap and retrieval need two.'
    : ' No warnings: no collapse, drift or gap beyond the thresholds.';
  const warnings = card(
    r.warnings.length ? `Warnings (${r.warnings.length})` : 'Warnings',
    { id: 'warnings', className: 'card-warnings' },
    r.warnings.length ? list : h('p', { class: 'ok' }, h('span', { class: 'ok-icon', 'aria-hidden': 'true' }, '✓'), okText),
    r.warnings.length && ctx.host.connected
      ? h(
          'div',
          { class: 'card-actions' },
          button('Fine-Tune with DAGR…', { id: 'fine-tune', className: 'btn btn-secondary', title: fineTuneTitle(r) }, () =>
            ctx.host.post({ type: 'fineTune' }),
          ),
          h(
            'span',
            { class: 'hint', id: 'fine-tune-hint' },
            "Trains a new small model with DAGR on this run's paired dataset; every setting is shown before it starts.",
          ),
        )
      : null,
  );
  const carded = cardModalities(r, names);
  const matrix = usesPairMatrix(names);
  // the modalities side by side in a row of their own: the main comparison of a collapse view
  const modalityRow = h(
    'div',
    { class: 'modality-row', id: 'modality-row', 'data-count': carded.length },
    ...carded.flatMap((m) => {
      const mr = getOwn(r.modalities, m);
      return mr ? [modalityCard(ctx, m, mr, r.n, r.warnings, r.options.t)] : [];
    }),
  );
  const grid = h(
    'div',
    { class: 'grid' },
    warnings,
    notesCard(r),
    modalityRow,
    names.length > carded.length ? modalitiesTable(r, names) : null,
    // 3+ modalities: the pair matrix and the one pair it opens, instead of a card per pair
    ...(matrix
      ? pairMatrixCards(ctx, { names, pairs: r.pairs, warnings: r.warnings, tau: r.options.tau, n: r.n })
      : r.pairs.slice(0, MAX_PAIR_CARDS).map((p) => pairCard(ctx, p, r.options.tau, r.n, r.warnings))),
    !matrix && r.pairs.length > MAX_PAIR_CARDS ? pairsTable(r.pairs) : null,
    projectionCard(ctx, r, view.maxPointsPlotted),
    neighborsCard(ctx, r, view.maxPointsPlotted),
    // the options last: they change the numbers above, and are not what a reader looks at first
    controlsCard(ctx, r.options, view.availableModalities.length ? view.availableModalities : names, names),
  );
  root.append(grid);
  return {};
}
