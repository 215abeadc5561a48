/**
 * The neighbours panel in a real VS Code (issue 12), code-server driven by Debian's Chromium:
 * Quick Open of a checkpoint with labels, a click on a point of the scatter lists that row's
 * nearest rows, equal to `dagr neighbors --json` for the same row (own modality and a paired one,
 * with the partner's rank); typing a row index lists rows 7 and 11 (exact ties, smaller row
 * first); the scatter shows two of the three modalities and rows selected by number save as CSV
 * through the save dialog; the pair matrix shows the pairs of the three modalities; screenshots
 * of the panel in a dark and a light theme; the compare view's movers list the most changed rows
 * of `dagr compare --movers`. Skips (with a message) when code-server cannot be installed, unless CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MoversSummary, NeighborRow } from '../../src/protocol/neighbors';
import { REPO, e2eStart } from './harness';
import {
  answerFileDialog,
  OUT,
  SHOTS,
  clearNotifications,
  closeWorkbench,
  dagrJson,
  darkWorkspace,
  findInFrames,
  openWorkbench,
  palette,
  pickLightTheme,
  quickOpen,
  saveFailure,
  sleep,
  story,
  typeIntoDialog,
  until,
} from './ui';
import type { Workbench } from './ui';

/** the neighbour table of one modality as [row, cosine text, label text] */
const READ_TABLE = (modality: string): string =>
  `Array.from(document.querySelectorAll('#neighbors-results table.neighbors-table[data-modality="${modality}"] tbody tr')).map((r) => [Number(r.dataset.row), r.children[2].textContent, r.children[3].textContent])`;

async function attrIn(wb: Workbench, selector: string, attr: string): Promise<string | undefined> {
  for (const frame of wb.page.frames()) {
    const el = await frame.$(selector).catch(() => null);
    if (el) return (await el.getAttribute(attr)) ?? undefined;
  }
  return undefined;
}

function sameAsCli(shown: [number, string, string][], cli: NeighborRow[], where: string): void {
  assert.deepEqual(
    shown.map((x) => x[0]),
    cli.map((x) => x.row),
    `${where}: rows in order`,
  );
  assert.deepEqual(
    shown.map((x) => x[1]),
    cli.map((x) => x.similarity.toFixed(4)),
    `${where}: cosines`,
  );
  assert.deepEqual(
    shown.map((x) => x[2]),
    cli.map((x) => String(x.label)),
    `${where}: labels`,
  );
}

