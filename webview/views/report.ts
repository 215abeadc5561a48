/** The report of one checkpoint: header, warnings, options, per-modality and per-pair cards, projection. */
import type { ViewModel } from '../../src/protocol/webview';
import { button, card, h } from '../dom';
import { basename, fmtSeconds, plural } from '../format';
import { engineLine, pageHeader, warningItem } from './common';
import type { ViewContext, ViewHandle } from './context';
import { controlsCard } from './controls';
import { modalityCard } from './modality';
import { pairCard } from './pair';
import { projectionCard } from './projection';

type ReportView = Extract<ViewModel, { kind: 'report' }>;

export function renderReport(root: HTMLElement, ctx: ViewContext, view: ReportView): ViewHandle {
  const r = view.report;
  const names = Object.keys(r.modalities);
  const meta = [
    h('span', { id: 'row-count', 'data-value': r.n }, `N = ${plural(r.n, 'row')}`),
    typeof r.metadata.epoch === 'number' ? h('span', null, `epoch ${r.metadata.epoch}`) : null,
    typeof r.metadata.step === 'number' ? h('span', null, `step ${r.metadata.step}`) : null,
    r.labels ? h('span', null, `labels: ${r.labels}`) : null,
    h('span', null, `computed in ${fmtSeconds(r.seconds)}`),
    engineLine(r.engine),
  ].filter((x): x is HTMLElement => x !== null);
  const actions = ctx.host.connected ? [
    button('Export HTML', { id: 'export-html', title: 'Save a self-contained HTML report' }, () => ctx.host.post({ type: 'export', format: 'html' })),
    button('Export JSON', { id: 'export-json', title: 'Save the report as JSON (same as dagr inspect --json)' }, () => ctx.host.post({ type: 'export', format: 'json' })),
  ] : [];
  root.append(pageHeader(`Geometry · ${basename(r.source)}`, r.source, meta, actions));

  const list = h('ul', { class: 'warning-list' }, ...r.warnings.map(warningItem));
  const warnings = card(r.warnings.length ? `Warnings (${r.warnings.length})` : 'Warnings', { id: 'warnings', className: 'card-warnings' },
    r.warnings.length ? list : h('p', { class: 'ok' }, h('span', { class: 'ok-icon', 'aria-hidden': 'true' }, '✓'), ' No warnings: no collapse, drift or gap beyond the thresholds.'),
    r.warnings.length && ctx.host.connected
      ? h('div', { class: 'card-actions' }, button('Fine-Tune with DAGR…', { id: 'fine-tune', className: 'btn btn-secondary' }, () => ctx.host.post({ type: 'fineTune' })))
      : null);
  const grid = h('div', { class: 'grid' },
    warnings,
    controlsCard(ctx, r.options, view.availableModalities.length ? view.availableModalities : names, names),
    ...names.map((m) => {
      const mr = r.modalities[m];
      return mr ? modalityCard(ctx, m, mr, r.n) : null;
    }).filter((x): x is HTMLElement => x !== null),
    ...r.pairs.map((p) => pairCard(ctx, p, r.options.tau)),
    projectionCard(ctx, r, view.maxPointsPlotted));
  root.append(grid);
  return {};
}
