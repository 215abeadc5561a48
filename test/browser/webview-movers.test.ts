/**
 * Movers in the run view in Chromium (issue 12): pick two epochs (the last two by default), Find
 * movers posts the two checkpoint files, and the answer draws the overlap histogram and the most
 * and least changed rows, as in the compare view; the compare view asks for its own two.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MoverRow } from '../../src/protocol/neighbors';
import { chromiumMissing, closeClean, fixture, init, js, openWebview, suiteBrowser, waitJs } from './harness';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') {
  void it('chromium is installed', () => assert.fail(`${missing}; the browser tests cannot run`));
}

void describe('run view: movers between two epochs', { skip: missing ?? false }, () => {
  const browser = suiteBrowser();

  void it('posts the two picked checkpoint files and shows the answer', async () => {
    const view = fixture('run');
    if (view.kind !== 'run') return assert.fail('run fixture');
    const files = view.run.checkpoints.map((c) => c.file);
    const s = await openWebview(browser());
    await init(s, view);
    // the last two by default
    assert.equal(await s.page.inputValue('#movers-a'), String(files.length - 2));
    assert.equal(await s.page.inputValue('#movers-b'), String(files.length - 1));
    const label = await js<string>(s.page, "document.querySelector('#movers-a option').textContent");
    assert.match(label, /^epoch 1 · epoch-001\.safetensors$/);

    // the same checkpoint twice: said in the status, nothing asked
    await s.page.selectOption('#movers-a', '3');
    await s.page.selectOption('#movers-b', '3');
    await s.page.click('#movers-find');
    await waitJs(s.page, "document.getElementById('movers-status').textContent.includes('two different')");
    assert.ok(!(await s.posted()).some((m) => m.type === 'movers'));

    await s.page.selectOption('#movers-a', '1');
    await s.page.selectOption('#movers-b', '6');
    await s.page.fill('#movers-k', '7');
    await s.page.click('#movers-find');
    await waitJs(s.page, "window.__posted.some((m) => m.type === 'movers')");
    const ask = (await s.posted()).find((m) => m.type === 'movers');
    assert.deepEqual(ask, { type: 'movers', k: 7, a: files[1], b: files[6] });

    const rows: MoverRow[] = [0, 1, 2, 3].map((r) => ({ row: r, jaccard: r / 4, label: r % 2, modality: 'audio' }));
    await s.send({
      type: 'moversResult',
      movers: rows,
      summary: [
        {
          modality: 'audio',
          k: 7,
          rows: 4,
          sampled: false,
          meanJaccard: 0.375,
          histogram: {
            edges: Array.from({ length: 21 }, (_, i) => i / 20),
            counts: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0],
          },
          mostChanged: rows,
          leastChanged: [...rows].reverse(),
          note: '',
        },
      ],
    });
    await waitJs(s.page, "document.querySelectorAll('#movers-most-audio tbody tr').length === 4");
    assert.equal(await s.page.getAttribute('#movers-results canvas', 'data-points'), '20');
    assert.match((await s.page.textContent('#movers-status')) ?? '', /'audio': mean overlap 0\.375 over 4 rows/);
    assert.equal(await s.page.isDisabled('#movers-save-csv'), false);
    await closeClean(s, 'run movers');
  });

  void it('the compare view asks for its own two checkpoints (no files named)', async () => {
    const view = fixture('compare');
    const s = await openWebview(browser());
    await init(s, view);
    assert.equal(await s.page.$('#movers-a'), null, 'no checkpoint pickers in the compare view');
    await s.page.click('#movers-find');
    await waitJs(s.page, "window.__posted.some((m) => m.type === 'movers')");
    assert.deepEqual(
      (await s.posted()).find((m) => m.type === 'movers'),
      { type: 'movers', k: 10 },
    );
    await closeClean(s, 'compare movers');
  });
});
