/**
 * `dagr inspect MODEL` / `dagr compare A B` on model checkpoints through the real CLI (issue 9
 * item 6): the weights report is chosen from the header, --as overrides it, the JSON names, exit
 * codes with --fail-on, --tensors, and bad input as one stderr line with exit 2.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WeightsComparison, WeightsReport, WeightsRunReport } from '../../src/protocol/weights';
import type { GeometryReport } from '../../src/protocol/report';
import { runCli } from '../fixtures/cli/run';

const BASE = 'test/fixtures/weights/base.safetensors';
const TUNED = 'test/fixtures/weights/tuned.safetensors';
const TORCH = 'test/fixtures/weights/base.pt';
const SHARD_DIR = 'test/fixtures/weights/sharded';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagr-weights-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const keys = (o: object): string[] => Object.keys(o).sort();

function oneLine(r: { code: number | null; stderr: string; stdout: string }, what: string): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(r.code, 2, `${what}: exit 2; stderr: ${r.stderr}`);
  assert.equal(lines.length, 1, `${what}: one stderr line, got:\n${r.stderr}`);
  assert.equal(r.stdout, '', `${what}: nothing on stdout`);
  assert.match(lines[0] ?? '', /^dagr: /);
  return lines[0] ?? '';
}

void test('inspect MODEL --json: kind "weights" with the issue\'s tensor fields and warnings', async () => {
  const r = await runCli(['inspect', BASE, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as WeightsReport;
  assert.equal(rep.kind, 'weights');
  assert.equal(rep.tensors.length, 34);
  const needed = ['name', 'dtype', 'shape', 'parameters', 'analysed', 'effectiveRank', 'stableRank', 'spectralNorm', 'alpha', 'nonFinite'];
  for (const t of rep.tensors) for (const k of needed) assert.ok(k in t, `${t.name}.${k}`);
  const q = rep.tensors.find((t) => t.name === 'encoder.layer.0.attention.self.query.weight');
  assert.ok(q?.alpha);
  assert.deepEqual(keys(q.alpha), ['ks', 'tailCount', 'value', 'xmin']);
  assert.equal(rep.tensors.find((t) => t.name === 'patch_embed.proj.weight')?.alpha, null);
  assert.ok(Array.isArray(rep.warnings) && rep.warnings.length >= 2);
  for (const w of rep.warnings) assert.deepEqual(keys(w), ['code', 'message', 'severity', 'tensor', 'threshold', 'value']);
});

void test('human output: a table row per tensor and the warnings', async () => {
  const r = await runCli(['inspect', BASE]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^dagr weights report: /);
  assert.match(r.stdout, /encoder\.layer\.1\.attention\.self\.query\.weight\s+float32\s+\[32, 32\]\s+1,024\s+\d+\.\d\d/);
  assert.match(r.stdout, /ERROR\s+non-finite: encoder\.layer\.1\.broken\.weight: 2 NaN\/Inf values \(first: NaN at index \[2, 5\]\)/);
  assert.match(r.stdout, /WARNING rank-collapse: encoder\.layer\.1\.collapsed\.weight/);
});

void test('--fail-on: NaN is an error (exit 3), alpha information never fails, a clean selection exits 0', async () => {
  assert.equal((await runCli(['inspect', BASE, '--fail-on', 'error'])).code, 3);
  assert.equal((await runCli(['inspect', BASE, '--fail-on', 'warning', '--tensors', 'collapsed'])).code, 3);
  assert.equal((await runCli(['inspect', BASE, '--fail-on', 'error', '--tensors', 'collapsed'])).code, 0);
  // key.weight of layer 1 has alpha below 2 (information only)
  const r = await runCli([
    'inspect',
    BASE,
    '--fail-on',
    'warning',
    '--tensors',
    '^encoder\\.layer\\.1\\.attention\\.self\\.key\\.weight$',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as WeightsReport;
  assert.deepEqual(
    rep.warnings.map((w) => w.code),
    ['alpha-out-of-band'],
  );
  assert.equal(rep.analysed, 1);
});

void test('--as embeddings with --modalities: an embedding table of the model as embeddings (kind "embeddings")', async () => {
  const r = await runCli(['inspect', BASE, '--as', 'embeddings', '--modalities', 'embeddings.word_embeddings.weight', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as GeometryReport;
  assert.equal(rep.kind, 'embeddings');
  assert.equal(rep.n, 100);
  assert.deepEqual(Object.keys(rep.modalities), ['embeddings.word_embeddings.weight']);
  // --as embeddings without a choice: the model's matrices have different row counts
  oneLine(await runCli(['inspect', BASE, '--as', 'embeddings']), '--as embeddings');
});

void test('the embeddings examples still get the embeddings report; --as weights gives their weights report', async () => {
  const e = await runCli(['inspect', 'examples/healthy.safetensors', '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout) as GeometryReport).kind, 'embeddings');
  const w = await runCli(['inspect', 'examples/healthy.safetensors', '--as', 'weights', '--json']);
  assert.equal(w.code, 0, w.stderr);
  assert.equal((JSON.parse(w.stdout) as WeightsReport).kind, 'weights');
});

void test('sharded: the index, one shard, and the folder all open the whole set with the shard per tensor', async () => {
  for (const p of [join(SHARD_DIR, 'model.safetensors.index.json'), join(SHARD_DIR, 'model-00002-of-00002.safetensors'), SHARD_DIR]) {
    const r = await runCli(['inspect', p, '--json', '--tensors', 'lm_head']);
    assert.equal(r.code, 0, `${p}: ${r.stderr}`);
    const rep = JSON.parse(r.stdout) as WeightsReport;
    assert.equal(rep.tensors.length, 34, p);
    assert.equal(rep.tensors.find((t) => t.name === 'lm_head.weight')?.shard, 'model-00002-of-00002.safetensors', p);
  }
});

void test('compare A B --json: kind "weightsComparison" with the update metrics, onlyInA/B, shapeChanged', async () => {
  const r = await runCli(['compare', TORCH, TUNED, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout) as WeightsComparison;
  assert.equal(c.kind, 'weightsComparison');
  for (const t of c.tensors)
    for (const k of ['name', 'relativeChange', 'deltaEffectiveRank', 'deltaStableRank', 'deltaSpectralNorm'])
      assert.ok(k in t, `${t.name}.${k}`);
  assert.deepEqual(c.onlyInA, ['pooler.dense.weight']);
  assert.deepEqual(c.onlyInB, ['classifier.weight']);
  assert.deepEqual(c.shapeChanged, [{ name: 'embeddings.position_embeddings.weight', shapeA: [16, 32], shapeB: [20, 32] }]);
  const h = await runCli(['compare', BASE, TUNED]);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /Only in A \(1\): pooler\.dense\.weight/);
  assert.match(h.stdout, /Shape changed \(1\): embeddings\.position_embeddings\.weight \[16, 32\] -> \[20, 32\]/);
});

void test('bad input: one line, exit 2', async () => {
  oneLine(await runCli(['inspect', BASE, '--tensors', '(unclosed']), 'bad regex');
  oneLine(await runCli(['inspect', BASE, '--as', 'nonsense']), 'bad --as');
  oneLine(await runCli(['inspect', BASE, '--as', 'embeddings', '--tensors', 'x']), '--tensors with --as embeddings');
  oneLine(await runCli(['inspect', BASE, '--weight-rank-fraction', '2']), 'fraction above 1');
  oneLine(await runCli(['inspect', BASE, '--alpha-min', '7']), 'alpha band upside down');
  // a model file cut short: the reader's one line names the file
  const cut = join(dir, 'cut.safetensors');
  writeFileSync(cut, readFileSync(BASE).subarray(0, 60_000));
  const line = oneLine(await runCli(['inspect', cut, '--as', 'weights']), 'truncated');
  assert.match(line, /cut\.safetensors/);
  oneLine(await runCli(['inspect', join(dir, 'missing.safetensors'), '--as', 'weights']), 'missing');
  oneLine(await runCli(['compare', BASE, join(dir, 'missing.pt'), '--as', 'weights']), 'compare with a missing side');
});

void test('a run folder of model checkpoints: the weights report per epoch, in order', async () => {
  const run = join(dir, 'run');
  mkdirSync(run);
  copyFileSync(TUNED, join(run, 'epoch_10.safetensors'));
  copyFileSync(BASE, join(run, 'epoch_2.safetensors'));
  const r = await runCli(['inspect', run, '--json', '--tensors', 'collapsed']);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as WeightsRunReport;
  assert.equal(rep.kind, 'weightsRun');
  assert.deepEqual(
    rep.checkpoints.map((c) => c.epoch),
    [2, 10],
  );
  const ranks = rep.checkpoints.map((c) => c.report.tensors.find((t) => t.name === 'encoder.layer.1.collapsed.weight')?.effectiveRank ?? 0);
  assert.ok(ranks[0]! < 1.01 && ranks[1]! > 1.1, `the rank-4 update lifts the collapsed matrix: ${ranks.join(', ')}`);
  const h = await runCli(['inspect', run, '--tensors', 'collapsed', '--fail-on', 'warning']);
  assert.equal(h.code, 3, h.stderr);
  assert.match(h.stdout, /^dagr weights run: .* \(2 checkpoints\)/);
  assert.match(h.stdout, /epoch_2\.safetensors[^\n]+rank-collapse x1/);
});
