/**
 * Every view tells the truth at a glance (issue 14), in a real VS Code (code-server) driven by
 * Chromium: Compare orders its changes by size and keeps noise (audio's effective rank 60.494 ->
 * 60.487) within its tolerance while the collapse (visual's rank 60.5 -> 3.18) is "worse"; a file
 * that cannot be read shows the view's error banner and the "DAGR Lens" output log; Start
 * Fine-Tuning accepts examples/paired/train.json (its lr 0.002 and 8 epochs, not the defaults),
 * lists every setting and lets one be changed before it starts. Screenshots of the geometry, run,
 * compare and training views in the dark and the light theme go to test-output/ (docs/screenshots/
 * with DAGR_UPDATE_SCREENSHOTS=1).
 * Skips (with a message) when code-server cannot be installed, unless CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import type { CompareReport } from '../../src/protocol/report';
import { REPO, e2eStart } from './harness';
import {
  OUT,
  QUICK_INPUT,
  QUICK_TITLE,
  SHOTS,
  answerFileDialog,
  answerInput,
  answerPick,
  clearNotifications,
  closeWorkbench,
  dagrJson,
  ENGINE,
  darkWorkspace,
  findInFrames,
  focusWorkbench,
  openWorkbench,
  palette,
  pickLightTheme,
  quickOpen,
  saveFailure,
  sleep,
  story,
  until,
  waitQuestion,
} from './ui';
import type { Workbench } from './ui';

/** Files of the LOG folder whose name contains `part` (VS Code writes each output channel to one). */
function findLogs(dir: string, part: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...findLogs(p, part));
    else if (e.name.includes(part)) out.push(p);
  }
  return out;
}

/** The rows of the compare table as the view shows them: metric path and verdict, top to bottom. */
async function changeRows(frame: Frame): Promise<{ metric: string; verdict: string }[]> {
  return frame.$$eval('#changes tbody tr', (rows) =>
    rows.map((r) => ({ metric: r.getAttribute('data-metric') ?? '', verdict: r.getAttribute('data-verdict') ?? '' })),
  );
}

/** Quick Open, tried again once: on a busy machine the file search can take longer than its wait. */
async function openFile(page: Page, name: string): Promise<void> {
  await quickOpen(page, name).catch(async () => {
    await page.keyboard.press('Escape');
    await sleep(3000);
    await quickOpen(page, name);
  });
}

/** Activates the editor tab titled `title` (the workbench first, so keys go to it). */
async function showTab(page: Page, title: string | RegExp): Promise<void> {
  await focusWorkbench(page);
  await page.locator('.tabs-container .tab', { hasText: title }).first().click();
  await sleep(1500);
}

