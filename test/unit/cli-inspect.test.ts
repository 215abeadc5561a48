/**
 * `dagr inspect` and `dagr compare` on the shipped examples: the JSON names of issue 2, the
 * warnings each example is documented to show, exit codes with --fail-on, the run timeline and
 * compare deltas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompareReport, GeometryReport, RunReport } from '../../src/protocol/report';
import { ROOT, runCli } from '../fixtures/cli/run';

const HEALTHY = 'examples/healthy.safetensors';
const COLLAPSED = 'examples/collapsed.safetensors';
const RUN = 'examples/run-collapse';

const keys = (o: object): string[] => Object.keys(o).sort();
const sorted = (a: string[]): string[] => [...a].sort();

async function inspectJson(args: string[]): Promise<GeometryReport> {
  const r = await runCli(['inspect', ...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as GeometryReport;
}

void test('--json has exactly the documented names', async () => {
  const r = await inspectJson([HEALTHY]);
  // Issue 2 section 5 names, plus the protocol's additions (src/protocol/report.ts); nothing else.
  assert.deepEqual(
    keys(r),
    sorted([
      'version',
      'kind',
      'source',
      'engine',
      'n',
      'options',
      'thresholds',
      'modalities',
      'pairs',
      'warnings',
      'metadata',
      'labels',
      'classes',
      'seconds',
      ...('projection' in r ? ['projection'] : []),
    ]),
  );
  assert.equal(r.kind, 'embeddings'); // issue 9: beside the weights report's 'weights'
  for (const k of ['name', 'device', 'threads']) assert.ok(k in r.engine, `engine.${k}`);
  assert.ok(keys(r.engine).every((k) => ['name', 'device', 'threads', 'note'].includes(k)));
  assert.deepEqual(keys(r.options), sorted(['t', 'tau', 'pairs', 'hinge', 'maxPairwiseRows']));
  assert.deepEqual(keys(r.modalities), ['audio', 'visual']);
  assert.equal(r.labels, 'labels');
  for (const m of Object.values(r.modalities)) {
    assert.deepEqual(
      keys(m),
      sorted([
        'dim',
        'effectiveRank',
        'effectiveRankCentered',
        'stableRank',
        'dispersiveLoss',
        'spectrum',
        'explainedVariance',
        'meanCosine',
        'deadDimensionFraction',
        'pairwiseRows',
        'dtype',
      ]),
    );
    assert.equal(m.spectrum.length, m.explainedVariance.length);
  }
  assert.equal(r.pairs.length, 1);
  const p = r.pairs[0];
  assert.ok(p);
  assert.deepEqual(keys(p), sorted(['a', 'b', 'linearCka', 'anchoringLoss', 'drift', 'modalityGap', 'retrieval', 'note']));
  assert.ok(p.drift && p.retrieval);
  assert.deepEqual(keys(p.drift), sorted(['mean', 'median', 'p90', 'p99', 'max', 'fractionBeyondTau', 'histogram']));
  assert.deepEqual(keys(p.drift.histogram), ['counts', 'edges']);
  assert.deepEqual(keys(p.retrieval), sorted(['aToB', 'bToA', 'galleryRows']));
  assert.deepEqual(keys(p.retrieval.aToB), sorted(['r1', 'r5', 'r10', 'medianRank']));
  assert.deepEqual(r.warnings, []);
});

void test('healthy: high ranks, small drift, exit 0 even with --fail-on warning', async () => {
  const r = await runCli(['inspect', HEALTHY, '--json', '--fail-on', 'warning']);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as GeometryReport;
  assert.equal(rep.n, 2000);
  for (const m of Object.values(rep.modalities)) assert.ok(m.effectiveRank > 55 && m.effectiveRank < 64, `rank ${m.effectiveRank}`);
  assert.ok((rep.pairs[0]?.drift?.mean ?? 9) < 0.2);
});

void test('collapsed: dimensional-collapse on visual and excess-drift; exit 3 only with --fail-on warning', async () => {
  const plain = await runCli(['inspect', COLLAPSED]);
  assert.equal(plain.code, 0, plain.stderr);
  const json = await runCli(['inspect', COLLAPSED, '--json', '--fail-on', 'warning']);
  assert.equal(json.code, 3, json.stderr);
  const rep = JSON.parse(json.stdout) as GeometryReport;
  const codes = rep.warnings.map((w) => `${w.code}:${w.modality ?? w.pair ?? ''}`);
  assert.ok(codes.includes('dimensional-collapse:visual'), codes.join(', '));
  assert.ok(codes.includes('excess-drift:audio/visual'), codes.join(', '));
  assert.ok((rep.modalities.visual?.effectiveRank ?? 99) < 6.4);
  assert.ok((rep.modalities.audio?.effectiveRank ?? 0) > 55);
  // Human output: the tables, the warnings and the engine.
  assert.match(plain.stdout, /engine: \S+ \(device \S+, \d+ threads?\)/);
  assert.match(plain.stdout, /Modalities[\s\S]*eff\. rank[\s\S]*visual/);
  assert.match(plain.stdout, /Pairs[\s\S]*audio\/visual/);
  assert.match(plain.stdout, /dimensional-collapse \[visual\]/);
  assert.match(plain.stdout, /excess-drift \[audio\/visual\]/);
  assert.equal(plain.stderr, '', 'no progress bar when stderr is not a terminal');
});

void test('threshold flags change what fires', async () => {
  const r = await runCli([
    'inspect',
    COLLAPSED,
    '--json',
    '--fail-on',
    'warning',
    '--threshold-dimensional-collapse',
    '0.01',
    '--threshold-excess-drift',
    '1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as GeometryReport;
  assert.equal(rep.thresholds.dimensionalCollapse, 0.01);
  assert.equal(rep.thresholds.excessDrift, 1);
  assert.deepEqual(
    rep.warnings.filter((w) => w.code === 'dimensional-collapse' || w.code === 'excess-drift'),
    [],
  );
});

void test('options reach the report (--tau --t --pairs --hinge --modalities --max-pairwise-rows)', async () => {
  const rep = await inspectJson([
    COLLAPSED,
    '--tau',
    '1',
    '--t',
    '3',
    '--pairs',
    'all',
    '--hinge',
    'squared',
    '--modalities',
    'visual,audio',
    '--max-pairwise-rows',
    '500',
  ]);
  assert.deepEqual(rep.options, { t: 3, tau: 1, pairs: 'all', hinge: 'squared', maxPairwiseRows: 500 });
  assert.deepEqual(sorted(Object.keys(rep.modalities)), ['audio', 'visual']);
  assert.equal(rep.modalities.audio?.pairwiseRows, 500);
});

void test('run folder: one timeline row per epoch, in order, marking first warnings', async () => {
  const r = await runCli(['inspect', RUN, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const run = JSON.parse(r.stdout) as RunReport;
  assert.equal(run.kind, 'run');
  assert.deepEqual(
    run.checkpoints.map((c) => c.epoch),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.deepEqual(run.firstWarning, { 'excess-drift': 5, 'dimensional-collapse': 8 });
  const ranks = run.checkpoints.map((c) => c.report.modalities.visual?.effectiveRank ?? 0);
  for (let i = 4; i < ranks.length; i++)
    assert.ok((ranks[i] ?? 0) < (ranks[i - 1] ?? 0), `visual rank falls after epoch 4: ${ranks.join(', ')}`);

  const human = await runCli(['inspect', RUN, '--fail-on', 'warning']);
  assert.equal(human.code, 3);
  const rows = human.stdout.split('\n').filter((l) => /^\s*\d+\s+\d+\s+epoch_\d\d\.safetensors/.test(l));
  assert.equal(rows.length, 10);
  assert.deepEqual(
    rows.map((l) => Number(l.trim().split(/\s+/)[0])),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.match(rows[5] ?? '', /<< excess-drift/);
  assert.match(rows[8] ?? '', /<< dimensional-collapse/);
  assert.doesNotMatch(rows[3] ?? '', /excess-drift|dimensional-collapse/);
  assert.match(human.stdout, /engine: /);
});

void test('compare: both reports and every metric as b - a', async () => {
  const r = await runCli(['compare', HEALTHY, COLLAPSED, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout) as CompareReport;
  assert.equal(c.kind, 'compare');
  assert.equal(c.a.source, HEALTHY);
  assert.equal(c.b.source, COLLAPSED);
  const byName = new Map(c.changes.map((x) => [x.metric, x]));
  for (const m of [
    'n',
    'modalities.visual.effectiveRank',
    'modalities.audio.dispersiveLoss',
    'pairs.audio/visual.anchoringLoss',
    'pairs.audio/visual.drift.mean',
    'pairs.audio/visual.retrieval.aToB.r1',
    'pairs.audio/visual.linearCka',
  ]) {
    assert.ok(byName.has(m), `change for ${m}`);
  }
  const rank = byName.get('modalities.visual.effectiveRank');
  assert.equal(rank?.a, c.a.modalities.visual?.effectiveRank);
  assert.equal(rank?.b, c.b.modalities.visual?.effectiveRank);
  for (const ch of c.changes) {
    if (ch.a !== null && ch.b !== null) assert.ok(Math.abs((ch.delta ?? NaN) - (ch.b - ch.a)) < 1e-12, ch.metric);
  }
  assert.ok((rank?.delta ?? 0) < -50);
  const human = await runCli(['compare', HEALTHY, COLLAPSED, '--fail-on', 'warning']);
  assert.equal(human.code, 3);
  assert.match(human.stdout, /modalities\.visual\.effectiveRank\s+\S+\s+\S+\s+-\d/);
});

void test(
  '--html writes one self-contained file (when src/report is present)',
  { skip: !existsSync(join(ROOT, 'src', 'report', 'index.ts')) && 'src/report/index.ts is not in this tree' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dagr-html-'));
    try {
      const out = join(dir, 'report.html');
      const r = await runCli(['inspect', COLLAPSED, '--html', out, '--json']);
      assert.equal(r.code, 0, r.stderr);
      JSON.parse(r.stdout);
      const html = readFileSync(out, 'utf8');
      assert.match(html, /<html/i);
      assert.doesNotMatch(html, /<script[^>]+src=["']https?:/i, 'no network scripts');
      const run = await runCli(['inspect', RUN, '--html', join(dir, 'run.html')]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /HTML report written to .*run\.html/);
      const cmp = await runCli(['compare', HEALTHY, COLLAPSED, '--html', join(dir, 'compare.html')]);
      assert.equal(cmp.code, 0, cmp.stderr);
      // The named files and nothing else.
      assert.deepEqual(readdirSync(dir).sort(), ['compare.html', 'report.html', 'run.html']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test('dagr engine names the engine', async () => {
  const r = await runCli(['engine', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout) as { name: string; device: string; threads: number };
  // onnxruntime, or the engine's plain-JS fallback which must then say why.
  assert.ok(e.name === 'onnxruntime' || (e.name === 'js' && /onnxruntime/.test((e as { note?: string }).note ?? '')), JSON.stringify(e));
  assert.ok(e.threads >= 1);
  const human = await runCli(['engine']);
  assert.match(human.stdout, /^engine: \S+ \(device \S+, \d+ threads?\)/);
});
