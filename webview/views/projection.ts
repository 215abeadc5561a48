/**
 * The 2-D PCA scatter of the projected modalities with pair lines, capped at maxPointsPlotted.
 * With 3+ projected modalities a selector shows any two of them (the pick is kept in the saved
 * state). Rows can be selected with a lasso, by label or by typed row numbers, and saved as CSV or
 * JSON through the host's save dialog (the same `saveRows` path as the neighbour lists).
 */
import { Chart } from 'chart.js';
import type { GeometryReport } from '../../src/protocol/report';
import { metricPairs, rowsFromText, rowsInside, rowsWithLabel, selectionColumns, selectionRows } from '../charts/lasso';
import type { PlacedPoint } from '../charts/lasso';
import { planScatter, projectedModalities, scatterChoices, scatterConfig, validShown } from '../charts/scatter';
import type { Projection, ScatterPlan, ScatterPoint, ScatterSelection } from '../charts/scatter';
import { button, card, chartBox, h } from '../dom';
import { fmtInt, plural } from '../format';
import type { ViewContext } from './context';
import { getOwn } from '../../src/protocol/keys';

function captionText(plan: ScatterPlan, proj: Projection, r: GeometryReport, maxPoints: number): string {
  const [a, b] = plan.modalities;
  const sampled = proj.rows.length;
  const rowsText =
    sampled < r.n
      ? `${fmtInt(plan.drawn.length)} of a seeded sample of ${fmtInt(sampled)} of the ${plural(r.n, 'row')}`
      : `${fmtInt(plan.drawn.length)} of the ${plural(r.n, 'row')}`;
  return (
    `${plural(plan.drawn.length * plan.modalities.length, 'point')} drawn: ${rowsText} per modality (cap ${fmtInt(maxPoints)} points)` +
    (a && b ? `; thin lines join ${plural(plan.linked.length, `${a}–${b} pair`)}.` : '.')
  );
}

/** Every drawn point where it is on the canvas now (CSS pixels, as pointer events give them). */
function placedPoints(canvas: HTMLCanvasElement): PlacedPoint[] {
  const chart = Chart.getChart(canvas);
  if (!chart) return [];
  return chart.data.datasets.flatMap((d, di) => {
    const meta = chart.getDatasetMeta(di);
    return (d.data as ScatterPoint[]).flatMap((pt, j) => {
      const el = meta.data[j];
      return el ? [{ row: pt.row, modality: d.label ?? '', x: el.x, y: el.y }] : [];
    });
  });
}

export function projectionCard(ctx: ViewContext, r: GeometryReport, maxPoints: number): HTMLElement {
  const proj = r.projection;
  if (!proj || proj.rows.length === 0) {
    return card(
      '2-D projection',
      { id: 'projection', className: 'card-projection' },
      h('p', { class: 'caption' }, 'No projection in this report.'),
    );
  }
  return scatterCard(ctx, r, proj, maxPoints);
}

