/**
 * Issue 7 item 5, report side: the members a reader could not decode (Checkpoint.skipped) reach
 * the report (`skipped`), the CLI text (one "skipped:" line each, at most 20 then a count), --json
 * and the HTML export.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../../src/engine';
import type { ArrayEntry, Checkpoint } from '../../src/io/types';
import { reportFromCheckpoint } from '../../src/jobs/inspect';
import { formatCompare, formatReport, formatRun, MAX_SKIPPED_LINES } from '../../src/cli/format';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import type { GeometryReport } from '../../src/protocol/report';
import { f32, npy, values, zip } from '../fixtures/cli/files';
import { ROOT, runCli } from '../fixtures/cli/run';

const N = 30;
const D = 4;

function entry(name: string, seed: number): ArrayEntry {
  const data = Float32Array.from(values(N * D, seed));
  return { name, dtype: 'float32', shape: [N, D], readRows: async (s = 0, e = N) => data.slice(s * D, e * D) };
}

function checkpoint(skipped: Checkpoint['skipped']): Checkpoint {
  const cp: Checkpoint = { path: 'memory.npz', format: 'npz', entries: [entry('audio', 1), entry('visual', 2)], metadata: { epoch: 3 } };
  if (skipped !== undefined) cp.skipped = skipped;
  return cp;
}

async function report(cp: Checkpoint): Promise<GeometryReport> {
  const backend = await createBackend('js');
  try {
    return await reportFromCheckpoint(
      { path: cp.path, options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS, engine: 'js' },
      cp,
      backend,
    );
  } finally {
    await backend.dispose();
  }
}

void test('a hand-made checkpoint with skipped members: the report lists each with its reason', async () => {
  const skipped = [
    { name: 'ids', reason: 'dtype <U12 (unicode strings) is not a number array' },
    { name: 'meta', reason: 'object arrays need pickle, which is never run' },
  ];
  const r = await report(checkpoint(skipped));
  assert.deepEqual(r.skipped, skipped);
  assert.deepEqual(Object.keys(r.modalities), ['audio', 'visual']);
  assert.equal(r.metadata.epoch, 3);
  // --json is the report as it is
  assert.deepEqual((JSON.parse(JSON.stringify(r)) as GeometryReport).skipped, skipped);
  const text = formatReport(r);
  assert.match(text, /^skipped: ids \(dtype <U12 \(unicode strings\) is not a number array\)$/m);
  assert.match(text, /^skipped: meta \(object arrays need pickle, which is never run\)$/m);
  // none skipped: no field, no line
  const clean = await report(checkpoint(undefined));
  assert.equal('skipped' in clean, false);
  assert.doesNotMatch(formatReport(clean), /skipped/);
  const empty = await report(checkpoint([]));
  assert.equal('skipped' in empty, false);
});

void test('thousands of skipped members: 20 lines, then how many more', async () => {
  const many = Array.from({ length: 3000 }, (_, i) => ({ name: `str_${i}`, reason: 'dtype F8_E4M3 is not supported' }));
  const r = await report(checkpoint(many));
  assert.equal(r.skipped?.length, 3000);
  const lines = formatReport(r)
    .split('\n')
    .filter((l) => l.startsWith('skipped:'));
  assert.equal(lines.length, MAX_SKIPPED_LINES + 1);
  assert.equal(lines[0], 'skipped: str_0 (dtype F8_E4M3 is not supported)');
  assert.equal(lines[MAX_SKIPPED_LINES], 'skipped: and 2980 more (all are listed in --json)');
  // compare names the side; a run lists each member once across its checkpoints
  const cmp = formatCompare({ version: 1, kind: 'compare', a: r, b: { ...r, skipped: [{ name: 'x', reason: 'y' }] }, changes: [] });
  assert.match(cmp, /^A skipped: str_0 \(/m);
  assert.match(cmp, /^B skipped: x \(y\)$/m);
  const run = formatRun({
    version: 1,
    kind: 'run',
    source: 'run',
    engine: r.engine,
    firstWarning: {},
    checkpoints: [1, 2].map((e) => ({
      file: `e${e}.npz`,
      epoch: e,
      step: null,
      report: { ...r, skipped: [{ name: 'ids', reason: 'strings' }] },
    })),
  });
  assert.equal(run.split('\n').filter((l) => l === 'skipped: ids (strings)').length, 1);
});

void test('CLI: an .npz with a string member "ids" beside the embeddings names it as skipped', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagr-skip-'));
  try {
    const file = join(dir, 'with_ids.npz');
    // ids: 30 unicode strings of up to 3 characters (UCS-4), as numpy.savez writes a '<U3' array
    const ucs4 = new Uint8Array(N * 3 * 4);
    for (let i = 0; i < N; i++) {
      const s = String(i);
      for (let c = 0; c < s.length; c++) ucs4[(i * 3 + c) * 4] = s.charCodeAt(c);
    }
    writeFileSync(
      file,
      zip([
        { name: 'audio.npy', data: npy([N, D], f32(values(N * D, 1))) },
        { name: 'visual.npy', data: npy([N, D], f32(values(N * D, 2))) },
        { name: 'ids.npy', data: npy([N], ucs4, '<U3') },
      ]),
    );
    const json = await runCli(['inspect', file, '--json', '--engine', 'js']);
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout) as GeometryReport;
    assert.deepEqual(Object.keys(r.modalities), ['audio', 'visual']);
    assert.equal(r.skipped?.length, 1, JSON.stringify(r.skipped));
    assert.equal(r.skipped?.[0]?.name, 'ids');
    assert.ok((r.skipped?.[0]?.reason ?? '').length > 0);

    const text = await runCli(['inspect', file, '--engine', 'js']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^skipped: ids \(.+\)$/m);

    if (existsSync(join(ROOT, 'dist', 'webview.js'))) {
      const html = join(dir, 'out.html');
      assert.equal((await runCli(['inspect', file, '--engine', 'js', '--html', html])).code, 0);
      const m = /<script type="application\/json" id="dagr-data"[^>]*>([\s\S]*?)<\/script>/.exec(readFileSync(html, 'utf8'));
      const view = JSON.parse(m?.[1] ?? '{}') as { report: GeometryReport };
      assert.equal(view.report.skipped?.[0]?.name, 'ids');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
