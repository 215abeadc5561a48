/**
 * The Geometry webview in Chromium: every view kind renders every chart, talks the protocol,
 * follows theme changes, and the standalone export works with no network. Screenshots go to
 * test-output/webview-*.png.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderStandaloneHtml } from '../../src/report';
import {
  OUT_DIR,
  assertChartsDrawn,
  canvases,
  chromiumMissing,
  closeClean,
  fixture,
  init,
  js,
  openWebview,
  shot,
  suiteBrowser,
  waitJs,
} from './harness';
import type { Session, ThemeName } from './harness';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') {
  void it('chromium is installed', () => assert.fail(`${missing}; the browser tests cannot run`));
}

const KINDS = ['report', 'run', 'compare', 'training', 'sweep'] as const;

const MIN_CHARTS: Record<(typeof KINDS)[number], number> = { report: 6, run: 7, compare: 2, training: 6, sweep: 1 };

void describe('Geometry webview in Chromium', { skip: missing ?? false }, () => {
  const browser = suiteBrowser();

  for (const kind of KINDS) {
    void it(`renders the ${kind} view in dark, light and high-contrast themes`, async () => {
      const s = await openWebview(browser(), { theme: 'vscode-dark' });
      const view = fixture(kind);
      await init(s, view);
      assert.equal(await s.page.getAttribute('body', 'data-view'), kind);
      await assertChartsDrawn(s, `${kind} dark`, MIN_CHARTS[kind]);
      await shot(s, `${kind}-dark`);
      let gen = 0;
      for (const theme of ['vscode-light', 'vscode-high-contrast'] as ThemeName[]) {
        await s.setTheme(theme);
        gen++;
        await waitJs(s.page, `Number(document.body.dataset.themeGeneration || '0') >= ${gen}`);
        await assertChartsDrawn(s, `${kind} ${theme}`, MIN_CHARTS[kind]);
        await shot(s, `${kind}-${theme.replace('vscode-', '')}`);
      }
      // the state the host's serializer gets back after a reload
      const state = await js<{ version: number; view: { kind: string }; source: { kind: string } }>(s.page, 'window.__state');
      assert.equal(state.version, 1);
      assert.equal(state.view.kind, kind);
      await closeClean(s, kind);
    });
  }

  void it('report: shows the numbers, engine note and warnings; controls post recompute; busy, cancel, error, export', async () => {
    const s = await openWebview(browser());
    const view = fixture('report');
    assert.equal(view.kind, 'report');
    if (view.kind !== 'report') return;
    await init(s, view);
    const p = s.page;
    for (const [m, mr] of Object.entries(view.report.modalities)) {
      assert.equal(await p.textContent(`#effective-rank-${m}`), mr.effectiveRank.toFixed(2));
      assert.equal(Number(await p.getAttribute(`#effective-rank-${m}`, 'data-value')), mr.effectiveRank);
    }
    assert.equal(await p.textContent('#engine-note'), view.report.engine.note);
    assert.ok(await p.isVisible('#engine-note'));
    assert.equal(await p.locator('#warnings li[data-code]').count(), view.report.warnings.length);
    const pointsDrawn = Number(await p.getAttribute('#projection-caption', 'data-points'));
    assert.ok(
      pointsDrawn > 0 && pointsDrawn <= view.maxPointsPlotted,
      `projection draws ${pointsDrawn} of at most ${view.maxPointsPlotted}`,
    );

    // a control change posts recompute with every control
    await p.fill('#control-tau', '0.75');
    await p.press('#control-tau', 'Tab');
    await p.uncheck('#control-modality-visual');
    const rec = (await s.posted()).filter((m) => m.type === 'recompute');
    assert.equal(rec.length, 2);
    assert.deepEqual(rec[1], {
      type: 'recompute',
      controls: { tau: 0.75, t: 2, hinge: 'linear', pairs: 'offdiag', modalities: ['audio'] },
    });
    // an invalid value is marked, not sent
    await p.fill('#control-tau', '9');
    await p.press('#control-tau', 'Tab');
    assert.equal((await s.posted()).filter((m) => m.type === 'recompute').length, 2);
    assert.match((await p.textContent('#controls-error')) ?? '', /between 0 and 4/);

    await s.send({ type: 'busy', message: 'Computing spectrum…' });
    await p.waitForSelector('#busy', { state: 'visible' });
    assert.equal(await p.textContent('#busy-message'), 'Computing spectrum…');
    await p.click('#busy-cancel');
    assert.ok((await s.posted()).some((m) => m.type === 'cancel'));
    await s.send({ type: 'error', message: 'Cancelled.' });
    await p.waitForSelector('#busy', { state: 'hidden' });
    await p.waitForSelector('#error-banner', { state: 'visible' });
    assert.equal(await p.textContent('#error-message'), 'Cancelled.');

    await p.click('#fine-tune');
    assert.ok((await s.posted()).some((m) => m.type === 'fineTune'));
    await p.click('#export-html');
    await p.click('#export-json');
    const exports = (await s.posted()).filter((m) => m.type === 'export').map((m) => m.format);
    assert.deepEqual(exports, ['html', 'json']);
    await s.send({ type: 'update', view });
    await p.waitForSelector('#error-banner', { state: 'hidden' });
    await closeClean(s, 'report interactions');
  });

  void it('report: degenerate data (widths differ, zero singular values, no projection, no warnings) renders plainly', async () => {
    const view = fixture('report');
    if (view.kind !== 'report') return assert.fail('report fixture');
    const r = view.report;
    const audio = r.modalities.audio;
    const pair = r.pairs[0];
    if (!audio || !pair) return assert.fail('fixture shape');
    audio.spectrum = audio.spectrum.map((v, i) => (i >= 40 ? 0 : v));
    r.pairs = [
      {
        ...pair,
        anchoringLoss: null,
        drift: null,
        modalityGap: null,
        retrieval: null,
        note: 'audio and visual have different widths (64 vs 32): anchoring, drift, gap and retrieval need equal widths',
      },
    ];
    r.warnings = [];
    delete r.projection;
    delete r.engine.note;
    const s = await openWebview(browser(), { theme: 'vscode-light' });
    await init(s, view);
    const p = s.page;
    assert.match((await p.textContent('#pair-note-audio-visual')) ?? '', /different widths/);
    assert.equal(await p.textContent('#anchoring-loss-audio-visual'), '—');
    assert.equal(await p.locator('#engine-note').count(), 0);
    assert.equal(await p.locator('#warnings li').count(), 0);
    assert.match((await p.textContent('#warnings')) ?? '', /No warnings/);
    assert.match((await p.textContent('#modality-audio')) ?? '', /24 zero singular values not shown/);
    await assertChartsDrawn(s, 'degenerate report', 4);
    await shot(s, 'report-degenerate');
    await closeClean(s, 'degenerate report');
  });

  void it('report: keyboard reaches the controls in order with a visible focus ring', async () => {
    const s = await openWebview(browser(), { theme: 'vscode-light' });
    await init(s, fixture('report'));
    const p = s.page;
    // issue 14: every explained metric name is a Tab stop (its explanation shows on focus) and the
    // options come after the cards, so the controls are further down the Tab order than before
    const order: string[] = [];
    for (let i = 0; i < 120 && !order.includes('control-hinge'); i++) {
      await p.keyboard.press('Tab');
      order.push(
        await js<string>(
          p,
          "document.activeElement ? (document.activeElement.id || document.activeElement.getAttribute('data-help') || '') : ''",
        ),
      );
    }
    const ids = ['export-html', 'export-json', 'fine-tune', 'control-tau', 'control-t', 'control-hinge'];
    for (const id of ids) assert.ok(order.includes(id), `${id} not reached by Tab: ${order.join(', ')}`);
    const at = ids.map((id) => order.indexOf(id));
    assert.deepEqual(
      [...at].sort((x, y) => x - y),
      at,
      `Tab order: ${order.join(', ')}`,
    );
    assert.ok(order.includes('effectiveRank'), 'an explained metric name is reached by Tab');
    await p.focus('#control-tau');
    await p.keyboard.press('Tab');
    const outline = await js<string>(p, 'getComputedStyle(document.activeElement).outlineStyle');
    assert.notEqual(outline, 'none');
    await closeClean(s, 'keyboard');
  });

  void it('report: narrow panel keeps every chart drawn (no zero-width canvas)', async () => {
    const s = await openWebview(browser(), { width: 520 });
    await init(s, fixture('report'));
    await assertChartsDrawn(s, 'narrow report', 6);
    await shot(s, 'report-narrow');
    await closeClean(s, 'narrow');
  });

  void it('restores a saved view at once and reports the state version with ready', async () => {
    const view = fixture('compare');
    const s = await openWebview(browser(), { state: { version: 1, source: { kind: 'compare', paths: [] }, view } });
    await waitJs(s.page, "document.body.dataset.view === 'compare'");
    const ready = (await s.posted()).find((m) => m.type === 'ready');
    assert.deepEqual(ready, { type: 'ready', restoredVersion: 1 });
    await assertChartsDrawn(s, 'restored compare', 2);
    // a state from a newer extension is not misread: plain ready, nothing shown
    const s2 = await openWebview(browser(), { state: { version: 99, view } });
    await waitJs(s2.page, 'window.__posted.length > 0');
    assert.deepEqual(await s2.posted(), [{ type: 'ready' }]);
    assert.equal(await s2.page.getAttribute('body', 'data-view'), null);
    await closeClean(s, 'restore');
    await closeClean(s2, 'restore newer');
  });

  void it('run: clicking a checkpoint row or pressing Enter on it opens that checkpoint', async () => {
    const s = await openWebview(browser());
    const view = fixture('run');
    if (view.kind !== 'run') return assert.fail('run fixture');
    await init(s, view);
    const rows = s.page.locator('#checkpoints tbody tr');
    assert.equal(await rows.count(), view.run.checkpoints.length);
    await rows.nth(2).click();
    await rows.nth(4).focus();
    await s.page.keyboard.press('Enter');
    const opened = (await s.posted()).filter((m) => m.type === 'openCheckpoint').map((m) => m.file);
    assert.deepEqual(opened, [view.run.checkpoints[2]?.file, view.run.checkpoints[4]?.file]);
    await closeClean(s, 'run click');
  });

  void it('training: live epochs extend the curves and the status; Cancel posts cancel', async () => {
    const s = await openWebview(browser());
    const view = fixture('training');
    if (view.kind !== 'training') return assert.fail('training fixture');
    const start = { ...view, epochs: view.epochs.slice(0, 3) };
    await init(s, start);
    assert.match((await s.page.textContent('#training-status')) ?? '', /epoch 3\/20/);
    const before = await canvases(s.page);
    for (const m of view.epochs.slice(3)) await s.send({ type: 'epoch', metrics: m });
    await waitJs(s.page, "/epoch 8\\/20/.test(document.getElementById('training-status').textContent)");
    const after = await canvases(s.page);
    const loss = (cs: typeof before): number => cs.find((c) => c.name === 'training-loss')?.points ?? 0;
    assert.ok(loss(after) > loss(before), `loss points ${loss(before)} -> ${loss(after)}`);
    await s.page.click('#training-cancel');
    assert.ok((await s.posted()).some((m) => m.type === 'cancel'));
    await closeClean(s, 'training live');
  });

  void it('sweep: points arriving extend the table and the front', async () => {
    const s = await openWebview(browser());
    const view = fixture('sweep');
    if (view.kind !== 'sweep') return assert.fail('sweep fixture');
    await init(s, { ...view, points: view.points.slice(0, 5), done: false });
    for (const pt of view.points.slice(5)) await s.send({ type: 'sweepPoint', point: pt });
    await waitJs(s.page, `document.querySelectorAll('#sweep-table tbody tr').length === ${view.points.length}`);
    assert.ok((await s.page.locator('#sweep-table tr[data-pareto="true"]').count()) >= 1);
    await closeClean(s, 'sweep live');
  });

  for (const kind of ['report', 'training'] as const) {
    void it(`standalone ${kind} export renders from a file with no network request`, async () => {
      const html = await renderStandaloneHtml(fixture(kind));
      const file = join(OUT_DIR, `webview-standalone-${kind}.html`);
      writeFileSync(file, html);
      for (const scheme of ['light', 'dark'] as const) {
        const page = await browser().newPage({ viewport: { width: 1400, height: 900 }, colorScheme: scheme });
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        await page.route('**/*', (route) => {
          const u = route.request().url();
          if (u.startsWith('file:') || u.startsWith('data:')) return route.continue();
          problems.push(`network request: ${u}`);
          return route.abort();
        });
        await page.goto(`file://${file}`);
        await waitJs(page, `document.body.dataset.view === '${kind}'`);
        const s = { page } as Session;
        await assertChartsDrawn(s, `standalone ${kind} ${scheme}`, MIN_CHARTS[kind]);
        for (const hostOnly of ['#export-html', '#export-json', '#control-tau', '#busy-cancel', '#training-cancel', '#fine-tune']) {
          assert.equal(await page.locator(hostOnly).count(), 0, `${hostOnly} shown in the standalone export`);
        }
        await page.screenshot({ path: join(OUT_DIR, `webview-standalone-${kind}-${scheme}.png`), fullPage: true });
        await page.close();
        assert.deepEqual(problems, []);
      }
    });
  }
});
