/**
 * The neighbours panel of a checkpoint report (issue 12): pick a row (click a point in the
 * scatter, type a row index, or a label value) and see its k nearest rows by cosine in its own
 * modality and in each paired one, with similarity, label and where its true partner ranks. The
 * host runs the exact search in the compute process (src/panels/neighbors.ts); the answer arrives
 * through deliverNeighbors(), which main.ts calls. The lists can be saved as CSV or JSON.
 */
import { Chart } from 'chart.js';
import type { NeighborList, NeighborsResult } from '../../src/protocol/neighbors';
import type { NeighborsMessage } from '../../src/protocol/neighborsView';
import { NEIGHBOR_COLUMNS, neighborRows } from '../../src/protocol/neighborsView';
import type { GeometryReport } from '../../src/protocol/report';
import { GLOSSARY } from '../../src/protocol/glossary';
import type { ScatterPoint } from '../charts/scatter';
import { activatable, button, card, h } from '../dom';
import { fmtFixed, fmtInt } from '../format';
import type { ViewContext } from './context';

type Listener = (m: NeighborsMessage) => void;
const listeners = new Set<Listener>();

/** main.ts hands every neighbours/movers answer of the host to the panels on screen. */
export function deliverNeighbors(m: NeighborsMessage): void {
  for (const l of listeners) l(m);
}

/** a panel listens while its view is on screen; a redraw replaces it (the old one is dropped) */
export function listen(l: Listener): void {
  listeners.clear();
  listeners.add(l);
}

export const DEFAULT_K = 10;
export const MAX_K = 1000;

