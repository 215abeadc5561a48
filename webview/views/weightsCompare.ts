/**
 * Two model checkpoints compared (issue 9 item 4): per tensor the relative change ‖ΔW‖_F/‖W_A‖_F
 * and the effective rank, stable rank and spectral norm of the update ΔW itself; the layers that
 * moved most (relative change by layer, one series per role); the tensors that moved most; and
 * the tensors only in A, only in B, or with a changed shape.
 */
import type { WeightDelta, WeightsComparison } from '../../src/protocol/weights';
import type { WeightsCompareViewModel } from '../../src/protocol/weightsView';
import type { XY } from '../charts/common';
import { curvesConfig } from '../charts/curves';
import { compareRoles } from '../charts/layerCharts';
import { card, chartBox, h } from '../dom';
import { basename, fmtFixed, fmtInt, fmtNum, fmtPct, fmtSeconds, plural } from '../format';
import { engineLine, pageHeader } from './common';
import type { ViewContext, ViewHandle } from './context';
import { matchesFilter } from './weightsTree';

/** rows of the per-tensor table, at most; the JSON export has the rest */
export const MAX_DELTA_ROWS = 2000;
const MAX_NAMES_LISTED = 200;

/** Relative change per layer (the mean over the layer's matrices), one series per role. */
export function layerMovement(tensors: readonly WeightDelta[]): Map<string, XY[]> {
  const sums = new Map<string, Map<number, { s: number; n: number }>>();
  for (const t of tensors) {
    if (t.layer === null || t.relativeChange === null || !Number.isFinite(t.relativeChange) || t.shape.length < 2) continue;
    const byLayer = sums.get(t.role) ?? new Map<number, { s: number; n: number }>();
    const acc = byLayer.get(t.layer) ?? { s: 0, n: 0 };
    acc.s += t.relativeChange;
    acc.n += 1;
    byLayer.set(t.layer, acc);
    sums.set(t.role, byLayer);
  }
  return new Map(
    [...sums]
      .sort((a, b) => compareRoles(a[0], b[0]))
      .map(([role, byLayer]) => [role, [...byLayer].map(([x, a]) => ({ x, y: a.s / a.n })).sort((p, q) => p.x - q.x)]),
  );
}

function namesCard(title: string, id: string, names: string[], empty: string): HTMLElement {
  const more = names.length - MAX_NAMES_LISTED;
  return card(
    `${title} (${fmtInt(names.length)})`,
    { id, className: 'card-names' },
    names.length
      ? h(
          'ul',
          { class: 'name-list mono' },
          ...names.slice(0, MAX_NAMES_LISTED).map((n) => h('li', { 'data-tensor': n }, n)),
          more > 0 ? h('li', null, `and ${plural(more, 'more')}`) : null,
        )
      : h('p', { class: 'caption' }, empty),
  );
}

function deltaRow(t: WeightDelta): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-tensor': t.name, title: t.reason ?? t.name },
    h('th', { scope: 'row', class: 'mono' }, t.name),
    h('td', { class: 'num mono' }, t.shape.join(' × ')),
    h(
      'td',
      { class: 'num', 'data-value': t.relativeChange ?? '' },
      t.relativeChange === null ? (t.reason ? '∞ / —' : '—') : fmtPct(t.relativeChange, 2),
    ),
    h('td', { class: 'num' }, fmtFixed(t.deltaEffectiveRank, 2)),
    h('td', { class: 'num' }, fmtFixed(t.deltaStableRank, 2)),
    h('td', { class: 'num' }, fmtNum(t.deltaSpectralNorm)),
    h('td', { class: 'caption' }, t.reason ?? ''),
  );
}

