import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCsp, buildWebviewHtml, escapeHtml, makeNonce } from '../../src/shared/webviewHtml';

const opts = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: makeNonce(),
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/webview.css',
  title: 'Geometry <epoch-1.safetensors>',
};

function cspOf(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(m, 'CSP meta tag present');
  return (m[1] ?? '').replace(/&#39;/g, "'");
}

void describe('buildWebviewHtml', () => {
  void it('has a strict CSP: nothing by default, scripts only by nonce, no unsafe-*', () => {
    const csp = cspOf(buildWebviewHtml(opts));
    const dirs = new Map(
      csp
        .split(';')
        .map((d) => d.trim())
        .filter((d) => d)
        .map((d) => {
          const [name, ...vals] = d.split(/\s+/);
          return [name ?? '', vals] as const;
        }),
    );
    assert.deepEqual(dirs.get('default-src'), ["'none'"]);
    assert.deepEqual(dirs.get('script-src'), [`'nonce-${opts.nonce}'`]);
    assert.deepEqual(dirs.get('style-src'), [opts.cspSource, `'nonce-${opts.nonce}'`]);
    assert.deepEqual(dirs.get('img-src'), [opts.cspSource, 'data:']);
    assert.deepEqual(dirs.get('font-src'), [opts.cspSource]);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(csp.replace(opts.cspSource, ''), /\*/);
  });

  void it('puts the nonce on every script and stylesheet', () => {
    const html = buildWebviewHtml(opts);
    const tags = html.match(/<(script|link|style)\b[^>]*>/g) ?? [];
    assert.ok(tags.length >= 2);
    for (const t of tags) assert.ok(t.includes(`nonce="${opts.nonce}"`), `no nonce on ${t}`);
  });

  void it('loads nothing from the network: only the given webview URIs', () => {
    const html = buildWebviewHtml(opts);
    const urls = html.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
    for (const u of urls) assert.ok(u.startsWith(opts.cspSource), `unexpected URL ${u}`);
    const local = buildWebviewHtml({
      ...opts,
      cspSource: 'vscode-webview://abc',
      scriptUri: 'vscode-webview://abc/w.js',
      styleUri: 'vscode-webview://abc/s.css',
    });
    assert.doesNotMatch(local, /https?:\/\//);
  });

  void it('escapes the title and has the app root and no inline style attributes', () => {
    const html = buildWebviewHtml(opts);
    assert.match(html, /<title>Geometry &lt;epoch-1\.safetensors&gt;<\/title>/);
    assert.match(html, /<main id="app"/);
    assert.doesNotMatch(html, /\sstyle="/);
  });

  void it('refuses a nonce or source that would break out of the policy', () => {
    assert.throws(() => buildWebviewHtml({ ...opts, nonce: "abc'; script-src *" }), /nonce/);
    assert.throws(() => buildWebviewHtml({ ...opts, cspSource: "x; script-src 'unsafe-inline'" }), /source/);
  });

  void it('buildCsp without a source (the standalone export) allows no origin at all', () => {
    const csp = buildCsp(undefined, opts.nonce);
    assert.equal(csp, `default-src 'none'; img-src data:; style-src 'nonce-${opts.nonce}'; script-src 'nonce-${opts.nonce}';`);
  });

  void it('escapeHtml covers the five HTML metacharacters', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

void describe('makeNonce', () => {
  void it('is 128 bits of base64, different every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const n = makeNonce();
      assert.match(n, /^[A-Za-z0-9+/]{22}$/);
      assert.equal(Buffer.from(n, 'base64').length, 16);
      seen.add(n);
    }
    assert.equal(seen.size, 1000);
  });

  void it('uses the whole alphabet (not a counter or a short charset)', () => {
    const chars = new Set([...Array.from({ length: 200 }, makeNonce).join('')]);
    assert.ok(chars.size > 55, `only ${chars.size} distinct characters`);
  });
});
