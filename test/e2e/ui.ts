/**
 * The shared moves of the end-to-end tests: how a person drives VS Code (code-server's workbench in
 * Chromium) — the palette, Quick Open, the questions a command asks, code-server's file dialog, the
 * Problems panel, the Settings UI — and how a test reads a DAGR webview (its nested iframes, a chart's
 * point count). Also the session itself (code-server + browser + page) and named story steps.
 * Nothing here knows a particular test's story; every e2e file imports what it needs from here.
 */
import { fmtShare } from '../../webview/format';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import type { RunSummary } from '../../src/protocol/train';
import { REPO, installVsix, makeProfile, run, startCodeServer, stopCodeServer } from './harness';
import type { Profile, Server } from './harness';

/** Where screenshots and failure logs go (git-ignored). */
export const OUT = join(REPO, 'test-output');
/** The README's screenshots are refreshed only on request, so a test run leaves the tree clean. */
export const SHOTS = process.env.DAGR_UPDATE_SCREENSHOTS === '1' ? join(REPO, 'docs', 'screenshots') : OUT;
/** The dark theme's settings id (the profile starts in it). */
export const DARK = 'Default Dark Modern';
/** The theme picker lists labels, settings take ids ("Default Light Modern"). */
export const LIGHT_LABEL = 'Light Modern';
/** The open quick input's text box (palette, Quick Open, a question, code-server's file dialog). */
export const QUICK_INPUT = '.quick-input-widget:not([style*="display: none"]) input';
/** The open quick input's title. */
export const QUICK_TITLE = '.quick-input-widget:not([style*="display: none"]) .quick-input-title';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The webview lives in nested iframes: look in every frame for a non-empty `selector`. */
export async function findInFrames(page: Page, selector: string, timeoutMs: number): Promise<{ frame: Frame; text: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      try {
        const el = await frame.$(selector);
        if (el) {
          const text = ((await el.textContent()) ?? '').trim();
          if (text !== '') return { frame, text };
        }
      } catch {
        /* frame navigated away */
      }
    }
    if (Date.now() > deadline) throw new Error(`${selector} did not appear in any frame within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Keys typed while a webview has focus stay in its iframe: focus the workbench first. */
export async function focusWorkbench(page: Page): Promise<void> {
  await page.locator('.part.sidebar .composite.title').first().click();
}

/** Switches VS Code to the light theme (LIGHT_LABEL) through Preferences: Color Theme, as a person would. */
export async function pickLightTheme(page: Page): Promise<void> {
  await focusWorkbench(page);
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  await page.waitForSelector(QUICK_INPUT, { timeout: 10_000 });
  await sleep(500);
  await page.keyboard.type(LIGHT_LABEL);
  await sleep(500);
  await page.keyboard.press('Enter');
  await page.waitForFunction(`document.querySelector('.monaco-workbench')?.classList.contains('vs') === true`, undefined, {
    timeout: 20_000,
  });
}

/**
 * The set-up most e2e files share: a fresh folder with an empty `workspace` in it (the test copies
 * its files there), and a profile in the dark theme (the first screenshots) with the VSIX installed.
 */
export function darkWorkspace(prefix: string, vsix: string): { tmp: string; ws: string; profile: Profile } {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const ws = join(tmp, 'workspace');
  mkdirSync(ws);
  const profile = makeProfile(tmp, { 'workbench.colorTheme': DARK, 'window.autoDetectColorScheme': false });
  installVsix(profile, vsix);
  return { tmp, ws, profile };
}

/**
 * Opens the quick input with `key`, types `text` and presses Enter once `listed` shows the row to
 * accept (Enter before the list has filtered would accept another row). A webview that finishes
 * loading can take the focus and close the quick input: the whole gesture is tried again once.
 */
async function acceptInQuickInput(page: Page, key: string, text: string, listed: Locator, listedMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await focusWorkbench(page);
    await page.keyboard.press(key);
    await page.waitForSelector(QUICK_INPUT, { timeout: 10_000 });
    await page.keyboard.type(text);
    try {
      await listed.waitFor({ timeout: listedMs });
    } catch (e) {
      if (attempt >= 2) throw e;
      // Escape only into the quick input: in a busy webview it would cancel the job
      if (await page.isVisible(QUICK_INPUT)) await page.keyboard.press('Escape');
      continue;
    }
    await page.keyboard.press('Enter');
    return;
  }
}

/** Runs `command` (its title as the palette lists it) from the command palette. */
export async function palette(page: Page, command: string): Promise<void> {
  await acceptInQuickInput(
    page,
    'F1',
    command,
    page.locator('.quick-input-list .monaco-list-row.focused', { hasText: command }).first(),
    5_000,
  );
}

/** Opens a workspace file by (part of) its path with Quick Open (Ctrl+P), once the file search lists it (which can take seconds). */
export async function quickOpen(page: Page, text: string): Promise<void> {
  const name = text.split('/').pop() ?? text;
  await acceptInQuickInput(
    page,
    'Control+P',
    text,
    page.locator(`.quick-input-list .monaco-list-row[aria-label*="${name}"]`).first(),
    15_000,
  );
}

/** Clears every notification toast, so the next one a step waits for is its own. */
export async function clearNotifications(page: Page): Promise<void> {
  await palette(page, 'Notifications: Clear All Notifications');
}

/**
 * The CLI's engine for the numbers a view is compared with: the extension's compute process uses
 * onnxruntime (it keeps its sessions warm), where the CLI's 'auto' takes the in-process kernels
 * for a small file; the two agree to about 1e-9, not to the digits compared here.
 */
export const ENGINE = ['--engine', 'onnxruntime'];

/**
 * Every number in `actual` equals the one at the same place in `expected` to 1e-9 relative: the
 * extension and the CLI run the same engine (ENGINE), but thread counts may reorder a float sum.
 */
export function assertSameNumbers(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${where}: ${actual} vs ${expected}`);
  } else if (typeof expected === 'object' && expected !== null) {
    assert.equal(typeof actual, 'object', `${where} missing`);
    for (const [k, v] of Object.entries(expected)) assertSameNumbers((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else {
    assert.deepEqual(actual, expected, where);
  }
}

/** A share of n rows as the view shows it (webview/format.ts fmtShare: "100.00% (2,000 of 2,000)"). */
export const pct = (x: number, n: number): string => fmtShare(x, n);

/** Waits until `selector` in the frame reads `want` (it is redrawn, so it is read again each time). */
export async function waitText(frame: Frame, selector: string, want: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  while (Date.now() < deadline) {
    seen = ((await frame.textContent(selector).catch(() => null)) ?? '').trim();
    if (seen === want) return;
    await sleep(250);
  }
  assert.fail(`${selector} shows "${seen}", expected "${want}"`);
}

/** Opens or closes the Problems panel from the status bar's problems item. */
export async function toggleProblems(page: Page): Promise<void> {
  await page.locator('[id="status.problems"]').click();
}

/**
 * Accepts VS Code's file dialog (code-server's is the simple dialog: a path in a quick input) with
 * its OK button, as a person would: Enter right after typing can land while it still checks the path.
 */
export async function acceptDialog(page: Page): Promise<void> {
  await sleep(1000);
  const title = ((await page.locator(QUICK_TITLE).first().textContent()) ?? '').trim();
  // a click that lands while the dialog is still checking the typed path is ignored (seen in a CI
  // run: the dialog stayed open with its path and OK): click again until this dialog has gone
  for (let attempt = 1; ; attempt++) {
    await page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ }).first().click();
    if (title === '') return;
    const gone = await page
      .locator(QUICK_TITLE, { hasText: title })
      .first()
      .waitFor({ state: 'detached', timeout: 5_000 })
      .then(
        () => true,
        () => false,
      );
    if (gone || attempt === 3) return;
  }
}

