/**
 * The standalone HTML report: one file with the webview bundle and CSS inlined under a nonce CSP
 * and the ViewModel embedded as JSON. Opens from disk in any browser with no network access.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ViewModel } from '../protocol/webview';
import { buildCsp, htmlPage, makeNonce } from '../shared/webviewHtml';

export interface StandaloneOptions {
  title?: string;
  /** a folder holding dist/webview.js and media/; found automatically when omitted */
  assetRoot?: string;
}

/**
 * The folder holding dist/webview.js and media/. When bundled, __dirname is dist/; under tsx it
 * is src/report/; so walk up a few levels from there (and from the working directory).
 */
export function findAssetRoot(start: string[] = [__dirname, process.cwd()]): string | undefined {
  for (const s of start) {
    let d = resolve(s);
    for (let i = 0; i < 5; i++) {
      if (existsSync(join(d, 'dist', 'webview.js')) && existsSync(join(d, 'media'))) return d;
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  return undefined;
}

/**
 * JSON inside <script type="application/json">: "</script" or "<!--" would end or confuse the
 * element, and U+2028/2029 are line terminators to older JS parsers; escaping them as \uXXXX
 * keeps the text valid JSON that parses to the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inline script/style text must not close its own element. */
function safeInline(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');
}

function titleOf(view: ViewModel): string {
  const base = (p: string): string =>
    p
      .split(/[\\/]/)
      .filter((x) => x)
      .pop() ?? p;
  switch (view.kind) {
    case 'report':
      return `DAGR Lens · ${base(view.report.source)}`;
    case 'run':
      return `DAGR Lens · run ${base(view.run.source)}`;
    case 'compare':
      return `DAGR Lens · ${base(view.compare.a.source)} vs ${base(view.compare.b.source)}`;
    case 'training':
      return `DAGR Lens · fine-tuning ${base(view.runDir)}`;
    case 'sweep':
      return 'DAGR Lens · sweep';
    case 'weights':
      return `DAGR Lens · weights of ${base(view.table.file)}`;
    case 'weightsCompare':
      return `DAGR Lens · ${base(view.compare.a)} vs ${base(view.compare.b)} (weights)`;
  }
}

export async function renderStandaloneHtml(view: ViewModel, opts: StandaloneOptions = {}): Promise<string> {
  const root = opts.assetRoot ?? findAssetRoot();
  if (!root || !existsSync(join(root, 'dist', 'webview.js'))) {
    throw new Error('dist/webview.js not found: run `npm run build` first');
  }
  const script = await readFile(join(root, 'dist', 'webview.js'), 'utf8');
  const cssFiles = (await readdir(join(root, 'media'))).filter((f) => f.endsWith('.css')).sort();
  const css = (await Promise.all(cssFiles.map((f) => readFile(join(root, 'media', f), 'utf8')))).join('\n');
  const nonce = makeNonce();
  // the source map comment would make devtools fetch a file that is not there
  const code = script.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  return htmlPage({
    // no cspSource: nothing is loaded from any origin, images only as data: URIs
    csp: buildCsp(undefined, nonce),
    title: opts.title ?? titleOf(view),
    head: ['<meta name="generator" content="DAGR Lens">', `<style nonce="${nonce}">`, safeInline(css, 'style'), '</style>'],
    body: [
      '<main id="app" aria-live="polite"></main>',
      `<script type="application/json" id="dagr-data" nonce="${nonce}">${jsonForScript(view)}</script>`,
      `<script nonce="${nonce}">`,
      safeInline(code, 'script'),
      '</script>',
    ],
  });
}
