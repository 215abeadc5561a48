/**
 * Issue 7 item 4: modality names that are JavaScript object keys ("__proto__", "constructor",
 * "toString", "hasOwnProperty", "valueOf") are ordinary names everywhere: the engine's report, the
 * CLI table, --json (own keys), compare's flat metric paths, the HTML export's embedded view, and
 * the webview's pure helpers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/io/write';
import { getOwn, hasOwnKey, recordOf, setOwn } from '../../src/protocol/keys';
import type { CompareReport, GeometryReport } from '../../src/protocol/report';
import { computeGeometry, createBackend, evaluateWarnings } from '../../src/engine';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import { flattenMetrics } from '../../src/jobs/compare';
import { flattenReport, metricLabel } from '../../webview/analysis';
import { values } from '../fixtures/cli/files';
import { ROOT, runCli } from '../fixtures/cli/run';

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const N = 40;
const D = 6;

const ownKeys = (o: object): string[] => Object.keys(o);
const isOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

async function writeFile(path: string, seed: number): Promise<void> {
  const shared = values(N * D, seed);
  await writeSafetensors(
    path,
    NAMES.map((name, k) => {
      const noise = values(N * D, seed + 10 + k);
      return { name, dtype: 'float32' as const, shape: [N, D], data: Float32Array.from(shared, (v, i) => v + 0.3 * (noise[i] as number)) };
    }),
  );
}

void test('keys helpers: own properties only, "__proto__" included', () => {
  const r = recordOf(NAMES.map((n, i) => [n, i] as const));
  assert.deepEqual(ownKeys(r), NAMES);
  assert.equal(Object.getPrototypeOf(r), Object.prototype);
  assert.equal(getOwn(r, '__proto__'), 0);
  const empty: Record<string, number> = {};
  for (const n of NAMES) {
    assert.equal(getOwn(empty, n), undefined, n);
    assert.equal(hasOwnKey(empty, n), false, n);
  }
  setOwn(empty, '__proto__', 7);
  assert.deepEqual(JSON.parse(JSON.stringify(empty)), JSON.parse('{"__proto__": 7}'));
  assert.equal(getOwn(empty, '__proto__'), 7);
});

void test('computeGeometry keeps every name: modalities, pairs, projection, warnings', async () => {
  const backend = await createBackend('js');
  try {
    const mats = NAMES.map((name, k) => ({ name, rows: N, cols: D, data: Float32Array.from(values(N * D, 50 + k)) }));
    // a collapsed copy makes warnings name the modality
    mats[0] = { name: '__proto__', rows: N, cols: D, data: new Float32Array(N * D).fill(1) };
    const core = await computeGeometry(mats, DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, backend, { projectionRows: 16 });
    assert.deepEqual(ownKeys(core.modalities), NAMES);
    for (const n of NAMES) assert.equal(typeof getOwn(core.modalities, n)?.effectiveRank, 'number', n);
    assert.deepEqual(ownKeys(core.projection?.points ?? {}), NAMES);
    assert.equal(core.pairs.length, 10);
    assert.ok(core.warnings.some((w) => w.modality === '__proto__' && w.code === 'complete-collapse'));
    const again = evaluateWarnings(JSON.parse(JSON.stringify(core)) as GeometryReport, DEFAULT_THRESHOLDS);
    assert.deepEqual(again, core.warnings);
  } finally {
    await backend.dispose();
  }
});

void test('CLI: the table, --json, compare and --html name all five', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagr-keys-'));
  try {
    const a = join(dir, 'a.safetensors');
    const b = join(dir, 'b.safetensors');
    await writeFile(a, 1);
    await writeFile(b, 2);

    const text = await runCli(['inspect', a, '--engine', 'js']);
    assert.equal(text.code, 0, text.stderr);
    for (const n of NAMES) assert.match(text.stdout, new RegExp(`^${n.replace(/_/g, '_')}\\s+${D}\\s`, 'm'), `${n} row in the table`);
    assert.match(text.stdout, /^Modalities \(5\)$/m);

    const json = await runCli(['inspect', a, '--engine', 'js', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout) as GeometryReport;
    assert.deepEqual(ownKeys(r.modalities), NAMES);
    for (const n of NAMES) assert.ok(isOwn(r.modalities, n), n);
    assert.deepEqual(ownKeys(r.projection?.points ?? {}), NAMES);
    assert.equal(r.pairs.length, 10);
    assert.ok(r.pairs.some((p) => p.a === '__proto__' && p.b === 'valueOf'));

    const cmp = await runCli(['compare', a, b, '--engine', 'js', '--json']);
    assert.equal(cmp.code, 0, cmp.stderr);
    const c = JSON.parse(cmp.stdout) as CompareReport;
    for (const side of [c.a, c.b]) assert.deepEqual(ownKeys(side.modalities), NAMES);
    const metrics = new Set(c.changes.map((x) => x.metric));
    for (const n of NAMES) {
      assert.ok(metrics.has(`modalities.${n}.effectiveRank`), n);
      assert.ok(c.changes.find((x) => x.metric === `modalities.${n}.effectiveRank`)?.delta !== null, n);
    }
    assert.ok(metrics.has('pairs.__proto__/constructor.linearCka'));
    const flat = flattenMetrics(c.a);
    assert.equal(flat.get('modalities.__proto__.dim'), D);
    const cmpText = await runCli(['compare', a, b, '--engine', 'js']);
    assert.equal(cmpText.code, 0, cmpText.stderr);
    for (const n of NAMES) assert.match(cmpText.stdout, new RegExp(`^modalities\\.${n}\\.effectiveRank\\s`, 'm'));

    // the HTML export embeds the view as JSON; it needs the built webview bundle
    if (existsSync(join(ROOT, 'dist', 'webview.js'))) {
      const html = join(dir, 'out.html');
      const h = await runCli(['inspect', a, '--engine', 'js', '--html', html]);
      assert.equal(h.code, 0, h.stderr);
      const page = readFileSync(html, 'utf8');
      const m = /<script type="application\/json" id="dagr-data"[^>]*>([\s\S]*?)<\/script>/.exec(page);
      assert.ok(m?.[1]);
      const view = JSON.parse(m[1]) as { report: GeometryReport; availableModalities: string[] };
      assert.deepEqual(ownKeys(view.report.modalities), NAMES);
      assert.deepEqual(view.availableModalities, NAMES);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('webview helpers: flattened metrics and labels find every name and no inherited one', () => {
  const mod = {
    dim: 2,
    effectiveRank: 1.5,
    effectiveRankCentered: 1,
    stableRank: 1,
    dispersiveLoss: -1,
    spectrum: [1],
    explainedVariance: [1],
    meanCosine: 0,
    deadDimensionFraction: 0,
    pairwiseRows: 4,
  };
  const r = JSON.parse(
    JSON.stringify({
      modalities: recordOf(NAMES.map((n) => [n, mod] as const)),
      pairs: [],
    }),
  ) as GeometryReport;
  const flat = flattenReport(r);
  for (const n of NAMES) assert.equal(flat.get(`modalities.${n}.effectiveRank`), 1.5, n);
  assert.equal(metricLabel('modalities.constructor.effectiveRank'), 'constructor · effective rank');
  assert.equal(metricLabel('modalities.audio.constructor'), 'audio · constructor');
  // (the scatter's own-key lookups are checked in Chromium: test/browser/webview-names.test.ts)
});

void test('--engine tfjs: the trainer numbers land on every name, and only for the pairs computed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagr-keys-tfjs-'));
  try {
    const file = join(dir, 'names.safetensors');
    await writeFile(file, 7);
    const js = await runCli(['inspect', file, '--json', '--engine', 'onnxruntime']);
    const tf = await runCli(['inspect', file, '--json', '--engine', 'tfjs']);
    assert.equal(tf.code, 0, tf.stderr);
    const a = JSON.parse(js.stdout) as GeometryReport;
    const b = JSON.parse(tf.stdout) as GeometryReport;
    assert.deepEqual(ownKeys(b.modalities), NAMES);
    for (const n of NAMES) {
      const x = getOwn(a.modalities, n);
      const y = getOwn(b.modalities, n);
      assert.ok(x && y, n);
      // tfjs recomputes these in float32: agreement to ~1e-5, and a value that is the name's own
      assert.ok(Math.abs(x.effectiveRank - y.effectiveRank) <= 1e-4 * x.effectiveRank, `${n}: ${x.effectiveRank} vs ${y.effectiveRank}`);
      assert.ok(
        Math.abs(x.dispersiveLoss - y.dispersiveLoss) <= 1e-4 * Math.abs(x.dispersiveLoss),
        `${n}: ${x.dispersiveLoss} vs ${y.dispersiveLoss}`,
      );
    }
    assert.equal(b.pairs.length, a.pairs.length);
    for (const p of b.pairs) assert.equal(typeof p.anchoringLoss, 'number', `${p.a}/${p.b}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
