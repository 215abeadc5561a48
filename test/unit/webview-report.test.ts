import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ViewModel } from '../../src/protocol/webview';
import { findAssetRoot, jsonForScript, renderStandaloneHtml } from '../../src/report';

const view = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'views', 'report.json'), 'utf8')) as ViewModel;

/** A fake asset root: the test checks inlining and escaping, not the real bundle. */
const root = mkdtempSync(join(tmpdir(), 'dagr-report-'));
mkdirSync(join(root, 'dist'));
mkdirSync(join(root, 'media'));
writeFileSync(join(root, 'dist', 'webview.js'), 'console.log("</script>"); window.BUNDLE = 1;\n//# sourceMappingURL=webview.js.map\n');
writeFileSync(join(root, 'media', 'webview.css'), 'body { color: red; } /* </style> */\n');
after(() => rmSync(root, { recursive: true, force: true }));

void describe('renderStandaloneHtml', () => {
  void it('inlines the bundle and CSS under a nonce CSP that allows no origin', async () => {
    const html = await renderStandaloneHtml(view, { assetRoot: root });
    const csp = /content="([^"]+)"/.exec(html)?.[1]?.replace(/&#39;/g, "'") ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? '';
    assert.ok(nonce.length >= 16);
    assert.equal(csp, `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';`);
    const tags = html.match(/<(script|style|link)\b[^>]*>/g) ?? [];
    assert.equal(tags.length, 3);
    for (const t of tags) assert.ok(t.includes(`nonce="${nonce}"`), t);
    assert.match(html, /window\.BUNDLE = 1/);
    assert.match(html, /body \{ color: red; \}/);
    assert.doesNotMatch(html, /sourceMappingURL/);
    assert.doesNotMatch(html, /<link|src="|href="/);
  });

  void it('no inline text closes its element early', async () => {
    const html = await renderStandaloneHtml(view, { assetRoot: root });
    assert.equal(html.match(/<\/script>/gi)?.length, 2);
    assert.equal(html.match(/<\/style>/gi)?.length, 1);
  });

  void it('embeds the view as JSON that parses back to the same value', async () => {
    const tricky: ViewModel = JSON.parse(JSON.stringify(view)) as ViewModel;
    if (tricky.kind !== 'report') throw new Error('fixture');
    tricky.report.source = '/data/</script><script>alert(1)</script>\u2028\u2029<!--&.npy';
    const html = await renderStandaloneHtml(tricky, { assetRoot: root, title: 'T <b>' });
    const json = /<script type="application\/json" id="dagr-data" nonce="[^"]+">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    assert.deepEqual(JSON.parse(json), tricky);
    assert.doesNotMatch(json, /[<>\u2028\u2029]/);
    assert.match(html, /<title>T &lt;b&gt;<\/title>/);
  });

  void it('jsonForScript escapes only by JSON-preserving \\u sequences', () => {
    const v = { s: '</script><!-- & \u2028 \u2029 >' };
    const out = jsonForScript(v);
    assert.doesNotMatch(out, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(out), v);
  });

  void it('names the missing bundle plainly', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dagr-empty-'));
    try {
      await assert.rejects(renderStandaloneHtml(view, { assetRoot: empty }), /dist\/webview\.js not found: run `npm run build`/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  void it('findAssetRoot walks up from dist/ (bundled) or src/report/ (tsx)', () => {
    mkdirSync(join(root, 'src', 'report'), { recursive: true });
    assert.equal(findAssetRoot([join(root, 'src', 'report')]), root);
    assert.equal(findAssetRoot([join(root, 'dist')]), root);
    assert.equal(findAssetRoot([tmpdir()]), undefined);
  });
});
