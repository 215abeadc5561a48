/**
 * Movers (issue 12): which rows' neighbourhoods changed between checkpoint A and B, in the compare
 * view (its two checkpoints) and the run view (two epochs the user picks). Asked on demand (all
 * rows against all rows is the costly part), answered by the host's `movers` job; per modality the
 * overlap histogram, the most and least changed rows with their labels, and the whole list saved
 * as CSV or JSON.
 */
import type { ChartConfiguration } from 'chart.js';
import type { CompareReport, RunReport } from '../../src/protocol/report';
import type { MoverRow, MoversSummary } from '../../src/protocol/neighbors';
import { GLOSSARY } from '../../src/protocol/glossary';
import { withAlpha } from '../color';
import { linearAxis } from '../charts/common';
import { button, card, chartBox, h } from '../dom';
import { basename, fmtFixed, fmtInt } from '../format';
import type { Palette } from '../theme';
import type { ViewContext } from './context';
import { listen } from './neighbors';

export const MOVER_COLUMNS = ['modality', 'row', 'jaccard', 'label'];
export const DEFAULT_MOVERS_K = 10;

function histogramConfig(p: Palette, s: MoversSummary, color: string): ChartConfiguration {
  const { edges, counts } = s.histogram;
  return {
    type: 'bar',
    data: {
      datasets: [
        {
          label: 'rows',
          data: counts.map((c, i) => ({ x: ((edges[i] ?? 0) + (edges[i + 1] ?? 0)) / 2, y: c })),
          backgroundColor: withAlpha(color, 0.75),
          borderColor: color,
          borderWidth: p.highContrast ? 1 : 0,
          barPercentage: 1,
          categoryPercentage: 1,
        },
      ],
    },
    options: {
      parsing: false,
      scales: {
        x: linearAxis(p, `overlap of ${s.k}-NN sets (Jaccard): 0 = all new, 1 = same`, {
          min: 0,
          max: 1,
          offset: false,
          ticks: { color: p.fg, stepSize: 0.1 },
        }),
        y: linearAxis(p, 'rows', { beginAtZero: true }),
      },
      plugins: { legend: { display: false } },
    },
  };
}

function rowsTable(rows: MoverRow[], id: string, caption: string): HTMLElement {
  return h(
    'div',
    { class: 'movers-list' },
    h('h3', { class: 'subtitle' }, caption),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'grid-table movers-table', id },
        h('thead', null, h('tr', null, ...['row', 'label', 'overlap'].map((c) => h('th', { scope: 'col', class: 'num' }, c)))),
        h(
          'tbody',
          null,
          ...rows.map((m) =>
            h(
              'tr',
              { 'data-row': m.row, 'data-jaccard': m.jaccard },
              h('th', { scope: 'row', class: 'num' }, fmtInt(m.row)),
              h('td', { class: 'num' }, m.label ?? '—'),
              h('td', { class: 'num' }, fmtFixed(m.jaccard, 2)),
            ),
          ),
        ),
      ),
    ),
  );
}

export function moversCard(ctx: ViewContext, _compare: CompareReport): HTMLElement | null {
  return moversPanel(ctx, {
    intro: 'Which rows changed neighbourhood from A to B: per row, the Jaccard overlap of its k nearest rows (cosine) in A and in B.',
    controls: [],
    pair: () => ({}),
  });
}

/** "epoch 3 · ckpt_3.npz": how a run's checkpoint is named in the pickers */
function checkpointName(c: RunReport['checkpoints'][number], i: number, xTitle: string, x: number | undefined): string {
  return `${xTitle} ${x ?? i} · ${basename(c.file)}`;
}

/**
 * The run view's movers: pick two checkpoints (by default the last two) and compare them as the
 * compare view does; the host accepts only files of this run.
 */
export function runMoversCard(ctx: ViewContext, run: RunReport, xs: number[], xTitle: string): HTMLElement | null {
  const cps = run.checkpoints;
  if (cps.length < 2) return null;
  const picker = (id: string, label: string, at: number): HTMLSelectElement => {
    const sel = h(
      'select',
      { id, 'aria-label': label },
      ...cps.map((c, i) => h('option', { value: String(i) }, checkpointName(c, i, xTitle, xs[i]))),
    );
    sel.value = String(at);
    return sel;
  };
  const a = picker('movers-a', `checkpoint A (${xTitle})`, cps.length - 2);
  const b = picker('movers-b', `checkpoint B (${xTitle})`, cps.length - 1);
  return moversPanel(ctx, {
    intro: `Which rows changed neighbourhood between two checkpoints of this run: per row, the Jaccard overlap of its k nearest rows (cosine) in A and in B.`,
    controls: [h('label', null, 'A ', a), h('label', null, 'B ', b)],
    pair: () => {
      const ca = cps[Number(a.value)];
      const cb = cps[Number(b.value)];
      if (!ca || !cb) return 'Pick two checkpoints.';
      if (ca.file === cb.file) return 'Pick two different checkpoints.';
      return { a: ca.file, b: cb.file };
    },
  });
}

