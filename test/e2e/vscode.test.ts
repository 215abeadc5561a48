/**
 * End to end in a real VS Code (code-server 4.100.3 = VS Code 1.100.3) driven by Debian's
 * Chromium, as one story in one session, told in named steps: the packaged .vsix opens the
 * collapsed example from Quick Open, shows the same effective rank as `dagr inspect --json`, puts
 * its warning in the Problems panel, screenshots the view in a dark and a light theme, exports the
 * report as JSON through the save dialog (the CLI's numbers), recomputes from the view's τ control,
 * reads a threshold setting live, cancels a long job while the editor stays responsive, opens a run,
 * restores panels after a reload, and fine-tunes (Cancel in the panel; a reload mid-run leaves a
 * panel without Cancel that opens the run), compares a run with DAGR off (both in one panel), sweeps
 * a tiny grid (Pareto view, a row opens its run), and embeds an array with a hand-encoded ONNX
 * encoder (the output opens; an existing output is never overwritten).
 * Steps build on each other: after a failed step the rest are skipped (ui.ts story).
 * The moves of a person at the workbench live in ./ui.ts, shared with the other e2e files.
 * Skips (with a message) when code-server cannot be installed, unless CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeNoisePair } from '../fixtures/big-checkpoint';
import type { GeometryReport } from '../../src/protocol/report';
import { f32, npy, values } from '../fixtures/cli/files';
import { matmulModel } from '../fixtures/cli/onnx-model';
import { REPO, installVsix, makeProfile, run, e2eStart } from './harness';
import {
  DARK,
  ENGINE,
  OUT,
  SHOTS,
  answerDagrOn,
  answerFileDialog,
  answerInput,
  answerPick,
  assertSameNumbers,
  chartPoints,
  clearNotifications,
  closeWorkbench,
  explorerMenu,
  findInFrames,
  fineTune,
  fineTuneFromExplorer,
  fineTuneFromPalette,
  openSetting,
  openWorkbench,
  palette,
  pct,
  pickLightTheme,
  quickOpen,
  readSummary,
  reloadWindow,
  saveFailure,
  sleep,
  story,
  toggleProblems,
  typeIntoDialog,
  until,
  waitText,
} from './ui';
import type { Workbench } from './ui';

/** A big checkpoint whose O(N²) metrics take minutes: the job to cancel. */
async function writeBigCheckpoint(file: string): Promise<void> {
  await writeNoisePair(file, 120_000, 64);
}

