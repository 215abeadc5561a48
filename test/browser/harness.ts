/**
 * Loads the webview bundle in Debian's Chromium (playwright-core, never a downloaded browser)
 * the way VS Code does: the page comes from buildWebviewHtml with its CSP, acquireVsCodeApi is a
 * stub that records posted messages, and the theme variables are set on <html> like VS Code.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildWebviewHtml, makeNonce } from '../../src/shared/webviewHtml';
import type { ViewModel } from '../../src/protocol/webview';

export const ROOT = resolve(__dirname, '..', '..');
export const OUT_DIR = join(ROOT, 'test-output');
/** Debian's chromium; DAGR_CHROMIUM points elsewhere (the test of the missing-browser path uses it) */
export const CHROMIUM = process.env.DAGR_CHROMIUM ?? '/usr/bin/chromium';
const ORIGIN = 'http://webview.test';

export function fixture(name: string): ViewModel {
  return JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'views', `${name}.json`), 'utf8')) as ViewModel;
}

/** Same options as scripts/build.mjs, so the test sees what ships. */
export async function buildBundle(): Promise<void> {
  await esbuild.build({
    entryPoints: [join(ROOT, 'webview', 'main.ts')],
    outfile: join(ROOT, 'dist', 'webview.js'),
    bundle: true,
    sourcemap: true,
    target: 'es2022',
    platform: 'browser',
    format: 'iife',
    logLevel: 'warning',
  });
  mkdirSync(OUT_DIR, { recursive: true });
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Inside a describe(): builds the bundle and starts Chromium once before the suite's tests and
 * closes it after them. The returned function gives the browser to the tests.
 */
export function suiteBrowser(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    await buildBundle();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium was not started');
    return browser;
  };
}

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium)`;
}

/**
 * Colors of VS Code's Dark+, Light+ and High Contrast themes, as VS Code sets them on <html>:
 * one row per variable with its value in each theme (the order of THEME_NAMES).
 */
const THEME_NAMES = ['vscode-dark', 'vscode-light', 'vscode-high-contrast'] as const;
const THEME_ROWS: [variable: string, dark: string, light: string, highContrast: string][] = [
  ['--vscode-editor-foreground', '#cccccc', '#3b3b3b', '#ffffff'],
  ['--vscode-editor-background', '#1f1f1f', '#ffffff', '#000000'],
  ['--vscode-descriptionForeground', '#9d9d9d', '#616161', '#ffffff'],
  ['--vscode-editorWidget-background', '#202020', '#f8f8f8', '#0c141f'],
  ['--vscode-widget-border', '#313131', '#e5e5e5', ''],
  ['--vscode-contrastBorder', '', '', '#6fc3df'],
  ['--vscode-focusBorder', '#0078d4', '#005fb8', '#f38518'],
  ['--vscode-errorForeground', '#f85149', '#f85149', '#f48771'],
  ['--vscode-editorWarning-foreground', '#cca700', '#bf8803', '#ffd370'],
  ['--vscode-charts-blue', '#3794ff', '#1a85ff', '#3794ff'],
  ['--vscode-charts-red', '#f14c4c', '#e51400', '#f14c4c'],
  ['--vscode-charts-green', '#89d185', '#388a34', '#89d185'],
  ['--vscode-charts-yellow', '#cca700', '#bf8803', '#ffd370'],
  ['--vscode-charts-orange', '#d18616', '#d18616', '#d18616'],
  ['--vscode-charts-purple', '#b180d7', '#652d90', '#b180d7'],
  ['--vscode-button-background', '#0078d4', '#005fb8', '#000000'],
  ['--vscode-button-foreground', '#ffffff', '#ffffff', '#ffffff'],
  ['--vscode-input-background', '#313131', '#ffffff', '#000000'],
  ['--vscode-input-foreground', '#cccccc', '#3b3b3b', '#ffffff'],
  ['--vscode-font-family', 'system-ui, sans-serif', 'system-ui, sans-serif', 'system-ui, sans-serif'],
  ['--vscode-font-size', '13px', '13px', '13px'],
];
/** Per theme, the variables it sets (an empty cell above: that theme leaves the variable unset). */
export const THEMES = Object.fromEntries(
  THEME_NAMES.map((name, i) => [name, Object.fromEntries(THEME_ROWS.flatMap((row) => (row[i + 1] ? [[row[0], row[i + 1]]] : [])))]),
) as Record<(typeof THEME_NAMES)[number], Record<string, string>>;
export type ThemeName = (typeof THEME_NAMES)[number];

export interface Session {
  page: Page;
  /** console errors, page errors, CSP violations and blocked requests, as lines */
  problems: string[];
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  send(msg: unknown): Promise<void>;
  setTheme(t: ThemeName): Promise<void>;
  close(): Promise<void>;
}

/** Runs in the page before the bundle: the VS Code API stub, the CSP listener, the theme. */
const INIT_SCRIPT = `function (cfg) {
  window.__posted = [];
  window.__state = cfg.state;
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });
  window.acquireVsCodeApi = function () {
    return {
      postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
      getState: function () { return window.__state; },
      setState: function (s) { window.__state = JSON.parse(JSON.stringify(s)); },
    };
  };
  // VS Code sets the theme before the webview's scripts run: variables on <html>, class on <body>
  var apply = function () {
    var html = document.documentElement;
    if (html) Object.keys(cfg.vars).forEach(function (k) { html.style.setProperty(k, cfg.vars[k]); });
    if (document.body) { document.body.className = cfg.theme; return true; }
    return false;
  };
  if (!apply()) {
    var mo = new MutationObserver(function () { if (apply()) mo.disconnect(); });
    mo.observe(document, { childList: true, subtree: true });
  }
}`;

/**
 * Page-side code is passed as strings: the root tsconfig has no DOM types (on purpose), and
 * tsx's keepNames would inject a helper into serialized functions that the page does not have.
 */
export function js<T>(page: Page, expr: string): Promise<T> {
  return page.evaluate(expr) as Promise<T>;
}

/** Polls from Node: Playwright's waitForFunction(string) evals in the page, which the CSP blocks. */
export async function waitJs(page: Page, expr: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await page.evaluate(expr)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${expr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Opens the webview page as VS Code would, optionally with a state to restore. */
export async function openWebview(browser: Browser, opts: { theme?: ThemeName; state?: unknown; width?: number } = {}): Promise<Session> {
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1400, height: 900 }, deviceScaleFactor: 1 });
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const nonce = makeNonce();
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) {
      problems.push(`request outside the webview: ${url.href}`);
      return route.abort();
    }
    if (url.pathname === '/index.html') {
      return route.fulfill({
        contentType: 'text/html',
        body: buildWebviewHtml({
          cspSource: ORIGIN,
          nonce,
          scriptUri: `${ORIGIN}/dist/webview.js`,
          styleUri: `${ORIGIN}/media/webview.css`,
          title: 'Geometry',
        }),
      });
    }
    const file = join(ROOT, url.pathname);
    if (!file.startsWith(ROOT) || !existsSync(file)) return route.fulfill({ status: 404, body: '' });
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    return route.fulfill({ contentType: type, body: readFileSync(file) });
  });
  // a string, not a function: tsx's keepNames would inject a helper the page does not have
  await page.addInitScript(
    `(${INIT_SCRIPT})(${JSON.stringify({ state: opts.state, theme: opts.theme ?? 'vscode-dark', vars: THEMES[opts.theme ?? 'vscode-dark'] })});`,
  );
  await page.goto(`${ORIGIN}/index.html`);
  return {
    page,
    problems,
    posted: () => js<{ type: string; [k: string]: unknown }[]>(page, 'window.__posted'),
    send: (msg) => js<void>(page, `window.postMessage(${JSON.stringify(msg)}, '*')`),
    // what VS Code does on a theme change: new variables on <html>, new class on <body>
    setTheme: (t) =>
      js<void>(
        page,
        `(() => {
      const html = document.documentElement;
      for (const k of Array.from(html.style)) if (k.startsWith('--vscode-')) html.style.removeProperty(k);
      const vars = ${JSON.stringify(THEMES[t])};
      for (const k of Object.keys(vars)) html.style.setProperty(k, vars[k]);
      document.body.className = ${JSON.stringify(t)};
    })()`,
      ),
    close: async () => {
      // a page that cannot be asked (crashed, navigated away) is a problem, never "no violations"
      const csp = await js<string[]>(page, 'window.__csp').then(
        (list) => list.map((c) => `CSP violation: ${c}`),
        (e: unknown) => [`could not read the page's CSP violations: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`],
      );
      problems.push(...csp);
      await page.close();
    },
  };
}

