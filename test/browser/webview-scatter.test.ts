/**
 * The report scatter in Chromium (issue 12): with three projected modalities the selector shows
 * any two and the pick survives a reload through the saved state; a lasso drawn with the mouse
 * selects rows, a label selects from the keyboard, and Save posts the rows to the host's save
 * dialog (saveRows), asking the host for per-row metrics of the shown pair. Clicking a point with the lasso off still asks for its neighbours.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ViewModel } from '../../src/protocol/webview';
import { OUT_DIR, chromiumMissing, closeClean, fixture, init, js, openWebview, shot, suiteBrowser, waitJs } from './harness';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') {
  void it('chromium is installed', () => assert.fail(`${missing}; the browser tests cannot run`));
}

/** the report fixture with a third projected modality ('text', audio's points mirrored) and labels */
function threeModalities(): ViewModel {
  const v = fixture('report');
  if (v.kind !== 'report') throw new Error('report fixture');
  const r = structuredClone(v.report);
  const proj = r.projection;
  const audio = r.modalities.audio;
  if (!proj || !audio) throw new Error('report fixture without a projection');
  proj.points.text = (proj.points.audio ?? []).map((x) => -x);
  proj.labels = proj.rows.map((row) => row % 3);
  r.modalities.text = audio;
  r.labels = 'labels';
  // every projected row drawn, so the counts below are the sample's
  return { ...v, report: r, maxPointsPlotted: 3 * proj.rows.length };
}

interface Posted {
  type: string;
  columns?: string[];
  rows?: unknown[][];
  format?: string;
  modality?: string;
  row?: number;
  metrics?: { rows: number[]; pairs: string[][] };
}

