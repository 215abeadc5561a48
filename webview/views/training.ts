/**
 * Live fine-tuning: curves grow as {type:'epoch'} messages arrive; the optional comparison run
 * ("DAGR off") is drawn dashed in the same colors on the same charts.
 */
import type { EpochMetrics } from '../../src/protocol/train';
import type { ViewModel } from '../../src/protocol/webview';
import type { Series, XY } from '../charts/common';
import { curvesConfig } from '../charts/curves';
import { button, card, chartBox, h } from '../dom';
import { basename, fmtFixed, fmtNum, fmtPct, fmtSeconds, plural } from '../format';
import type { Palette } from '../theme';
import { pageHeader } from './common';
import type { ViewContext, ViewHandle } from './context';

type TrainingView = Extract<ViewModel, { kind: 'training' }>;

/** Insert or replace by epoch (a resumed run may resend one), keeping epoch order. */
export function mergeEpoch(epochs: EpochMetrics[], m: EpochMetrics): EpochMetrics[] {
  const rest = epochs.filter((e) => e.epoch !== m.epoch);
  rest.push(m);
  return rest.sort((x, y) => x.epoch - y.epoch);
}

function keysOf(epochs: EpochMetrics[], f: (e: EpochMetrics) => Record<string, unknown>): string[] {
  return [...new Set(epochs.flatMap((e) => Object.keys(f(e))))];
}

/** A restored view with no summary in its folder: the job stopped without writing how it ended. */
const INTERRUPTED = 'interrupted: the window reloaded while it ran; the epochs finished so far are in the run folder';

const STATE_WORD: Record<string, string> = { completed: 'Completed', cancelled: 'Cancelled', failed: 'Failed' };

/** How the run stands first ("Completed", "Running", …), then the epoch count, times and backend. */
export function statusText(view: TrainingView): string {
  const last = view.epochs[view.epochs.length - 1];
  const total = view.epochs.reduce((s, e) => s + (Number.isFinite(e.seconds) ? e.seconds : 0), 0);
  const backend = last?.backend ?? view.summary?.backend ?? view.config.backend;
  let state: string;
  if (view.summary)
    state = (STATE_WORD[view.summary.status] ?? view.summary.status) + (view.summary.message ? `: ${view.summary.message}` : '');
  else if (view.detached) state = INTERRUPTED;
  else state = 'Running';
  const parts = [state, `epoch ${last ? last.epoch : 0}/${view.config.epochs}`];
  if (last) parts.push(`${fmtSeconds(last.seconds)} last epoch`, `${fmtSeconds(total)} total`);
  parts.push(`backend ${backend}`);
  return parts.join(' · ');
}

/** The last epoch's numbers, once the run has ended: what a reader wants without reading curves. */
function summaryCard(view: TrainingView): HTMLElement | null {
  const last = view.summary?.final ?? view.epochs[view.epochs.length - 1];
  if (!view.summary || !last) return null;
  const heads = Object.keys(last.valAccuracy);
  const drift = Object.entries(last.drift);
  const cmpLast = view.comparison?.epochs[view.comparison.epochs.length - 1];
  const row = (label: string, value: string, other?: string): HTMLElement =>
    h(
      'tr',
      null,
      h('th', { scope: 'row' }, label),
      h('td', { class: 'num' }, value),
      cmpLast ? h('td', { class: 'num' }, other ?? '—') : null,
    );
  return card(
    `Summary: ${STATE_WORD[view.summary.status] ?? view.summary.status} after ${plural(view.summary.epochsCompleted, 'epoch')}`,
    { id: 'training-summary', className: 'card-wide' },
    h(
      'table',
      { class: 'grid-table', id: 'training-summary-table' },
      h('caption', { class: 'visually-hidden' }, 'Numbers of the last epoch'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, `epoch ${last.epoch}`),
          h('th', { scope: 'col' }, 'this run'),
          cmpLast && view.comparison ? h('th', { scope: 'col' }, view.comparison.label) : null,
        ),
      ),
      h(
        'tbody',
        null,
        ...heads.map((k) =>
          row(`${k} validation accuracy`, fmtPct(last.valAccuracy[k]), cmpLast ? fmtPct(cmpLast.valAccuracy[k]) : undefined),
        ),
        ...Object.keys(last.effectiveRank).map((m) =>
          row(`${m} effective rank`, fmtFixed(last.effectiveRank[m], 2), cmpLast ? fmtFixed(cmpLast.effectiveRank[m], 2) : undefined),
        ),
        ...drift.map(([k, d]) =>
          row(
            `${pairLabel(k)} drift beyond τ`,
            fmtPct(d.fractionBeyondTau),
            cmpLast ? fmtPct(cmpLast.drift[k]?.fractionBeyondTau) : undefined,
          ),
        ),
        row('total loss', fmtNum(last.losses.total, 4), cmpLast ? fmtNum(cmpLast.losses.total, 4) : undefined),
      ),
    ),
    h('p', { class: 'caption' }, `Run folder: ${view.runDir}`),
  );
}