// about 6 minutes on 2 idle cores (packaging included); a machine shared with other jobs needs more
void test('DAGR Lens in a real VS Code', { timeout: 10 * 60_000 }, async (t) => {
  const started = Date.now();
  const vsix = e2eStart(t);
  if (vsix === undefined) return;
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });

  // the reference numbers from the engine the extension uses (ENGINE)
  const expected = JSON.parse(
    run(process.execPath, [join(REPO, 'bin', 'dagr.js'), 'inspect', join(REPO, 'examples', 'collapsed.safetensors'), ...ENGINE, '--json']),
  ) as GeometryReport;

  const tmp = mkdtempSync(join(tmpdir(), 'dagr-e2e-'));
  // the fine-tuning runs go to the workspace's runs/ folder (git-ignored): remove what this test adds
  const runsRoot = join(REPO, 'examples', 'runs');
  const hadRuns = existsSync(runsRoot);
  const runsBefore = new Set(hadRuns ? readdirSync(runsRoot) : []);
  // all of the O(N²) work on the big file, so that job is long enough to cancel
  const baseSettings = { 'workbench.colorTheme': DARK, 'dagr.maxPairwiseRows': 0, 'window.autoDetectColorScheme': false };
  const profile = makeProfile(tmp, baseSettings);
  installVsix(profile, vsix);
  const big = join(tmp, 'big', 'big.safetensors');
  mkdirSync(join(tmp, 'big'));
  await writeBigCheckpoint(big);
  // the shipped paired dataset that every fine-tuning step trains on
  const dataset = join(REPO, 'examples', 'paired', 'imbalanced.safetensors');

  let wb: Workbench | undefined;
  try {
    wb = await openWorkbench(profile, join(REPO, 'examples'));
    const p = wb.page;
    const { step } = story(t, () => saveFailure(wb, profile));

    await step("Quick Open the collapsed example: the CLI's effective ranks, its warnings announced", async () => {
      // 1. Quick Open the collapsed example: the geometry editor is its default editor
      await quickOpen(p, 'collapsed.safetensors');
      for (const [name, m] of Object.entries(expected.modalities)) {
        const { text } = await findInFrames(p, `#effective-rank-${name}`, 90_000);
        assert.equal(text.match(/-?\d+(\.\d+)?/)?.[0], m.effectiveRank.toFixed(2), `effective rank of ${name} shown in the view`);
      }
      // the new warnings were announced, with the two actions
      const note = p.locator('.notification-toast', { hasText: 'DAGR: collapsed.safetensors' });
      await note.waitFor({ timeout: 20_000 });
      assert.ok((await note.getByRole('button', { name: 'Fine-Tune with DAGR' }).count()) > 0);
      await clearNotifications(p);
      await sleep(1500); // charts finish drawing
      await p.screenshot({ path: join(OUT, 'geometry-dark.png') });
      // and the lower half (drift histogram, PCA scatter), for a person checking the charts
      const view = await findInFrames(p, '#effective-rank-visual', 5_000);
      await view.frame.evaluate('window.scrollTo(0, document.body.scrollHeight)');
      await sleep(800);
      await p.screenshot({ path: join(OUT, 'geometry-dark-lower.png') });
      await view.frame.evaluate('window.scrollTo(0, 0)');
      if (SHOTS !== OUT) copyFileSync(join(OUT, 'geometry-dark.png'), join(SHOTS, 'geometry-dark.png'));
    });

    await step('its warnings are in the Problems panel', async () => {
      // 2. the warning is in the Problems panel
      assert.ok(expected.warnings.length > 0, 'the collapsed example has warnings');
      await toggleProblems(p);
      try {
        for (const w of expected.warnings) {
          await p
            .locator('.markers-panel .monaco-list-row', { hasText: w.message.slice(0, 40) })
            .first()
            .waitFor({ timeout: 20_000 });
        }
      } catch (e) {
        const text = await p
          .locator('.markers-panel')
          .first()
          .textContent()
          .catch(() => 'no .markers-panel');
        throw new Error(`warning not in the Problems panel; it shows: ${(text ?? '').slice(0, 300)}`, { cause: e });
      }
      await p.screenshot({ path: join(OUT, 'problems.png') });
      // an entry's code is a link to the card its warning is about: the report scrolls there and focuses it
      for (const w of [expected.warnings.find((x) => x.pair !== undefined), expected.warnings.find((x) => x.modality !== undefined)]) {
        if (!w) continue;
        const card = w.modality !== undefined ? `modality-${w.modality}` : `pair-${(w.pair ?? '').replace('/', '-')}`;
        await p
          .locator('.markers-panel .monaco-list-row', { hasText: w.message.slice(0, 40) })
          .first()
          .locator('a.monaco-link')
          .click();
        const { frame } = await findInFrames(p, `#${card}`, 20_000);
        await until(`the ${card} card revealed from its Problems entry`, 20_000, async () =>
          (await frame.evaluate('document.activeElement?.id')) === card ? true : undefined,
        );
      }
      await toggleProblems(p); // closed again
    });

    await step('the light theme, picked as a person would', async () => {
      // 3. light theme, picked as a person would (the webview follows VS Code's theme variables)
      await pickLightTheme(p);
      await sleep(2500); // the webview re-reads the theme variables and redraws
      await findInFrames(p, '#effective-rank-visual', 20_000);
      await p.screenshot({ path: join(OUT, 'geometry-light.png') });
      if (SHOTS !== OUT) copyFileSync(join(OUT, 'geometry-light.png'), join(SHOTS, 'geometry-light.png'));
    });

    await step("Export Report (JSON) through the save dialog writes the CLI's numbers", async () => {
      // 3b. Export Report (JSON) from the palette, through VS Code's own save dialog (code-server's
      // is the simple dialog: a path in a quick input); the file holds the CLI's numbers
      const exported = join(tmp, 'export', 'collapsed.dagr.json');
      mkdirSync(join(tmp, 'export'));
      await palette(p, 'DAGR: Export Report (JSON)');
      await typeIntoDialog(p, exported);
      for (const end = Date.now() + 20_000; !existsSync(exported); await sleep(250)) {
        if (Date.now() > end) assert.fail(`the export did not write ${exported}`);
      }
      await p.locator('.notification-toast', { hasText: 'DAGR: report exported to' }).waitFor({ timeout: 10_000 });
      const saved = JSON.parse(readFileSync(exported, 'utf8')) as GeometryReport;
      assertSameNumbers(saved.modalities, expected.modalities, 'exported modalities');
      assertSameNumbers(saved.pairs, expected.pairs, 'exported pairs');
      assert.deepEqual(saved.warnings, expected.warnings);
      assert.equal(saved.n, expected.n);
      await clearNotifications(p);
    });

    await step("the view's τ control recomputes: the CLI's drift beyond τ", async () => {
      // 3c. recompute from the view's own controls: τ = 3.5 gives the CLI's drift beyond τ
      const atTau = JSON.parse(
        run(process.execPath, [
          join(REPO, 'bin', 'dagr.js'),
          'inspect',
          join(REPO, 'examples', 'collapsed.safetensors'),
          '--tau',
          '3.5',
          ...ENGINE,
          '--json',
        ]),
      ) as GeometryReport;
      const driftId = '#drift-beyond-audio-visual';
      const drift = await findInFrames(p, driftId, 10_000);
      assert.equal(drift.text, pct(expected.pairs[0]?.drift?.fractionBeyondTau ?? NaN, expected.n));
      await drift.frame.fill('#control-tau', '3.5');
      await drift.frame.press('#control-tau', 'Tab'); // a control recomputes on commit
      await waitText(drift.frame, driftId, pct(atTau.pairs[0]?.drift?.fractionBeyondTau ?? NaN, atTau.n), 60_000);
      assert.notEqual(atTau.pairs[0]?.drift?.fractionBeyondTau, expected.pairs[0]?.drift?.fractionBeyondTau, 'τ = 3.5 changes the number');
    });

    await step('a threshold set in the Settings UI is read live', async () => {
      // 3d. a settings change is read live: a low dimensional-collapse threshold, set in the Settings
      // UI, clears its Problems entry (and the view's warning); the default brings it back
      const collapse = expected.warnings.find((w) => w.code === 'dimensional-collapse');
      assert.ok(collapse, 'the collapsed example has a dimensional-collapse warning');
      const collapseRow = p.locator('.markers-panel .monaco-list-row', { hasText: collapse.message.slice(0, 40) });
      await toggleProblems(p);
      await collapseRow.first().waitFor({ timeout: 20_000 });
      const threshold = await openSetting(p, 'dagr.thresholds.dimensionalCollapse', 'Dimensional Collapse');
      await threshold.fill('0.01');
      await threshold.press('Tab');
      await collapseRow.first().waitFor({ state: 'detached', timeout: 20_000 });
      await p.screenshot({ path: join(OUT, 'settings-live.png') });
      await threshold.fill('0.1');
      await threshold.press('Tab');
      await collapseRow.first().waitFor({ timeout: 20_000 });
      await p.keyboard.press('Control+W'); // the Settings editor; the geometry view is shown again
      await toggleProblems(p);
      // the view followed both changes: its warning is back
      await findInFrames(p, '#warnings li[data-code="dimensional-collapse"]', 20_000);
    });

    await step('a long job cancelled from its notification; the next one runs promptly', async (st) => {
      // 4. a long job, cancelled from its progress notification
      await quickOpen(p, big);
      const toast = p.locator('.notification-toast', { hasText: 'DAGR: inspecting big.safetensors' });
      await toast.waitFor({ timeout: 30_000 });
      await sleep(3000);
      await toast.hover();
      await toast.getByRole('button', { name: 'Cancel' }).click();
      await toast.waitFor({ state: 'detached', timeout: 15_000 });
      // the view of big.safetensors says the job was cancelled (not a report, not another error)
      const cancelledView = await findInFrames(p, '#error-message', 15_000);
      assert.equal(cancelledView.text, 'Cancelled. Change a control or run the command again to recompute.');
      assert.ok(await cancelledView.frame.isVisible('#error-banner'), 'the cancel is shown in the banner');
      await p.screenshot({ path: join(OUT, 'cancelled.png') });

      // responsive: the palette opens, and a new job runs promptly (the cancelled one is not hogging the process)
      const t0 = Date.now();
      await quickOpen(p, 'healthy.safetensors');
      const healthy = JSON.parse(
        run(process.execPath, [
          join(REPO, 'bin', 'dagr.js'),
          'inspect',
          join(REPO, 'examples', 'healthy.safetensors'),
          ...ENGINE,
          '--json',
        ]),
      ) as GeometryReport;
      const { text } = await findInFrames(p, '#effective-rank-audio', 60_000);
      assert.equal(text.match(/-?\d+(\.\d+)?/)?.[0], healthy.modalities.audio?.effectiveRank.toFixed(2));
      st.diagnostic(`after cancel, the next report took ${Date.now() - t0} ms`);
      assert.ok(Date.now() - t0 < 45_000, 'a job after a cancel runs promptly');
      await palette(p, 'DAGR: Show Engine Info');
      await p.locator('.notification-toast', { hasText: 'DAGR engine:' }).waitFor({ timeout: 60_000 });
      const engineLine =
        (await p.locator('.notification-toast .notification-list-item-message', { hasText: 'DAGR engine:' }).first().textContent()) ?? '';
      st.diagnostic(`engine: ${engineLine.trim()}`);
      await p.screenshot({ path: join(OUT, 'engine-info.png') });
    });

    await step('a run opened from the Explorer: one checkpoint per epoch', async () => {
      // 5. a run from the Explorer's context menu: one curve point per epoch
      await explorerMenu(p, 'run-collapse', 'Open Run…');
      const count = await findInFrames(p, '#checkpoint-count', 60_000);
      assert.match(count.text, /^10 checkpoints/);
      await sleep(1500);
      await p.screenshot({ path: join(OUT, 'run.png') });
    });

    await step('after a window reload the run panel comes back and recomputes', async () => {
      // 6. after a window reload the panel comes back (serializer) and recomputes from its source path
      await reloadWindow(p);
      const restored = await findInFrames(p, '#checkpoint-count', 90_000); // at once, from the saved state
      assert.match(restored.text, /^10 checkpoints/);
      // then recomputed from its source path: the Problems entries (not persisted) come back
      await p.waitForFunction(`/[1-9]/.test(document.querySelector('[id="status.problems"]')?.textContent ?? '')`, undefined, {
        timeout: 90_000,
      });
      await sleep(1000);
    });

    await step('fine-tuning from the palette, cancelled in its panel, opens the kept run', async (st) => {
      // 7. fine-tuning from the palette on the shipped paired dataset: live epochs, Cancel in the panel,
      // the run (kept, marked cancelled) opens at the end. 10 epochs of ~2 s each: Cancel, clicked
      // after the first, lands long before the last, and the run folder must show that it did.
      const training = await fineTune(p, () => fineTuneFromPalette(p, dataset));
      const trainName = ((await training.textContent('#view-title')) ?? '').replace(/^Fine-tuning · /, '').trim();
      assert.ok(trainName !== '', 'the training panel names its run');
      const trainDir = join(runsRoot, trainName);
      const configured = (JSON.parse(readFileSync(join(trainDir, 'config.json'), 'utf8')) as { epochs: number }).epochs;
      assert.ok(configured >= 5, `a run of ${configured} epochs, long enough to cancel mid-way`);
      await p.screenshot({ path: join(OUT, 'training.png') });
      await training.click('#training-cancel');
      // the run opens when training stops: this run, with the epochs it finished
      const ran = await findInFrames(p, `#view-title:has-text("Run · ${trainName}")`, 60_000);
      const cancelled = readSummary(trainDir);
      st.diagnostic(`cancelled run: ${cancelled.epochsCompleted} of ${configured} epochs: ${cancelled.message ?? ''}`);
      assert.equal(cancelled.status, 'cancelled', 'summary.json records the cancel');
      assert.ok(
        cancelled.epochsCompleted >= 1 && cancelled.epochsCompleted < configured,
        `${cancelled.epochsCompleted} of ${configured} epochs ran`,
      );
      assert.equal(
        cancelled.message,
        `cancelled during epoch ${cancelled.epochsCompleted + 1}; resume continues from epoch ${cancelled.epochsCompleted + 1}`,
      );
      assert.equal(
        readFileSync(join(trainDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length,
        cancelled.epochsCompleted,
        'a metrics line per finished epoch',
      );
      assert.equal(readdirSync(join(trainDir, 'checkpoints')).length, cancelled.epochsCompleted, 'a checkpoint per finished epoch');
      await waitText(
        ran.frame,
        '#checkpoint-count',
        `${cancelled.epochsCompleted} checkpoint${cancelled.epochsCompleted === 1 ? '' : 's'}`,
        60_000,
      );
      await p.screenshot({ path: join(OUT, 'training-run.png') });
      // and the training panel, shown again, says it was cancelled after those epochs (how the run
      // ended comes first in its status line since issue 14)
      await p.locator('.tabs-container .tab', { hasText: 'Training: imbalanced.safetensors' }).first().click();
      let trainSeen = '';
      await until(
        'the training panel saying it was cancelled',
        30_000,
        async () => {
          const { text } = await findInFrames(p, '#training-status', 2_000);
          trainSeen = text;
          return text.includes(`epoch ${cancelled.epochsCompleted}/${configured}`) &&
            text.startsWith(`Cancelled: ${cancelled.message ?? ''}`)
            ? true
            : undefined;
        },
        () => trainSeen,
      );
    });

    await step('a reload while training runs leaves a panel without Cancel that opens the run', async (st) => {
      // 8. a window reload while training runs ends the job with the extension host: the restored
      // panel offers no Cancel, says how its folder ended, and opens that run
      await fineTune(p, () => fineTuneFromExplorer(p, 'paired', 'imbalanced.safetensors'));
      await reloadWindow(p);
      const after = await findInFrames(p, '#training-status', 90_000);
      await after.frame.locator('#training-open-run').waitFor({ timeout: 20_000 }); // once the folder is read
      const status = (await after.frame.textContent('#training-status')) ?? '';
      st.diagnostic(`restored training panel: ${status}`);
      assert.match(status, /interrupted|cancelled/);
      assert.equal(await after.frame.locator('#training-cancel').count(), 0, 'no Cancel without a job');
      await p.screenshot({ path: join(OUT, 'training-restored.png') });
      await after.frame.click('#training-open-run');
      const reopened = await findInFrames(p, '#checkpoint-count', 60_000);
      assert.match(reopened.text, /^[1-9]\d* checkpoints?$/);
    });

    await step('Compare with DAGR Off draws both runs in one panel', async () => {
      // 9. Compare with DAGR Off from the palette: the DAGR-on run, then the baseline drawn dashed on
      // the same charts of one panel; both runs finish and the DAGR-on run opens
      await clearNotifications(p);
      await palette(p, 'DAGR: Compare with DAGR Off');
      await answerFileDialog(p, 'Paired dataset', dataset);
      await answerDagrOn(p);
      const cmpSel = 'p.caption:has-text("dashed: DAGR off")';
      const cmpView = await findInFrames(p, cmpSel, 150_000); // the caption shows once the DAGR-off run has an epoch
      const cmpName = ((await cmpView.frame.textContent('#view-title')) ?? '').replace(/^Fine-tuning · /, '').trim();
      assert.ok(cmpName !== '', 'the comparison panel names its run');
      // the strong and weak modalities: one effective-rank point each per epoch, for each run
      let cmpSeen = '';
      const cmpEpochs = await until(
        'the DAGR-off run drawn beside the finished DAGR-on run',
        150_000,
        async () => {
          const { frame } = await findInFrames(p, cmpSel, 2_000);
          const status = (await frame.textContent('#training-status')) ?? '';
          const points = await chartPoints(frame, 'training-rank');
          cmpSeen = `${status}; ${points} effective-rank points`;
          const m = /epoch (\d+)\/(\d+)/.exec(status);
          return m && m[1] === m[2] && /^Completed/.test(status) && points > 2 * Number(m[2]) ? Number(m[2]) : undefined;
        },
        () => cmpSeen,
      );
      await p.screenshot({ path: join(OUT, 'compare-dagr-off.png') });
      // when the baseline finishes, the DAGR-on run opens (its panel replaces the comparison's)
      const cmpRun = await findInFrames(p, `#view-title:has-text("Run · ${cmpName}")`, 120_000);
      await waitText(cmpRun.frame, '#checkpoint-count', `${cmpEpochs} checkpoints`, 60_000);
      for (const dir of [cmpName, `${cmpName}-dagr-off`]) {
        const summary = readSummary(join(runsRoot, dir));
        assert.equal(summary.status, 'completed', `${dir} completed`);
        assert.equal(summary.epochsCompleted, cmpEpochs, `${dir}: every epoch`);
      }
    });

    await step('a sweep of two points: the Pareto view, a row opens its run', async () => {
      // 10. Sweep over λ_anc ∈ {0, 0.1} × τ ∈ {0.5}: both points in the Pareto view, and a row opens its run
      await palette(p, 'DAGR: Sweep');
      await answerFileDialog(p, 'Paired dataset', dataset);
      await answerDagrOn(p);
      await answerPick(p, 'Sweep over', 'λ_anc × τ');
      await answerInput(p, 'Values of lambdaAnc', '0, 0.1');
      await answerInput(p, 'Values of tau', '0.5');
      let sweepSeen = '';
      const sweepView = await until(
        'a finished sweep of 2 runs',
        150_000,
        async () => {
          const { frame, text } = await findInFrames(p, '#sweep-status', 2_000);
          sweepSeen = text;
          return /^2 runs · done/.test(text) ? frame : undefined;
        },
        () => sweepSeen,
      );
      const rows = sweepView.locator('#sweep-table tbody tr[data-run]');
      assert.equal(await rows.count(), 2, 'a table row per point');
      assert.equal(await chartPoints(sweepView, 'pareto'), 2, 'a Pareto chart point per run');
      assert.ok((await sweepView.locator('#sweep-table tr[data-pareto="true"]').count()) >= 1, 'a point on the front');
      const params = (await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')?.textContent?.trim() ?? ''))).sort();
      assert.deepEqual(params, ['0', '0.1'], 'λ_anc of the rows');
      assert.equal(await sweepView.locator('#sweep-cancel').count(), 0, 'no Cancel once done');
      await p.screenshot({ path: join(OUT, 'sweep.png') });
      const pointRun = (await rows.first().getAttribute('data-run')) ?? '';
      assert.ok(pointRun.startsWith(runsRoot), `the sweep's runs are in the workspace's runs folder: ${pointRun}`);
      await rows.first().click();
      const pointView = await findInFrames(p, `#view-title:has-text("Run · ${basename(pointRun)}")`, 60_000);
      await waitText(pointView.frame, '#checkpoint-count', `${readSummary(pointRun).epochsCompleted} checkpoints`, 60_000);
    });

    await step("Embed with ONNX Encoder writes the CLI's embeddings and never overwrites", async () => {
      // 11. Embed with ONNX Encoder: a tiny MatMul model over a 64 × 12 array writes 64 × 8 embeddings
      // that open in the Geometry view with the CLI's numbers; an existing output is never overwritten
      const embDir = join(tmp, 'embed');
      mkdirSync(embDir);
      const model = join(embDir, 'encoder.onnx');
      const input = join(embDir, 'x.npy');
      const embOut = join(embDir, 'x.embeddings.safetensors');
      writeFileSync(input, npy([64, 12], f32(values(64 * 12, 21))));
      writeFileSync(model, matmulModel(Float32Array.from(values(12 * 8, 22)), 12, 8));
      const embed = async (overwrite: boolean): Promise<void> => {
        await clearNotifications(p);
        await palette(p, 'DAGR: Embed with ONNX Encoder');
        await answerFileDialog(p, 'ONNX encoder model', model);
        await answerFileDialog(p, 'Input array for the encoder', input);
        await answerFileDialog(p, 'Write embeddings to', embOut, overwrite);
        // an existing output is refused right after the dialog, before the name is asked
        if (!overwrite) await answerInput(p, 'Modality name for the embeddings', 'enc');
      };
      await embed(false);
      const wrote = p.locator('.notification-toast', { hasText: 'DAGR: wrote 64 × 8 embeddings to x.embeddings.safetensors' });
      await wrote.waitFor({ timeout: 60_000 });
      assert.ok(existsSync(embOut), 'the embeddings file is written');
      const embReport = JSON.parse(run(process.execPath, [join(REPO, 'bin', 'dagr.js'), 'inspect', embOut, '--json'])) as GeometryReport;
      assert.equal(embReport.n, 64);
      assert.deepEqual(Object.keys(embReport.modalities), ['enc']);
      await wrote.getByRole('button', { name: 'Inspect' }).click();
      const embRank = await findInFrames(p, '#effective-rank-enc', 60_000);
      assert.equal(
        embRank.text.match(/-?\d+(\.\d+)?/)?.[0],
        embReport.modalities.enc?.effectiveRank.toFixed(2),
        'effective rank of the embeddings shown in the view',
      );
      assert.equal((await embRank.frame.textContent('#dim-enc'))?.match(/\d+/)?.[0], '8', 'the encoder output dimension');
      await p.screenshot({ path: join(OUT, 'embed.png') });
      // the same output again: VS Code's own "already exists" question accepted, the extension still refuses
      const embBytes = readFileSync(embOut);
      await embed(true);
      await p
        .locator('.notification-toast', { hasText: 'x.embeddings.safetensors already exists' })
        .filter({ hasText: 'never written over' })
        .waitFor({ timeout: 60_000 });
      assert.ok(readFileSync(embOut).equals(embBytes), 'the existing embeddings file is unchanged');
      await clearNotifications(p);
    });
    await step('no Content Security Policy violations in the browser console', async (st) => {
      const csp = (wb?.consoleErrors ?? []).filter((e) => /Content Security Policy/i.test(e));
      assert.deepEqual(csp, [], 'no CSP violations');
      st.diagnostic(`e2e took ${Math.round((Date.now() - started) / 1000)} s`);
    });
  } catch (e) {
    // a failure before the steps (starting code-server or the browser): what there is, for the report
    await saveFailure(wb, profile);
    throw e;
  } finally {
    await closeWorkbench(wb);
    rmSync(tmp, { recursive: true, force: true });
    // leave the examples as found: the runs folder, or only the runs this test wrote in it
    if (!hadRuns) rmSync(runsRoot, { recursive: true, force: true });
    else if (existsSync(runsRoot))
      for (const f of readdirSync(runsRoot)) if (!runsBefore.has(f)) rmSync(join(runsRoot, f), { recursive: true, force: true });
  }
});
