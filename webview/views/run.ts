/**
 * A run folder: every metric as a curve over epochs, a marker where each warning first fires,
 * and the checkpoint table. Clicking a point or a row opens that checkpoint's report.
 */
import type { GeometryReport, PairReport, RunReport, RunWarning, SkippedMember } from '../../src/protocol/report';
import { getOwn } from '../../src/protocol/keys';
import type { RunLive, ViewModel } from '../../src/protocol/webview';
import type { Series, XY } from '../charts/common';
import { curvesConfig } from '../charts/curves';
import type { Marker } from '../charts/markers';
import { activatable, card, chartBox, h } from '../dom';
import { basename, fmtFixed, idPart, plural } from '../format';
import type { Palette } from '../theme';
import { engineLine, pageHeader, severityBadge, skippedList } from './common';
import type { ViewContext, ViewHandle } from './context';
import { runMoversCard } from './movers';

type RunView = Extract<ViewModel, { kind: 'run' }>;
type Checkpoint = RunReport['checkpoints'][number];

/** x of each checkpoint: its epoch when every checkpoint has one, else its step, else its index. */
export function runAxis(run: RunReport): { title: string; xs: number[] } {
  const cps = run.checkpoints;
  if (cps.length > 0 && cps.every((c) => c.epoch !== null)) return { title: 'epoch', xs: cps.map((c) => c.epoch ?? 0) };
  if (cps.length > 0 && cps.every((c) => c.step !== null)) return { title: 'step', xs: cps.map((c) => c.step ?? 0) };
  return { title: 'checkpoint', xs: cps.map((_, i) => i) };
}

export function warningMarkers(run: RunReport, xs: number[]): Marker[] {
  return Object.entries(run.firstWarning)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && xs[e[1]] !== undefined)
    .map(([code, i]) => ({ x: xs[i] ?? 0, label: code }));
}

/** curves per chart, at most: a legend of hundreds of names is unreadable and each is a dataset */
export const MAX_RUN_MODALITIES = 8;
export const MAX_RUN_PAIRS = 8;

function pairKey(p: PairReport): string {
  return `${p.a}/${p.b}`;
}