/** Types `path` over the proposal of the file dialog that has just opened, and accepts it. */
export async function typeIntoDialog(page: Page, path: string): Promise<void> {
  await page.waitForSelector(QUICK_INPUT, { timeout: 10_000 });
  await sleep(500);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(path);
  await acceptDialog(page);
}

/** The open quick input (a question, a quick pick, code-server's file dialog) titled `title`. */
export async function waitQuestion(page: Page, title: string | RegExp, timeoutMs = 30_000): Promise<void> {
  await page.locator(QUICK_TITLE, { hasText: title }).first().waitFor({ timeout: timeoutMs });
}

/** Answers the input box titled `title`: `value` replaces the proposed answer, or the proposal is kept. */
export async function answerInput(page: Page, title: string | RegExp, value?: string): Promise<void> {
  await waitQuestion(page, title);
  const input = page.locator(QUICK_INPUT).first();
  if (value !== undefined) {
    await input.fill(value);
    await until(`the answer ${value} typed`, 5_000, async () => ((await input.inputValue()) === value ? true : undefined));
  }
  await input.press('Enter');
  // the next question (or none) replaces this one
  await page
    .locator(QUICK_TITLE, { hasText: title })
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => undefined);
}

/** Picks the item `label` of the quick pick titled `title`. */
export async function answerPick(page: Page, title: string | RegExp, label: string): Promise<void> {
  await waitQuestion(page, title);
  await page
    .locator('.quick-input-widget:not([style*="display: none"]) .quick-input-list .monaco-list-row', { hasText: label })
    .first()
    .click();
}

