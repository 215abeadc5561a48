/**
 * The Geometry webview's HTML with a strict Content-Security-Policy. Pure strings (no vscode
 * import) so it is unit-tested; the panel passes webview.cspSource and asWebviewUri() results.
 * Shared by the panels (src/panels/html.ts) and the HTML export (src/report/standalone.ts), so
 * neither imports the other for it.
 */
import { randomBytes } from 'node:crypto';

export interface WebviewHtmlOptions {
  /** webview.cspSource: the origin the webview may load the extension's own files from */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
}

/** 128 bits from the OS RNG, base64 without padding (valid in a CSP nonce-source). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64').replace(/=+$/, '');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A nonce-source value must be base64/base64url; anything else would break out of the policy. */
function checkNonce(nonce: string): void {
  if (!/^[A-Za-z0-9+/_-]{16,}={0,2}$/.test(nonce)) throw new Error('invalid CSP nonce');
}

/**
 * VS Code's webview.cspSource is a source list (e.g. "'self' https://*.vscode-cdn.net"). Each
 * token must be a quoted keyword or an unquoted host/scheme source; ';' or ',' would start a new
 * directive or policy, and any other quoted token could smuggle in 'unsafe-inline'.
 */
function checkSource(src: string): void {
  const tokens = src
    .trim()
    .split(/\s+/)
    .filter((t) => t.length > 0);
  const ok = tokens.length > 0 && tokens.every((t) => /^'(self|none)'$/.test(t) || /^[^;,'"\s]+$/.test(t));
  if (!ok) throw new Error(`invalid CSP source: ${src}`);
}

/**
 * The policy: nothing by default; the bundle and stylesheet only with the nonce (or, for the
 * stylesheet and fonts, from the extension's own origin); images from there or data: URIs.
 * Without a cspSource (the standalone export) nothing is loaded from any origin.
 */
export function buildCsp(cspSource: string | undefined, nonce: string): string {
  if (cspSource !== undefined) checkSource(cspSource);
  checkNonce(nonce);
  const src = cspSource === undefined ? '' : `${cspSource.trim().split(/\s+/).join(' ')} `;
  const parts = ["default-src 'none'", `img-src ${src}data:`, `style-src ${src}'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`];
  if (cspSource !== undefined) parts.push(`font-src ${src.trim()}`);
  return parts.join('; ') + ';';
}

/**
 * The page both the webview and the standalone export use: the policy first (before anything it
 * governs), then the caller's head and body markup. `head` and `body` are trusted markup built by
 * the callers from escaped parts; `csp` and `title` are escaped here.
 */
export function htmlPage(o: { csp: string; title: string; head: string[]; body: string[] }): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(o.csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(o.title)}</title>`,
    ...o.head,
    '</head>',
    '<body>',
    ...o.body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export function buildWebviewHtml(o: WebviewHtmlOptions): string {
  const n = escapeHtml(o.nonce);
  return htmlPage({
    csp: buildCsp(o.cspSource, o.nonce),
    title: o.title,
    head: [`<link rel="stylesheet" href="${escapeHtml(o.styleUri)}" nonce="${n}">`],
    body: ['<main id="app" aria-live="polite" aria-busy="true"></main>', `<script nonce="${n}" src="${escapeHtml(o.scriptUri)}"></script>`],
  });
}
