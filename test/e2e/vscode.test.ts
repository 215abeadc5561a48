/**
 * End to end in a real VS Code (code-server 4.100.3 = VS Code 1.100.3) driven by Debian's
 * Chromium: the packaged .vsix opens the collapsed example from Quick Open, shows the same
 * effective rank as `dagr inspect --json`, puts its warning in the Problems panel, screenshots the
 * view in a dark and a light theme, exports the report as JSON through the save dialog (the CLI's
 * numbers), recomputes from the view's τ control, reads a threshold setting live, cancels a long
 * job while the editor stays responsive, opens a run, restores panels after a reload, and
 * fine-tunes (Cancel in the panel; a reload mid-run leaves a panel without Cancel that opens the run),
 * compares a run with DAGR off (both in one panel), sweeps a tiny grid (Pareto view, a row opens
 * its run), and embeds an array with a hand-encoded ONNX encoder (the output opens; an existing
 * output is never overwritten).
 * Skips (with a message) when code-server cannot be installed, unless CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { writeNoisePair } from '../fixtures/big-checkpoint';
import type { GeometryReport } from '../../src/protocol/report';
import type { RunSummary } from '../../src/protocol/train';
import { f32, npy, values } from '../fixtures/cli/files';
import { matmulModel } from '../fixtures/cli/onnx-model';
import { REPO, installCodeServer, installVsix, makeProfile, run, startCodeServer, stopCodeServer } from './harness';
import type { Server } from './harness';

const OUT = join(REPO, 'test-output');
// the README's screenshots are refreshed only on request, so a test run leaves the tree clean
const SHOTS = process.env.DAGR_UPDATE_SCREENSHOTS === '1' ? join(REPO, 'docs', 'screenshots') : OUT;
const DARK = 'Default Dark Modern';
/** the theme picker lists labels, settings take ids ("Default Light Modern") */
const LIGHT_LABEL = 'Light Modern';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The webview lives in nested iframes: look in every frame. */
async function findInFrames(page: Page, selector: string, timeoutMs: number): Promise<{ frame: Frame; text: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      try {
        const el = await frame.$(selector);
        if (el) {
          const text = ((await el.textContent()) ?? '').trim();
          if (text !== '') return { frame, text };
        }
      } catch { /* frame navigated away */ }
    }
    if (Date.now() > deadline) throw new Error(`${selector} did not appear in any frame within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Keys typed while a webview has focus stay in its iframe: focus the workbench first. */
async function focusWorkbench(page: Page): Promise<void> {
  await page.locator('.part.sidebar .composite.title').first().click();
}

async function palette(page: Page, command: string): Promise<void> {
  // a webview that finishes loading can take the focus and close the palette: try again once
  for (let attempt = 1; ; attempt++) {
    await focusWorkbench(page);
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10_000 });
    await page.keyboard.type(command);
    try {
      // Enter before the list has filtered would run the most recently used command instead
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: command }).first().waitFor({ timeout: 5_000 });
    } catch (e) {
      if (attempt >= 2) throw e;
      // Escape only into the palette: in a busy webview it would cancel the job
      if (await page.isVisible('.quick-input-widget:not([style*="display: none"]) input')) await page.keyboard.press('Escape');
      continue;
    }
    await page.keyboard.press('Enter');
    return;
  }
}

async function quickOpen(page: Page, text: string): Promise<void> {
  await focusWorkbench(page);
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10_000 });
  await page.keyboard.type(text);
  // wait for the file search to list it before accepting
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${text.split('/').pop() ?? text}"]`, { timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/**
 * Every number in `actual` equals the one at the same place in `expected` to 1e-9 relative: the
 * extension and the CLI run the same engine, but thread counts may reorder a float sum.
 */
function assertSameNumbers(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${where}: ${actual} vs ${expected}`);
  } else if (typeof expected === 'object' && expected !== null) {
    assert.equal(typeof actual, 'object', `${where} missing`);
    for (const [k, v] of Object.entries(expected)) assertSameNumbers((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else {
    assert.deepEqual(actual, expected, where);
  }
}

/** The drift fraction as the view shows it (webview/format.ts fmtPct). */
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Waits until `selector` in the frame reads `want` (it is redrawn, so it is read again each time). */
async function waitText(frame: Frame, selector: string, want: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  while (Date.now() < deadline) {
    seen = ((await frame.textContent(selector).catch(() => null)) ?? '').trim();
    if (seen === want) return;
    await sleep(250);
  }
  assert.fail(`${selector} shows "${seen}", expected "${want}"`);
}

async function toggleProblems(page: Page): Promise<void> {
  await page.locator('[id="status.problems"]').click();
}

/**
 * Accepts VS Code's file dialog (code-server's is the simple dialog: a path in a quick input) with
 * its OK button, as a person would: Enter right after typing can land while it still checks the path.
 */
async function acceptDialog(page: Page): Promise<void> {
  await sleep(1000);
  const open = '.quick-input-widget:not([style*="display: none"]) .quick-input-title';
  const title = ((await page.locator(open).first().textContent()) ?? '').trim();
  // a click that lands while the dialog is still checking the typed path is ignored (seen in a CI
  // run: the dialog stayed open with its path and OK): click again until this dialog has gone
  for (let attempt = 1; ; attempt++) {
    await page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ }).first().click();
    if (title === '') return;
    const gone = await page.locator(open, { hasText: title }).first().waitFor({ state: 'detached', timeout: 5_000 }).then(() => true, () => false);
    if (gone || attempt === 3) return;
  }
}

/** Starts DAGR: Start Fine-Tuning on `dataset` from the palette, picking the file in the dialog. */
async function fineTuneFromPalette(page: Page, dataset: string): Promise<void> {
  await palette(page, 'DAGR: Start Fine-Tuning');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10_000 });
  await sleep(500);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(dataset);
  await acceptDialog(page); // the file
}

/** Starts it from the Explorer's context menu on the dataset (`folder/file` in the workspace): no dialog. */
async function fineTuneFromExplorer(page: Page, folder: string, file: string): Promise<void> {
  const row = (name: string): Locator => page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  if ((await row(file).count()) === 0) await row(folder).click();
  await row(file).click({ button: 'right' });
  // VS Code's menu reacts to its own key handling more reliably than to a synthetic click
  await page.getByRole('menuitem', { name: 'Start Fine-Tuning…' }).hover();
  await page.keyboard.press('Enter');
}

/**
 * Answers the rest of Start Fine-Tuning (DAGR on, default λ and τ) once `start` has chosen the
 * dataset; returns the new panel's frame once its first epoch is shown.
 */
async function fineTune(page: Page, start: () => Promise<void>): Promise<Frame> {
  await start();
  // Enter goes to the picker's own input once "DAGR on" is the focused row (as runCommand does):
  // a page-level Enter pressed while the picker was still taking focus was lost in a CI run
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'DAGR on' }).first().waitFor({ timeout: 30_000 });
  await page.locator('.quick-input-widget:not([style*="display: none"]) input').first().press('Enter'); // DAGR on
  await sleep(500);
  await page.keyboard.press('Enter'); // λ (default)
  await sleep(500);
  await page.keyboard.press('Enter'); // τ (default)
  // the newest panel: an earlier run's panel may still be open with its epochs
  const { frame } = await findInFrames(page, '#training-status:has-text("running")', 60_000);
  const deadline = Date.now() + 90_000;
  while (!/epoch [1-9]/.test((await frame.textContent('#training-status')) ?? '')) {
    // e.g. a package without TensorFlow.js: the panel says why, at once
    const why = (await frame.isVisible('#error-banner')) ? await frame.textContent('#error-message') : null;
    if (why || Date.now() > deadline) assert.fail(`no training epoch arrived in the panel${why ? `: ${why.trim()}` : ''}`);
    await sleep(500);
  }
  return frame;
}

/** The open quick input (a question, a quick pick, code-server's file dialog) titled `title`. */
async function waitQuestion(page: Page, title: string | RegExp, timeoutMs = 30_000): Promise<void> {
  await page.locator('.quick-input-widget:not([style*="display: none"]) .quick-input-title', { hasText: title }).first().waitFor({ timeout: timeoutMs });
}

/** Answers the input box titled `title`: `value` replaces the proposed answer, or the proposal is kept. */
async function answerInput(page: Page, title: string | RegExp, value?: string): Promise<void> {
  await waitQuestion(page, title);
  const input = page.locator('.quick-input-widget:not([style*="display: none"]) input').first();
  if (value !== undefined) {
    await input.fill(value);
    await until(`the answer ${value} typed`, 5_000, async () => ((await input.inputValue()) === value ? true : undefined));
  }
  await input.press('Enter');
  // the next question (or none) replaces this one
  await page.locator('.quick-input-widget:not([style*="display: none"]) .quick-input-title', { hasText: title }).first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
}

/** Picks the item `label` of the quick pick titled `title`. */
async function answerPick(page: Page, title: string | RegExp, label: string): Promise<void> {
  await waitQuestion(page, title);
  await page.locator('.quick-input-widget:not([style*="display: none"]) .quick-input-list .monaco-list-row', { hasText: label }).first().click();
}

/**
 * Answers code-server's file dialog titled `title` with `file`. Types only once the dialog has
 * settled (its folder listed, its value unchanged), since a late completion rewrites the typed path;
 * types again if it did. With `overwrite`, the dialog's "already exists" question is accepted too.
 */
async function answerFileDialog(page: Page, title: string, file: string, overwrite = false): Promise<void> {
  await waitQuestion(page, title);
  const input = page.locator('.quick-input-widget:not([style*="display: none"]) input').first();
  // the dialog fills in its folder, then lists it and completes the name: wait until that settles
  const settled = async (): Promise<string> => {
    let last = '';
    let since = Date.now();
    return until('the file dialog settling', 15_000, async () => {
      const now = await input.inputValue();
      const listed = await page.locator('.quick-input-widget:not([style*="display: none"]) .quick-input-list .monaco-list-row').count();
      if (now !== last || now === '' || listed === 0) { last = now; since = Date.now(); return undefined; }
      return Date.now() - since >= 600 ? now : undefined;
    });
  };
  let shown = await settled();
  for (let attempt = 1; shown !== file; attempt++) {
    if (attempt > 3) assert.fail(`the file dialog shows "${shown}", not ${file}`);
    await input.press('Control+A');
    await page.keyboard.type(file);
    shown = await settled();
  }
  await acceptDialog(page);
  if (overwrite) {
    await waitQuestion(page, `${basename(file)} already exists`);
    await page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ }).first().click();
  }
}

/** DAGR on with the proposed λ and τ: the questions every fine-tuning command asks after the dataset. */
async function answerDagrOn(page: Page): Promise<void> {
  await answerPick(page, 'Regularizer', 'DAGR on');
  await answerInput(page, /^λ/);
  await answerInput(page, /^τ/);
}

/** The number of data points a chart of the view in `frame` holds (its test hook). */
async function chartPoints(frame: Frame, chart: string): Promise<number> {
  return Number((await frame.getAttribute(`canvas[data-chart="${chart}"]`, 'data-points').catch(() => null)) ?? NaN);
}

/** Polls `probe` until it returns a value (not undefined); fails with `what` and the last seen text. */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, seen: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms${seen() ? `; last seen: ${seen()}` : ''}`);
    await sleep(300);
  }
}

