/**
 * Model checkpoints in a real VS Code (issue 9), code-server driven by Debian's Chromium: Quick
 * Open of a model.safetensors shows the weights report (not "modalities have different row
 * counts"): the tensor table at once, then the CLI's effective ranks and the layer charts; the
 * NaN tensor is an error in Problems naming its first bad index; screenshots in a dark and a light
 * theme; one click opens the embedding table's rows as an embeddings report with the CLI's
 * number; reopening is served from the cache; Compare Checkpoints on two model checkpoints shows
 * the weights comparison with the CLI's numbers; Analyze as Weights / as Embeddings switch the
 * embeddings example back and forth, and that example still opens as before.
 * Skips (with a message) when code-server cannot be installed, unless CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GeometryReport } from '../../src/protocol/report';
import type { WeightsComparison, WeightsReport } from '../../src/protocol/weights';
import { REPO, e2eStart } from './harness';
import {
  OUT,
  SHOTS,
  clearNotifications,
  closeWorkbench,
  dagrJson,
  darkWorkspace,
  explorerMenu,
  findInFrames,
  openWorkbench,
  palette,
  pickLightTheme,
  quickOpen,
  saveFailure,
  sleep,
  story,
  toggleProblems,
  until,
} from './ui';
import type { Workbench } from './ui';

const FIXTURES = join(REPO, 'test', 'fixtures', 'weights');

/** The text of `selector` in whichever frame has it now ('' when none does); never waits for it. */
async function textIn(wb: Workbench, selector: string): Promise<string> {
  for (const frame of wb.page.frames()) {
    const el = await frame.$(selector).catch(() => null);
    if (el) return ((await el.textContent()) ?? '').trim();
  }
  return '';
}

async function attrIn(wb: Workbench, selector: string, attr: string): Promise<string | undefined> {
  for (const frame of wb.page.frames()) {
    const el = await frame.$(selector).catch(() => null);
    if (el) return (await el.getAttribute(attr)) ?? undefined;
  }
  return undefined;
}