function listTable(r: NeighborsResult, l: NeighborList, ask: (modality: string, row: number) => void): HTMLElement {
  const own = l.modality === r.query.modality;
  const title = own ? `in '${l.modality}' (its own modality, the row itself left out)` : `in '${l.modality}'`;
  const partner =
    l.partnerRank !== null
      ? h(
          'p',
          { class: 'caption neighbors-partner', 'data-partner-rank': l.partnerRank, title: GLOSSARY.partnerRank.tooltip },
          `Its partner, row ${fmtInt(r.query.row)} of '${l.modality}', ranks ${fmtInt(l.partnerRank)}` +
            (l.partnerSimilarity !== null ? ` (cosine ${fmtFixed(l.partnerSimilarity, 4)})` : '') +
            '.',
        )
      : null;
  if (l.note) {
    return h(
      'div',
      { class: 'neighbors-list', 'data-modality': l.modality },
      h('h3', { class: 'subtitle' }, title),
      h('p', { class: 'note' }, l.note),
    );
  }
  return h(
    'div',
    { class: 'neighbors-list', 'data-modality': l.modality },
    h('h3', { class: 'subtitle' }, title),
    partner,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'grid-table neighbors-table', 'data-modality': l.modality },
        h('thead', null, h('tr', null, ...['#', 'row', 'cosine', 'label'].map((c) => h('th', { scope: 'col', class: 'num' }, c)))),
        h(
          'tbody',
          null,
          ...l.neighbors.map((x, i) =>
            activatable(
              h(
                'tr',
                { 'data-row': x.row, 'data-similarity': x.similarity },
                h('td', { class: 'num' }, i + 1),
                h('th', { scope: 'row', class: 'num' }, fmtInt(x.row)),
                h('td', { class: 'num' }, fmtFixed(x.similarity, 4)),
                h('td', { class: 'num' }, x.label ?? '—'),
              ),
              `Show the neighbours of row ${x.row} of '${l.modality}'`,
              () => ask(l.modality, x.row),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * The scatter's point under a click, as (modality, row): each dataset of the projection card is
 * one modality, each point carries its row. Not while the lasso is on (a drag is a selection).
 */
function pointUnder(e: MouseEvent, r: GeometryReport): { modality: string; row: number } | undefined {
  const canvas = e.target instanceof HTMLCanvasElement ? e.target : undefined;
  if (!canvas || !canvas.closest('#projection') || !r.projection || canvas.dataset.lasso === 'on') return undefined;
  const chart = Chart.getChart(canvas);
  if (!chart) return undefined;
  const hit = chart.getElementsAtEventForMode(e, 'nearest', { intersect: false }, false)[0];
  if (!hit) return undefined;
  const dataset = chart.data.datasets[hit.datasetIndex];
  const row = (dataset?.data[hit.index] as ScatterPoint | undefined)?.row;
  return dataset?.label !== undefined && row !== undefined ? { modality: dataset.label, row } : undefined;
}

export function neighborsCard(ctx: ViewContext, r: GeometryReport, maxPoints: number): HTMLElement | null {
  if (!ctx.host.connected) return null; // the standalone export has no compute process to ask
  const names = Object.keys(r.modalities);
  const modality = h(
    'select',
    { id: 'neighbors-modality', 'aria-label': 'modality of the query row' },
    ...names.map((n) => h('option', { value: n }, n)),
  );
  const row = h('input', {
    id: 'neighbors-row',
    type: 'number',
    min: 0,
    max: r.n - 1,
    step: 1,
    placeholder: `0 – ${r.n - 1}`,
    'aria-label': 'row index',
  });
  const label = r.labels
    ? h('input', {
        id: 'neighbors-label',
        type: 'number',
        step: 1,
        placeholder: 'label value',
        'aria-label': `label value (${r.labels}): its first row`,
      })
    : null;
  const k = h('input', {
    id: 'neighbors-k',
    type: 'number',
    min: 1,
    max: MAX_K,
    step: 1,
    value: DEFAULT_K,
    'aria-label': 'neighbours to list (k)',
  });
  const status = h(
    'p',
    { class: 'caption', id: 'neighbors-status', role: 'status', 'aria-live': 'polite' },
    'Click a point in the scatter, or type a row index' + (r.labels ? ' or a label value' : '') + '.',
  );
  const results = h('div', { id: 'neighbors-results' });
  let last: NeighborsResult | undefined;

  const ask = (m: string, rowIndex?: number, labelValue?: number): void => {
    const kk = Math.min(MAX_K, Math.max(1, Math.floor(Number(k.value) || DEFAULT_K)));
    modality.value = m;
    if (rowIndex !== undefined) row.value = String(rowIndex);
    status.textContent =
      rowIndex !== undefined
        ? `Searching the ${kk} nearest rows of row ${rowIndex} of '${m}'…`
        : `Searching the ${kk} nearest rows of the first row labelled ${labelValue ?? ''}…`;
    results.setAttribute('aria-busy', 'true');
    ctx.host.post({ type: 'neighbors', modality: m, k: kk, ...(rowIndex !== undefined ? { row: rowIndex } : { label: labelValue ?? 0 }) });
  };
  const find = (): void => {
    const rowText = row.value.trim();
    const labelText = label?.value.trim() ?? '';
    if (rowText !== '') {
      const i = Number(rowText);
      if (!Number.isInteger(i) || i < 0 || i >= r.n) {
        status.textContent = `Row must be a whole number from 0 to ${r.n - 1}.`;
        return;
      }
      ask(modality.value, i);
    } else if (labelText !== '') {
      const l = Number(labelText);
      if (!Number.isInteger(l)) {
        status.textContent = 'A label value is a whole number.';
        return;
      }
      ask(modality.value, undefined, l);
    } else {
      status.textContent = 'Type a row index' + (label ? ' or a label value' : '') + ', or click a point in the scatter.';
    }
  };
  // a typed row wins over a label; typing one clears the other so the request is unambiguous
  row.addEventListener('input', () => {
    if (label && row.value !== '') label.value = '';
  });
  label?.addEventListener('input', () => {
    if (label.value !== '') row.value = '';
  });
  for (const input of [row, label, k])
    input?.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        find();
      }
    });

  const save = (format: 'csv' | 'json'): void => {
    if (!last) return;
    ctx.host.post({
      type: 'saveRows',
      what: `neighbors-${last.query.modality}-${last.query.row}`,
      format,
      columns: NEIGHBOR_COLUMNS,
      rows: neighborRows(last),
    });
  };
  const saveCsv = button(
    'Save CSV…',
    { id: 'neighbors-save-csv', className: 'btn btn-secondary', title: 'Save these neighbour lists as CSV (one row per neighbour)' },
    () => save('csv'),
  );
  const saveJson = button(
    'Save JSON…',
    { id: 'neighbors-save-json', className: 'btn btn-secondary', title: 'Save these neighbour lists as JSON rows' },
    () => save('json'),
  );
  saveCsv.disabled = true;
  saveJson.disabled = true;

  listen((m) => {
    if (m.type === 'neighborsResult') {
      last = m.result;
      const q = m.result.query;
      status.textContent = `Row ${q.row} of '${q.modality}'${q.label !== null ? ` (label ${q.label})` : ''}: its ${m.result.k} nearest rows by cosine, exact over all ${fmtInt(r.n)} rows.`;
      results.replaceChildren(...m.result.lists.map((l) => listTable(m.result, l, (mm, rr) => ask(mm, rr))));
      results.dataset.queryRow = String(q.row);
      results.dataset.queryModality = q.modality;
      results.setAttribute('aria-busy', 'false');
      saveCsv.disabled = false;
      saveJson.disabled = false;
    } else if (m.type === 'neighborsError' && m.what === 'neighbors') {
      status.textContent = `Could not find neighbours: ${m.message}`;
      results.setAttribute('aria-busy', 'false');
    }
  });

  const panel = card(
    'Nearest neighbours',
    { id: 'neighbors', className: 'card-wide card-neighbors' },
    h(
      'div',
      { class: 'neighbors-form' },
      h('label', null, 'modality ', modality),
      h('label', null, 'row ', row),
      label ? h('label', null, `or label (${r.labels ?? ''}) `, label) : null,
      h('label', null, 'k ', k),
      button(
        'Find neighbours',
        { id: 'neighbors-find', title: 'List the k nearest rows of this row in each modality (cosine, exact)' },
        find,
      ),
      saveCsv,
      saveJson,
    ),
    status,
    results,
  );
  // clicks on the scatter (in the projection card, drawn by Chart.js) pick the query
  panel.dataset.maxPoints = String(maxPoints);
  document.addEventListener('click', onScatterClick);
  function onScatterClick(e: MouseEvent): void {
    if (!panel.isConnected) {
      document.removeEventListener('click', onScatterClick);
      return;
    }
    const hit = pointUnder(e, r);
    if (hit) ask(hit.modality, hit.row);
  }
  // test hook (e2e): a 'dagr-locate-point' event on the scatter's canvas writes the pixel position
  // of the first drawn point into its data-locate, so a test can click a real point
  const canvas = (): HTMLCanvasElement | null => document.querySelector('#projection canvas');
  document.addEventListener('dagr-locate-point', function onLocate(): void {
    if (!panel.isConnected) {
      document.removeEventListener('dagr-locate-point', onLocate);
      return;
    }
    const c = canvas();
    const el = c ? Chart.getChart(c)?.getDatasetMeta(0).data[0] : undefined;
    if (c && el) c.dataset.locate = `${Math.round(el.x)},${Math.round(el.y)}`;
  });
  return panel;
}
