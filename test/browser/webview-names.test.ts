/**
 * Issue 7 in Chromium: modality names that are JavaScript object keys render like any other name;
 * a report of 1000 modalities draws a bounded number of charts (cards for a few, a table of all);
 * skipped members and the pair selection note show in the Notes card.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GeometryReport, ModalityReport, PairReport } from '../../src/protocol/report';
import type { ViewModel } from '../../src/protocol/webview';
import { canvases, chromiumMissing, closeClean, fixture, js, openWebview, shot, suiteBrowser, waitJs } from './harness';
import type { Session } from './harness';

const missing = chromiumMissing();
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/**
 * The view as VS Code delivers it: JSON text parsed in the page. (The harness's send() writes the
 * message as a JS object literal, where a "__proto__" key would set the prototype instead.)
 */
async function initParsed(s: Session, view: ViewModel): Promise<void> {
  await waitJs(s.page, "window.__posted.some((m) => m.type === 'ready')");
  const before = await js<number>(s.page, "Number(document.body.dataset.renders || '0')");
  const text = JSON.stringify({ type: 'init', view });
  await js<void>(s.page, `window.postMessage(JSON.parse(${JSON.stringify(text)}), '*')`);
  await waitJs(s.page, `Number(document.body.dataset.renders || '0') > ${before}`, 30_000);
}

function baseReport(): { view: Extract<ViewModel, { kind: 'report' }>; mod: ModalityReport; pair: PairReport } {
  const view = fixture('report');
  if (view.kind !== 'report') throw new Error('report fixture');
  const mod = view.report.modalities.audio;
  const pair = view.report.pairs[0];
  if (!mod || !pair) throw new Error('fixture shape');
  return { view, mod, pair };
}

/** A report whose modalities are `names`, each a copy of the fixture's audio, with the given pairs. */
function reportOf(names: string[], pairs: [string, string][], extra: Partial<GeometryReport> = {}): Extract<ViewModel, { kind: 'report' }> {
  const { view, mod, pair } = baseReport();
  const proj = view.report.projection;
  const flat = proj?.points.audio ?? [];
  const report: GeometryReport = {
    ...view.report,
    modalities: Object.fromEntries(names.map((n, i) => [n, { ...mod, effectiveRank: mod.effectiveRank + i / 100 }])),
    pairs: pairs.map(([a, b]) => ({ ...pair, a, b })),
    warnings: [],
    ...(proj
      ? { projection: { rows: proj.rows, points: Object.fromEntries(names.slice(0, 8).map((n, i) => [n, flat.map((v) => v + i)])) } }
      : {}),
    ...extra,
  };
  return { ...view, report, availableModalities: names };
}

