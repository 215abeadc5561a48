/**
 * The pair matrix in Chromium (3+ modalities): a four-modality report shows one matrix and one
 * pair card, not a card per pair; the pair with the worst warning opens by default (not the one
 * that drifts most, not the first); a cell (click, Enter, Space) opens its pair's card with that
 * pair's numbers; the opened pair survives a reload through the saved state; a Problems entry's
 * reveal request opens the pair's card behind the matrix; the trouble marks are the theme's
 * warning color and a ▲ in every theme; the HTML export (no host) opens pairs too. Two modalities keep their one card.
 * DAGR_UPDATE_SCREENSHOTS=1 also writes docs/screenshots/pair-matrix-{dark,light}.png.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { GeometryWarning, PairReport } from '../../src/protocol/report';
import type { ViewModel } from '../../src/protocol/webview';
import { renderStandaloneHtml } from '../../src/report';
import {
  OUT_DIR,
  ROOT,
  THEMES,
  assertChartsDrawn,
  chromiumMissing,
  closeClean,
  fixture,
  init,
  js,
  openWebview,
  suiteBrowser,
  waitJs,
} from './harness';
import type { Session, ThemeName } from './harness';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') {
  void it('chromium is installed', () => assert.fail(`${missing}; the browser tests cannot run`));
}

const NAMES = ['audio', 'visual', 'text', 'depth'] as const;

type Drift = NonNullable<PairReport['drift']>;

/** the fixture pair's drift moved to `mean`: statistics and histogram shifted by the same amount, within [0, 4] */
function shiftedDrift(d: Drift, mean: number, tau: number): Drift {
  const delta = mean - d.mean;
  const move = (x: number): number => Math.min(4, Math.max(0, x + delta));
  const { edges, counts } = d.histogram;
  const width = (edges[1] ?? 0) - (edges[0] ?? 0);
  const bins = Math.round(delta / width);
  const moved = counts.map(() => 0);
  counts.forEach((c, k) => {
    const to = Math.min(counts.length - 1, Math.max(0, k + bins));
    moved[to] = (moved[to] ?? 0) + c;
  });
  const total = moved.reduce((x, y) => x + y, 0);
  const beyond = moved.reduce((x, c, k) => x + ((edges[k] ?? 0) >= tau ? c : 0), 0);
  return {
    ...d,
    mean,
    median: move(d.median),
    p90: move(d.p90),
    p99: move(d.p99),
    max: move(d.max),
    fractionBeyondTau: beyond / total,
    histogram: { edges, counts: moved },
  };
}

/** the linear-hinge anchoring loss, mean of max(0, d - tau), read off the histogram at its bin centres (the fixture's hinge) */
function anchoringFrom(d: Drift, tau: number): number {
  const { edges, counts } = d.histogram;
  let sum = 0;
  let total = 0;
  counts.forEach((c, k) => {
    const centre = ((edges[k] ?? 0) + (edges[k + 1] ?? 0)) / 2;
    sum += c * Math.max(0, centre - tau);
    total += c;
  });
  return sum / total;
}

/** recalls that can stand together with R@1 = r1, and the median rank they imply (else the fixture's) */
function recallsFrom(r1: number, medianRank: number): { r1: number; r5: number; r10: number; medianRank: number } {
  const r5 = r1 + (1 - r1) * 0.25;
  const r10 = r1 + (1 - r1) * 0.4;
  return { r1, r5, r10, medianRank: r1 >= 0.5 ? 1 : r5 >= 0.5 ? 3 : r10 >= 0.5 ? 8 : medianRank };
}

/**
 * The report fixture with four modalities and six pairs, each pair the fixture's one pair with its
 * own drift mean, R@1 a→b, gap and CKA. Warnings: excess drift on audio/visual (twice its
 * threshold) and a modality gap on visual/text (three times its threshold: the worst); text/depth
 * drifts most but has no warning; audio/visual is the first pair.
 */