export function renderWeightsCompare(root: HTMLElement, ctx: ViewContext, view: WeightsCompareViewModel): ViewHandle {
  const c: WeightsComparison = view.compare;
  const meta = [
    h('span', { id: 'matched-count', 'data-value': c.tensors.length }, `${plural(c.tensors.length, 'tensor')} matched by name and shape`),
    h('span', null, `computed in ${fmtSeconds(c.seconds)}`),
    engineLine(c.engine),
  ];
  const actions = ctx.host.connected ? [h('button', { type: 'button', class: 'btn', id: 'export-json' }, 'Export JSON')] : [];
  actions[0]?.addEventListener('click', () => ctx.host.post({ type: 'export', format: 'json' }));
  root.append(pageHeader(`Weights · ${basename(c.a)} → ${basename(c.b)}`, `${c.a} → ${c.b}`, meta, actions));

  const byName = new Map(c.tensors.map((t) => [t.name, t]));
  const most = c.mostChanged.map((n) => byName.get(n)).filter((t): t is WeightDelta => t !== undefined);
  const mostCard = card(
    'Moved most',
    { id: 'moved-most', className: 'card-moved' },
    most.length
      ? h(
          'ol',
          { class: 'moved-list' },
          ...most.map((t) =>
            h(
              'li',
              { 'data-tensor': t.name },
              h('span', { class: 'mono' }, t.name),
              h('span', { class: 'num' }, ` ${t.relativeChange === null ? '—' : fmtPct(t.relativeChange, 2)}`),
              t.deltaEffectiveRank !== null ? h('span', { class: 'hint' }, ` · ΔW eff. rank ${fmtFixed(t.deltaEffectiveRank, 2)}`) : null,
            ),
          ),
        )
      : h('p', { class: 'caption' }, 'No tensor changed.'),
  );

  const movement = layerMovement(c.tensors);
  const layerCard = movement.size
    ? (() => {
        const box = chartBox('layer-relative-change', 'Relative change of the weights by layer, one line per matrix role');
        ctx.charts.add(box.canvas, (p) =>
          curvesConfig(p, {
            xTitle: 'layer',
            yTitle: '‖ΔW‖_F / ‖W_A‖_F',
            percent: false,
            beginAtZero: true,
            series: [...movement].map(([role, points]) => ({ label: role, points, ...ctx.series(role, p) })),
          }),
        );
        return card('Which layers moved', { id: 'layers-moved', className: 'card-chart' }, box.box);
      })()
    : null;

  // the per-tensor table, largest change first, with a filter box
  const sorted = [...c.tensors].sort((a, b) => (b.relativeChange ?? -1) - (a.relativeChange ?? -1));
  const shown = sorted.slice(0, MAX_DELTA_ROWS);
  const rows = shown.map(deltaRow);
  const filter = h('input', {
    type: 'search',
    id: 'delta-filter',
    class: 'filter-input',
    placeholder: 'Filter tensors (words in the name)',
    'aria-label': 'Filter tensors by name',
  });
  filter.addEventListener('input', () =>
    rows.forEach((r, i) => {
      r.hidden = !matchesFilter(shown[i]?.name ?? '', filter.value);
    }),
  );
  const tableCard = card(
    `Update per tensor (${fmtInt(c.tensors.length)})`,
    { id: 'deltas', className: 'card-wide' },
    h(
      'p',
      { class: 'caption' },
      'Metrics of the update ΔW = W_B − W_A itself: a full fine-tune whose update has a low effective rank shows it here.' +
        (sorted.length > shown.length
          ? ` The ${fmtInt(shown.length)} largest changes of ${fmtInt(sorted.length)}; the JSON export has all.`
          : ''),
    ),
    h('div', { class: 'table-tools' }, filter),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'grid-table', id: 'delta-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...['tensor', 'shape', '‖ΔW‖/‖W_A‖', 'ΔW eff. rank', 'ΔW stable rank', 'ΔW σ_max', 'note'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        h('tbody', null, ...rows),
      ),
    ),
  );

  root.append(
    h(
      'div',
      { class: 'grid' },
      mostCard,
      layerCard,
      namesCard('Only in A', 'only-in-a', c.onlyInA, `Every tensor of ${basename(c.a)} is in ${basename(c.b)}.`),
      namesCard('Only in B', 'only-in-b', c.onlyInB, `Every tensor of ${basename(c.b)} is in ${basename(c.a)}.`),
      card(
        `Shape changed (${fmtInt(c.shapeChanged.length)})`,
        { id: 'shape-changed', className: 'card-names' },
        c.shapeChanged.length
          ? h(
              'ul',
              { class: 'name-list mono' },
              ...c.shapeChanged
                .slice(0, MAX_NAMES_LISTED)
                .map((s) => h('li', { 'data-tensor': s.name }, `${s.name}: ${s.shapeA.join(' × ')} → ${s.shapeB.join(' × ')}`)),
            )
          : h('p', { class: 'caption' }, 'No tensor changed its shape.'),
      ),
      tableCard,
    ),
  );
  return {};
}