void describe('Geometry webview: names and many modalities', { skip: missing ?? false }, () => {
  const browser = suiteBrowser();

  void it('names that are object keys each get their card, numbers, pair matrix and card, and scatter series; skipped members are listed', async () => {
    const pairs: [string, string][] = [];
    for (let i = 0; i < NAMES.length; i++) for (let j = i + 1; j < NAMES.length; j++) pairs.push([NAMES[i] as string, NAMES[j] as string]);
    const skipped = [
      { name: 'ids', reason: 'dtype <U12 (strings) is not a number array' },
      { name: 'meta', reason: 'pickled object' },
    ];
    const view = reportOf(NAMES, pairs, { skipped });
    const s = await openWebview(browser());
    await initParsed(s, view);
    const p = s.page;
    for (const [i, n] of NAMES.entries()) {
      assert.equal(await p.locator(`[id="modality-${n}"]`).count(), 1, `card of ${n}`);
      assert.equal(await p.textContent(`[id="effective-rank-${n}"]`), (baseReport().mod.effectiveRank + i / 100).toFixed(2), n);
      assert.ok(await p.isVisible(`[id="control-modality-${n}"]`), `checkbox of ${n}`);
    }
    // five modalities: the pair matrix holds the ten pairs (both directions) and opens one card
    assert.equal(await p.locator('#pair-matrix-table button.pair-open').count(), 20);
    assert.equal(await p.locator('.card-pair').count(), 1);
    assert.equal(await p.locator('[id="pair-__proto__-constructor"]').count(), 1, 'the first pair (none warned, all drift alike)');
    await p.click('#pair-matrix-table button[data-pair="valueOf/toString"]');
    await waitJs(p, 'document.getElementById("pair-toString-valueOf") !== null');
    assert.equal(await p.locator('.card-pair').count(), 1);
    const legend = await js<string[]>(p, "Array.from(document.querySelectorAll('#modality-__proto__ h2')).map((e) => e.textContent)");
    assert.deepEqual(legend, ['__proto__']);
    // the scatter draws every projected name (5 series)
    const caption = Number(await p.getAttribute('#projection-caption', 'data-points'));
    assert.ok(caption > 0 && caption % 5 === 0, `projection points ${caption}`);
    assert.deepEqual(await js<string[]>(p, "Array.from(document.querySelectorAll('#skipped li[data-name]')).map((e) => e.dataset.name)"), [
      'ids',
      'meta',
    ]);
    assert.match((await p.textContent('#notes')) ?? '', /ids: dtype <U12/);
    await shot(s, 'report-object-key-names');
    await closeClean(s, 'object key names');
  });

  void it('1000 modalities: 8 modality cards, 28 pair cards, tables of all, the selection note; bounded charts', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `m${String(i).padStart(4, '0')}`);
    const pairs = names.slice(1).map((n) => [names[0] as string, n] as [string, string]);
    const view = reportOf(names, pairs, {
      pairSelection: {
        mode: 'withFirst',
        computed: 999,
        possible: 499500,
        maxPairs: 28,
        hub: 'm0000',
        note: '1000 modalities make 499500 pairs, more than maxPairs = 28: computed the 999 pairs of the first modality',
      },
      skipped: Array.from({ length: 45 }, (_, i) => ({ name: `s${i}`, reason: 'strings' })),
    });
    view.report.projection = { ...(view.report.projection ?? { rows: [], points: {} }), note: 'projected 8 of 1000 modalities' };
    const s = await openWebview(browser());
    const t0 = Date.now();
    await initParsed(s, view);
    const took = Date.now() - t0;
    const p = s.page;
    assert.equal(await p.locator('.card-modality').count(), 8);
    assert.equal(await p.locator('.card-pair').count(), 28);
    assert.equal(await p.locator('#modalities-table tbody tr').count(), 1000);
    assert.equal(await p.locator('#pairs-table tbody tr').count(), 999);
    const charts = await canvases(p);
    assert.ok(charts.length <= 8 * 2 + 28 + 1, `${charts.length} charts`);
    assert.match((await p.textContent('#pair-selection-note')) ?? '', /999 of 499,500 computed/);
    assert.match((await p.textContent('#projection-note')) ?? '', /projected 8 of 1000/);
    assert.equal(await p.locator('#skipped li[data-name]').count(), 20);
    assert.match((await p.textContent('#skipped .skipped-more')) ?? '', /and 25 more/);
    assert.ok(took < 20_000, `rendered in ${took} ms`);
    await closeClean(s, 'many modalities');
  });

  void it('a run and a compare of many modalities draw bounded curves and spectra', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `m${i}`);
    const pairs = names.slice(1).map((n) => [names[0] as string, n] as [string, string]);
    const one = reportOf(names, pairs).report;
    const run: ViewModel = {
      kind: 'run',
      run: {
        version: 1,
        kind: 'run',
        source: '/runs/many',
        engine: one.engine,
        firstWarning: {},
        checkpoints: [0, 1, 2].map((e) => ({ file: `/runs/many/e${e}.npz`, epoch: e, step: null, report: one })),
      },
    };
    const s = await openWebview(browser());
    await initParsed(s, run);
    assert.match((await s.page.textContent('#run-series-note')) ?? '', /first 8 of 200 modalities and the first 8 of 199 pairs/);
    assert.equal(await s.page.locator('#checkpoints thead th').count(), 3 + 8 + 1);
    const compare: ViewModel = { kind: 'compare', compare: { version: 1, kind: 'compare', a: one, b: one, changes: [] } };
    await initParsed(s, compare);
    assert.equal(await s.page.locator('canvas[data-chart^="compare-spectrum-"]').count(), 8);
    assert.match((await s.page.textContent('#compare-spectra-note')) ?? '', /first 8 of 200 shared modalities/);
    // 200 modalities x 7 numbers + 199 pairs x 7: more rows than the table shows
    assert.equal(await s.page.locator('#changes tbody tr').count(), 2000);
    assert.match((await s.page.textContent('#changes-note')) ?? '', /first 2,000 of 2,793 metrics/);
    await closeClean(s, 'many run and compare');
  });
});
