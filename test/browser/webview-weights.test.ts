/**
 * The weights view (issue 9) in Chromium with the webview's CSP: the tensor table arrives first
 * as a tree by module path (filter, totals, folding from the keyboard), the metrics of a batch
 * fill the rows and the depth charts in place without a redraw, Cancel / order / embeddings
 * buttons post their requests, the three themes draw without a CSP violation, and the weights
 * comparison lists what moved. The numbers come from the jobs on the committed model fixture.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { analyzeWeightsJob, compareWeightsJob, tensorTableJob } from '../../src/jobs/weights';
import type { TensorTable, WeightsComparison, WeightsReport } from '../../src/protocol/weights';
import { withoutSpectra } from '../../src/protocol/weightsView';
import type { WeightsProgress } from '../../src/protocol/weightsView';
import type { ViewModel } from '../../src/protocol/webview';
import {
  ROOT,
  assertChartsDrawn,
  canvases,
  chromiumMissing,
  closeClean,
  init,
  js,
  openWebview,
  shot,
  suiteBrowser,
  waitJs,
} from './harness';
import type { Session } from './harness';

const missing = chromiumMissing();
const BASE = join(ROOT, 'test', 'fixtures', 'weights', 'base.safetensors');
const TUNED = join(ROOT, 'test', 'fixtures', 'weights', 'tuned.safetensors');

const progress = (over: Partial<WeightsProgress>): WeightsProgress => ({
  total: 33,
  done: 0,
  fraction: 0,
  state: 'running',
  priority: 'largest',
  ...over,
});

async function visibleTensors(s: Session): Promise<string[]> {
  return js<string[]>(
    s.page,
    "Array.from(document.querySelectorAll('#tensor-table tr.tensor-row')).filter((r) => !r.hidden).map((r) => r.dataset.tensor)",
  );
}

void describe('Weights view', { skip: missing ?? false }, () => {
  const browser = suiteBrowser();
  let table: TensorTable;
  let report: WeightsReport;
  let compare: WeightsComparison;

  before(async () => {
    table = await tensorTableJob(BASE);
    report = withoutSpectra(await analyzeWeightsJob({ path: BASE }));
    compare = await compareWeightsJob({ a: BASE, b: TUNED });
  });

  void it('shows the tensor table at once, then fills in the metrics and the depth charts per batch', async () => {
    const s = await openWebview(browser());
    const view: ViewModel = { kind: 'weights', table, report: null, progress: progress({}) };
    await init(s, view);
    const p = s.page;
    assert.equal(await p.textContent('#view-title'), 'Weights · base.safetensors');
    assert.equal(Number(await p.getAttribute('#tensor-count', 'data-value')), table.totals.tensors);
    // a small checkpoint is unfolded whole: every tensor row shows, in the tree's groups
    assert.equal((await visibleTensors(s)).length, table.tensors.length);
    assert.ok((await p.locator('tr.group-row[data-group="encoder.layer"]').count()) === 1, 'encoder.layer groups its blocks');
    assert.match((await p.textContent('#tensor-totals')) ?? '', new RegExp(`^${table.totals.tensors} tensors`));
    // no metric yet, and the running analysis offers Cancel (not Analyze)
    assert.equal(await p.textContent('tr[data-tensor="encoder.layer.0.attention.self.query.weight"] .cell-effective-rank'), '');
    assert.ok(await p.isVisible('#analysis-cancel'));
    assert.ok(!(await p.isVisible('#analysis-start')));
    assert.equal(await js<number>(p, "document.querySelectorAll('canvas[data-chart]').length"), 5);

    // the first batch: the largest tensors only
    const renders = await js<string>(p, 'document.body.dataset.renders');
    const firstNames = new Set(
      [...report.tensors]
        .sort((a, b) => b.parameters - a.parameters)
        .slice(0, 6)
        .map((t) => t.name),
    );
    const partial: WeightsReport = {
      ...report,
      tensors: report.tensors.map((t) =>
        firstNames.has(t.name) ? t : { ...t, analysed: false, effectiveRank: null, stableRank: null, spectralNorm: null, alpha: null },
      ),
      warnings: [],
    };
    await s.send({ type: 'weightsProgress', report: partial, progress: progress({ done: 6, fraction: 0.5 }) });
    await waitJs(p, "document.querySelector('#analysis-status').dataset.done === '6'");
    const big = [...firstNames][0] ?? '';
    const bigT = report.tensors.find((t) => t.name === big);
    assert.equal(await p.getAttribute(`tr[data-tensor="${big}"]`, 'data-analysed'), 'true');
    assert.equal(await p.textContent(`tr[data-tensor="${big}"] .cell-effective-rank`), bigT?.effectiveRank?.toFixed(2));
    assert.equal(await js<string>(p, 'document.body.dataset.renders'), renders, 'a batch patches the page, it does not redraw it');

    // the last batch: every row, warnings, charts with a series per role
    await s.send({ type: 'weightsProgress', report, progress: progress({ done: 33, fraction: 1, state: 'done' }) });
    await waitJs(p, "document.querySelector('#analysis-status').dataset.state === 'done'");
    for (const t of report.tensors.filter((x) => x.effectiveRank !== null)) {
      assert.equal(await p.textContent(`tr[data-tensor="${t.name}"] .cell-effective-rank`), t.effectiveRank?.toFixed(2), t.name);
    }
    assert.match((await p.textContent('tr[data-tensor="encoder.layer.1.broken.weight"] .tensor-status')) ?? '', /NaN\/Inf at \[2, 5\]/);
    const codes = await js<string[]>(
      p,
      "Array.from(document.querySelectorAll('#weight-warnings li[data-code]')).map((e) => e.dataset.code)",
    );
    assert.deepEqual(codes, ['non-finite', 'rank-collapse', 'alpha-out-of-band'], 'errors first, then warnings, then information');
    await assertChartsDrawn(s, 'weights', 5);
    const effRank = (await canvases(p)).find((c) => c.name === 'layer-effective-rank');
    const depthPoints = report.tensors.filter((t) => t.layer !== null && t.matrix && t.effectiveRank !== null).length;
    assert.equal(effRank?.points, depthPoints, 'one point per analysed matrix in a numbered layer');
    assert.ok(!(await p.isVisible('#analysis-cancel')) && !(await p.isVisible('#analysis-start')), 'nothing to cancel or start when done');
    await shot(s, 'weights-dark');
    await closeClean(s, 'weights view');
  });

  void it("filters and folds the tree from the keyboard, and posts the view's requests", async () => {
    const s = await openWebview(browser(), { theme: 'vscode-light' });
    await init(s, { kind: 'weights', table, report, progress: progress({ done: 10, fraction: 0.3 }) });
    const p = s.page;
    await p.focus('#tensor-filter');
    await p.keyboard.type('query weight');
    const shown = await visibleTensors(s);
    assert.deepEqual(
      shown,
      table.tensors.filter((t) => /query/.test(t.name) && /weight/.test(t.name)).map((t) => t.name),
    );
    assert.equal(await p.getAttribute('#tensor-totals', 'data-tensors'), String(shown.length));
    assert.match((await p.textContent('#tensor-totals')) ?? '', new RegExp(`^${shown.length} of ${table.totals.tensors} tensors match`));
    await p.fill('#tensor-filter', '');
    // fold encoder.layer with Enter on its toggle: its tensors leave the visible rows
    await p.focus('tr.group-row[data-group="encoder.layer"] .tree-toggle');
    await p.keyboard.press('Enter');
    assert.equal(await p.getAttribute('tr.group-row[data-group="encoder.layer"] .tree-toggle', 'aria-expanded'), 'false');
    assert.ok((await visibleTensors(s)).every((n) => !n.startsWith('encoder.layer.')));
    await p.keyboard.press('Space');
    assert.ok((await visibleTensors(s)).some((n) => n.startsWith('encoder.layer.')));

    // shown rows first: the order and the rows shown go to the host
    await p.selectOption('#analysis-priority', 'visible');
    await p.fill('#tensor-filter', 'intermediate');
    const inter = JSON.stringify(table.tensors.filter((t) => t.name.includes('intermediate')).map((t) => t.name));
    await waitJs(
      p,
      `window.__posted.some((m) => m.type === 'weightsAnalyze' && m.priority === 'visible' && JSON.stringify(m.visible) === ${JSON.stringify(inter)})`,
    );
    await p.click('#analysis-cancel');
    await p.fill('#tensor-filter', '');
    await p.click('tr[data-tensor="embeddings.word_embeddings.weight"] .row-actions button');
    await p.click('#embedding-tables li[data-tensor="embeddings.word_embeddings.weight"] button');
    await p.click('#analyze-as-embeddings');
    const posted = (await s.posted()).map((m) => m.type);
    assert.ok(posted.includes('cancel'));
    assert.equal(
      (await s.posted()).filter((m) => m.type === 'tensorAsEmbeddings' && m.tensor === 'embeddings.word_embeddings.weight').length,
      2,
    );
    assert.ok((await s.posted()).some((m) => m.type === 'analyzeAs' && m.as === 'embeddings'));
    await assertChartsDrawn(s, 'weights light', 5);
    await shot(s, 'weights-light');
    // the state saved with the view holds the report, for a window reload
    const saved = await js<{ view?: { kind: string } }>(p, 'window.__state');
    assert.equal(saved.view?.kind, 'weights');
    await closeClean(s, 'weights view, light');
  });

  void it('draws in high contrast and restores from the saved state without a host', async () => {
    const state = {
      version: 1,
      source: { kind: 'file', paths: [BASE] },
      view: { kind: 'weights', table, report, progress: progress({ done: 33, fraction: 1, state: 'done' }) },
    };
    const s = await openWebview(browser(), { theme: 'vscode-high-contrast', state });
    await waitJs(s.page, "document.body.dataset.view === 'weights'");
    await assertChartsDrawn(s, 'weights high contrast', 5);
    await closeClean(s, 'weights view, high contrast');
  });

  void it('shows the comparison of two model checkpoints: what moved, ΔW ranks, only in A/B, shape changed', async () => {
    const s = await openWebview(browser());
    await init(s, { kind: 'weightsCompare', compare });
    const p = s.page;
    assert.deepEqual(
      await js<string[]>(p, "Array.from(document.querySelectorAll('#moved-most li')).map((e) => e.dataset.tensor)"),
      compare.mostChanged,
    );
    assert.equal(await p.locator('#delta-table tbody tr').count(), compare.tensors.length);
    assert.deepEqual(
      await js<string[]>(p, "Array.from(document.querySelectorAll('#only-in-a li')).map((e) => e.dataset.tensor)"),
      compare.onlyInA,
    );
    assert.deepEqual(
      await js<string[]>(p, "Array.from(document.querySelectorAll('#only-in-b li')).map((e) => e.dataset.tensor)"),
      compare.onlyInB,
    );
    assert.equal(await p.locator('#shape-changed li').count(), compare.shapeChanged.length);
    const top = compare.tensors.find((t) => t.name === compare.mostChanged[0]);
    assert.equal(
      await p.textContent(`#delta-table tr[data-tensor="${top?.name ?? ''}"] td:nth-of-type(2)`),
      `${((top?.relativeChange ?? NaN) * 100).toFixed(2)}%`,
    );
    await assertChartsDrawn(s, 'weights compare', 1);
    await shot(s, 'weights-compare');
    await closeClean(s, 'weights compare');
  });
});
