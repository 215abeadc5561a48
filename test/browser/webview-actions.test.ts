/**
 * The webview's smaller promises, in Chromium: severity icons are drawn shapes (no glyph a font
 * may lack), counts agree with their nouns, the busy overlay takes the keyboard focus only when
 * the user started the work, a restored training or sweep view offers no Cancel it cannot keep,
 * and sweep rows open their runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ViewModel } from '../../src/protocol/webview';
import { chromiumMissing, closeClean, fixture, init, js, openWebview, shot, suiteBrowser, waitJs } from './harness';

const missing = chromiumMissing();
type TrainingView = Extract<ViewModel, { kind: 'training' }>;
type SweepView = Extract<ViewModel, { kind: 'sweep' }>;

const focusedId = 'document.activeElement ? document.activeElement.id : ""';

void describe('webview actions and small print in Chromium', { skip: missing ?? false }, () => {
  const browser = suiteBrowser();

  void it('severity icons are drawn SVG in the severity color, in the warnings and the error banner', async () => {
    const s = await openWebview(browser());
    await init(s, fixture('report'));
    await s.send({ type: 'error', message: 'The compute process stopped.' });
    await s.page.waitForSelector('#error-banner', { state: 'visible' });
    const icons = await js<{ where: string; w: number; h: number; color: string; text: string }[]>(
      s.page,
      `Array.from(document.querySelectorAll('#error-banner .sev, #warnings .sev')).map((el) => {
      const svg = el.querySelector('svg.sev-icon');
      const r = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
      return { where: el.closest('#error-banner') ? 'banner' : 'warning', w: r.width, h: r.height, color: svg ? getComputedStyle(svg).color : '', text: el.textContent };
    })`,
    );
    assert.ok(icons.some((i) => i.where === 'banner') && icons.some((i) => i.where === 'warning'), JSON.stringify(icons));
    for (const i of icons) {
      assert.ok(i.w >= 12 && i.h >= 12, `${i.where} icon is ${i.w}x${i.h}`);
      // no symbol character left to fall back to a box; only the screen-reader word
      assert.doesNotMatch(i.text, /[\u2139\u26a0\u26d4]/u, `${i.where} icon text: ${i.text}`);
    }
    const banner = icons.find((i) => i.where === 'banner');
    const errorColor = await js<string>(s.page, "getComputedStyle(document.getElementById('error-message')).color");
    assert.notEqual(banner?.color, errorColor, 'the banner icon is drawn in the error color, not the text color');
    await shot(s, 'error-banner');
    await closeClean(s, 'icons');
  });

  void it('counts agree with their nouns: "1 checkpoint", "1 run"', async () => {
    const run = fixture('run');
    if (run.kind !== 'run') return assert.fail('run fixture');
    const s = await openWebview(browser());
    await init(s, { ...run, run: { ...run.run, checkpoints: run.run.checkpoints.slice(0, 1) } });
    assert.equal(((await s.page.textContent('#checkpoint-count')) ?? '').trim(), '1 checkpoint');
    const sweep = fixture('sweep') as SweepView;
    await init(s, { ...sweep, points: sweep.points.slice(0, 1) });
    assert.match((await s.page.textContent('#sweep-status')) ?? '', /^1 run ·/);
    await closeClean(s, 'plurals');
  });

  void it('busy: Cancel takes the focus only when the user started the work; the control gets it back after', async () => {
    const s = await openWebview(browser());
    await init(s, fixture('report'));
    const p = s.page;
    // a restored panel (or a settings change) recomputing by itself: the focus stays put
    await p.focus('#control-t');
    await s.send({ type: 'busy', message: 'Computing…' });
    await p.waitForSelector('#busy', { state: 'visible' });
    assert.equal(await js<string>(p, focusedId), 'control-t');
    await s.send({ type: 'update', view: fixture('report') });
    await p.waitForSelector('#busy', { state: 'hidden' });
    // the user changed τ: Cancel is one Enter away, and the τ field has the focus again afterwards
    await p.focus('#control-tau');
    await s.send({ type: 'busy', message: 'Computing…', focus: true });
    await waitJs(p, `${focusedId} === 'busy-cancel'`);
    await s.send({ type: 'update', view: fixture('report') });
    await waitJs(p, `${focusedId} === 'control-tau'`);
    await closeClean(s, 'busy focus');
  });

  void it('training: a restored (detached) view has no Cancel, says interrupted, and opens its run', async () => {
    const live = fixture('training') as TrainingView;
    const s = await openWebview(browser());
    await init(s, live);
    assert.equal(await s.page.locator('#training-cancel').count(), 1, 'a live run can be cancelled');
    await init(s, { ...live, detached: true });
    assert.equal(await s.page.locator('#training-cancel').count(), 0);
    assert.match((await s.page.textContent('#training-status')) ?? '', /interrupted/);
    await s.page.click('#training-open-run');
    const opened = (await s.posted()).filter((m) => m.type === 'openRun');
    assert.deepEqual(opened, [{ type: 'openRun', dir: live.runDir }]);
    // finished: the summary from the folder, still no Cancel
    await init(s, {
      ...live,
      detached: true,
      summary: { runDir: live.runDir, status: 'cancelled', epochsCompleted: 8, backend: 'tfjs-wasm' },
    });
    assert.equal(await s.page.locator('#training-cancel').count(), 0);
    // issue 14: how the run ended comes first in the status line (it came last, after the backend)
    assert.match((await s.page.textContent('#training-status')) ?? '', /^Cancelled · /);
    await shot(s, 'training-restored');
    await closeClean(s, 'training restored');
  });

  void it('a training view drawn from its saved state offers Cancel only once the host says a job feeds it', async () => {
    const live = fixture('training') as TrainingView;
    const s = await openWebview(browser(), { state: { version: 1, source: { kind: 'training', paths: [live.runDir] }, view: live } });
    await waitJs(s.page, "document.body.dataset.view === 'training'");
    assert.equal(await s.page.locator('#training-cancel').count(), 0, 'no Cancel before the host answers');
    await init(s, live); // the panel was only hidden: the host's job still runs
    assert.equal(await s.page.locator('#training-cancel').count(), 1);
    await closeClean(s, 'training from saved state');
  });

  void it('sweep: a row opens its run by click or Enter; Cancel only while this window runs it', async () => {
    const sweep = fixture('sweep') as SweepView;
    const s = await openWebview(browser());
    await init(s, { ...sweep, done: false });
    assert.equal(await s.page.locator('#sweep-cancel').count(), 1);
    const rows = s.page.locator('#sweep-table tbody tr');
    await rows.nth(1).click();
    await rows.nth(3).focus();
    await s.page.keyboard.press('Enter');
    const dirs = (await s.posted()).filter((m) => m.type === 'openRun').map((m) => m.dir);
    assert.deepEqual(dirs, [sweep.points[1]?.runDir, sweep.points[3]?.runDir]);
    await init(s, { ...sweep, done: false, detached: true });
    assert.equal(await s.page.locator('#sweep-cancel').count(), 0);
    assert.match((await s.page.textContent('#sweep-status')) ?? '', /interrupted/);
    await closeClean(s, 'sweep rows');
  });
});