interface PanelOptions {
  intro: string;
  /** pickers shown before k */
  controls: HTMLElement[];
  /** the checkpoints of the request (none in the compare view: the host knows them), or why not */
  pair: () => { a?: string; b?: string } | string;
}

function moversPanel(ctx: ViewContext, opts: PanelOptions): HTMLElement | null {
  if (!ctx.host.connected) return null;
  const k = h('input', {
    id: 'movers-k',
    type: 'number',
    min: 1,
    max: 200,
    step: 1,
    value: DEFAULT_MOVERS_K,
    'aria-label': 'neighbours per set (k)',
  });
  const status = h('p', { class: 'caption', id: 'movers-status', role: 'status', 'aria-live': 'polite' }, opts.intro);
  const results = h('div', { id: 'movers-results' });
  let all: MoverRow[] = [];
  const save = (format: 'csv' | 'json'): void => {
    if (all.length === 0) return;
    ctx.host.post({
      type: 'saveRows',
      what: 'movers',
      format,
      columns: MOVER_COLUMNS,
      rows: all.map((m) => [m.modality, m.row, m.jaccard, m.label]),
    });
  };
  const saveCsv = button(
    'Save CSV…',
    { id: 'movers-save-csv', className: 'btn btn-secondary', title: 'Save every compared row with its overlap, most changed first' },
    () => save('csv'),
  );
  const saveJson = button(
    'Save JSON…',
    { id: 'movers-save-json', className: 'btn btn-secondary', title: 'Save every compared row with its overlap as JSON rows' },
    () => save('json'),
  );
  saveCsv.disabled = true;
  saveJson.disabled = true;
  const find = (): void => {
    const kk = Math.max(1, Math.floor(Number(k.value) || DEFAULT_MOVERS_K));
    const pair = opts.pair();
    if (typeof pair === 'string') {
      status.textContent = pair;
      return;
    }
    status.textContent = `Finding each row's ${kk} nearest rows in A and in B…`;
    ctx.host.post({ type: 'movers', k: kk, ...pair });
  };
  listen((m) => {
    if (m.type === 'moversResult') {
      all = m.movers;
      saveCsv.disabled = all.length === 0;
      saveJson.disabled = all.length === 0;
      status.textContent =
        m.summary.length === 0
          ? 'No modality is in both checkpoints with the same rows.'
          : m.summary
              .map(
                (s) =>
                  `'${s.modality}': mean overlap ${fmtFixed(s.meanJaccard, 3)} over ${fmtInt(s.rows)} rows${s.sampled ? ' (a seeded sample)' : ''}`,
              )
              .join('; ') + '.';
      results.replaceChildren(
        ...m.summary.map((s) => {
          const box = chartBox(`movers-${s.modality}`, `histogram of neighbourhood overlap in ${s.modality}`, 'sm');
          ctx.charts.add(box.canvas, (p) => histogramConfig(p, s, ctx.color(s.modality, p)));
          return h(
            'div',
            { class: 'movers-modality', 'data-modality': s.modality },
            h('h3', { class: 'subtitle' }, `'${s.modality}' · ${s.k}-NN overlap, mean ${fmtFixed(s.meanJaccard, 3)}`),
            s.note ? h('p', { class: 'note' }, s.note) : null,
            box.box,
            h(
              'div',
              { class: 'movers-tables' },
              rowsTable(s.mostChanged, `movers-most-${s.modality}`, 'most changed'),
              rowsTable(s.leastChanged, `movers-least-${s.modality}`, 'least changed'),
            ),
          );
        }),
      );
      ctx.charts.mount();
    } else if (m.type === 'neighborsError' && m.what === 'movers') {
      status.textContent = `Could not find movers: ${m.message}`;
    }
  });
  return card(
    'Movers: neighbourhoods that changed',
    { id: 'movers', className: 'card-wide' },
    h(
      'div',
      { class: 'neighbors-form' },
      ...opts.controls,
      h('label', { title: GLOSSARY.jaccard.tooltip }, 'k ', k),
      button(
        'Find movers',
        { id: 'movers-find', title: "Compare every row's k nearest rows in A and B (exact; a seeded sample of 4096 rows beyond that)" },
        find,
      ),
      saveCsv,
      saveJson,
    ),
    status,
    results,
  );
}