/**
 * Answers code-server's file dialog titled `title` with `file`. Types only once the dialog has
 * settled (its folder listed, its value unchanged), since a late completion rewrites the typed path;
 * types again if it did. With `overwrite`, the dialog's "already exists" question is accepted too.
 */
export async function answerFileDialog(page: Page, title: string, file: string, overwrite = false): Promise<void> {
  await waitQuestion(page, title);
  const input = page.locator(QUICK_INPUT).first();
  // the dialog fills in its folder, then lists it and completes the name: wait until that settles
  const settled = async (): Promise<string> => {
    let last = '';
    let since = Date.now();
    return until('the file dialog settling', 15_000, async () => {
      const now = await input.inputValue();
      const listed = await page.locator('.quick-input-widget:not([style*="display: none"]) .quick-input-list .monaco-list-row').count();
      if (now !== last || now === '' || listed === 0) {
        last = now;
        since = Date.now();
        return undefined;
      }
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
export async function answerDagrOn(page: Page): Promise<void> {
  await answerPick(page, 'Regularizer', 'DAGR on');
  await answerInput(page, /^λ/);
  await answerInput(page, /^τ/);
  await answerReview(page);
}

/** The last question of every fine-tuning set-up: the list of every setting, Start focused first. */
export async function answerReview(page: Page): Promise<void> {
  await waitQuestion(page, /^Every setting/);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Start training' }).first().waitFor({ timeout: 10_000 });
  await page.locator(QUICK_INPUT).first().press('Enter');
}

/**
 * Selects the Explorer rows `names` (one, or several with Ctrl) and runs the item `item` of their
 * context menu (e.g. 'Open Run…'). The Explorer may still be settling when a window opens, and a
 * file opened by the first click can take the focus before Ctrl+click lands: the selection is
 * checked, and a menu without the item is closed and the whole gesture asked again.
 */
export async function explorerMenu(page: Page, names: string | readonly string[], item: string): Promise<void> {
  const list = typeof names === 'string' ? [names] : [...names];
  const row = (name: string): Locator => page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  const last = list[list.length - 1] ?? '';
  await until(`'${item}' in the Explorer's menu on ${list.join(' + ')}`, 90_000, async () => {
    if (list.length > 1) {
      await row(list[0] ?? '').click({ timeout: 10_000 });
      for (const name of list.slice(1)) await row(name).click({ modifiers: ['Control'], timeout: 10_000 });
      for (const name of list) if ((await row(name).getAttribute('aria-selected')) !== 'true') return undefined;
    }
    await row(last).click({ button: 'right', timeout: 10_000 });
    const menuItem = page.getByRole('menuitem', { name: item });
    const shown = await menuItem.waitFor({ timeout: 8_000 }).then(
      () => true,
      () => false,
    );
    if (!shown) {
      await page.keyboard.press('Escape');
      return undefined;
    }
    // VS Code's menu reacts to its own key handling more reliably than to a synthetic click
    await menuItem.hover();
    await page.keyboard.press('Enter');
    return true;
  });
}

/** The number of data points a chart of the view in `frame` holds (its test hook). */
export async function chartPoints(frame: Frame, chart: string): Promise<number> {
  return Number((await frame.getAttribute(`canvas[data-chart="${chart}"]`, 'data-points').catch(() => null)) ?? NaN);
}

/** Polls `probe` until it returns a value (not undefined); fails with `what` and the last seen text. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  seen: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms${seen() ? `; last seen: ${seen()}` : ''}`);
    await sleep(300);
  }
}

/** The Settings UI searched for one setting: the input box of the setting titled `title`. */
export async function openSetting(page: Page, id: string, title: string): Promise<Locator> {
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

/** Reloads the window (Developer: Reload Window) and waits for the workbench to be back. */
export async function reloadWindow(page: Page): Promise<void> {
  await palette(page, 'Developer: Reload Window');
  await sleep(3000);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
}

/** A run folder's summary.json. */
export function readSummary(runDir: string): RunSummary {
  return JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
}

/** `dagr <args> --json` from this checkout (bin/dagr.js), parsed: the numbers a view must show. */
export function dagrJson<T>(args: string[]): T {
  return JSON.parse(run(process.execPath, [join(REPO, 'bin', 'dagr.js'), ...args, '--json'])) as T;
}

/** Starts DAGR: Start Fine-Tuning on `dataset` from the palette, picking the file in the dialog. */
export async function fineTuneFromPalette(page: Page, dataset: string): Promise<void> {
  await palette(page, 'DAGR: Start Fine-Tuning');
  await typeIntoDialog(page, dataset); // the file
}

/** Starts it from the Explorer's context menu on the dataset (`folder/file` in the workspace): no dialog. */
export async function fineTuneFromExplorer(page: Page, folder: string, file: string): Promise<void> {
  const row = (name: string): Locator => page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  if ((await row(file).count()) === 0) await row(folder).click();
  await explorerMenu(page, file, 'Start Fine-Tuning…');
}

/**
 * Answers the rest of Start Fine-Tuning (DAGR on, default λ and τ) once `start` has chosen the
 * dataset; returns the new panel's frame once its first epoch is shown.
 */
export async function fineTune(page: Page, start: () => Promise<void>): Promise<Frame> {
  await start();
  // Enter goes to the picker's own input once "DAGR on" is the focused row (as runCommand does):
  // a page-level Enter pressed while the picker was still taking focus was lost in a CI run
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'DAGR on' }).first().waitFor({ timeout: 30_000 });
  await page.locator(QUICK_INPUT).first().press('Enter'); // DAGR on
  await sleep(500);
  await page.keyboard.press('Enter'); // λ (default)
  await sleep(500);
  await page.keyboard.press('Enter'); // τ (default)
  await answerReview(page); // every setting shown: Start
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

/** One code-server and the browser page that shows it. */
export interface Workbench {
  server: Server;
  browser: Browser;
  page: Page;
  /** the browser console's errors so far (CSP violations show up here) */
  consoleErrors: string[];
}

/**
 * Starts code-server on `workspace` with `profile` (see harness.ts makeProfile / installVsix), opens
 * it in Debian's Chromium and waits until the workbench is shown and the extension host had time to
 * start. Stops what it started if any of that fails.
 */
export async function openWorkbench(profile: Profile, workspace: string): Promise<Workbench> {
  const server = await startCodeServer(profile, workspace);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(server.url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await sleep(4000); // let the extension host start
    return { server, browser, page, consoleErrors };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await stopCodeServer(server);
    throw e;
  }
}

/**
 * What a person would have seen, and code-server's and VS Code's logs, written under OUT (with
 * `prefix` before each name) for a failure report.
 */
export async function saveFailure(wb: Workbench | undefined, profile: Profile, prefix = ''): Promise<void> {
  await wb?.page.screenshot({ path: join(OUT, `${prefix}failure.png`) }).catch(() => undefined);
  if (wb) writeFileSync(join(OUT, `${prefix}code-server.log`), wb.server.logs.join(''));
  writeFileSync(join(OUT, `${prefix}browser-console.log`), (wb?.consoleErrors ?? []).join('\n'));
  cpSync(join(profile.userDataDir, 'logs'), join(OUT, `${prefix}vscode-logs`), { recursive: true });
}

/** Closes the browser and stops code-server (its process group, so the compute process goes too). */
export async function closeWorkbench(wb: Workbench | undefined): Promise<void> {
  await wb?.browser.close().catch(() => undefined);
  if (wb) await stopCodeServer(wb.server);
}

/**
 * Named steps of one story in one session: `step(name, body)` runs `body` as a subtest called
 * `name`. Steps build on each other, so after the first failure `onFailure` runs once (the
 * screenshot and logs of the moment it failed) and the later steps are skipped, naming the failed
 * one. The returned `failed()` tells the caller whether the story failed (the parent test fails too).
 */
export function story(
  t: TestContext,
  onFailure: (e: unknown) => Promise<void>,
): {
  step: (name: string, body: (st: TestContext) => Promise<void>) => Promise<void>;
  failed: () => string | undefined;
} {
  let failedStep: string | undefined;
  const step = async (name: string, body: (st: TestContext) => Promise<void>): Promise<void> => {
    await t.test(name, async (st) => {
      if (failedStep !== undefined) {
        st.skip(`an earlier step failed: ${failedStep}`);
        return;
      }
      try {
        await body(st);
      } catch (e) {
        failedStep = name;
        await onFailure(e).catch(() => undefined);
        throw e;
      }
    });
  };
  return { step, failed: () => failedStep };
}