export interface CanvasInfo {
  name: string;
  width: number;
  height: number;
  inked: number;
  points: number;
}

/** Every chart canvas: its size, how many pixels were drawn on it, and its data point count. */
export async function canvases(page: Page): Promise<CanvasInfo[]> {
  return js<CanvasInfo[]>(
    page,
    `Array.from(document.querySelectorAll('canvas[data-chart]')).map((c) => {
    // read a copy: repeated readbacks of the chart's own canvas make Chromium warn
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const ctx = copy.getContext('2d', { willReadFrequently: true });
    let inked = 0;
    if (ctx && c.width > 0 && c.height > 0) {
      ctx.drawImage(c, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) inked++;
    }
    return { name: c.dataset.chart || '', width: c.width, height: c.height, inked, points: Number(c.dataset.points || '0') };
  })`,
  );
}

/** Every chart has a size, data points and drawn pixels (a blank canvas is a defect). */
export async function assertChartsDrawn(s: Session, label: string, min: number): Promise<void> {
  const cs = await canvases(s.page);
  assert.ok(cs.length >= min, `${label}: expected at least ${min} charts, found ${cs.length}`);
  for (const c of cs) {
    assert.ok(c.width > 100 && c.height > 100, `${label}: chart ${c.name} is ${c.width}x${c.height}`);
    assert.ok(c.points > 0, `${label}: chart ${c.name} has no data points`);
    assert.ok(c.inked > 2000, `${label}: chart ${c.name} looks blank (${c.inked} drawn pixels)`);
  }
}

export async function init(s: Session, view: ViewModel): Promise<void> {
  await waitJs(s.page, "window.__posted.some((m) => m.type === 'ready')");
  const before = await js<number>(s.page, "Number(document.body.dataset.renders || '0')");
  await s.send({ type: 'init', view });
  await waitJs(s.page, `Number(document.body.dataset.renders || '0') > ${before}`);
}

export async function shot(s: Session, name: string): Promise<void> {
  await s.page.screenshot({ path: join(OUT_DIR, `webview-${name}.png`), fullPage: true });
}

export async function closeClean(s: Session, label: string): Promise<void> {
  await s.close();
  assert.deepEqual(s.problems, [], `${label}: console errors, CSP violations or outside requests`);
}