void describe('report scatter: pair selector and selection', { skip: missing ?? false }, () => {
  const browser = suiteBrowser();

  void it('shows any two of three modalities, keeps the pick, selects by lasso and label, saves the rows', async () => {
    const view = threeModalities();
    const s = await openWebview(browser());
    await init(s, view);
    const options = await js<string[]>(
      s.page,
      "Array.from(document.querySelectorAll('#projection-pair option')).map((o) => o.textContent)",
    );
    assert.deepEqual(options, ['all 3 projected', 'audio and visual', 'audio and text', 'visual and text']);
    assert.equal(await s.page.getAttribute('#projection-caption', 'data-shown'), 'audio,visual,text');
    const pointsAll = Number(await s.page.getAttribute('#projection canvas', 'data-points'));

    await s.page.selectOption('#projection-pair', '2');
    await waitJs(s.page, "document.getElementById('projection-caption').dataset.shown === 'visual,text'");
    const pointsTwo = Number(await s.page.getAttribute('#projection canvas', 'data-points'));
    assert.equal(pointsTwo, 2 * 600, 'two modalities of the 600 projected rows');
    assert.equal(pointsAll, 3 * 600);
    assert.deepEqual(await js<unknown>(s.page, 'window.__state.scatter'), ['visual', 'text']);
    await shot(s, 'scatter-pair');

    // the lasso: a rectangle over the whole plot area selects every drawn row
    await s.page.click('#scatter-lasso');
    assert.equal(await s.page.getAttribute('#scatter-lasso', 'aria-pressed'), 'true');
    await s.page.locator('#projection canvas').scrollIntoViewIfNeeded();
    const box = await s.page.locator('#projection canvas').boundingBox();
    assert.ok(box);
    const m = s.page.mouse;
    /** a rectangle drag from the left edge over `part` of the canvas width */
    const dragAround = async (part = 1): Promise<void> => {
      // typing below the canvas may have scrolled the page: where the canvas is now
      await s.page.locator('#projection canvas').scrollIntoViewIfNeeded();
      const box = await s.page.locator('#projection canvas').boundingBox();
      assert.ok(box);
      await m.move(box.x + 2, box.y + 2);
      await m.down();
      for (const [x, y] of [
        [box.x + part * box.width - 2, box.y + 2],
        [box.x + part * box.width - 2, box.y + box.height - 2],
        [box.x + 2, box.y + box.height - 2],
        [box.x + 2, box.y + 4],
      ] as const)
        await m.move(x, y, { steps: 8 });
      await m.up();
    };
    await dragAround();
    await waitJs(s.page, "Number(document.getElementById('scatter-selection').dataset.count) > 0");
    assert.equal(Number(await s.page.getAttribute('#scatter-selection', 'data-count')), 600);
    await s.page.locator('#projection').screenshot({ path: join(OUT_DIR, 'webview-scatter-lasso.png') });
    const before = (await s.posted()).length;
    await s.page.click('#scatter-save-csv');
    await waitJs(s.page, `window.__posted.length > ${before}`);
    const save = (await s.posted()).at(-1) as Posted;
    assert.equal(save.type, 'saveRows');
    assert.equal(save.format, 'csv');
    assert.deepEqual(save.columns, ['row', 'label', 'visual_pc1', 'visual_pc2', 'text_pc1', 'text_pc2', 'selected_by']);
    assert.equal(save.rows?.length, 600);
    const first = save.rows?.[0] ?? [];
    assert.equal(first[0], view.kind === 'report' ? view.report.projection?.rows.slice().sort((a, b) => a - b)[0] : -1);
    assert.equal(first[1], (first[0] as number) % 3, 'the label of the row');
    assert.equal(first[6], 'visual;text');
    // per-row metrics need the original rows: the host is asked for them, for the shown pair and the saved rows
    assert.deepEqual(save.metrics?.pairs, [['visual', 'text']]);
    assert.deepEqual(
      save.metrics?.rows,
      save.rows?.map((r) => r[0]),
    );
    // with the lasso on, a click is a selection, not a neighbours query
    assert.ok(!(await s.posted()).some((p) => p.type === 'neighbors'));

    // the keyboard's way: a label value and Enter
    await s.page.fill('#scatter-select-label', '1');
    await s.page.press('#scatter-select-label', 'Enter');
    const ones = view.kind === 'report' ? (view.report.projection?.labels ?? []).filter((l) => l === 1).length : -1;
    await waitJs(s.page, `Number(document.getElementById('scatter-selection').dataset.count) === ${ones}`);
    // with the lasso on, a click without a drag keeps the selection; Shift + drag adds to it
    await s.page.locator('#projection canvas').click({ position: { x: box.width / 2, y: box.height / 2 } });
    assert.equal(Number(await s.page.getAttribute('#scatter-selection', 'data-count')), ones);
    const count = async (): Promise<number> => Number(await s.page.getAttribute('#scatter-selection', 'data-count'));
    await dragAround(0.5);
    const left = await count();
    assert.ok(left > 0 && left < 600, `the left half holds ${left} rows`);
    await s.page.press('#scatter-select-label', 'Enter');
    await waitJs(s.page, `Number(document.getElementById('scatter-selection').dataset.count) === ${ones}`);
    await s.page.keyboard.down('Shift');
    await dragAround(0.5);
    await s.page.keyboard.up('Shift');
    const both = await count();
    assert.ok(both > left && both > ones && both <= left + ones, `label ${ones} + left half ${left} -> ${both}`);
    await s.page.fill('#scatter-select-rows', '0-5');
    await s.page.press('#scatter-select-rows', 'Enter');
    await waitJs(s.page, "document.getElementById('scatter-selection').textContent.includes('selected')");
    await s.page.click('#scatter-clear');
    assert.equal(await s.page.getAttribute('#scatter-selection', 'data-count'), '0');
    assert.equal(await s.page.isDisabled('#scatter-save-json'), true);

    // lasso off (Escape on its button): a click on a point asks for that point's neighbours
    await s.page.focus('#scatter-lasso');
    await s.page.keyboard.press('Escape');
    assert.equal(await s.page.getAttribute('#scatter-lasso', 'aria-pressed'), 'false');
    await js<void>(s.page, "document.dispatchEvent(new Event('dagr-locate-point'))");
    const at = await s.page.getAttribute('#projection canvas', 'data-locate');
    if (at) {
      const [px, py] = at.split(',').map(Number);
      await s.page.locator('#projection canvas').click({ position: { x: px ?? 0, y: py ?? 0 } });
      await waitJs(s.page, "window.__posted.some((m) => m.type === 'neighbors')");
      const ask = (await s.posted()).find((p) => p.type === 'neighbors');
      assert.equal(ask?.modality, 'visual', 'the first dataset of the visual–text pick');
    }
    // the neighbour table: every column's header aligned like its numbers (the row column too)
    await s.send({
      type: 'neighborsResult',
      result: {
        source: 'x.npz',
        query: { modality: 'visual', row: 3, label: 0 },
        k: 2,
        lists: [
          {
            modality: 'visual',
            neighbors: [
              { row: 12345, similarity: 0.9, label: 1 },
              { row: 7, similarity: 0.8, label: 2 },
            ],
            partnerRank: null,
            partnerSimilarity: null,
            note: '',
          },
        ],
        seconds: 0,
      },
    });
    await waitJs(s.page, "document.querySelector('.neighbors-table tbody tr') !== null");
    const aligns = await js<[string, string][]>(
      s.page,
      `Array.from(document.querySelectorAll('.neighbors-table thead th')).map((th, i) => [getComputedStyle(th).textAlign, getComputedStyle(document.querySelector('.neighbors-table tbody tr').children[i]).textAlign])`,
    );
    assert.equal(aligns.length, 4);
    for (const [head, body] of aligns) assert.equal(head, body);
    const state = await js<unknown>(s.page, 'window.__state');
    await closeClean(s, 'scatter');

    // reload with the saved state: the pick comes back before the host answers
    const again = await openWebview(browser(), { state });
    await waitJs(again.page, "document.getElementById('projection-caption')?.dataset.shown === 'visual,text'");
    assert.equal(await again.page.inputValue('#projection-pair'), '2');
    await closeClean(again, 'scatter restored');
  });
});