function fourModalities(): ViewModel {
  const v = fixture('report');
  if (v.kind !== 'report') throw new Error('report fixture');
  const r = structuredClone(v.report);
  const base = r.pairs[0];
  const audio = r.modalities.audio;
  if (!base?.drift || !base.retrieval || !audio) throw new Error('report fixture without a full pair');
  const numbers: Record<string, [drift: number, r1: number, gap: number, cka: number]> = {
    'audio/visual': [base.drift.mean, base.retrieval.aToB.r1, base.modalityGap ?? 0, base.linearCka ?? 0],
    'audio/text': [0.3125, 0.875, 0.125, 0.75],
    'audio/depth': [0.5625, 0.625, 0.1875, 0.5],
    'visual/text': [1.1875, 0.25, 0.9, 0.25],
    'visual/depth': [0.8125, 0.375, 0.25, 0.375],
    'text/depth': [2.4375, 0.0625, 0.2, 0.0625],
  };
  const tau = r.options.tau;
  r.pairs = Object.entries(numbers).map(([name, [drift, r1, gap, cka]]): PairReport => {
    const [a, b] = name.split('/') as [string, string];
    const p = structuredClone(base);
    const moved = shiftedDrift(p.drift as NonNullable<PairReport['drift']>, drift, tau);
    // the card below the matrix is a docs screenshot: its other numbers must agree with the
    // pair's own (a histogram around its mean, R@5 >= R@1, a median rank its recalls allow)
    return {
      ...p,
      a,
      b,
      drift: moved,
      anchoringLoss: name === 'audio/visual' ? p.anchoringLoss : anchoringFrom(moved, tau),
      retrieval: {
        ...(p.retrieval as NonNullable<PairReport['retrieval']>),
        aToB: name === 'audio/visual' ? base.retrieval!.aToB : recallsFrom(r1, base.retrieval!.aToB.medianRank),
      },
      modalityGap: gap,
      linearCka: cka,
    };
  });
  for (const n of NAMES) r.modalities[n] = audio;
  const drift = r.warnings.find((w) => w.pair === 'audio/visual');
  if (!drift) throw new Error('report fixture without its drift warning');
  const gap: GeometryWarning = {
    code: 'modality-gap',
    severity: 'warning',
    pair: 'visual/text',
    value: 0.9,
    threshold: 0.3,
    message: "'visual' and 'text' occupy separate regions: modality gap 0.900, above 0.300.",
  };
  r.warnings = [drift, gap];
  return { ...v, report: r, availableModalities: [...NAMES] };
}

interface SavedState {
  version: number;
  pair?: string;
  pairMetric?: string;
  view?: unknown;
}

/** the pair cards on the page, by id */
const cardIds = (s: Session): Promise<string[]> =>
  js<string[]>(s.page, "Array.from(document.querySelectorAll('.card-pair')).map((c) => c.id)");

/** the matrix button of the ordered pair a/b */
const cellButton = (pair: string): string => `#pair-matrix-table button[data-pair="${pair}"]`;