export function renderRun(root: HTMLElement, ctx: ViewContext, view: RunView): ViewHandle {
  const run = view.run;
  const cps = run.checkpoints;
  const { title: xTitle, xs } = runAxis(run);
  const markers = warningMarkers(run, xs);
  const allModalities = [...new Set(cps.flatMap((c) => Object.keys(c.report.modalities)))];
  const allPairs = [...new Set(cps.flatMap((c) => c.report.pairs.map(pairKey)))];
  const modalities = allModalities.slice(0, MAX_RUN_MODALITIES);
  const pairs = allPairs.slice(0, MAX_RUN_PAIRS);
  const skipped = new Map<string, SkippedMember>();
  for (const c of cps) for (const e of c.report.skipped ?? []) skipped.set(`${e.name}\u0000${e.reason}`, e);
  const open = (file: string): void => ctx.host.post({ type: 'openCheckpoint', file });
  const openAtX = ctx.host.connected
    ? (x: number): void => {
        const i = xs.indexOf(x);
        const cp = cps[i];
        if (cp) open(cp.file);
      }
    : undefined;

  const pts = (f: (r: GeometryReport) => number | null | undefined): XY[] =>
    cps.flatMap((c, i) => {
      const y = f(c.report);
      return typeof y === 'number' && Number.isFinite(y) ? [{ x: xs[i] ?? i, y }] : [];
    });
  const pairIndex = new Map<GeometryReport, Map<string, PairReport>>(
    cps.map((c) => [c.report, new Map(c.report.pairs.map((p) => [pairKey(p), p]))]),
  );
  const pairOf = (r: GeometryReport, key: string): PairReport | undefined => pairIndex.get(r)?.get(key);

  const chart = (name: string, title: string, yTitle: string, series: (p: Palette) => Series[], percent = false): HTMLElement => {
    const box = chartBox(name, `${title} over ${xTitle}s`);
    ctx.charts.add(box.canvas, (p) => curvesConfig(p, { xTitle, yTitle, series: series(p), percent, markers, onClickX: openAtX }));
    return card(title, { className: 'card-chart' }, box.box);
  };

  const perModality =
    (f: (r: GeometryReport, m: string) => number | undefined) =>
    (p: Palette): Series[] =>
      modalities.map((m) => ({ label: m, ...ctx.series(m, p), points: pts((r) => f(r, m)) }));
  const perPair =
    (f: (pr: PairReport) => number | null | undefined) =>
    (p: Palette): Series[] =>
      pairs.map((k) => ({
        label: k,
        ...ctx.series(k, p),
        points: pts((r) => {
          const pr = pairOf(r, k);
          return pr ? f(pr) : null;
        }),
      }));

  const firstList = Object.entries(run.firstWarning).filter((e): e is [string, number] => typeof e[1] === 'number');
  const newestX = xs[xs.length - 1];
  const meta = [
    h('span', { id: 'checkpoint-count', 'data-value': cps.length }, plural(cps.length, 'checkpoint')),
    newestX !== undefined ? h('span', { id: 'newest-epoch', 'data-value': newestX }, `newest ${xTitle} ${newestX}`) : null,
    view.live ? liveLine(view.live) : null,
    engineLine(run.engine),
  ].filter((x): x is HTMLElement => x !== null);
  root.append(pageHeader(`Run · ${basename(run.source)}`, run.source, meta));

  // grouped per run (src/jobs/runWarnings.ts) when the host sent them; else the first-fire list
  const grouped = run.runWarnings;
  const warningsCard = card(
    grouped ? 'Warnings of this run' : 'First warnings',
    { id: 'warnings', className: 'card-warnings card-wide' },
    grouped
      ? runWarningList(grouped, (i) => `${xTitle} ${xs[i] ?? i}`, newestX !== undefined ? `${xTitle} ${newestX}` : '')
      : firstList.length
        ? h(
            'ul',
            { class: 'warning-list' },
            ...firstList.map(([code, i]) =>
              h(
                'li',
                { class: 'warning warning-warning', 'data-code': code, 'data-index': i },
                severityBadge('warning'),
                h('span', { class: 'warning-message' }, `${code} first fires at ${xTitle} ${xs[i] ?? i}`),
                h('span', { class: 'warning-code' }, basename(cps[i]?.file ?? '')),
              ),
            ),
          )
        : h('p', { class: 'ok' }, h('span', { class: 'ok-icon', 'aria-hidden': 'true' }, '✓'), ' No warning fires in this run.'),
  );

  const cut: string[] = [];
  if (allModalities.length > modalities.length) cut.push(`the first ${modalities.length} of ${allModalities.length} modalities`);
  if (allPairs.length > pairs.length) cut.push(`the first ${pairs.length} of ${allPairs.length} pairs`);
  const notes = [
    cut.length
      ? h('p', { class: 'note', id: 'run-series-note', role: 'note' }, `Curves for ${cut.join(' and ')}; the JSON export has every one.`)
      : null,
    skippedList([...skipped.values()]),
    view.live && view.live.problems.length > 0
      ? h(
          'ul',
          { class: 'live-problems', id: 'live-problems' },
          ...view.live.problems.map((p) =>
            h('li', { 'data-file': p.file }, h('span', { class: 'skipped-name' }, basename(p.file)), `: ${p.message}`),
          ),
        )
      : null,
  ].filter((x): x is HTMLElement => x !== null);

  const grid = h(
    'div',
    { class: 'grid' },
    warningsCard,
    notes.length ? card('Notes', { id: 'notes', className: 'card-notes card-wide' }, ...notes) : null,
    chart(
      'run-effective-rank',
      'Effective rank',
      'effective rank',
      perModality((r, m) => getOwn(r.modalities, m)?.effectiveRank),
    ),
    chart(
      'run-dispersive-loss',
      'Dispersive loss',
      'L_disp (lower = more dispersed)',
      perModality((r, m) => getOwn(r.modalities, m)?.dispersiveLoss),
    ),
    chart(
      'run-anchoring',
      'Anchoring loss',
      'L_anc',
      perPair((pr) => pr.anchoringLoss),
    ),
    chart(
      'run-drift-mean',
      'Drift mean',
      'mean ‖ẑᵃ − ẑᵇ‖²',
      perPair((pr) => pr.drift?.mean),
    ),
    chart(
      'run-drift-beyond',
      'Drift beyond τ',
      'fraction of pairs',
      perPair((pr) => pr.drift?.fractionBeyondTau),
      true,
    ),
    chart(
      'run-gap',
      'Modality gap',
      '‖mean ẑᵃ − mean ẑᵇ‖',
      perPair((pr) => pr.modalityGap),
    ),
    chart(
      'run-r1',
      'Retrieval R@1',
      'R@1',
      (p) =>
        pairs.flatMap((k) => [
          { label: arrow(k, false), ...ctx.series(k, p), points: pts((r) => pairOf(r, k)?.retrieval?.aToB.r1) },
          { label: arrow(k, true), ...ctx.series(k, p), faint: true, points: pts((r) => pairOf(r, k)?.retrieval?.bToA.r1) },
        ]),
      true,
    ),
    checkpointTable(ctx, cps, modalities, xTitle, open),
    runMoversCard(ctx, run, xs, xTitle),
  );
  root.append(grid);
  return {};
}