function readSummary(runDir: string): RunSummary {
  return JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
}

/** The Settings UI searched for one setting: the input box of the setting titled `title`. */
async function openSetting(page: Page, id: string, title: string): Promise<Locator> {
  await palette(page, 'Preferences: Open Settings (UI)');
  await page.waitForSelector('.settings-editor', { timeout: 20_000 });
  await sleep(1000); // the search box takes the focus once the editor has loaded
  await page.keyboard.type(id);
  // the list filters as the search is typed: wait for the one result, then take its own input
  await page.locator('.settings-editor .settings-count-widget', { hasText: '1 Setting Found' }).waitFor({ timeout: 20_000 });
  const input = page.locator('.settings-editor .setting-item-contents', { hasText: title }).locator('input').first();
  await input.waitFor({ timeout: 20_000 });
  return input;
}

/** A big checkpoint whose O(N²) metrics take minutes: the job to cancel. */
async function writeBigCheckpoint(file: string): Promise<void> {
  await writeNoisePair(file, 120_000, 64);
}

// about 6 minutes on 2 idle cores (packaging included); a machine shared with other jobs needs more
void test('DAGR Lens in a real VS Code', { timeout: 10 * 60_000 }, async (t) => {
  const started = Date.now();
  const problem = installCodeServer();
  if (problem) {
    if (process.env.CI === 'true') assert.fail(`code-server is required in CI: ${problem}`);
    t.skip(`code-server not available: ${problem}`);
    return;
  }
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });

  // DAGR_E2E_VSIX: test an already built package instead of running `npm run package`
  let vsix = process.env.DAGR_E2E_VSIX ?? '';
  if (vsix === '') {
    mkdirSync(join(REPO, 'build'), { recursive: true }); // vsce does not create the output folder
    run('npm', ['run', 'package'], { timeoutMs: 240_000 });
    vsix = join(REPO, 'build', 'dagr-lens.vsix');
  }
  const expected = JSON.parse(run(process.execPath, [join(REPO, 'bin', 'dagr.js'), 'inspect', join(REPO, 'examples', 'collapsed.safetensors'), '--json'])) as GeometryReport;

  const tmp = mkdtempSync(join(tmpdir(), 'dagr-e2e-'));
  // the fine-tuning runs go to the workspace's runs/ folder (git-ignored): remove what this test adds
  const runsRoot = join(REPO, 'examples', 'runs');
  const hadRuns = existsSync(runsRoot);
  const runsBefore = new Set(hadRuns ? readdirSync(runsRoot) : []);
  // all of the O(N²) work on the big file, so that job is long enough to cancel
  const baseSettings = { 'workbench.colorTheme': DARK, 'dagr.maxPairwiseRows': 0, 'window.autoDetectColorScheme': false };
  const profile = makeProfile(tmp, baseSettings);
  installVsix(profile, vsix);
  const big = join(tmp, 'big', 'big.safetensors');
  mkdirSync(join(tmp, 'big'));
  await writeBigCheckpoint(big);

  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const consoleErrors: string[] = [];
  try {
    server = await startCodeServer(profile, join(REPO, 'examples'));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    const p = page;
    await p.goto(server.url);
    await p.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await sleep(4000); // let the extension host start

    // 1. Quick Open the collapsed example: the geometry editor is its default editor
    await quickOpen(p, 'collapsed.safetensors');
    for (const [name, m] of Object.entries(expected.modalities)) {
      const { text } = await findInFrames(p, `#effective-rank-${name}`, 90_000);
      assert.equal(text.match(/-?\d+(\.\d+)?/)?.[0], m.effectiveRank.toFixed(2), `effective rank of ${name} shown in the view`);
    }
    // the new warnings were announced, with the two actions
    const note = p.locator('.notification-toast', { hasText: 'DAGR: collapsed.safetensors' });
    await note.waitFor({ timeout: 20_000 });
    assert.ok(await note.getByRole('button', { name: 'Fine-Tune with DAGR' }).count() > 0);
    await palette(p, 'Notifications: Clear All Notifications');
    await sleep(1500); // charts finish drawing
    await p.screenshot({ path: join(OUT, 'geometry-dark.png') });
    // and the lower half (drift histogram, PCA scatter), for a person checking the charts
    const view = await findInFrames(p, '#effective-rank-visual', 5_000);
    await view.frame.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await sleep(800);
    await p.screenshot({ path: join(OUT, 'geometry-dark-lower.png') });
    await view.frame.evaluate('window.scrollTo(0, 0)');
    if (SHOTS !== OUT) copyFileSync(join(OUT, 'geometry-dark.png'), join(SHOTS, 'geometry-dark.png'));

    // 2. the warning is in the Problems panel
    assert.ok(expected.warnings.length > 0, 'the collapsed example has warnings');
    await toggleProblems(p);
    try {
      for (const w of expected.warnings) {
        await p.locator('.markers-panel .monaco-list-row', { hasText: w.message.slice(0, 40) }).first().waitFor({ timeout: 20_000 });
      }
    } catch (e) {
      const text = await p.locator('.markers-panel').first().textContent().catch(() => 'no .markers-panel');
      throw new Error(`warning not in the Problems panel; it shows: ${(text ?? '').slice(0, 300)}`, { cause: e });
    }
    await p.screenshot({ path: join(OUT, 'problems.png') });
    await toggleProblems(p); // closed again

    // 3. light theme, picked as a person would (the webview follows VS Code's theme variables)
    await focusWorkbench(p);
    await p.keyboard.press('Control+K');
    await p.keyboard.press('Control+T');
    await p.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10_000 });
    await sleep(500);
    await p.keyboard.type(LIGHT_LABEL);
    await sleep(500);
    await p.keyboard.press('Enter');
    await p.waitForFunction(`document.querySelector('.monaco-workbench')?.classList.contains('vs') === true`, undefined, { timeout: 20_000 });
    await sleep(2500); // the webview re-reads the theme variables and redraws
    await findInFrames(p, '#effective-rank-visual', 20_000);
    await p.screenshot({ path: join(OUT, 'geometry-light.png') });
    if (SHOTS !== OUT) copyFileSync(join(OUT, 'geometry-light.png'), join(SHOTS, 'geometry-light.png'));

    // 3b. Export Report (JSON) from the palette, through VS Code's own save dialog (code-server's
    // is the simple dialog: a path in a quick input); the file holds the CLI's numbers
    const exported = join(tmp, 'export', 'collapsed.dagr.json');
    mkdirSync(join(tmp, 'export'));
    await palette(p, 'DAGR: Export Report (JSON)');
    await p.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10_000 });
    await sleep(500);
    await p.keyboard.press('Control+A');
    await p.keyboard.type(exported);
    await acceptDialog(p);
    for (const end = Date.now() + 20_000; !existsSync(exported); await sleep(250)) {
      if (Date.now() > end) assert.fail(`the export did not write ${exported}`);
    }
    await p.locator('.notification-toast', { hasText: 'DAGR: report exported to' }).waitFor({ timeout: 10_000 });
    const saved = JSON.parse(readFileSync(exported, 'utf8')) as GeometryReport;
    assertSameNumbers(saved.modalities, expected.modalities, 'exported modalities');
    assertSameNumbers(saved.pairs, expected.pairs, 'exported pairs');
    assert.deepEqual(saved.warnings, expected.warnings);
    assert.equal(saved.n, expected.n);
    await palette(p, 'Notifications: Clear All Notifications');

    // 3c. recompute from the view's own controls: τ = 3.5 gives the CLI's drift beyond τ
    const atTau = JSON.parse(run(process.execPath, [join(REPO, 'bin', 'dagr.js'), 'inspect', join(REPO, 'examples', 'collapsed.safetensors'), '--tau', '3.5', '--json'])) as GeometryReport;
    const driftId = '#drift-beyond-audio-visual';
    const drift = await findInFrames(p, driftId, 10_000);
    assert.equal(drift.text, pct(expected.pairs[0]?.drift?.fractionBeyondTau ?? NaN));
    await drift.frame.fill('#control-tau', '3.5');
    await drift.frame.press('#control-tau', 'Tab'); // a control recomputes on commit
    await waitText(drift.frame, driftId, pct(atTau.pairs[0]?.drift?.fractionBeyondTau ?? NaN), 60_000);
    assert.notEqual(atTau.pairs[0]?.drift?.fractionBeyondTau, expected.pairs[0]?.drift?.fractionBeyondTau, 'τ = 3.5 changes the number');

    // 3d. a settings change is read live: a low dimensional-collapse threshold, set in the Settings
    // UI, clears its Problems entry (and the view's warning); the default brings it back
    const collapse = expected.warnings.find((w) => w.code === 'dimensional-collapse');
    assert.ok(collapse, 'the collapsed example has a dimensional-collapse warning');
    const collapseRow = p.locator('.markers-panel .monaco-list-row', { hasText: collapse.message.slice(0, 40) });
    await toggleProblems(p);
    await collapseRow.first().waitFor({ timeout: 20_000 });
    const threshold = await openSetting(p, 'dagr.thresholds.dimensionalCollapse', 'Dimensional Collapse');
    await threshold.fill('0.01');
    await threshold.press('Tab');
    await collapseRow.first().waitFor({ state: 'detached', timeout: 20_000 });
    await p.screenshot({ path: join(OUT, 'settings-live.png') });
    await threshold.fill('0.1');
    await threshold.press('Tab');
    await collapseRow.first().waitFor({ timeout: 20_000 });
    await p.keyboard.press('Control+W'); // the Settings editor; the geometry view is shown again
    await toggleProblems(p);
    // the view followed both changes: its warning is back
    await findInFrames(p, '#warnings li[data-code="dimensional-collapse"]', 20_000);

    // 4. a long job, cancelled from its progress notification
    await quickOpen(p, big);
    const toast = p.locator('.notification-toast', { hasText: 'DAGR: inspecting big.safetensors' });
    await toast.waitFor({ timeout: 30_000 });
    await sleep(3000);
    await toast.hover();
    await toast.getByRole('button', { name: 'Cancel' }).click();
    await toast.waitFor({ state: 'detached', timeout: 15_000 });
    // the view of big.safetensors says the job was cancelled (not a report, not another error)
    const cancelledView = await findInFrames(p, '#error-message', 15_000);
    assert.equal(cancelledView.text, 'Cancelled. Change a control or run the command again to recompute.');
    assert.ok(await cancelledView.frame.isVisible('#error-banner'), 'the cancel is shown in the banner');
    await p.screenshot({ path: join(OUT, 'cancelled.png') });

    // responsive: the palette opens, and a new job runs promptly (the cancelled one is not hogging the process)
    const t0 = Date.now();
    await quickOpen(p, 'healthy.safetensors');
    const healthy = JSON.parse(run(process.execPath, [join(REPO, 'bin', 'dagr.js'), 'inspect', join(REPO, 'examples', 'healthy.safetensors'), '--json'])) as GeometryReport;
    const { text } = await findInFrames(p, '#effective-rank-audio', 60_000);
    assert.equal(text.match(/-?\d+(\.\d+)?/)?.[0], healthy.modalities.audio?.effectiveRank.toFixed(2));
    t.diagnostic(`after cancel, the next report took ${Date.now() - t0} ms`);
    assert.ok(Date.now() - t0 < 45_000, 'a job after a cancel runs promptly');
    await palette(p, 'DAGR: Show Engine Info');
    await p.locator('.notification-toast', { hasText: 'DAGR engine:' }).waitFor({ timeout: 60_000 });
    const engineLine = (await p.locator('.notification-toast .notification-list-item-message', { hasText: 'DAGR engine:' }).first().textContent()) ?? '';
    t.diagnostic(`engine: ${engineLine.trim()}`);
    await p.screenshot({ path: join(OUT, 'engine-info.png') });

    // 5. a run from the Explorer's context menu: one curve point per epoch
    await p.locator('.explorer-folders-view .monaco-list-row', { hasText: 'run-collapse' }).first().click({ button: 'right' });
    // VS Code's menu reacts to its own key handling more reliably than to a synthetic click
    await p.getByRole('menuitem', { name: 'Open Run…' }).hover();
    await p.keyboard.press('Enter');
    const count = await findInFrames(p, '#checkpoint-count', 60_000);
    assert.match(count.text, /^10 checkpoints/);
    await sleep(1500);
    await p.screenshot({ path: join(OUT, 'run.png') });

    // 6. after a window reload the panel comes back (serializer) and recomputes from its source path
    await palette(p, 'Developer: Reload Window');
    await sleep(3000);
    await p.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    const restored = await findInFrames(p, '#checkpoint-count', 90_000); // at once, from the saved state
    assert.match(restored.text, /^10 checkpoints/);
    // then recomputed from its source path: the Problems entries (not persisted) come back
    await p.waitForFunction(`/[1-9]/.test(document.querySelector('[id="status.problems"]')?.textContent ?? '')`, undefined, { timeout: 90_000 });
    await sleep(1000);

    // 7. fine-tuning from the palette on the shipped paired dataset: live epochs, Cancel in the panel,
    // the run (kept, marked cancelled) opens at the end. 10 epochs of ~2 s each: Cancel, clicked
    // after the first, lands long before the last, and the run folder must show that it did.
    const dataset = join(REPO, 'examples', 'paired', 'imbalanced.safetensors');
    const training = await fineTune(p, () => fineTuneFromPalette(p, dataset));
    const trainName = ((await training.textContent('#view-title')) ?? '').replace(/^Fine-tuning · /, '').trim();
    assert.ok(trainName !== '', 'the training panel names its run');
    const trainDir = join(runsRoot, trainName);
    const configured = (JSON.parse(readFileSync(join(trainDir, 'config.json'), 'utf8')) as { epochs: number }).epochs;
    assert.ok(configured >= 5, `a run of ${configured} epochs, long enough to cancel mid-way`);
    await p.screenshot({ path: join(OUT, 'training.png') });
    await training.click('#training-cancel');
    // the run opens when training stops: this run, with the epochs it finished
    const ran = await findInFrames(p, `#view-title:has-text("Run · ${trainName}")`, 60_000);
    const cancelled = readSummary(trainDir);
    t.diagnostic(`cancelled run: ${cancelled.epochsCompleted} of ${configured} epochs: ${cancelled.message ?? ''}`);
    assert.equal(cancelled.status, 'cancelled', 'summary.json records the cancel');
    assert.ok(cancelled.epochsCompleted >= 1 && cancelled.epochsCompleted < configured, `${cancelled.epochsCompleted} of ${configured} epochs ran`);
    assert.equal(cancelled.message, `cancelled during epoch ${cancelled.epochsCompleted + 1}; resume continues from epoch ${cancelled.epochsCompleted + 1}`);
    assert.equal(readFileSync(join(trainDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, cancelled.epochsCompleted, 'a metrics line per finished epoch');
    assert.equal(readdirSync(join(trainDir, 'checkpoints')).length, cancelled.epochsCompleted, 'a checkpoint per finished epoch');
    await waitText(ran.frame, '#checkpoint-count', `${cancelled.epochsCompleted} checkpoint${cancelled.epochsCompleted === 1 ? '' : 's'}`, 60_000);
    await p.screenshot({ path: join(OUT, 'training-run.png') });
    // and the training panel, shown again, says it was cancelled after those epochs
    await p.locator('.tabs-container .tab', { hasText: 'Training: imbalanced.safetensors' }).first().click();
    let trainSeen = '';
    await until('the training panel saying it was cancelled', 30_000, async () => {
      const { text } = await findInFrames(p, '#training-status', 2_000);
      trainSeen = text;
      return text.includes(`epoch ${cancelled.epochsCompleted}/${configured}`) && text.endsWith(`cancelled: ${cancelled.message ?? ''}`) ? true : undefined;
    }, () => trainSeen);

    // 8. a window reload while training runs ends the job with the extension host: the restored
    // panel offers no Cancel, says how its folder ended, and opens that run
    await fineTune(p, () => fineTuneFromExplorer(p, 'paired', 'imbalanced.safetensors'));
    await palette(p, 'Developer: Reload Window');
    await sleep(3000);
    await p.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    const after = await findInFrames(p, '#training-status', 90_000);
    await after.frame.locator('#training-open-run').waitFor({ timeout: 20_000 }); // once the folder is read
    const status = (await after.frame.textContent('#training-status')) ?? '';
    t.diagnostic(`restored training panel: ${status}`);
    assert.match(status, /interrupted|cancelled/);
    assert.equal(await after.frame.locator('#training-cancel').count(), 0, 'no Cancel without a job');
    await p.screenshot({ path: join(OUT, 'training-restored.png') });
    await after.frame.click('#training-open-run');
    const reopened = await findInFrames(p, '#checkpoint-count', 60_000);
    assert.match(reopened.text, /^[1-9]\d* checkpoints?$/);

    // 9. Compare with DAGR Off from the palette: the DAGR-on run, then the baseline drawn dashed on
    // the same charts of one panel; both runs finish and the DAGR-on run opens
    await palette(p, 'Notifications: Clear All Notifications');
    await palette(p, 'DAGR: Compare with DAGR Off');
    await answerFileDialog(p, 'Paired dataset', dataset);
    await answerDagrOn(p);
    const cmpSel = 'p.caption:has-text("dashed: DAGR off")';
    const cmpView = await findInFrames(p, cmpSel, 60_000);
    const cmpName = ((await cmpView.frame.textContent('#view-title')) ?? '').replace(/^Fine-tuning · /, '').trim();
    assert.ok(cmpName !== '', 'the comparison panel names its run');
    // the strong and weak modalities: one effective-rank point each per epoch, for each run
    let cmpSeen = '';
    const cmpEpochs = await until('the DAGR-off run drawn beside the finished DAGR-on run', 150_000, async () => {
      const { frame } = await findInFrames(p, cmpSel, 2_000);
      const status = (await frame.textContent('#training-status')) ?? '';
      const points = await chartPoints(frame, 'training-rank');
      cmpSeen = `${status}; ${points} effective-rank points`;
      const m = /epoch (\d+)\/(\d+)/.exec(status);
      return m && m[1] === m[2] && /completed/.test(status) && points > 2 * Number(m[2]) ? Number(m[2]) : undefined;
    }, () => cmpSeen);
    await p.screenshot({ path: join(OUT, 'compare-dagr-off.png') });
    // when the baseline finishes, the DAGR-on run opens (its panel replaces the comparison's)
    const cmpRun = await findInFrames(p, `#view-title:has-text("Run · ${cmpName}")`, 120_000);
    await waitText(cmpRun.frame, '#checkpoint-count', `${cmpEpochs} checkpoints`, 60_000);
    for (const dir of [cmpName, `${cmpName}-dagr-off`]) {
      const summary = readSummary(join(runsRoot, dir));
      assert.equal(summary.status, 'completed', `${dir} completed`);
      assert.equal(summary.epochsCompleted, cmpEpochs, `${dir}: every epoch`);
    }

    // 10. Sweep over λ_anc ∈ {0, 0.1} × τ ∈ {0.5}: both points in the Pareto view, and a row opens its run
    await palette(p, 'DAGR: Sweep');
    await answerFileDialog(p, 'Paired dataset', dataset);
    await answerDagrOn(p);
    await answerPick(p, 'Sweep over', 'λ_anc × τ');
    await answerInput(p, 'Values of lambdaAnc', '0, 0.1');
    await answerInput(p, 'Values of tau', '0.5');
    let sweepSeen = '';
    const sweepView = await until('a finished sweep of 2 runs', 150_000, async () => {
      const { frame, text } = await findInFrames(p, '#sweep-status', 2_000);
      sweepSeen = text;
      return /^2 runs · done/.test(text) ? frame : undefined;
    }, () => sweepSeen);
    const rows = sweepView.locator('#sweep-table tbody tr[data-run]');
    assert.equal(await rows.count(), 2, 'a table row per point');
    assert.equal(await chartPoints(sweepView, 'pareto'), 2, 'a Pareto chart point per run');
    assert.ok(await sweepView.locator('#sweep-table tr[data-pareto="true"]').count() >= 1, 'a point on the front');
    const params = (await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')?.textContent?.trim() ?? ''))).sort();
    assert.deepEqual(params, ['0', '0.1'], 'λ_anc of the rows');
    assert.equal(await sweepView.locator('#sweep-cancel').count(), 0, 'no Cancel once done');
    await p.screenshot({ path: join(OUT, 'sweep.png') });
    const pointRun = (await rows.first().getAttribute('data-run')) ?? '';
    assert.ok(pointRun.startsWith(runsRoot), `the sweep's runs are in the workspace's runs folder: ${pointRun}`);
    await rows.first().click();
    const pointView = await findInFrames(p, `#view-title:has-text("Run · ${basename(pointRun)}")`, 60_000);
    await waitText(pointView.frame, '#checkpoint-count', `${readSummary(pointRun).epochsCompleted} checkpoints`, 60_000);

    // 11. Embed with ONNX Encoder: a tiny MatMul model over a 64 × 12 array writes 64 × 8 embeddings
    // that open in the Geometry view with the CLI's numbers; an existing output is never overwritten
    const embDir = join(tmp, 'embed');
    mkdirSync(embDir);
    const model = join(embDir, 'encoder.onnx');
    const input = join(embDir, 'x.npy');
    const embOut = join(embDir, 'x.embeddings.safetensors');
    writeFileSync(input, npy([64, 12], f32(values(64 * 12, 21))));
    writeFileSync(model, matmulModel(Float32Array.from(values(12 * 8, 22)), 12, 8));
    const embed = async (overwrite: boolean): Promise<void> => {
      await palette(p, 'Notifications: Clear All Notifications');
      await palette(p, 'DAGR: Embed with ONNX Encoder');
      await answerFileDialog(p, 'ONNX encoder model', model);
      await answerFileDialog(p, 'Input array for the encoder', input);
      await answerFileDialog(p, 'Write embeddings to', embOut, overwrite);
      // an existing output is refused right after the dialog, before the name is asked
      if (!overwrite) await answerInput(p, 'Modality name for the embeddings', 'enc');
    };
    await embed(false);
    const wrote = p.locator('.notification-toast', { hasText: 'DAGR: wrote 64 × 8 embeddings to x.embeddings.safetensors' });
    await wrote.waitFor({ timeout: 60_000 });
    assert.ok(existsSync(embOut), 'the embeddings file is written');
    const embReport = JSON.parse(run(process.execPath, [join(REPO, 'bin', 'dagr.js'), 'inspect', embOut, '--json'])) as GeometryReport;
    assert.equal(embReport.n, 64);
    assert.deepEqual(Object.keys(embReport.modalities), ['enc']);
    await wrote.getByRole('button', { name: 'Inspect' }).click();
    const embRank = await findInFrames(p, '#effective-rank-enc', 60_000);
    assert.equal(embRank.text.match(/-?\d+(\.\d+)?/)?.[0], embReport.modalities.enc?.effectiveRank.toFixed(2), 'effective rank of the embeddings shown in the view');
    assert.equal((await embRank.frame.textContent('#dim-enc'))?.match(/\d+/)?.[0], '8', 'the encoder output dimension');
    await p.screenshot({ path: join(OUT, 'embed.png') });
    // the same output again: VS Code's own "already exists" question accepted, the extension still refuses
    const embBytes = readFileSync(embOut);
    await embed(true);
    await p.locator('.notification-toast', { hasText: 'x.embeddings.safetensors already exists' }).filter({ hasText: 'never written over' }).waitFor({ timeout: 60_000 });
    assert.ok(readFileSync(embOut).equals(embBytes), 'the existing embeddings file is unchanged');
    await palette(p, 'Notifications: Clear All Notifications');

    const csp = consoleErrors.filter((e) => /Content Security Policy/i.test(e));
    assert.deepEqual(csp, [], 'no CSP violations');
    t.diagnostic(`e2e took ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (e) {
    // what a person would have seen, and code-server's log, for the failure report
    await page?.screenshot({ path: join(OUT, 'failure.png') }).catch(() => undefined);
    if (server) writeFileSync(join(OUT, 'code-server.log'), server.logs.join(''));
    writeFileSync(join(OUT, 'browser-console.log'), consoleErrors.join('\n'));
    cpSync(join(profile.userDataDir, 'logs'), join(OUT, 'vscode-logs'), { recursive: true });
    throw e;
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) await stopCodeServer(server);
    rmSync(tmp, { recursive: true, force: true });
    // leave the examples as found: the runs folder, or only the runs this test wrote in it
    if (!hadRuns) rmSync(runsRoot, { recursive: true, force: true });
    else if (existsSync(runsRoot)) for (const f of readdirSync(runsRoot)) if (!runsBefore.has(f)) rmSync(join(runsRoot, f), { recursive: true, force: true });
  }
});
