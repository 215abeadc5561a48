/**
 * End to end in a real VS Code (code-server 4.100.3 = VS Code 1.100.3) driven by Debian's
 * Chromium: the packaged .vsix opens the collapsed example from Quick Open, shows the same
 * effective rank as `dagr inspect --json`, puts its warning in the Problems panel, cancels a
 * long job while the editor stays responsive, and screenshots the view in a dark and a light theme.
 * Skips (with a message) when code-server cannot be installed, unless CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Frame, Page } from 'playwright-core';
import { writeSafetensors } from '../../src/io';
import type { GeometryReport } from '../../src/protocol/report';
import { REPO, installCodeServer, installVsix, makeProfile, run, startCodeServer, stopCodeServer, writeUserSettings } from './harness';
import type { Server } from './harness';

const OUT = join(REPO, 'test-output');
const SHOTS = join(REPO, 'docs', 'screenshots');
const DARK = 'Default Dark Modern';
const LIGHT = 'Default Light Modern';
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

async function palette(page: Page, command: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10_000 });
  await page.keyboard.type(command);
  await sleep(400);
  await page.keyboard.press('Enter');
}

async function quickOpen(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10_000 });
  await page.keyboard.type(text);
  // wait for the file search to list it before accepting
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${text.split('/').pop() ?? text}"]`, { timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/** A big checkpoint whose O(N²) metrics take minutes: the job to cancel. */
async function writeBigCheckpoint(file: string): Promise<void> {
  const n = 120_000;
  const d = 64;
  let s = 12345;
  const rand = (): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296 - 0.5; };
  const make = (): Float32Array => { const a = new Float32Array(n * d); for (let i = 0; i < a.length; i++) a[i] = rand(); return a; };
  await writeSafetensors(file, [
    { name: 'audio', dtype: 'float32', shape: [n, d], data: make() },
    { name: 'visual', dtype: 'float32', shape: [n, d], data: make() },
  ]);
}

void test('DAGR Lens in a real VS Code', { timeout: 6 * 60_000 }, async (t) => {
  const started = Date.now();
  const problem = installCodeServer();
  if (problem) {
    if (process.env.CI === 'true') assert.fail(`code-server is required in CI: ${problem}`);
    t.skip(`code-server not available: ${problem}`);
    return;
  }
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });

  run('npm', ['run', 'package'], { timeoutMs: 240_000 });
  const vsix = join(REPO, 'build', 'dagr-lens.vsix');
  const expected = JSON.parse(run(process.execPath, [join(REPO, 'bin', 'dagr.js'), 'inspect', join(REPO, 'examples', 'collapsed.safetensors'), '--json'])) as GeometryReport;

  const tmp = mkdtempSync(join(tmpdir(), 'dagr-e2e-'));
  // all of the O(N²) work on the big file, so that job is long enough to cancel
  const baseSettings = { 'workbench.colorTheme': DARK, 'dagr.maxPairwiseRows': 0, 'window.autoDetectColorScheme': false };
  const profile = makeProfile(tmp, baseSettings);
  installVsix(profile, vsix);
  const big = join(tmp, 'big', 'big.safetensors');
  mkdirSync(join(tmp, 'big'));
  await writeBigCheckpoint(big);

  let server: Server | undefined;
  let browser: Browser | undefined;
  try {
    server = await startCodeServer(profile, join(REPO, 'examples'));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    await page.goto(server.url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await sleep(4000); // let the extension host start

    // 1. Quick Open the collapsed example: the geometry editor is its default editor
    await quickOpen(page, 'collapsed.safetensors');
    for (const [name, m] of Object.entries(expected.modalities)) {
      const { text } = await findInFrames(page, `#effective-rank-${name}`, 90_000);
      assert.equal(text.match(/-?\d+(\.\d+)?/)?.[0], m.effectiveRank.toFixed(2), `effective rank of ${name} shown in the view`);
    }
    await sleep(1500); // charts finish drawing
    await page.screenshot({ path: join(OUT, 'geometry-dark.png') });
    copyFileSync(join(OUT, 'geometry-dark.png'), join(SHOTS, 'geometry-dark.png'));

    // 2. the warning is in the Problems panel
    assert.ok(expected.warnings.length > 0, 'the collapsed example has warnings');
    await page.keyboard.press('Control+Shift+M');
    const markers = page.locator('.markers-panel');
    await markers.waitFor({ timeout: 15_000 });
    const first = expected.warnings[0];
    assert.ok(first);
    // string expressions: this file is compiled without the DOM library
    await page.waitForFunction(`(document.querySelector('.markers-panel')?.textContent ?? '').includes(${JSON.stringify(first.message.slice(0, 40))})`,
      undefined, { timeout: 20_000 });
    await page.screenshot({ path: join(OUT, 'problems.png') });
    await page.keyboard.press('Control+Shift+M'); // toggle the panel closed again

    // 3. light theme: VS Code picks up the settings file change live
    writeUserSettings(profile, { ...baseSettings, 'workbench.colorTheme': LIGHT });
    await page.waitForFunction(`document.querySelector('.monaco-workbench')?.classList.contains('vs') === true`, undefined, { timeout: 20_000 });
    await sleep(2500); // the webview re-reads the theme variables and redraws
    await findInFrames(page, '#effective-rank-visual', 20_000);
    await page.screenshot({ path: join(OUT, 'geometry-light.png') });
    copyFileSync(join(OUT, 'geometry-light.png'), join(SHOTS, 'geometry-light.png'));
    writeUserSettings(profile, baseSettings);

    // 4. a long job, cancelled from its progress notification
    await quickOpen(page, big);
    const toast = page.locator('.notification-toast', { hasText: 'DAGR: inspecting big.safetensors' });
    await toast.waitFor({ timeout: 30_000 });
    await sleep(3000);
    await toast.hover();
    await toast.getByRole('button', { name: 'Cancel' }).click();
    await toast.waitFor({ state: 'detached', timeout: 15_000 });
    await findInFrames(page, 'body :text("Cancelled")', 15_000).catch(() => undefined);
    await page.screenshot({ path: join(OUT, 'cancelled.png') });

    // responsive: the palette opens, and a new job runs promptly (the cancelled one is not hogging the process)
    const t0 = Date.now();
    await quickOpen(page, 'healthy.safetensors');
    const healthy = JSON.parse(run(process.execPath, [join(REPO, 'bin', 'dagr.js'), 'inspect', join(REPO, 'examples', 'healthy.safetensors'), '--json'])) as GeometryReport;
    const { text } = await findInFrames(page, '#effective-rank-audio', 60_000);
    assert.equal(text.match(/-?\d+(\.\d+)?/)?.[0], healthy.modalities.audio?.effectiveRank.toFixed(2));
    t.diagnostic(`after cancel, the next report took ${Date.now() - t0} ms`);
    assert.ok(Date.now() - t0 < 45_000, 'a job after a cancel runs promptly');
    await palette(page, 'DAGR: Show Engine Info');
    await page.locator('.notification-toast', { hasText: 'DAGR engine:' }).waitFor({ timeout: 60_000 });
    const engineLine = (await page.locator('.notification-toast', { hasText: 'DAGR engine:' }).first().textContent()) ?? '';
    t.diagnostic(`engine: ${engineLine.trim()}`);
    await page.screenshot({ path: join(OUT, 'engine-info.png') });

    const csp = consoleErrors.filter((e) => /Content Security Policy/i.test(e));
    assert.deepEqual(csp, [], 'no CSP violations');
    t.diagnostic(`e2e took ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) await stopCodeServer(server);
    rmSync(tmp, { recursive: true, force: true });
  }
});
