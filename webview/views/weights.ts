/**
 * The weights report of a model checkpoint (issue 9): header with totals, the analysis progress
 * (Cancel, Analyze, largest or visible rows first), warnings, the embedding tables with one click
 * to their embeddings report, each metric against depth (one series per role), and the tensor
 * table. The table arrives first (header only); metrics fill in batch by batch through
 * onWeightsProgress without redrawing the page.
 */
import type { WeightTensor, WeightWarning, WeightsReport } from '../../src/protocol/weights';
import type { WeightsProgress, WeightsProgressMessage, WeightsViewModel } from '../../src/protocol/weightsView';
import { LAYER_METRICS, hasDepth, layerChartConfig } from '../charts/layerCharts';
import { button, card, chartBox, h } from '../dom';
import { basename, fmtInt, fmtPct, fmtSeconds, plural } from '../format';
import { engineLine, pageHeader, severityBadge } from './common';
import type { ViewContext, ViewHandle } from './context';
import { fmtBytes, fmtCount } from './weightsFormat';
import { tensorTable } from './weightsTable';

/** warnings listed, at most (a broken checkpoint can have one per tensor); Problems has every one */
export const MAX_WARNINGS_SHOWN = 50;

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

function warningsList(warnings: readonly WeightWarning[]): HTMLElement {
  if (warnings.length === 0) {
    return h(
      'p',
      { class: 'ok' },
      h('span', { class: 'ok-icon', 'aria-hidden': 'true' }, '✓'),
      ' No weight warnings so far: no NaN/Inf, no rank-collapsed matrix.',
    );
  }
  const sorted = [...warnings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const more = sorted.length - MAX_WARNINGS_SHOWN;
  return h(
    'ul',
    { class: 'warning-list' },
    ...sorted
      .slice(0, MAX_WARNINGS_SHOWN)
      .map((w) =>
        h(
          'li',
          { class: `warning warning-${w.severity}`, 'data-code': w.code, 'data-severity': w.severity, 'data-tensor': w.tensor },
          severityBadge(w.severity),
          h('span', { class: 'warning-message' }, w.message),
          h('span', { class: 'warning-code' }, w.code),
        ),
      ),
    more > 0 ? h('li', { class: 'warning-more' }, `and ${plural(more, 'more')} (all are in the Problems panel and the JSON export)`) : null,
  );
}

function progressText(p: WeightsProgress): string {
  const share = `${fmtInt(p.done)} of ${plural(p.total, 'tensor')} analysed (${fmtPct(p.fraction, 0)} of the parameters)`;
  switch (p.state) {
    case 'idle':
      return `Not analysed yet: ${plural(p.total, 'tensor')} to compute.`;
    case 'running':
      return `Analysing, ${p.priority === 'visible' ? 'shown rows first' : 'largest first'}: ${share}${p.message ? ` · ${p.message}` : ''}`;
    case 'stopped':
      return `Stopped: ${share}. Analyze continues where it stopped.`;
    case 'done':
      return `All ${plural(p.total, 'tensor')} analysed${p.fromCache ? ' (from the cache of an earlier analysis of this file)' : ''}.`;
    case 'failed':
      return `The analysis failed: ${p.message ?? 'see the DAGR Lens output'}. ${share}.`;
  }
}

export function renderWeights(root: HTMLElement, ctx: ViewContext, view: WeightsViewModel): ViewHandle {
  const table = view.table;
  let report: WeightsReport | null = view.report;
  let progress = view.progress;
  const connected = ctx.host.connected;

  const engine = h('span', { class: 'engine-slot' }, report ? engineLine(report.engine) : null);
  const meta = [
    h('span', { id: 'tensor-count', 'data-value': table.totals.tensors }, plural(table.totals.tensors, 'tensor')),
    h(
      'span',
      { id: 'parameter-count', 'data-value': table.totals.parameters, title: `${fmtInt(table.totals.parameters)} parameters` },
      `${fmtCount(table.totals.parameters)} parameters`,
    ),
    h('span', { id: 'byte-count', 'data-value': table.totals.bytes }, fmtBytes(table.totals.bytes)),
    h('span', null, table.format),
    table.shards?.length ? h('span', { id: 'shard-count' }, plural(table.shards.length, 'shard')) : null,
    h('span', { title: table.looksLikeReason }, `read in ${fmtSeconds(table.seconds)}`),
    engine,
  ].filter((x): x is HTMLElement => x !== null);
  const actions = connected
    ? [
        button(
          'Analyze as Embeddings…',
          {
            id: 'analyze-as-embeddings',
            className: 'btn btn-secondary',
            title: "Read a 2-D tensor's rows (or the whole file) as embeddings",
          },
          () => ctx.host.post({ type: 'analyzeAs', as: 'embeddings' }),
        ),
        button('Export JSON', { id: 'export-json', title: 'Save the weights report as JSON (same as dagr inspect --json)' }, () =>
          ctx.host.post({ type: 'export', format: 'json' }),
        ),
        button('Export HTML', { id: 'export-html', title: 'Save a self-contained HTML report' }, () =>
          ctx.host.post({ type: 'export', format: 'html' }),
        ),
      ]
    : [];
  root.append(pageHeader(`Weights · ${basename(table.file)}`, table.file, meta, actions));

  // --- analysis progress with Cancel / Analyze and the order ---
  const bar = h('progress', {
    id: 'analysis-progress',
    max: 1,
    value: progress.fraction,
    'aria-label': 'Share of the parameters analysed',
  });
  const status = h('p', { id: 'analysis-status', class: 'analysis-status', role: 'status' });
  const priority = h(
    'select',
    { id: 'analysis-priority', 'aria-label': 'Which tensors to analyse first' },
    h('option', { value: 'largest' }, 'Largest first'),
    h('option', { value: 'visible' }, 'Shown rows first'),
  );
  priority.value = progress.priority;
  let visibleNow: string[] = [];
  const analyze = (): void =>
    ctx.host.post({ type: 'weightsAnalyze', priority: priority.value === 'visible' ? 'visible' : 'largest', visible: visibleNow });
  const cancelBtn = button(
    'Cancel',
    { id: 'analysis-cancel', className: 'btn btn-secondary', title: 'Stop the analysis; what is done stays' },
    () => ctx.host.post({ type: 'cancel' }),
  );
  const analyzeBtn = button('Analyze', { id: 'analysis-start', title: 'Compute the weight geometry of the tensors not done yet' }, analyze);
  priority.addEventListener('change', () => {
    if (progress.state === 'running') analyze();
  });
  const analysisCard = card(
    'Weight geometry',
    { id: 'analysis', className: 'card-wide card-analysis' },
    h('div', { class: 'analysis-row' }, bar, status),
    connected
      ? h(
          'div',
          { class: 'analysis-row' },
          h('label', { for: 'analysis-priority', class: 'hint' }, 'Order'),
          priority,
          cancelBtn,
          analyzeBtn,
        )
      : null,
    h(
      'p',
      { class: 'caption' },
      'Per matrix M (a tensor reshaped to rows × the product of the rest): singular values, effective rank, stable rank, spectral norm σ_max, and the power-law α of the eigenvalue tail (experimental). 1-D tensors get summary statistics.',
    ),
  );
  const showProgress = (): void => {
    bar.value = progress.fraction;
    status.textContent = progressText(progress);
    status.dataset.state = progress.state;
    status.dataset.done = String(progress.done);
    status.dataset.total = String(progress.total);
    cancelBtn.hidden = progress.state !== 'running' || ctx.fromSavedState;
    analyzeBtn.hidden = progress.state === 'running' || progress.state === 'done';
  };

  // --- warnings ---
  const warningsBody = h('div', { id: 'weight-warnings' });
  const warningsTitle = h('h2', { class: 'card-title' }, 'Warnings');
  const warningsCard = h(
    'section',
    { class: 'card card-warnings', id: 'warnings', 'aria-label': 'Weight warnings' },
    warningsTitle,
    warningsBody,
  );
  const showWarnings = (): void => {
    const w = report?.warnings ?? [];
    warningsTitle.textContent = w.length ? `Warnings (${fmtInt(w.length)})` : 'Warnings';
    warningsBody.replaceChildren(warningsList(w));
  };

  // --- embedding tables ---
  const openEmbeddings = connected ? (tensor: string): void => ctx.host.post({ type: 'tensorAsEmbeddings', tensor }) : undefined;
  const embeddingTables = table.tensors.filter((t) => t.embeddingTable);
  const embedCard = embeddingTables.length
    ? card(
        `Embedding tables (${embeddingTables.length})`,
        { id: 'embedding-tables', className: 'card-embeddings' },
        h(
          'p',
          { class: 'caption' },
          'Their rows are tokens or items: read them as embeddings (effective rank, mean cosine, dispersive loss on a seeded sample, spectrum, scatter). Any other 2-D tensor has the same button in the table.',
        ),
        h(
          'ul',
          { class: 'embedding-list' },
          ...embeddingTables.map((t) =>
            h(
              'li',
              { 'data-tensor': t.name },
              h('span', { class: 'mono' }, t.name),
              h('span', { class: 'hint' }, ` ${t.shape.join(' × ')} ${t.dtype} `),
              openEmbeddings
                ? button(
                    'Analyze as embeddings',
                    { className: 'btn btn-small', title: `Open the embeddings report on the rows of ${t.name}` },
                    () => openEmbeddings(t.name),
                  )
                : null,
            ),
          ),
        ),
      )
    : null;

  // --- metrics against depth ---
  const depthCards: HTMLElement[] = [];
  if (hasDepth(table.tensors)) {
    for (const metric of LAYER_METRICS) {
      const box = chartBox(metric.id, `${metric.title}, one line per matrix role`);
      ctx.charts.add(box.canvas, (p) => layerChartConfig(p, report?.tensors ?? [], metric, (role, pal) => ctx.series(role, pal)));
      depthCards.push(
        card(
          metric.title,
          { className: `card-chart${metric.id === 'layer-alpha' ? ' experimental' : ''}`, id: `${metric.id}-card` },
          metric.note ? h('p', { class: 'note', role: 'note' }, metric.note) : null,
          box.box,
        ),
      );
    }
  }

  // --- tensor table ---
  const tableHandle = tensorTable(table, {
    ...(openEmbeddings ? { onEmbeddings: openEmbeddings } : {}),
    onVisibleChange: (names) => {
      visibleNow = names;
      if (priority.value === 'visible' && progress.state === 'running') analyze();
    },
  });
  visibleNow = tableHandle.visible();
  const tableCard = card('Tensors', { id: 'tensors', className: 'card-wide card-tensors' }, tableHandle.element);

  // the table right under the warnings (it scrolls inside its card), then the charts by layer
  root.append(h('div', { class: 'grid' }, analysisCard, warningsCard, tableCard, embedCard, ...depthCards));

  const refresh = (tensors: readonly WeightTensor[] | null): void => {
    tableHandle.update(tensors);
    showProgress();
    showWarnings();
    if (report && engine.childElementCount === 0) engine.append(engineLine(report.engine));
  };
  refresh(report?.tensors ?? null);

  return {
    onWeightsProgress(m: WeightsProgressMessage): void {
      report = m.report;
      progress = m.progress;
      refresh(report?.tensors ?? null);
      ctx.charts.refresh();
    },
  };
}
