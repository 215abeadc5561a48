/**
 * A Problems entry's link in Chromium: the report scrolls to the card its warning is about (the
 * modality's, the pair's, else the Warnings card), which takes the focus and is outlined; a request
 * that comes while the view is still computing waits for the report.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumMissing, closeClean, fixture, init, js, openWebview, suiteBrowser, waitJs } from './harness';

const missing = chromiumMissing();

void describe('Geometry webview: reveal a warning', { skip: missing ?? false }, () => {
  const browser = suiteBrowser();

  void it("scrolls to the modality's or the pair's card, focuses and outlines it", async () => {
    // a short window, so the cards below the first screen need a scroll
    const s = await openWebview(browser(), { width: 900 });
    await init(s, fixture('report'));
    await js<void>(s.page, 'window.scrollTo(0, 0)');
    for (const [place, id] of [
      [{ code: 'excess-drift', pair: 'audio/visual' }, 'pair-audio-visual'],
      [{ code: 'dimensional-collapse', modality: 'visual' }, 'modality-visual'],
      [{ code: 'no-such-code' }, 'warnings'],
    ] as const) {
      await s.send({ type: 'reveal', place });
      await waitJs(s.page, `document.activeElement?.id === ${JSON.stringify(id)}`);
      assert.equal(await js<boolean>(s.page, `document.getElementById(${JSON.stringify(id)}).classList.contains('revealed')`), true, id);
      // its top is on screen
      const top = await js<number>(s.page, `document.getElementById(${JSON.stringify(id)}).getBoundingClientRect().top`);
      assert.ok(top >= -1 && top < (await js<number>(s.page, 'window.innerHeight')), `${id} top at ${top}`);
    }
    const pairTop = await js<number>(s.page, 'document.getElementById("pair-audio-visual").offsetTop');
    assert.ok(pairTop > (await js<number>(s.page, 'window.innerHeight')), 'the pair card starts below the first screen');
    await closeClean(s, 'reveal');
  });

  void it('a request before the report is drawn waits for it', async () => {
    const s = await openWebview(browser(), { width: 900 });
    await waitJs(s.page, "window.__posted.some((m) => m.type === 'ready')");
    await s.send({ type: 'busy', message: 'Computing…' });
    await s.send({ type: 'reveal', place: { code: 'excess-drift', pair: 'audio/visual' } });
    await init(s, fixture('report'));
    await waitJs(s.page, "document.activeElement?.id === 'pair-audio-visual'");
    await closeClean(s, 'reveal before the report');
  });
});