void describe('report: the pair matrix of 3+ modalities', { skip: missing ?? false }, () => {
  const browser = suiteBrowser();

  void it('shows one matrix and one card, the worst pair first; a cell opens its pair; the pick is saved', async () => {
    const view = fourModalities();
    const s = await openWebview(browser());
    await init(s, view);
    assert.equal(await s.page.locator('#pair-matrix').count(), 1, 'one matrix');
    assert.equal(await s.page.locator('#pair-matrix-table td.pair-cell').count(), 16, 'a 4 x 4 matrix');
    assert.equal(await s.page.locator('#pair-matrix-table button.pair-open').count(), 12, 'every ordered pair is a button');
    // the default: visual/text's gap warning (3x its threshold) is worse than audio/visual's drift (2x)
    assert.deepEqual(await cardIds(s), ['pair-visual-text'], 'one card: the pair with the worst warning');
    assert.equal(await s.page.getAttribute('#pair-matrix-status', 'data-why'), 'default');
    assert.equal(await s.page.getAttribute(cellButton('text/visual'), 'aria-pressed'), 'true');
    assert.equal(await s.page.getAttribute(cellButton('audio/depth'), 'aria-pressed'), 'false');
    assert.equal(await s.page.locator('#pair-matrix-table button[tabindex="0"]').count(), 1, 'one Tab stop in the matrix');
    assert.equal(
      await s.page.getAttribute('#pair-matrix-table button[tabindex="0"]', 'data-pair'),
      'visual/text',
      "the opened pair's cell",
    );
    // no pick yet: nothing saved beyond the view
    assert.equal((await js<SavedState>(s.page, 'window.__state')).pair, undefined);
    await assertChartsDrawn(s, 'matrix with its pair', 2);

    // trouble: ▲ and the number, on both directions of the two warned pairs only
    const trouble = await js<[string, string, string][]>(
      s.page,
      "Array.from(document.querySelectorAll('#pair-matrix-table td[data-trouble]')).map((td) => [td.dataset.pair, td.dataset.trouble, td.textContent])",
    );
    assert.deepEqual(trouble.map((t) => t[0]).sort(), ['audio/visual', 'text/visual', 'visual/audio', 'visual/text']);
    for (const [pair, severity, text] of trouble) {
      assert.equal(severity, 'warning', pair);
      assert.match(text, /^▲ \d/, `${pair}: a mark and the number, not color alone`);
    }
    assert.equal(
      await s.page.textContent('#pair-matrix-table td[data-pair="text/depth"]'),
      '2.44',
      'a pair without a warning: its number only',
    );
    assert.equal(Number(await s.page.getAttribute('#pair-matrix-table td[data-pair="text/depth"]', 'data-value')), 2.4375);

    // a click opens audio/depth: its own numbers, still one card
    await s.page.click(cellButton('depth/audio'));
    await waitJs(s.page, "document.getElementById('pair-audio-depth') !== null");
    assert.deepEqual(await cardIds(s), ['pair-audio-depth']);
    assert.equal(Number(await s.page.getAttribute('#drift-mean-audio-depth', 'data-value')), 0.5625);
    assert.equal(Number(await s.page.getAttribute('#r1-ab-audio-depth', 'data-value')), 0.625);
    assert.equal(Number(await s.page.getAttribute('#modality-gap-audio-depth', 'data-value')), 0.1875);
    assert.equal(Number(await s.page.getAttribute('#linear-cka-audio-depth', 'data-value')), 0.5);
    assert.equal(await s.page.getAttribute(cellButton('audio/depth'), 'aria-pressed'), 'true');
    assert.equal(await s.page.getAttribute(cellButton('text/visual'), 'aria-pressed'), 'false');
    assert.equal((await js<SavedState>(s.page, 'window.__state')).pair, 'audio/depth');
    assert.equal(await s.page.getAttribute('#pair-matrix-status', 'data-why'), 'picked');
    // the previous card's histogram went with it: one pair chart, drawn
    assert.deepEqual(
      await js<string[]>(
        s.page,
        "Array.from(document.querySelectorAll('canvas[data-chart]')).map((c) => c.dataset.chart).filter((n) => n.startsWith('drift-'))",
      ),
      ['drift-audio-depth'],
    );
    await assertChartsDrawn(s, 'after a click', 2);

    // the keyboard: the matrix is one Tab stop, the opened pair's cell (audio -> depth)
    const tabStops = (): Promise<string[]> =>
      js<string[]>(s.page, 'Array.from(document.querySelectorAll(\'#pair-matrix-table button[tabindex="0"]\')).map((b) => b.dataset.pair)');
    assert.deepEqual(await tabStops(), ['depth/audio'], 'the clicked cell');
    const focusedPair = (): Promise<string> => js<string>(s.page, 'document.activeElement.dataset.pair');
    await s.page.focus(cellButton('visual/text'));
    // the arrows move between cells, past the diagonal; Home and End along the row
    for (const [key, pair] of [
      ['ArrowRight', 'visual/depth'],
      ['ArrowDown', 'text/depth'],
      ['ArrowLeft', 'text/visual'],
      ['Home', 'text/audio'],
      ['ArrowUp', 'visual/audio'],
      ['End', 'visual/depth'],
      ['ArrowRight', 'visual/depth'],
      ['ArrowDown', 'text/depth'],
    ] as const) {
      await s.page.keyboard.press(key);
      assert.equal(await focusedPair(), pair, `${key} to ${pair}`);
    }
    assert.deepEqual(await tabStops(), ['text/depth'], 'the Tab stop follows the focus');
    assert.deepEqual(await cardIds(s), ['pair-audio-depth'], 'moving opens nothing');
    // Enter opens the focused cell's pair; the focus stays on the cell
    await s.page.keyboard.press('Enter');
    await waitJs(s.page, "document.getElementById('pair-text-depth') !== null");
    assert.equal(Number(await s.page.getAttribute('#drift-mean-text-depth', 'data-value')), 2.4375);
    assert.equal(await focusedPair(), 'text/depth');
    // Space on another
    await s.page.keyboard.press('ArrowUp');
    assert.equal(await focusedPair(), 'visual/depth');
    await s.page.keyboard.press('Space');
    await waitJs(s.page, "document.getElementById('pair-visual-depth') !== null");
    assert.deepEqual(await cardIds(s), ['pair-visual-depth']);
    assert.equal(await focusedPair(), 'visual/depth');
    assert.equal((await js<SavedState>(s.page, 'window.__state')).pair, 'visual/depth');

    // another metric: R@1 by direction, the opened pair still marked
    await s.page.selectOption('#pair-matrix-metric', 'r1');
    await waitJs(s.page, "document.getElementById('pair-matrix-table').dataset.metric === 'r1'");
    assert.equal(Number(await s.page.getAttribute('#pair-matrix-table td[data-pair="audio/text"]', 'data-value')), 0.875);
    assert.equal(await s.page.getAttribute(cellButton('depth/visual'), 'aria-pressed'), 'true');
    assert.deepEqual(await cardIds(s), ['pair-visual-depth']);
    assert.equal((await js<SavedState>(s.page, 'window.__state')).pairMetric, 'r1', 'the metric is saved');

    // a reload: the saved state draws the same pair and metric at once, and again when the host answers
    const saved = await js<SavedState>(s.page, 'window.__state');
    await closeClean(s, 'pair matrix');
    const s2 = await openWebview(browser(), { state: saved });
    await waitJs(s2.page, "document.getElementById('pair-visual-depth') !== null");
    assert.deepEqual(await cardIds(s2), ['pair-visual-depth'], 'restored before the host answers');
    assert.equal(await s2.page.getAttribute('#pair-matrix-table', 'data-metric'), 'r1', 'the metric restored');
    assert.equal(await s2.page.inputValue('#pair-matrix-metric'), 'r1', 'and the picker shows it');
    const ready = (await s2.posted()).find((m) => m.type === 'ready');
    assert.equal(ready?.restoredVersion, 1);
    await init(s2, view);
    assert.deepEqual(await cardIds(s2), ['pair-visual-depth'], 'kept when the host sends the view');
    assert.equal((await js<SavedState>(s2.page, 'window.__state')).pair, 'visual/depth');
    assert.equal(await s2.page.getAttribute('#pair-matrix-table', 'data-metric'), 'r1', 'the metric kept when the host sends the view');
    // back to the default metric: nothing saved for it
    await s2.page.selectOption('#pair-matrix-metric', 'driftMean');
    await waitJs(s2.page, "document.getElementById('pair-matrix-table').dataset.metric === 'driftMean'");
    assert.equal('pairMetric' in (await js<SavedState>(s2.page, 'window.__state')), false);
    await closeClean(s2, 'pair matrix restored');

    // a saved pick this report does not have: the default again
    const s3 = await openWebview(browser(), { state: { ...saved, pair: 'audio/nothing' } });
    await waitJs(s3.page, "document.querySelector('.card-pair') !== null");
    assert.deepEqual(await cardIds(s3), ['pair-visual-text']);
    await closeClean(s3, 'pair matrix, unknown saved pair');
  });

  void it("a reveal request opens the pair's card behind the matrix and focuses it", async () => {
    const view = fourModalities();
    const s = await openWebview(browser(), { width: 900 });
    await init(s, view);
    assert.deepEqual(await cardIds(s), ['pair-visual-text']);
    await s.send({ type: 'reveal', place: { code: 'excess-drift', pair: 'audio/visual' } });
    await waitJs(s.page, "document.activeElement?.id === 'pair-audio-visual'");
    assert.deepEqual(await cardIds(s), ['pair-audio-visual']);
    assert.equal(await js<boolean>(s.page, "document.getElementById('pair-audio-visual').classList.contains('revealed')"), true);
    assert.equal(await s.page.getAttribute(cellButton('visual/audio'), 'aria-pressed'), 'true');
    assert.equal((await js<SavedState>(s.page, 'window.__state')).pair, 'audio/visual');
    const top = await js<number>(s.page, "document.getElementById('pair-audio-visual').getBoundingClientRect().top");
    assert.ok(top >= -1 && top < (await js<number>(s.page, 'window.innerHeight')), `card top at ${top}`);
    await assertChartsDrawn(s, 'revealed pair', 2);
    await closeClean(s, 'reveal behind the matrix');

    // the Warnings card's own link (the warning's code) does the same, in the view
    const s1 = await openWebview(browser(), { width: 900 });
    await init(s1, view);
    const links = await js<string[]>(
      s1.page,
      "Array.from(document.querySelectorAll('#warnings button.warning-reveal')).map((b) => b.textContent)",
    );
    assert.deepEqual(links, ['excess-drift', 'modality-gap']);
    await s1.page.click('#warnings li[data-code="excess-drift"] button.warning-reveal');
    await waitJs(s1.page, "document.activeElement?.id === 'pair-audio-visual'");
    assert.deepEqual(await cardIds(s1), ['pair-audio-visual']);
    await s1.page.locator('#warnings').screenshot({ path: join(OUT_DIR, 'webview-pair-matrix-warnings.png') });
    await closeClean(s1, "the warning's own link");

    // asked before the report is drawn: it waits, then opens the pair (not the default)
    const s2 = await openWebview(browser(), { width: 900 });
    await waitJs(s2.page, "window.__posted.some((m) => m.type === 'ready')");
    await s2.send({ type: 'reveal', place: { code: 'excess-drift', pair: 'audio/visual' } });
    await init(s2, view);
    await waitJs(s2.page, "document.activeElement?.id === 'pair-audio-visual'");
    assert.deepEqual(await cardIds(s2), ['pair-audio-visual']);
    await closeClean(s2, 'reveal before the matrix is drawn');
  });

  void it('marks trouble in the theme warning color in dark, light and high contrast', async () => {
    const view = fourModalities();
    const s = await openWebview(browser());
    await init(s, view);
    let gen = 0;
    for (const theme of ['vscode-dark', 'vscode-light', 'vscode-high-contrast'] as ThemeName[]) {
      if (theme !== 'vscode-dark') {
        await s.setTheme(theme);
        await waitJs(s.page, `Number(document.body.dataset.themeGeneration || '0') >= ${++gen}`);
      }
      const warning = THEMES[theme]['--vscode-editorWarning-foreground'] ?? '';
      const rgb = `rgb(${[1, 3, 5].map((i) => parseInt(warning.slice(i, i + 2), 16)).join(', ')})`;
      const style = await js<{ frame: string; mark: string; plain: string }>(
        s.page,
        `(() => {
          const bad = document.querySelector('#pair-matrix-table td[data-pair="visual/text"]');
          const ok = document.querySelector('#pair-matrix-table td[data-pair="audio/text"]');
          return { frame: getComputedStyle(bad).boxShadow, mark: bad.querySelector('.trouble-mark') ? 'yes' : 'no', plain: getComputedStyle(ok).boxShadow };
        })()`,
      );
      assert.ok(style.frame.includes(rgb), `${theme}: the trouble frame is the warning color ${rgb}: ${style.frame}`);
      assert.equal(style.mark, 'yes', `${theme}: ▲ in the cell`);
      assert.ok(!style.plain.includes(rgb), `${theme}: a pair without a warning has no warning frame`);
      const name = theme.replace('vscode-', '');
      // the matrix and the opened card below it, in page coordinates
      const box = await js<{ x: number; y: number; width: number; height: number; below: boolean }>(
        s.page,
        `(() => {
          const a = document.getElementById('pair-matrix').getBoundingClientRect();
          const b = document.getElementById('pair-detail').getBoundingClientRect();
          return { x: a.x - 8, y: a.y + window.scrollY - 8, width: a.width + 16, height: b.bottom - a.top + 16, below: b.top >= a.bottom };
        })()`,
      );
      assert.ok(box.below, 'the pair card is below the matrix');
      const file = join(OUT_DIR, `webview-pair-matrix-${name}.png`);
      await s.page.screenshot({ path: file, fullPage: true, clip: { x: box.x, y: box.y, width: box.width, height: box.height } });
      if (process.env.DAGR_UPDATE_SCREENSHOTS === '1' && theme !== 'vscode-high-contrast')
        copyFileSync(file, join(ROOT, 'docs', 'screenshots', `pair-matrix-${name}.png`));
    }
    await closeClean(s, 'pair matrix themes');
  });

  void it('the HTML export (no host): the matrix opens the worst pair and a click opens another', async () => {
    const file = join(OUT_DIR, 'webview-standalone-pair-matrix.html');
    writeFileSync(file, await renderStandaloneHtml(fourModalities()));
    const page = await browser().newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`file://${file}`);
    await waitJs(page, "document.body.dataset.view === 'report'");
    const ids = (): Promise<string[]> => js<string[]>(page, "Array.from(document.querySelectorAll('.card-pair')).map((c) => c.id)");
    assert.deepEqual(await ids(), ['pair-visual-text']);
    await page.click(cellButton('audio/text'));
    await waitJs(page, "document.getElementById('pair-audio-text') !== null");
    assert.deepEqual(await ids(), ['pair-audio-text']);
    assert.equal(Number(await page.getAttribute('#drift-mean-audio-text', 'data-value')), 0.3125);
    await page.close();
    assert.deepEqual(problems, []);
  });

  void it('two modalities keep their one pair card, with no matrix', async () => {
    const s = await openWebview(browser());
    await init(s, fixture('report'));
    assert.equal(await s.page.locator('#pair-matrix').count(), 0);
    assert.deepEqual(await cardIds(s), ['pair-audio-visual']);
    await closeClean(s, 'two modalities');
  });
});
