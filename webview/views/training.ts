/**
 * Live fine-tuning: curves grow as {type:'epoch'} messages arrive; the optional comparison run
 * ("DAGR off") is drawn dashed in the same colors on the same charts.
 */
import type { EpochMetrics } from '../../src/protocol/train';
import type { ViewModel } from '../../src/protocol/webview';
import type { Series, XY } from '../charts/common';
import { curvesConfig } from '../charts/curves';
import { button, card, chartBox, h } from '../dom';
import { basename, fmtNum, fmtSeconds } from '../format';
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

export function statusText(view: TrainingView): string {
  const last = view.epochs[view.epochs.length - 1];
  const total = view.epochs.reduce((s, e) => s + (Number.isFinite(e.seconds) ? e.seconds : 0), 0);
  const backend = last?.backend ?? view.summary?.backend ?? view.config.backend;
  const parts = [`backend ${backend}`, `epoch ${last ? last.epoch : 0}/${view.config.epochs}`];
  if (last) parts.push(`${fmtSeconds(last.seconds)} last epoch`, `${fmtSeconds(total)} total`);
  if (view.summary) parts.push(view.summary.status + (view.summary.message ? `: ${view.summary.message}` : ''));
  else if (view.detached) parts.push(INTERRUPTED);
  else parts.push('running');
  return parts.join(' · ');
}

/** Cancel only while this window's job feeds the view; Open Run once the run has epochs to show. */
function actions(ctx: ViewContext, view: TrainingView): HTMLElement[] {
  if (!ctx.host.connected) return [];
  if (!view.summary && !view.detached) {
    if (ctx.fromSavedState) return [];
    return [button('Cancel', { id: 'training-cancel', className: 'btn btn-secondary', title: 'Stop after the current batch; everything written so far is kept' }, () => ctx.host.post({ type: 'cancel' }))];
  }
  const epochs = view.summary?.epochsCompleted ?? view.epochs.length;
  return epochs > 0
    ? [button('Open Run', { id: 'training-open-run', title: `Open ${view.runDir} as a run: geometry of every checkpoint` }, () => ctx.host.post({ type: 'openRun', dir: view.runDir }))]
    : [];
}

export function renderTraining(root: HTMLElement, ctx: ViewContext, view: TrainingView): ViewHandle {
  const cmp = view.comparison;
  const dagr = view.config.dagr;
  const dagrText = dagr.enabled
    ? `DAGR on: λ_disp ${fmtNum(dagr.lambdaDisp)}, λ_anc ${fmtNum(dagr.lambdaAnc)}, τ ${fmtNum(dagr.tau)}, t ${fmtNum(dagr.t)}, ${dagr.hinge} hinge`
    : 'DAGR off';
  const status = h('p', { id: 'training-status', class: 'status-line', role: 'status', 'aria-live': 'polite' }, statusText(view));
  root.append(pageHeader(`Fine-tuning · ${basename(view.runDir)}`, view.runDir,
    [h('span', null, dagrText), h('span', null, `dataset ${basename(view.config.dataset)}`), h('span', null, `${view.config.optimizer}, lr ${fmtNum(view.config.learningRate)}, batch ${view.config.batchSize}`)],
    actions(ctx, view)));
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
    epochs.flatMap((e) => { const y = f(e); return typeof y === 'number' && Number.isFinite(y) ? [{ x: x(e), y }] : []; });
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
  const legendFilter = (label: string): boolean => !(twin && label.endsWith(twin)) && !label.endsWith(' train');
  const chart = (name: string, title: string, yTitle: string, series: (p: Palette) => Series[], percent = false, faintNote = ''): HTMLElement => {
    const box = chartBox(name, `${title} per epoch`);
    ctx.charts.add(box.canvas, (p) => curvesConfig(p, { xTitle: 'epoch', yTitle, series: all().length > 0 ? series(p) : [], percent, legendFilter }));
    const notes = [cmp ? `dashed: ${cmp.label}` : '', faintNote].filter((n) => n);
    return card(title, { className: 'card-chart' }, box.box, notes.length ? h('p', { class: 'caption' }, `Solid: this run; ${notes.join('; ')}.`) : null);
  };

  const grid = h('div', { class: 'grid' },
    chart('training-loss', 'Loss', 'loss', (p) => [
      ...both(p, 'total', 'total', (e) => e.losses.total),
      // the task loss is the fusion head's: the same color as its accuracy curve
      ...both(p, 'task (fusion)', 'fusion', (e) => e.losses.task),
      ...both(p, 'unimodal', 'unimodal', (e) => e.losses.unimodal),
    ]),
    chart('training-dagr', 'DAGR terms', 'loss term', (p) => [
      ...keysOf(all(), (e) => e.losses.dispersive).flatMap((m) => both(p, `dispersive ${m}`, m, (e) => e.losses.dispersive[m])),
      ...keysOf(all(), (e) => e.losses.anchoring).flatMap((k) => both(p, `anchoring ${k}`, k, (e) => e.losses.anchoring[k])),
    ]),
    chart('training-accuracy', 'Accuracy per head', 'accuracy', (p) => keysOf(all(), (e) => ({ ...e.valAccuracy, ...e.trainAccuracy })).flatMap((head) => [
      ...both(p, `${head} val`, head, (e) => e.valAccuracy[head]),
      ...both(p, `${head} train`, head, (e) => e.trainAccuracy[head], true),
    ]), true, 'faint: train accuracy, bright: validation'),
    chart('training-rank', 'Effective rank', 'effective rank', (p) => keysOf(all(), (e) => e.effectiveRank).flatMap((m) => both(p, m, m, (e) => e.effectiveRank[m]))),
    chart('training-drift-mean', 'Drift mean', 'mean ‖ẑᵃ − ẑᵇ‖²', (p) => keysOf(all(), (e) => e.drift).flatMap((k) => both(p, k, k, (e) => e.drift[k]?.mean))),
    chart('training-drift-beyond', 'Drift beyond τ', 'fraction of pairs', (p) => keysOf(all(), (e) => e.drift).flatMap((k) => both(p, k, k, (e) => e.drift[k]?.fractionBeyondTau)), true),
  );
  const waiting = h('p', { class: 'caption', id: 'training-waiting' }, view.summary || view.detached ? 'No epoch finished.' : 'Waiting for the first epoch…');
  waiting.hidden = view.epochs.length > 0;
  root.append(waiting, grid);

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
