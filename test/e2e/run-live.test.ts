/**
 * A run view follows its folder in a real VS Code (issue 10 part 1, issue 14 item 3), code-server
 * driven by Debian's Chromium: a run folder of five healthy epochs is opened from the Explorer;
 * epochs written while it is open (under a temporary name, then renamed, as the README's snippet
 * does) are added to the view without reopening it; the run's warnings are one Problems entry
 * each (not one per epoch checkpoint), the notification names the epoch a warning first appeared
 * at, and closing the run view clears its entries. Skips (with a message) when code-server cannot
 * be installed, unless CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../../src/protocol/report';
import { REPO, e2eStart } from './harness';
import {
  OUT,
  chartPoints,
  closeWorkbench,
  explorerMenu,
  dagrJson,
  ENGINE,
  darkWorkspace,
  findInFrames,
  openWorkbench,
  palette,
  saveFailure,
  sleep,
  story,
  toggleProblems,
  until,
} from './ui';
import type { Workbench } from './ui';

const EXAMPLE = join(REPO, 'examples', 'run-collapse');

async function attrIn(wb: Workbench, selector: string, attr: string): Promise<string | undefined> {
  for (const frame of wb.page.frames()) {
    const v = await frame.getAttribute(selector, attr, { timeout: 200 }).catch(() => null);
    if (v !== null) return v;
  }
  return undefined;
}

/** What a training script does: write under a temporary name, then rename. */
function writeEpoch(folder: string, epoch: number): void {
  const name = `epoch_${String(epoch).padStart(2, '0')}.safetensors`;
  copyFileSync(join(EXAMPLE, name), join(folder, `${name}.tmp`));
  renameSync(join(folder, `${name}.tmp`), join(folder, name));
}

// about 3 minutes on 2 idle cores (packaging included)
void test('A run view follows its folder in a real VS Code', { timeout: 10 * 60_000 }, async (t) => {
  const vsix = e2eStart(t);
  if (vsix === undefined) return;
  mkdirSync(OUT, { recursive: true });

  const { ws, profile } = darkWorkspace('dagr-e2e-live-', vsix);
  const folder = join(ws, 'live-run');
  mkdirSync(folder);
  for (let e = 1; e <= 5; e++) writeEpoch(folder, e);
  // what the CLI says about the whole example run: its warnings, grouped, at the newest epoch
  const full = dagrJson<RunReport>(['inspect', EXAMPLE, ...ENGINE, '--json']);
  const active = (full.runWarnings ?? []).filter((w) => w.active && w.severity !== 'info');
  assert.ok(active.length >= 2, 'the example run ends with at least two warnings');
  assert.ok(
    full.checkpoints.filter((c) => c.report.warnings.length > 0).length > active.length,
    'more warning checkpoints than warnings: grouping is visible',
  );

  let wb: Workbench | undefined;
  try {
    wb = await openWorkbench(profile, ws);
    const w = wb;
    const p = w.page;
    const { step } = story(t, () => saveFailure(w, profile, 'run-live-'));
    let seen = 0;
    const count = async (): Promise<number> => (seen = Number(await attrIn(w, '#checkpoint-count', 'data-value')));

    await step('the run folder opens from the Explorer with its five epochs, following the folder', async () => {
      await explorerMenu(p, 'live-run', 'Open Run…');
      await findInFrames(p, '#checkpoint-count', 90_000);
      await until(
        'five checkpoints',
        90_000,
        async () => ((await count()) === 5 ? true : undefined),
        () => `${seen} checkpoints`,
      );
      await until('the view says it follows the folder', 30_000, async () =>
        (await attrIn(w, '#run-live', 'data-following')) === 'true' ? true : undefined,
      );
    });

    await step('an epoch written while the view is open is added to every curve', async () => {
      const points = async (): Promise<number | undefined> => {
        for (const f of p.frames()) {
          const n = await chartPoints(f, 'run-effective-rank');
          if (Number.isFinite(n)) return n;
        }
        return undefined;
      };
      const before = await until('the effective-rank curves', 20_000, points);
      writeEpoch(folder, 6);
      await until('the sixth epoch in the view', 60_000, async () => ((await count()) === 6 ? true : undefined));
      await until('the header names epoch 6 the newest', 20_000, async () =>
        (await attrIn(w, '#newest-epoch', 'data-value')) === '6' ? true : undefined,
      );
      const grown = await until('the curves grown', 20_000, async () => {
        const n = await points();
        return n !== undefined && n > before ? n : undefined;
      });
      assert.equal(grown, (before / 5) * 6, 'one more point per modality');
      await sleep(1000);
      await p.screenshot({ path: join(OUT, 'run-live-6.png') });
    });

    await step("the run's warnings: one Problems entry each, the notification names the first epoch", async () => {
      for (let e = 7; e <= 10; e++) writeEpoch(folder, e);
      await until('ten epochs in the view', 120_000, async () => ((await count()) === 10 ? true : undefined));
      await p
        .locator('.notification-toast', { hasText: /First at epoch \d+/ })
        .first()
        .waitFor({ timeout: 30_000 });
      await toggleProblems(p);
      const rows = p.locator('.markers-panel .monaco-list-row', { hasText: 'Run live-run:' });
      await until(
        `${active.length} Problems entries of the run`,
        30_000,
        async () => ((await rows.count()) === active.length ? true : undefined),
        () => `${active.length} wanted`,
      );
      await sleep(1500); // no late entry per epoch
      assert.equal(await rows.count(), active.length, 'one entry per warning of the run, not one per epoch checkpoint');
      for (const x of active) {
        const onset = full.checkpoints[x.onset]?.epoch;
        await p
          .locator('.markers-panel .monaco-list-row', { hasText: `First at epoch ${onset ?? ''}.` })
          .first()
          .waitFor({ timeout: 5_000 });
      }
      await p.screenshot({ path: join(OUT, 'run-live-problems.png') });
      await toggleProblems(p);
    });

    await step('closing the run view clears its Problems entries', async () => {
      await palette(p, 'View: Close All Editors');
      await p.waitForFunction(`!/[1-9]/.test(document.querySelector('[id="status.problems"]')?.textContent ?? '')`, undefined, {
        timeout: 30_000,
      });
    });
  } finally {
    await closeWorkbench(wb);
  }
});