function checkpointTable(
  ctx: ViewContext,
  cps: Checkpoint[],
  modalities: string[],
  xTitle: string,
  open: (file: string) => void,
): HTMLElement {
  const clickable = ctx.host.connected;
  const rows = cps.map((c) => {
    const tr = h(
      'tr',
      { 'data-file': c.file, title: c.file },
      h('td', { class: 'file' }, basename(c.file)),
      h('td', { class: 'num' }, c.epoch ?? '—'),
      h('td', { class: 'num' }, c.step ?? '—'),
      ...modalities.map((m) => h('td', { class: 'num' }, fmtFixed(getOwn(c.report.modalities, m)?.effectiveRank, 2))),
      h('td', { class: 'num' }, c.report.warnings.length || '—'),
    );
    return clickable ? activatable(tr, `Open ${c.file}`, () => open(c.file)) : tr;
  });
  return card(
    'Checkpoints',
    { id: 'checkpoints-card', className: 'card-wide' },
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'grid-table', id: 'checkpoints' },
        h('caption', { class: 'visually-hidden' }, `Checkpoints by ${xTitle}${clickable ? '; press Enter to open one' : ''}`),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, 'file'),
            h('th', { scope: 'col' }, 'epoch'),
            h('th', { scope: 'col' }, 'step'),
            ...modalities.map((m) => h('th', { scope: 'col' }, `eff. rank ${m}`)),
            h('th', { scope: 'col' }, 'warnings'),
          ),
        ),
        h('tbody', null, ...rows),
      ),
    ),
  );
}

/** "audio → visual" (or the reverse) for a pair key "audio/visual". */
function arrow(pairKey: string, reverse: boolean): string {
  const [a = pairKey, b = ''] = pairKey.split('/');
  return reverse ? `${b} → ${a}` : `${a} → ${b}`;
}

/** "following the folder", and what it waits for (files being written, under a temporary name). */
function liveLine(live: RunLive): HTMLElement {
  const waiting = live.pending.map((p) => `${basename(p.file)} (${p.reason})`);
  const text = !live.following
    ? 'not following the folder'
    : waiting.length > 0
      ? `following the folder · waiting for ${waiting.join(', ')}`
      : 'following the folder';
  return h(
    'span',
    { id: 'run-live', class: 'run-live', 'data-following': String(live.following), 'data-pending': live.pending.length, role: 'status' },
    text,
  );
}

/**
 * One item per warning of the run: its message at the newest checkpoint where it fires, since
 * when, whether it still fires at the newest, and what to change (fitted to how the run was trained).
 */
function runWarningList(ws: RunWarning[], at: (i: number) => string, newest: string): HTMLElement {
  if (ws.length === 0)
    return h('p', { class: 'ok' }, h('span', { class: 'ok-icon', 'aria-hidden': 'true' }, '✓'), ' No warning fires in this run.');
  return h(
    'ul',
    { class: 'warning-list' },
    ...ws.map((w) => {
      const where = w.modality ?? w.pair ?? '';
      const when = w.active
        ? w.onset === w.latest
          ? `first at ${at(w.onset)} (the newest)`
          : `since ${at(w.onset)}, still at ${newest}`
        : `from ${at(w.onset)} to ${at(w.latest)}; gone at ${newest}`;
      return h(
        'li',
        {
          class: `warning warning-${w.severity}${w.active ? '' : ' warning-past'}`,
          id: `run-warning-${idPart(`${w.code}-${where}`)}`,
          'data-code': w.code,
          'data-severity': w.severity,
          'data-onset': w.onset,
          'data-active': String(w.active),
        },
        severityBadge(w.severity),
        h('span', { class: 'warning-message' }, w.message),
        h('span', { class: 'warning-code' }, where ? `${w.code} · ${where.replace('/', ' → ')}` : w.code),
        h('span', { class: 'warning-when' }, when),
        w.suggestion ? h('span', { class: 'warning-suggestion' }, w.suggestion) : null,
      );
    }),
  );
}
