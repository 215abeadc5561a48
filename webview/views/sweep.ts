/** A (λ, τ) sweep: Pareto scatter of unimodal vs fusion accuracy, with the table beside it. */
import type { SweepPoint } from '../../src/protocol/train';
import type { ViewModel } from '../../src/protocol/webview';
import { paretoFront } from '../analysis';
import { paretoConfig } from '../charts/pareto';
import { activatable, button, card, chartBox, h } from '../dom';
import { basename, fmtNum, fmtPct, plural } from '../format';
import { pageHeader } from './common';
import type { ViewContext, ViewHandle } from './context';

type SweepView = Extract<ViewModel, { kind: 'sweep' }>;

/** The sweep's axes in the words of the paper and the set-up dialog, not the config's field names. */
const AXIS_NAMES: Record<string, string> = { lambdaAnc: 'λ_anc', lambdaDisp: 'λ_disp', tau: 'τ', t: 't' };
export function axisName(key: string): string {
  return Object.prototype.hasOwnProperty.call(AXIS_NAMES, key) ? (AXIS_NAMES[key] ?? key) : key;
}

/** Insert or replace by run folder. */
export function mergePoint(points: SweepPoint[], p: SweepPoint): SweepPoint[] {
  return [...points.filter((q) => q.runDir !== p.runDir), p];
}

/** Each row opens its run (click, Enter or Space) where a host can open it. */
function rowsOf(ctx: ViewContext, view: SweepView): HTMLElement[] {
  const front = new Set(paretoFront(view.points));
  return view.points.map((pt) => {
    const on = front.has(pt);
    const tr = h(
      'tr',
      { class: on ? 'pareto' : undefined, 'data-pareto': on ? 'true' : 'false', 'data-run': pt.runDir, title: pt.runDir },
      ...view.axes.map((ax) => h('td', { class: 'num' }, fmtNum(pt.params[ax]))),
      h('td', { class: 'num' }, fmtPct(pt.meanUnimodalAccuracy)),
      h('td', { class: 'num' }, fmtPct(pt.fusionAccuracy)),
      h(
        'td',
        { class: 'center' },
        on ? h('span', { class: 'pareto-mark' }, '★', h('span', { class: 'visually-hidden' }, ' on the front')) : '',
      ),
      h('td', { class: 'file' }, basename(pt.runDir)),
    );
    return ctx.host.connected ? activatable(tr, `Open ${pt.runDir}`, () => ctx.host.post({ type: 'openRun', dir: pt.runDir })) : tr;
  });
}

function statusOf(view: SweepView): string {
  // detached and not done: the window reloaded while the sweep ran (src/panels/restore.ts)
  const state = view.done ? 'done' : view.detached ? 'interrupted (the window reloaded while it ran)' : 'running';
  return `${plural(view.points.length, 'run')} · ${state} · front: ${paretoFront(view.points).length}`;
}

export function renderSweep(root: HTMLElement, ctx: ViewContext, view: SweepView): ViewHandle {
  const status = h('span', { id: 'sweep-status', role: 'status', 'aria-live': 'polite' }, statusOf(view));
  // Cancel only while this window's job feeds the view
  const cancel =
    ctx.host.connected && !view.done && !view.detached && !ctx.fromSavedState
      ? button(
          'Cancel',
          { id: 'sweep-cancel', className: 'btn btn-secondary', title: 'Stop after the current batch; finished runs are kept' },
          () => ctx.host.post({ type: 'cancel' }),
        )
      : null;
  root.append(
    pageHeader(
      `Sweep · ${view.axes.map(axisName).join(' × ')}`,
      `grid over ${view.axes.map(axisName).join(', ')}; accuracies on the validation split`,
      [status],
      [cancel],
    ),
  );
  const box = chartBox('pareto', 'Mean unimodal accuracy against fusion accuracy; Pareto front joined', 'lg');
  ctx.charts.add(box.canvas, (p) => paretoConfig(p, view.points));
  const tbody = h('tbody', null, ...rowsOf(ctx, view));
  const table = h(
    'table',
    { class: 'grid-table', id: 'sweep-table' },
    h(
      'caption',
      { class: 'visually-hidden' },
      `Sweep runs; ★ marks the Pareto front${ctx.host.connected ? '; press Enter on a row to open its run' : ''}`,
    ),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ...view.axes.map((ax) => h('th', { scope: 'col', title: ax }, axisName(ax))),
        h('th', { scope: 'col' }, 'mean unimodal acc.'),
        h('th', { scope: 'col' }, 'fusion acc.'),
        h('th', { scope: 'col', class: 'center' }, 'front'),
        h('th', { scope: 'col', class: 'file' }, 'run'),
      ),
    ),
    tbody,
  );
  root.append(
    h(
      'div',
      { class: 'grid grid-sweep' },
      card(
        'Pareto front',
        { className: 'card-chart' },
        box.box,
        h('p', { class: 'caption' }, 'Up and right is better: the front holds the runs no other run beats on both accuracies.'),
      ),
      card('Runs', { className: 'card-table' }, h('div', { class: 'table-scroll' }, table)),
    ),
  );
  return {
    onSweepPoint(pt) {
      view.points = mergePoint(view.points, pt);
      tbody.replaceChildren(...rowsOf(ctx, view));
      status.textContent = statusOf(view);
      ctx.charts.refresh();
    },
  };
}