function scatterCard(ctx: ViewContext, r: GeometryReport, proj: Projection, maxPoints: number): HTMLElement {
  const names = Object.keys(r.modalities);
  const choices = scatterChoices(proj, names);
  const projected = projectedModalities(proj, names);
  let shown = validShown(ctx.scatterPick(), proj, names);
  let plan = planScatter(proj, names, maxPoints, 150, shown);
  const selection: ScatterSelection = { outline: [], rows: new Set() };
  /** per selected row, how it was picked: the modalities whose point the lasso enclosed, or 'label' / 'row' */
  const how = new Map<number, string>();
  const box = chartBox('projection', '2-D PCA projection of the modalities with lines joining paired rows', 'lg');
  const canvas = box.canvas;
  ctx.charts.add(canvas, (p) => scatterConfig(p, proj, plan, (m) => ctx.color(m, p), selection));

  const caption = h('p', { class: 'caption', id: 'projection-caption' }, '');
  const showCaption = (): void => {
    caption.textContent = captionText(plan, proj, r, maxPoints);
    caption.dataset.points = String(plan.drawn.length * plan.modalities.length);
    caption.dataset.sampled = String(proj.rows.length);
    caption.dataset.n = String(r.n);
    caption.dataset.shown = plan.modalities.join(',');
  };
  showCaption();
  const fitted =
    proj.fit === 'joint'
      ? `One PCA fitted on the L2-normalized, centred rows of ${projected.join(' and ')} stacked together, so paired points share the axes.`
      : proj.fit === 'per-modality'
        ? `One PCA per modality on its L2-normalized, centred rows (the widths differ): positions of different modalities are not comparable.`
        : 'PCA of the L2-normalized rows.';

  // selection: status, export and the ways to pick rows
  const status = h(
    'p',
    { class: 'caption', id: 'scatter-selection', role: 'status', 'aria-live': 'polite', 'data-count': 0 },
    'No rows selected.',
  );
  const saveCsv = button(
    'Save CSV…',
    {
      id: 'scatter-save-csv',
      className: 'btn btn-secondary',
      title: 'Save the selected rows (row, label, position; per pair drift, partner cosine and rank) as CSV',
    },
    () => save('csv'),
  );
  const saveJson = button(
    'Save JSON…',
    {
      id: 'scatter-save-json',
      className: 'btn btn-secondary',
      title: 'Save the selected rows (row, label, position; per pair drift, partner cosine and rank) as JSON rows',
    },
    () => save('json'),
  );
  const clear = button('Clear', { id: 'scatter-clear', className: 'btn btn-secondary', title: 'Clear the selection' }, () =>
    select(new Map(), 'Selection cleared.'),
  );
  const redraw = (): void => Chart.getChart(canvas)?.draw();
  const showSelection = (text?: string): void => {
    const n = selection.rows.size;
    status.dataset.count = String(n);
    status.textContent = text ?? (n === 0 ? 'No rows selected.' : `${plural(n, 'row')} selected.`);
    saveCsv.disabled = n === 0;
    saveJson.disabled = n === 0;
    clear.disabled = n === 0;
  };
  /** replaces the selection (rows -> how each was picked) */
  function select(rows: Map<number, string>, text?: string): void {
    selection.rows = new Set(rows.keys());
    how.clear();
    for (const [row, why] of rows) how.set(row, why);
    showSelection(text);
    redraw();
  }
  function save(format: 'csv' | 'json'): void {
    if (selection.rows.size === 0) return;
    // drift, partner cosine and partner rank per pair need the original rows: the host adds them
    const pairs = metricPairs(plan.modalities, r.pairs, (m) => getOwn(r.modalities, m)?.dim);
    ctx.host.post({
      type: 'saveRows',
      what: `scatter-selection-${selection.rows.size}-rows`,
      format,
      columns: selectionColumns(plan),
      rows: selectionRows(proj, plan, selection.rows, how),
      ...(pairs.length > 0 ? { metrics: { rows: [...selection.rows].sort((x, y) => x - y), pairs } } : {}),
    });
  }
  showSelection();

  // the lasso: while on, a drag on the canvas draws a polygon; the rows with a point inside are selected
  const lasso = button(
    'Lasso',
    {
      id: 'scatter-lasso',
      className: 'btn btn-secondary',
      title: 'Drag on the scatter to select the rows inside the outline (Shift adds to the selection)',
    },
    () => setLasso(canvas.dataset.lasso !== 'on'),
  );
  lasso.setAttribute('aria-pressed', 'false');
  // Escape on the pressed Lasso button turns the lasso off (Enter or Space toggles it)
  lasso.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || canvas.dataset.lasso !== 'on') return;
    e.preventDefault();
    setLasso(false);
  });
  function setLasso(on: boolean): void {
    canvas.dataset.lasso = on ? 'on' : 'off';
    lasso.setAttribute('aria-pressed', String(on));
    canvas.style.cursor = on ? 'crosshair' : '';
    canvas.style.touchAction = on ? 'none' : '';
  }
  let drawing = false;
  /** Shift held when the drag began: the enclosed rows join the selection instead of replacing it */
  let adding = false;
  canvas.addEventListener('pointerdown', (e) => {
    if (canvas.dataset.lasso !== 'on' || e.button !== 0) return;
    drawing = true;
    adding = e.shiftKey;
    selection.outline = [e.offsetX, e.offsetY];
    canvas.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const o = selection.outline;
    const dx = e.offsetX - (o[o.length - 2] ?? 0);
    const dy = e.offsetY - (o[o.length - 1] ?? 0);
    if (dx * dx + dy * dy < 4) return;
    o.push(e.offsetX, e.offsetY);
    redraw();
  });
  const finish = (): void => {
    if (!drawing) return;
    drawing = false;
    const outline = selection.outline;
    selection.outline = [];
    // a click without a drag encloses nothing: the selection stays as it was
    if (outline.length < 6) return redraw();
    const inside = rowsInside(placedPoints(canvas), outline);
    const next = new Map(adding ? how : []);
    for (const [row, ms] of inside) next.set(row, ms.join(';'));
    select(next);
  };
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointercancel', finish);

  // the keyboard's way: rows by label, or typed row numbers and ranges
  const labelInput = proj.labels
    ? h('input', {
        id: 'scatter-select-label',
        type: 'number',
        step: 1,
        placeholder: 'label',
        'aria-label': 'select the drawn rows with this label',
      })
    : null;
  const rowsInput = h('input', {
    id: 'scatter-select-rows',
    type: 'text',
    placeholder: 'rows, e.g. 3, 10-20',
    'aria-label': 'select drawn rows by number (commas, ranges)',
  });
  const pick = (): void => {
    const labelText = labelInput?.value.trim() ?? '';
    if (labelInput && labelText !== '') {
      const l = Number(labelText);
      if (!Number.isInteger(l)) return showSelection('A label value is a whole number.');
      const rows = rowsWithLabel(proj, plan, l);
      select(new Map(rows.map((row) => [row, 'label'])), `${plural(rows.length, 'drawn row')} labelled ${l} selected.`);
      return;
    }
    const got = rowsFromText(rowsInput.value, proj, plan);
    if (typeof got === 'string') return showSelection(got);
    select(
      new Map(got.rows.map((row) => [row, 'row'])),
      `${plural(got.rows.length, 'row')} selected` + (got.notDrawn > 0 ? ` (${plural(got.notDrawn, 'row')} not drawn left out).` : '.'),
    );
  };
  for (const input of [labelInput, rowsInput])
    input?.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        pick();
      }
    });
  labelInput?.addEventListener('input', () => {
    if (labelInput.value !== '') rowsInput.value = '';
  });
  rowsInput.addEventListener('input', () => {
    if (labelInput && rowsInput.value !== '') labelInput.value = '';
  });

  // which two modalities, when 3+ are projected
  const pairSelect =
    choices.length > 0
      ? h(
          'select',
          { id: 'projection-pair', 'aria-label': 'modalities shown in the scatter' },
          h('option', { value: '' }, `all ${projected.length} projected`),
          ...choices.map(([a, b], i) => h('option', { value: String(i) }, `${a} and ${b}`)),
        )
      : null;
  if (pairSelect) {
    const at = shown ? choices.findIndex(([a, b]) => a === shown?.[0] && b === shown[1]) : -1;
    pairSelect.value = at >= 0 ? String(at) : '';
    pairSelect.addEventListener('change', () => {
      shown = pairSelect.value === '' ? undefined : choices[Number(pairSelect.value)];
      plan = planScatter(proj, names, maxPoints, 150, shown);
      ctx.saveScatterPick(shown);
      ctx.charts.rebuild(canvas);
      showCaption();
      // rows no longer drawn leave the selection
      const drawn = new Set(plan.drawn.map((i) => proj.rows[i] ?? i));
      select(new Map([...how].filter(([row]) => drawn.has(row))));
    });
  }

  const tools = ctx.host.connected
    ? h(
        'div',
        { class: 'neighbors-form scatter-tools' },
        lasso,
        labelInput ? h('label', null, 'label ', labelInput) : null,
        h('label', null, 'rows ', rowsInput),
        button('Select', { id: 'scatter-select', title: 'Select the drawn rows with this label or these numbers' }, pick),
        clear,
        saveCsv,
        saveJson,
      )
    : null;
  return card(
    '2-D projection (PCA)',
    { id: 'projection', className: 'card-projection' },
    pairSelect ? h('div', { class: 'neighbors-form' }, h('label', null, 'show ', pairSelect)) : null,
    box.box,
    caption,
    h('p', { class: 'caption', id: 'projection-fit' }, `${fitted} Both axes use the same scale.`),
    tools,
    tools ? status : null,
  );
}