// about 3 minutes on 2 idle cores (packaging included)
void test('Model checkpoints in a real VS Code', { timeout: 10 * 60_000 }, async (t) => {
  const vsix = e2eStart(t);
  if (vsix === undefined) return;
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });

  // a workspace of its own: a model checkpoint (the repo's weights fixture) and the embeddings example
  const { ws, profile } = darkWorkspace('dagr-e2e-weights-', vsix);
  const model = join(ws, 'model.safetensors');
  copyFileSync(join(FIXTURES, 'base.safetensors'), model);
  const tuned = join(ws, 'tuned.safetensors');
  copyFileSync(join(FIXTURES, 'tuned.safetensors'), tuned);
  const example = join(ws, 'collapsed.safetensors');
  copyFileSync(join(REPO, 'examples', 'collapsed.safetensors'), example);
  const expected = dagrJson<WeightsReport>(['inspect', model, '--json']);
  assert.equal(expected.kind, 'weights', 'the CLI reads the fixture as a model checkpoint');
  const table = 'embeddings.word_embeddings.weight';
  const asEmbeddings = dagrJson<GeometryReport>(['inspect', model, '--as', 'embeddings', '--modalities', table, '--json']);
  const embExpected = asEmbeddings.modalities[table]?.effectiveRank;
  assert.ok(typeof embExpected === 'number', 'the CLI reads the embedding table as embeddings');
  const collapsed = dagrJson<GeometryReport>(['inspect', example, '--json']);
  const compared = dagrJson<WeightsComparison>(['compare', model, tuned, '--json']);
  assert.equal(compared.kind, 'weightsComparison');

  let wb: Workbench | undefined;
  try {
    wb = await openWorkbench(profile, ws);
    const w = wb;
    const p = w.page;
    const { step } = story(t, () => saveFailure(w, profile, 'weights-'));
    const shotBoth = async (name: string): Promise<void> => {
      await p.screenshot({ path: join(OUT, name) });
      if (SHOTS !== OUT) copyFileSync(join(OUT, name), join(SHOTS, name));
    };

    await step("Quick Open model.safetensors: the tensor table, then the CLI's metrics and the layer charts", async () => {
      await quickOpen(p, 'model.safetensors');
      const { text } = await findInFrames(p, '#view-title', 60_000);
      assert.equal(text, 'Weights · model.safetensors');
      assert.equal(Number(await attrIn(w, '#tensor-count', 'data-value')), expected.tensors.length);
      let status = '';
      await until(
        'the analysis finishes',
        120_000,
        async () => {
          status = await textIn(w, '#analysis-status');
          return (await attrIn(w, '#analysis-status', 'data-state')) === 'done' ? true : undefined;
        },
        () => status,
      );
      const { frame } = await findInFrames(p, '#tensor-table', 5_000);
      // page-side code as a string: the root tsconfig has no DOM types
      const shown = (await frame.evaluate(
        "Array.from(document.querySelectorAll('#tensor-table tr.tensor-row')).map((r) => [r.dataset.tensor, r.querySelector('.cell-effective-rank').textContent])",
      )) as [string, string][];
      const byName = new Map(shown.map(([n, v]) => [n, v]));
      for (const tensor of expected.tensors.filter((x) => x.effectiveRank !== null)) {
        assert.equal(byName.get(tensor.name), tensor.effectiveRank?.toFixed(2), `effective rank of ${tensor.name}`);
      }
      const points = Number(await attrIn(w, 'canvas[data-chart="layer-effective-rank"]', 'data-points'));
      assert.equal(
        points,
        expected.tensors.filter((x) => x.layer !== null && x.matrix !== null && x.effectiveRank !== null).length,
        'a point per matrix in a numbered layer',
      );
      assert.equal(await textIn(w, '#error-message'), '', 'no error banner');
      await clearNotifications(p);
      await sleep(1500); // charts finish drawing
      await shotBoth('weights-dark.png');
    });

    await step('the NaN tensor is an error in Problems, naming its first bad index', async () => {
      const nan = expected.warnings.find((x) => x.code === 'non-finite');
      assert.ok(nan, 'the fixture has a NaN tensor');
      await toggleProblems(p);
      await p
        .locator('.markers-panel .monaco-list-row', { hasText: `${nan.tensor}: ` })
        .first()
        .waitFor({ timeout: 20_000 });
      const row = (await p.locator('.markers-panel .monaco-list-row', { hasText: nan.tensor }).first().textContent()) ?? '';
      assert.match(row, /index \[2, 5\]/);
      await p.screenshot({ path: join(OUT, 'weights-problems.png') });
      await toggleProblems(p);
    });

    await step('the light theme', async () => {
      await pickLightTheme(p);
      await sleep(2500);
      // this one shows the metrics by layer (the dark one the tensor table above them)
      const { frame } = await findInFrames(p, '#tensor-table', 20_000);
      await frame.evaluate(
        "document.getElementById('tensors').scrollIntoView({ block: 'start' }); window.scrollBy(0, document.getElementById('tensors').offsetHeight - 120)",
      );
      await sleep(800);
      await shotBoth('weights-light.png');
      await frame.evaluate('window.scrollTo(0, 0)');
    });

    await step("one click opens the embedding table's rows as an embeddings report with the CLI's number", async () => {
      const { frame } = await findInFrames(p, `#embedding-tables li[data-tensor="${table}"] button`, 10_000);
      await frame.click(`#embedding-tables li[data-tensor="${table}"] button`);
      const got = await findInFrames(p, `[id="effective-rank-${table}"]`, 90_000);
      assert.equal(got.text.match(/-?\d+(\.\d+)?/)?.[0], embExpected.toFixed(2));
      await p.screenshot({ path: join(OUT, 'weights-embedding-table.png') });
    });

    await step('reopening the model is served from the cache', async () => {
      await palette(p, 'View: Close All Editors');
      await sleep(1000);
      await quickOpen(p, 'model.safetensors');
      await findInFrames(p, '#analysis-status[data-state="done"]', 30_000);
      assert.match(await textIn(w, '#analysis-status'), /from the cache/);
    });

    await step('Compare Checkpoints on two model checkpoints (Explorer, both selected): the weights comparison', async () => {
      await palette(p, 'View: Close All Editors');
      await explorerMenu(p, ['model.safetensors', 'tuned.safetensors'], 'Compare Checkpoints…');
      const { frame } = await findInFrames(p, '#delta-table', 90_000);
      assert.equal(await frame.locator('#delta-table tbody tr').count(), compared.tensors.length);
      const order = (await frame.evaluate(
        "Array.from(document.querySelectorAll('#moved-most li')).map((e) => e.dataset.tensor)",
      )) as string[];
      assert.equal(order.length, compared.mostChanged.length);
      assert.deepEqual(new Set(order), new Set(compared.mostChanged));
      const top = compared.tensors.find((x) => x.name === compared.mostChanged[0]);
      const cell = await frame.textContent(`#delta-table tr[data-tensor="${top?.name ?? ''}"] td:nth-of-type(2)`);
      assert.equal(cell, `${((top?.relativeChange ?? NaN) * 100).toFixed(2)}%`);
      await p.screenshot({ path: join(OUT, 'weights-compare.png') });
    });

    await step('the embeddings example opens as before; Analyze as Weights and back', async () => {
      await palette(p, 'View: Close All Editors');
      await quickOpen(p, 'collapsed.safetensors');
      for (const [name, m] of Object.entries(collapsed.modalities)) {
        const { text } = await findInFrames(p, `#effective-rank-${name}`, 90_000);
        assert.equal(text.match(/-?\d+(\.\d+)?/)?.[0], m.effectiveRank.toFixed(2), `effective rank of ${name}`);
      }
      await clearNotifications(p);
      await palette(p, 'DAGR: Analyze as Weights…');
      await findInFrames(p, '#tensor-table', 60_000);
      assert.equal(await textIn(w, '#view-title'), 'Weights · collapsed.safetensors');
      await palette(p, 'DAGR: Analyze as Embeddings…');
      const name = Object.keys(collapsed.modalities)[0] ?? '';
      await findInFrames(p, `#effective-rank-${name}`, 90_000);
      assert.equal(
        w.consoleErrors.filter((e) => /Content Security Policy|Refused to/.test(e)).length,
        0,
        `CSP violations: ${w.consoleErrors.join('\n')}`,
      );
    });
  } finally {
    await closeWorkbench(wb);
  }
});