void test('views tell the truth at a glance', { timeout: 12 * 60_000 }, async (t) => {
  const vsix = e2eStart(t);
  if (vsix === undefined) return;
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });

  // a workspace of its own: the examples, the paired dataset with its train.json, a broken file
  const { tmp, ws, profile } = darkWorkspace('dagr-views-', vsix);
  mkdirSync(join(ws, 'paired'));
  for (const f of ['healthy.safetensors', 'collapsed.safetensors']) cpSync(join(REPO, 'examples', f), join(ws, f));
  cpSync(join(REPO, 'examples', 'run-collapse'), join(ws, 'run-collapse'), { recursive: true });
  for (const f of ['train.json', 'imbalanced.safetensors']) cpSync(join(REPO, 'examples', 'paired', f), join(ws, 'paired', f));
  // a header length far beyond the file: the reader refuses it in one line
  const broken = Buffer.alloc(64);
  broken.writeBigUInt64LE(1_000_000n, 0);
  writeFileSync(join(ws, 'broken.safetensors'), broken);
  const cmp = dagrJson<CompareReport>([
    'compare',
    join(REPO, 'examples', 'healthy.safetensors'),
    join(REPO, 'examples', 'collapsed.safetensors'),
    ...ENGINE,
  ]);

  let wb: Workbench | undefined;
  const tabs: { tab: string | RegExp; shot: string; ready: string }[] = [];
  try {
    // on a machine shared with other jobs the first page loads can pass their 30 s: up to three tries
    wb = await openWorkbench(profile, ws)
      .catch(() => openWorkbench(profile, ws))
      .catch(() => openWorkbench(profile, ws));
    const p = wb.page;
    const { step } = story(t, () => saveFailure(wb, profile, 'views-'));

    await step('the geometry view: modalities side by side, the value behind a warning marked, every metric explained', async () => {
      await openFile(p, 'collapsed.safetensors');
      const { frame } = await findInFrames(p, '#effective-rank-visual', 90_000);
      await clearNotifications(p);
      // the modality cards share one row: the visual card starts level with the audio card
      const [ya, yv] = await Promise.all(
        ['#modality-audio', '#modality-visual'].map((s) => frame.$eval(s, (el) => el.getBoundingClientRect().top)),
      );
      assert.ok(ya !== undefined && yv !== undefined && Math.abs(ya - yv) < 2, `audio card at ${ya}, visual card at ${yv}`);
      // the collapsed modality's effective rank is marked in its card, the healthy one is not
      assert.ok(await frame.$('td.value-flagged #effective-rank-visual'), 'visual effective rank marked');
      assert.equal(await frame.$('td.value-flagged #effective-rank-audio'), null);
      // explanations: a visible mark on every metric name of a card, its panel on keyboard focus
      const names = await frame.$$eval('#modality-visual .metric-name.has-help', (els) => els.length);
      assert.ok(names >= 6, `${names} explained names in the visual card`);
      await frame.focus('#modality-visual .metric-name[data-help="effectiveRank"]');
      const pop = await frame.$eval('#modality-visual .metric-name[data-help="effectiveRank"] .help-pop', (el) => ({
        shown: (el as unknown as { checkVisibility(): boolean }).checkVisibility(),
        text: el.textContent ?? '',
      }));
      assert.ok(pop.shown, 'the explanation shows on focus');
      assert.match(pop.text, /Range: 1 to min\(N, d\)/);
      assert.match(pop.text, /RankMe/);
      tabs.push({ tab: /^\s*collapsed\.safetensors/, shot: 'geometry', ready: '#effective-rank-visual' });
      await sleep(1500);
      await p.screenshot({ path: join(SHOTS, 'geometry-dark.png') });
    });

    await step('Compare orders its changes by size, within-tolerance last; noise is not called a change', async () => {
      await palette(p, 'DAGR: Compare Checkpoints');
      await answerFileDialog(p, 'Compare: first checkpoint', join(ws, 'healthy.safetensors'));
      await answerFileDialog(p, 'Compare healthy.safetensors with', join(ws, 'collapsed.safetensors'));
      const { frame } = await findInFrames(p, '#changes tbody tr', 90_000);
      const rows = await changeRows(frame);
      const verdict = (m: string): string | undefined => rows.find((r) => r.metric === m)?.verdict;
      // the same checkpoint pair the CLI reads: noise (audio rank -0.007, visual mean cosine -0.02) is within tolerance
      assert.equal(verdict('modalities.audio.effectiveRank'), 'same');
      assert.equal(verdict('modalities.audio.dispersiveLoss'), 'same');
      assert.equal(verdict('modalities.visual.meanCosine'), 'same');
      // the collapse is worse
      for (const m of ['modalities.visual.effectiveRank', 'pairs.audio/visual.linearCka', 'pairs.audio/visual.retrieval.aToB.r1'])
        assert.equal(verdict(m), 'worse', m);
      // every change beyond tolerance comes before every one within it, biggest relative change first
      const firstSame = rows.findIndex((r) => r.verdict === 'same');
      assert.ok(firstSame > 0 && rows.slice(firstSame).every((r) => r.verdict === 'same'), rows.map((r) => r.verdict).join(' '));
      const size = (m: string): number => {
        const c = cmp.changes.find((x) => x.metric === m);
        return c && c.a !== null && c.b !== null ? Math.abs(c.b - c.a) / Math.max(Math.abs(c.a), Math.abs(c.b)) : 0;
      };
      const sizes = rows
        .slice(0, firstSame)
        .filter((r) => r.verdict !== 'missing')
        .map((r) => size(r.metric));
      for (let i = 1; i < sizes.length; i++)
        assert.ok((sizes[i - 1] ?? 0) >= (sizes[i] ?? 0) - 1e-12, `row ${i} is bigger than the one above it: ${sizes.join(', ')}`);
      // bookkeeping (row counts) is not a change
      assert.equal(verdict('n'), undefined);
      // A and B show the digits that make the noise visible: 60.4938 vs 60.4868, not 60.5 vs 60.5
      const cells = await frame.$$eval('#changes tr[data-metric="modalities.audio.effectiveRank"] td', (tds) =>
        tds.map((td) => td.textContent ?? ''),
      );
      assert.notEqual(cells[0], cells[1], `A and B of audio's effective rank read the same: ${cells.join(' | ')}`);
      tabs.push({ tab: 'Compare', shot: 'compare', ready: '#changes' });
      await sleep(1500);
      await p.screenshot({ path: join(SHOTS, 'compare-dark.png') });
    });

    await step('a file that cannot be read: the error banner in its view and the DAGR Lens log', async () => {
      await openFile(p, 'broken.safetensors');
      const { frame, text } = await findInFrames(p, '#error-banner:not([hidden]) #error-message', 60_000);
      assert.match(text, /broken\.safetensors/);
      assert.ok(await frame.isVisible('#error-banner'));
      // the same line in the output channel's log file, which outlives the notification
      const line = await until('the failure in the DAGR Lens output log', 20_000, async () => {
        const logs = findLogs(join(profile.userDataDir, 'logs'), 'DAGR Lens');
        const hit = logs.map((f) => readFileSync(f, 'utf8')).find((s) => s.includes('broken.safetensors') && /Could not compute/.test(s));
        return hit;
      });
      assert.match(line, /broken\.safetensors/);
      await p.screenshot({ path: join(OUT, 'views-error-banner.png') });
      await clearNotifications(p);
    });

    await step('the run view', async () => {
      await palette(p, 'DAGR: Open Run');
      await answerFileDialog(p, 'Open run folder', join(ws, 'run-collapse'));
      await findInFrames(p, '#checkpoint-count', 120_000);
      tabs.push({ tab: 'Run: run-collapse', shot: 'run', ready: '#checkpoint-count' });
      await sleep(2000);
      await p.screenshot({ path: join(SHOTS, 'run-dark.png') });
    });

    await step('Start Fine-Tuning accepts train.json, shows every setting, and a changed one is used', async () => {
      await palette(p, 'DAGR: Start Fine-Tuning');
      await answerFileDialog(p, 'Paired dataset', join(ws, 'paired', 'train.json'));
      await answerPick(p, /^Regularizer \(step \d of \d\)/, 'DAGR on');
      // λ and τ proposed from the config
      await waitQuestion(p, /^λ/);
      assert.equal(await p.locator(QUICK_INPUT).first().inputValue(), '0.1');
      await answerInput(p, /^λ/);
      await answerInput(p, /^τ/);
      await waitQuestion(p, /^Every setting/);
      // a row by its own label (the Start row's description also says "8 epochs")
      const row = (label: string) =>
        p
          .locator('.quick-input-list .monaco-list-row', { has: p.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) })
          .first();
      // the config's own settings, not the silent defaults (lr 0.001, 10 epochs)
      assert.match((await row('Learning rate').textContent()) ?? '', /0\.002/);
      assert.match((await row('Epochs').textContent()) ?? '', /8/);
      assert.match((await row('Modalities').textContent()) ?? '', /strong, weak/);
      await p.screenshot({ path: join(SHOTS, 'fine-tuning-setup-dark.png') });
      // change one: 2 epochs, back to the list, then Start
      // a hover card of the previous question can lie over the list: move the pointer away first
      await p.mouse.move(5, 5);
      await row('Epochs').click();
      await answerInput(p, 'Epochs', '2');
      await waitQuestion(p, /^Every setting/);
      assert.match(
        (await p.locator('.quick-input-list .monaco-list-row', { hasText: 'Start training' }).first().textContent()) ?? '',
        /2 epochs · lr 0\.002/,
      );
      await p.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Start training' }).first().waitFor({ timeout: 10_000 });
      await p.locator(QUICK_INPUT).first().press('Enter');
      await findInFrames(p, '#training-status', 60_000);
      // done when the run folder says so (the run view that opens then hides the training panel)
      // train.json writes to ../../runs/paired from its folder: beside the workspace
      const runsDir = join(tmp, 'runs', 'paired');
      await until('the run completed', 300_000, async () => {
        const dirs = existsSync(runsDir) ? readdirSync(runsDir) : [];
        return dirs.some(
          (d) => existsSync(join(runsDir, d, 'summary.json')) && /"completed"/.test(readFileSync(join(runsDir, d, 'summary.json'), 'utf8')),
        )
          ? true
          : undefined;
      });
      await clearNotifications(p);
      tabs.push({ tab: 'Training: imbalanced', shot: 'training', ready: '#training-summary' });
      await showTab(p, 'Training: imbalanced');
      // the panel says how it ended, first, and sums up the last epoch
      const { frame } = await findInFrames(p, '#training-summary', 30_000);
      assert.match((await frame.textContent('#training-status')) ?? '', /^Completed · epoch 2\/2/);
      assert.match((await frame.textContent('.page-meta')) ?? '', /lr 0\.002/);
      await sleep(1500);
      await p.screenshot({ path: join(SHOTS, 'training-dark.png') });
      assert.equal(await p.isVisible(QUICK_TITLE), false);
    });

    await step('the same views in the light theme', async () => {
      await pickLightTheme(p);
      for (const v of tabs) {
        await showTab(p, v.tab);
        await findInFrames(p, v.ready, 20_000);
        await sleep(1500);
        await p.screenshot({ path: join(SHOTS, `${v.shot}-light.png`) });
      }
    });
  } finally {
    await closeWorkbench(wb);
  }
});