/** "a/b" -> "a ↔ b" */
function pairLabel(k: string): string {
  const i = k.indexOf('/');
  return i < 0 ? k : `${k.slice(0, i)} ↔ ${k.slice(i + 1)}`;
}

/** Cancel only while this window's job feeds the view; Open Run once the run has epochs to show. */
function actions(ctx: ViewContext, view: TrainingView): HTMLElement[] {
  if (!ctx.host.connected) return [];
  if (!view.summary && !view.detached) {
    if (ctx.fromSavedState) return [];
    return [
      button(
        'Cancel',
        { id: 'training-cancel', className: 'btn btn-secondary', title: 'Stop after the current batch; everything written so far is kept' },
        () => ctx.host.post({ type: 'cancel' }),
      ),
    ];
  }
  const epochs = view.summary?.epochsCompleted ?? view.epochs.length;
  return epochs > 0
    ? [
        button('Open Run', { id: 'training-open-run', title: `Open ${view.runDir} as a run: geometry of every checkpoint` }, () =>
          ctx.host.post({ type: 'openRun', dir: view.runDir }),
        ),
      ]
    : [];
}

export function renderTraining(root: HTMLElement, ctx: ViewContext, view: TrainingView): ViewHandle {
  const cmp = view.comparison;
  const dagr = view.config.dagr;
  const dagrText = dagr.enabled
    ? `DAGR on: λ_disp ${fmtNum(dagr.lambdaDisp)}, λ_anc ${fmtNum(dagr.lambdaAnc)}, τ ${fmtNum(dagr.tau)}, t ${fmtNum(dagr.t)}, ${dagr.hinge} hinge`
    : 'DAGR off';
  const status = h('p', { id: 'training-status', class: 'status-line', role: 'status', 'aria-live': 'polite' }, statusText(view));
  root.append(
    pageHeader(
      `Fine-tuning · ${basename(view.runDir)}`,
      view.runDir,
      [
        h('span', null, dagrText),
        h('span', null, `dataset ${basename(view.config.dataset)}`),
        h('span', null, `${view.config.optimizer}, lr ${fmtNum(view.config.learningRate)}, batch ${view.config.batchSize}`),
      ],
      actions(ctx, view),
    ),
  );
  root.append(status);

  // modalities, pairs and the fusion head take the first colors, as in the report and run views;
  // a live run names its modalities with its first epoch, so nothing is drawn (and no color is
  // handed out to 'total' first) until then
  const seed = (): void => {
    const first = view.epochs[0] ?? cmp?.epochs[0];
    const modalities = view.config.modalities ?? Object.keys(first?.effectiveRank ?? {});
    if (modalities.length > 0) for (const name of [...modalities, ...Object.keys(first?.drift ?? {}), 'fusion']) ctx.seriesIndex(name);
  };
  seed();

  const x = (e: EpochMetrics): number => e.epoch;
  const pts = (epochs: EpochMetrics[], f: (e: EpochMetrics) => number | undefined): XY[] =>
    epochs.flatMap((e) => {
      const y = f(e);
      return typeof y === 'number' && Number.isFinite(y) ? [{ x: x(e), y }] : [];
    });
  /** the same series for this run and, dashed, for the comparison run; `name` picks the color */
  const both = (p: Palette, label: string, name: string, f: (e: EpochMetrics) => number | undefined, faint = false): Series[] => {
    const style = ctx.series(name, p);
    const out: Series[] = [{ label, ...style, faint, points: pts(view.epochs, f) }];
    if (cmp) out.push({ label: `${label} (${cmp.label})`, ...style, faint, dashed: true, points: pts(cmp.epochs, f) });
    return out;
  };
  const all = (): EpochMetrics[] => [...view.epochs, ...(cmp?.epochs ?? [])];

  // the legend names each series once; line styles are explained in a caption instead
  const twin = cmp ? ` (${cmp.label})` : undefined;
  const legendFilter = (label: string): boolean => !(twin && label.endsWith(twin));
  const chart = (
    name: string,
    title: string,
    yTitle: string,
    series: (p: Palette) => Series[],
    percent = false,
    faintNote = '',
  ): HTMLElement => {
    const box = chartBox(name, `${title} per epoch`);
    ctx.charts.add(box.canvas, (p) =>
      curvesConfig(p, { xTitle: 'epoch', yTitle, series: all().length > 0 ? series(p) : [], percent, legendFilter }),
    );
    // the dashed twin is named only once the comparison run has drawn something
    const notes = [cmp && cmp.epochs.length > 0 ? `dashed: ${cmp.label}` : '', faintNote].filter((n) => n);
    return card(
      title,
      { className: 'card-chart' },
      box.box,
      notes.length ? h('p', { class: 'caption' }, `Solid: this run; ${notes.join('; ')}.`) : null,
    );
  };

  const grid = h(
    'div',
    { class: 'grid' },
    chart('training-loss', 'Loss', 'loss', (p) => [
      ...both(p, 'total', 'total', (e) => e.losses.total),
      // the task loss is the fusion head's: the same color as its accuracy curve
      ...both(p, 'task (fusion)', 'fusion', (e) => e.losses.task),
      ...both(p, 'unimodal', 'unimodal', (e) => e.losses.unimodal),
    ]),
    chart('training-dagr', 'DAGR terms', 'loss term', (p) => [
      ...keysOf(all(), (e) => e.losses.dispersive).flatMap((m) => both(p, `dispersive ${m}`, m, (e) => e.losses.dispersive[m])),
      ...keysOf(all(), (e) => e.losses.anchoring).flatMap((k) => both(p, `anchoring ${pairLabel(k)}`, k, (e) => e.losses.anchoring[k])),
    ]),
    chart(
      'training-accuracy',
      'Accuracy per head',
      'accuracy',
      (p) =>
        keysOf(all(), (e) => ({ ...e.valAccuracy, ...e.trainAccuracy })).flatMap((head) => [
          ...both(p, `${head} val`, head, (e) => e.valAccuracy[head]),
          ...both(p, `${head} train`, head, (e) => e.trainAccuracy[head], true),
        ]),
      true,
      'faint: train accuracy, bright: validation',
    ),
    chart('training-rank', 'Effective rank', 'effective rank', (p) =>
      keysOf(all(), (e) => e.effectiveRank).flatMap((m) => both(p, m, m, (e) => e.effectiveRank[m])),
    ),
    chart('training-drift-mean', 'Drift mean', 'mean ‖ẑᵃ − ẑᵇ‖²', (p) =>
      keysOf(all(), (e) => e.drift).flatMap((k) => both(p, pairLabel(k), k, (e) => e.drift[k]?.mean)),
    ),
    chart(
      'training-drift-beyond',
      'Drift beyond τ',
      'paired rows beyond τ',
      (p) => keysOf(all(), (e) => e.drift).flatMap((k) => both(p, pairLabel(k), k, (e) => e.drift[k]?.fractionBeyondTau)),
      true,
    ),
  );
  const waiting = h(
    'p',
    { class: 'caption', id: 'training-waiting' },
    view.summary || view.detached ? 'No epoch finished.' : 'Waiting for the first epoch…',
  );
  waiting.hidden = view.epochs.length > 0;
  const summary = summaryCard(view);
  root.append(waiting, ...(summary ? [summary] : []), grid);

  return {
    onEpoch(m) {
      view.epochs = mergeEpoch(view.epochs, m);
      seed();
      status.textContent = statusText(view);
      waiting.hidden = true;
      ctx.charts.refresh();
    },
  };
}