// about 3 minutes on 2 idle cores (packaging included)
void test('The neighbours panel in a real VS Code', { timeout: 10 * 60_000 }, async (t) => {
  const vsix = e2eStart(t);
  if (vsix === undefined) return;
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });
  const { tmp, ws, profile } = darkWorkspace('dagr-e2e-neighbors-', vsix);
  const file = join(ws, 'classes.npz');
  copyFileSync(join(REPO, 'test', 'fixtures', 'neighbors', 'a.npz'), file);
  // the same rows at a later checkpoint, for the compare view's movers
  const later = join(ws, 'later.npz');
  copyFileSync(join(REPO, 'test', 'fixtures', 'neighbors', 'b.npz'), later);

  let wb: Workbench | undefined;
  try {
    wb = await openWorkbench(profile, ws);
    const w = wb;
    const p = w.page;
    const { step } = story(t, () => saveFailure(w, profile, 'neighbors-'));
    const shotBoth = async (name: string): Promise<void> => {
      const { frame } = await findInFrames(p, '#neighbors', 10_000);
      await frame.evaluate("document.querySelector('#neighbors').scrollIntoView({ block: 'start' })");
      await sleep(800);
      await p.screenshot({ path: join(OUT, name) });
      if (SHOTS !== OUT) copyFileSync(join(OUT, name), join(SHOTS, name));
    };

    await step('a click on a point of the scatter lists its nearest rows, as dagr neighbors does', async () => {
      await quickOpen(p, 'classes.npz');
      await findInFrames(p, '#effective-rank-audio', 90_000);
      // findInFrames wants text: the caption under the scatter finds the frame the canvas is in
      const { frame } = await findInFrames(p, '#projection-caption', 20_000);
      await frame.evaluate("document.querySelector('#projection canvas').scrollIntoView({ block: 'center' })");
      await sleep(1000);
      let locate: string | undefined;
      await until('the scatter reports a point position', 20_000, async () => {
        await frame.evaluate(
          "document.querySelector('#projection canvas').dispatchEvent(new CustomEvent('dagr-locate-point', { bubbles: true }))",
        );
        locate = (await frame.getAttribute('#projection canvas', 'data-locate')) ?? undefined;
        return locate;
      });
      const [x, y] = (locate ?? '0,0').split(',').map(Number) as [number, number];
      await frame.click('#projection canvas', { position: { x, y } });
      let row: string | undefined;
      await until('the neighbours arrive', 60_000, async () => {
        row = await attrIn(w, '#neighbors-results', 'data-query-row');
        return row;
      });
      const modality = (await attrIn(w, '#neighbors-results', 'data-query-modality')) ?? '';
      assert.ok(['audio', 'visual', 'text'].includes(modality), `clicked a point of a modality: ${modality}`);
      const own = dagrJson<NeighborRow[]>(['neighbors', file, '--modality', modality, '--row', String(row), '--k', '10', '--json']);
      sameAsCli((await frame.evaluate(READ_TABLE(modality))) as [number, string, string][], own, `${modality} row ${row}`);
      // a paired modality of the same width: its list and the partner's rank
      const other = modality === 'visual' ? 'audio' : modality === 'audio' ? 'visual' : undefined;
      if (other) {
        const paired = dagrJson<NeighborRow[]>([
          'neighbors',
          file,
          '--modality',
          modality,
          '--in',
          other,
          '--row',
          String(row),
          '--k',
          '10',
          '--json',
        ]);
        sameAsCli((await frame.evaluate(READ_TABLE(other))) as [number, string, string][], paired, `${modality} row ${row} in ${other}`);
        assert.ok(
          Number(await attrIn(w, `#neighbors-results .neighbors-list[data-modality="${other}"] .neighbors-partner`, 'data-partner-rank')) >=
            1,
        );
      }
    });

    await step('typing a row index: exact ties come in row order (rows 7 and 11 repeat row 3)', async () => {
      const { frame } = await findInFrames(p, '#neighbors-status', 10_000);
      await frame.selectOption('#neighbors-modality', 'audio');
      await frame.fill('#neighbors-row', '3');
      await frame.press('#neighbors-row', 'Enter');
      await until('row 3 is shown', 60_000, async () =>
        (await attrIn(w, '#neighbors-results', 'data-query-row')) === '3' ? true : undefined,
      );
      const shown = (await frame.evaluate(READ_TABLE('audio'))) as [number, string, string][];
      assert.deepEqual(
        shown.slice(0, 2).map((r) => r[0]),
        [7, 11],
      );
      sameAsCli(
        shown,
        dagrJson<NeighborRow[]>(['neighbors', file, '--modality', 'audio', '--row', '3', '--k', '10', '--json']),
        'audio row 3',
      );
      assert.match((await frame.textContent('#neighbors-status')) ?? '', /Row 3 of 'audio' \(label 0\)/);
    });

    await step('the scatter shows two of the three modalities; selected rows save through the save dialog', async () => {
      const { frame } = await findInFrames(p, '#projection-caption', 10_000);
      await frame.selectOption('#projection-pair', { label: 'audio and visual' });
      await until('the scatter shows audio and visual', 10_000, async () =>
        (await frame.getAttribute('#projection-caption', 'data-shown')) === 'audio,visual' ? true : undefined,
      );
      // the keyboard's way to select: every row by number
      await frame.fill('#scatter-select-rows', '0-239');
      await frame.press('#scatter-select-rows', 'Enter');
      await until('240 rows selected', 10_000, async () =>
        (await frame.getAttribute('#scatter-selection', 'data-count')) === '240' ? true : undefined,
      );
      const saved = join(tmp, 'selection', 'rows.csv');
      mkdirSync(join(tmp, 'selection'));
      await frame.click('#scatter-save-csv');
      await typeIntoDialog(p, saved);
      await until(`${saved} written`, 20_000, async () => (existsSync(saved) ? true : undefined));
      const [header, ...lines] = readFileSync(saved, 'utf8').trim().split('\n');
      assert.equal(
        header,
        'row,label,audio_pc1,audio_pc2,visual_pc1,visual_pc2,selected_by,drift_audio_visual,partner_cosine_audio_visual,partner_rank_audio_to_visual',
      );
      assert.equal(lines.length, 240);
      // the per-row metrics the compute process appended: the numpy reference's rows (classes.npz is a.npz)
      const ref = JSON.parse(readFileSync(join(REPO, 'test', 'fixtures', 'neighbors', 'row-metrics.json'), 'utf8')) as {
        rows: number[];
        pairs: { a: string; b: string; drift: number[]; partnerCosine: number[]; partnerRank: number[] }[];
      };
      const av = ref.pairs.find((q) => q.a === 'audio' && q.b === 'visual');
      assert.ok(av, 'the reference has audio -> visual');
      for (const [i, row] of ref.rows.entries()) {
        const cells = (lines[row] ?? '').split(',');
        assert.equal(cells[0], String(row));
        assert.ok(Math.abs(Number(cells[7]) - (av.drift[i] as number)) <= 1e-9, `row ${row} drift ${cells[7]}`);
        assert.ok(Math.abs(Number(cells[8]) - (av.partnerCosine[i] as number)) <= 1e-9, `row ${row} partner cosine ${cells[8]}`);
        assert.equal(Number(cells[9]), av.partnerRank[i], `row ${row} partner rank`);
      }
      assert.deepEqual(
        lines.slice(0, 3).map((l) => l.split(',')[0]),
        ['0', '1', '2'],
      );
      // every row's label: the class counts of the per-class reference
      const counts = new Map<string, number>();
      for (const l of lines) counts.set(l.split(',')[1] ?? '', (counts.get(l.split(',')[1] ?? '') ?? 0) + 1);
      const classes = (
        JSON.parse(readFileSync(join(REPO, 'test', 'fixtures', 'neighbors', 'expected.json'), 'utf8')) as {
          classes: { label: number; count: number }[];
        }
      ).classes;
      assert.deepEqual(
        [...counts].sort((a, b) => Number(a[0]) - Number(b[0])),
        classes.map((c) => [String(c.label), c.count]),
      );
      await clearNotifications(p);
    });

    await step('three modalities: the pair matrix holds every computed pair', async () => {
      const { frame } = await findInFrames(p, '#pair-matrix-table', 10_000);
      const cells = (await frame.evaluate(
        "Array.from(document.querySelectorAll('#pair-matrix-table td[data-value]')).map((c) => c.dataset.pair)",
      )) as string[];
      assert.ok(cells.includes('audio/visual') && cells.includes('visual/audio'), `pair cells: ${cells.join(', ')}`);
      // audio/text differ in width: no drift there
      assert.ok(!cells.includes('audio/text'));
    });

    await step('screenshots of the panel in a dark and a light theme', async () => {
      await clearNotifications(p);
      await shotBoth('neighbors-dark.png');
      await pickLightTheme(p);
      await sleep(2500);
      await shotBoth('neighbors-light.png');
      assert.equal(
        w.consoleErrors.filter((e) => /Content Security Policy|Refused to/.test(e)).length,
        0,
        `CSP violations: ${w.consoleErrors.join('\n')}`,
      );
    });

    await step("the compare view's movers: the same most changed rows as dagr compare --movers", async () => {
      await palette(p, 'DAGR: Compare Checkpoints');
      await answerFileDialog(p, 'Compare: first checkpoint', file);
      await answerFileDialog(p, 'Compare classes.npz with', later);
      const { frame } = await findInFrames(p, '#changes tbody tr', 90_000);
      await frame.click('#movers-find');
      await until('the movers arrive', 90_000, async () => ((await frame.$$('#movers-most-audio tbody tr')).length > 0 ? true : undefined));
      const shown = (await frame.evaluate(
        "Array.from(document.querySelectorAll('#movers-most-audio tbody tr')).map((tr) => [Number(tr.dataset.row), Number(tr.dataset.jaccard)])",
      )) as [number, number][];
      const cli = dagrJson<{ moversSummary: MoversSummary[] }>(['compare', file, later, '--movers', '10', '--json']);
      const audio = cli.moversSummary.find((m) => m.modality === 'audio');
      assert.ok(audio, 'the CLI has audio movers');
      assert.deepEqual(
        shown,
        audio.mostChanged.map((m) => [m.row, m.jaccard]),
      );
    });
  } finally {
    await closeWorkbench(wb);
  }
});
