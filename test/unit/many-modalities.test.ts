/**
 * Many modalities (issue 7 item 3): which pairs get pair metrics (all up to maxPairs, else each
 * modality with the first, or exactly pairsOf), the note saying so, a projection of a few
 * modalities, and a CLI whose text table and --json stay bounded and never spread a user-sized
 * array into Math.max.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeGeometry, createBackend } from '../../src/engine';
import { selectPairs } from '../../src/engine/geometry';
import { MAX_PROJECTED_MODALITIES } from '../../src/engine/reportParts';
import type { Matrix } from '../../src/io/types';
import { DEFAULT_MAX_PAIRS, DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import type { GeometryReport, ModalityReport, PairReport, RunReport } from '../../src/protocol/report';
import { formatReport, formatRun, MAX_RUN_MODALITIES } from '../../src/cli/format';
import { jsonPieces } from '../../src/cli/json';
import { parsePairsOf } from '../../src/cli/options';
import { renderTable } from '../../src/cli/table';
import { extent } from '../../webview/analysis';
import { f32, npy, values, zip } from '../fixtures/cli/files';
import { runCli } from '../fixtures/cli/run';

const names = (m: number): string[] => Array.from({ length: m }, (_, i) => `m${String(i).padStart(2, '0')}`);

void test('selectPairs: every pair up to maxPairs (28 = 8 modalities), then each modality with the first', () => {
  assert.equal(DEFAULT_MAX_PAIRS, 28);
  const eight = selectPairs(names(8), {});
  assert.equal(eight.pairs.length, 28);
  assert.deepEqual(eight.selection, { mode: 'all', computed: 28, possible: 28, maxPairs: 28, note: '' });
  const nine = selectPairs(names(9), {});
  assert.equal(nine.selection.mode, 'withFirst');
  assert.equal(nine.selection.hub, 'm00');
  assert.equal(nine.selection.computed, 8);
  assert.equal(nine.selection.possible, 36);
  assert.deepEqual(
    nine.pairs,
    Array.from({ length: 8 }, (_, j) => [0, j + 1]),
  );
  assert.match(
    nine.selection.note,
    /9 modalities make 36 pairs, more than maxPairs = 28: computed the 8 pairs of the first modality, 'm00'/,
  );
  // the cap is an option
  assert.equal(selectPairs(names(9), { maxPairs: 36 }).selection.mode, 'all');
  assert.equal(selectPairs(names(3), { maxPairs: 2 }).pairs.length, 2);
  // M = 1000: linear, not 499,500
  const big = selectPairs(
    names(1000).map((n, i) => `${n}_${i}`),
    {},
  );
  assert.equal(big.pairs.length, 999);
  assert.equal(big.selection.possible, 499500);
});

void test('selectPairs: pairsOf names pairs ("a,b") and hubs ("a"), deduplicated, in the order named', () => {
  const ns = names(10);
  const named = selectPairs(ns, {
    pairsOf: [
      ['m03', 'm01'],
      ['m01', 'm03'],
      ['m05', 'm09'],
    ],
  });
  assert.deepEqual(named.pairs, [
    [3, 1],
    [5, 9],
  ]);
  assert.equal(named.selection.mode, 'named');
  assert.equal(named.selection.computed, 2);
  assert.equal(named.selection.possible, 45);
  const hub = selectPairs(ns, { pairsOf: [['m04']] });
  assert.equal(hub.selection.mode, 'withFirst');
  assert.equal(hub.selection.hub, 'm04');
  assert.equal(hub.pairs.length, 9);
  assert.ok(hub.pairs.every(([a]) => a === 4));
  const mixed = selectPairs(ns, { pairsOf: [['m04'], ['m01', 'm02'], ['m00', 'm04']] });
  assert.equal(mixed.selection.mode, 'named');
  assert.equal(mixed.pairs.length, 10);
  assert.throws(() => selectPairs(ns, { pairsOf: [['nope', 'm01']] }), /'nope', which is not a modality; modalities: 'm00', 'm01'/);
  assert.throws(() => selectPairs(ns, { pairsOf: [['m01', 'm01']] }), /with itself/);
});

void test('parsePairsOf: "a,b;c,d", a hub alone, repeated flags joined by the parser', () => {
  assert.deepEqual(parsePairsOf('audio,visual; text , image'), [
    ['audio', 'visual'],
    ['text', 'image'],
  ]);
  assert.deepEqual(parsePairsOf('audio'), [['audio']]);
  assert.deepEqual(parsePairsOf('a,b;;'), [['a', 'b']]);
  assert.throws(() => parsePairsOf('a,b,c'), /"a,b" \(one pair\) or "a"/);
  assert.throws(() => parsePairsOf(';'), /needs modality names/);
  assert.throws(() => parsePairsOf('a,a'), /with itself/);
});

function gaussMatrices(m: number, n: number, d: number): Matrix[] {
  const shared = values(n * d, 3);
  return names(m).map((name, k) => {
    const noise = values(n * d, 100 + k);
    return { name, rows: n, cols: d, data: Float32Array.from(shared, (v, i) => v + 0.5 * (noise[i] as number)) };
  });
}

void test('computeGeometry with 12 modalities: 11 pairs with the first, the note, a projection of 8', async () => {
  const backend = await createBackend('js');
  try {
    const core = await computeGeometry(gaussMatrices(12, 30, 4), DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, backend, { projectionRows: 20 });
    assert.equal(Object.keys(core.modalities).length, 12);
    assert.equal(core.pairs.length, 11);
    assert.ok(core.pairs.every((p) => p.a === 'm00'));
    assert.equal(core.pairSelection?.mode, 'withFirst');
    assert.equal(core.pairSelection?.computed, 11);
    assert.equal(core.pairSelection?.possible, 66);
    const projected = Object.keys(core.projection?.points ?? {});
    assert.equal(projected.length, MAX_PROJECTED_MODALITIES);
    assert.deepEqual(projected, names(8));
    assert.match(core.projection?.note ?? '', /projected 8 of 12 modalities/);
    // all pairs of 3: no selection field and no projection note (the common case is unchanged)
    const small = await computeGeometry(gaussMatrices(3, 30, 4), DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, backend, { projectionRows: 20 });
    assert.equal(small.pairs.length, 3);
    assert.equal(small.pairSelection, undefined);
    assert.equal(small.projection?.note, undefined);
    assert.equal(Object.keys(small.projection?.points ?? {}).length, 3);
  } finally {
    await backend.dispose();
  }
});

void test('renderTable and extent: 300,000 rows without a call-stack overflow', () => {
  const rows = Array.from({ length: 300_000 }, (_, i) => [`row${i}`, String(i)]);
  const t0 = performance.now();
  const text = renderTable(['name', 'value'], rows);
  assert.ok(performance.now() - t0 < 5000);
  assert.equal(text.split('\n').length, 300_002);
  assert.ok(text.split('\n')[2]?.startsWith('row0      '));
  const xs = Array.from({ length: 300_000 }, (_, i) => Math.sin(i));
  const e = extent(xs);
  assert.ok(e && e.min >= -1 && e.max <= 1 && e.min < -0.99 && e.max > 0.99);
  assert.equal(extent([]), undefined);
});

function fakeModality(i: number): ModalityReport {
  return {
    dim: 16,
    effectiveRank: 10 + (i % 5),
    effectiveRankCentered: 9,
    stableRank: 3,
    dispersiveLoss: -3,
    spectrum: [3, 2, 1],
    explainedVariance: [0.5, 0.8, 1],
    meanCosine: 0.1,
    deadDimensionFraction: 0,
    pairwiseRows: 200,
  };
}

function fakePair(a: string, b: string): PairReport {
  return { a, b, linearCka: 0.5, anchoringLoss: 0.1, drift: null, modalityGap: 0.2, retrieval: null, note: '' };
}

function fakeReport(m: number): GeometryReport {
  const ns = Array.from({ length: m }, (_, i) => `modality_${i}`);
  const pairs = ns.slice(1).map((n) => fakePair(ns[0] as string, n));
  return {
    version: 1,
    source: 'many.npz',
    engine: { name: 'js', device: 'cpu', threads: 1 },
    n: 200,
    options: DEFAULT_OPTIONS,
    thresholds: DEFAULT_THRESHOLDS,
    modalities: Object.fromEntries(ns.map((n, i) => [n, fakeModality(i)])),
    pairs,
    warnings: [],
    metadata: {},
    pairSelection: {
      mode: 'withFirst',
      computed: pairs.length,
      possible: (m * (m - 1)) / 2,
      maxPairs: 28,
      hub: ns[0] as string,
      note: 'computed the pairs of the first modality',
    },
    seconds: 1,
  };
}

void test('formatReport and formatRun at M = 1000: one line per modality and computed pair, bounded width', () => {
  const r = fakeReport(1000);
  const t0 = performance.now();
  const text = formatReport(r);
  assert.ok(performance.now() - t0 < 2000);
  assert.match(text, /^Modalities \(1000\)$/m);
  assert.match(text, /^Pairs \(999 of 499500\)$/m);
  assert.match(text, /^ {2}computed the pairs of the first modality$/m);
  assert.ok(text.split('\n').length < 2100, `${text.split('\n').length} lines`);
  const run: RunReport = {
    version: 1,
    kind: 'run',
    source: 'run',
    engine: r.engine,
    firstWarning: {},
    checkpoints: [0, 1, 2].map((e) => ({ file: `epoch_${e}.npz`, epoch: e, step: null, report: r })),
  };
  const runText = formatRun(run);
  const widest = runText.split('\n').reduce((w, l) => Math.max(w, l.length), 0);
  assert.ok(widest < 600, `run table ${widest} characters wide`);
  assert.match(runText, new RegExp(`Columns for the first ${MAX_RUN_MODALITIES} of 1000 modalities and the first 3 of 999 pairs`));
});

void test('--json pieces are exactly JSON.stringify(report, null, 2)', () => {
  const r = fakeReport(30);
  assert.equal([...jsonPieces(r)].join('\n'), JSON.stringify(r, null, 2));
});

void test(
  'CLI on an .npz of 12 modalities: pairs with the first by default, --max-pairs, --pairs-of, a bad name',
  { timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dagr-many-'));
    try {
      const n = 24;
      const d = 4;
      const file = join(dir, 'many.npz');
      writeFileSync(file, zip(names(12).map((name, k) => ({ name: `${name}.npy`, data: npy([n, d], f32(values(n * d, 7 + k))) }))));
      const def = await runCli(['inspect', file, '--json', '--engine', 'js']);
      assert.equal(def.code, 0, def.stderr);
      const r = JSON.parse(def.stdout) as GeometryReport;
      assert.equal(r.pairs.length, 11);
      assert.equal(r.pairSelection?.mode, 'withFirst');
      assert.equal(r.pairSelection?.hub, 'm00');

      const text = await runCli(['inspect', file, '--engine', 'js']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^Pairs \(11 of 66\)$/m);
      assert.match(text.stdout, /more than maxPairs = 28/);
      assert.match(text.stdout, /^Projection: projected 8 of 12 modalities/m);

      const all = JSON.parse((await runCli(['inspect', file, '--json', '--engine', 'js', '--max-pairs', '66'])).stdout) as GeometryReport;
      assert.equal(all.pairs.length, 66);
      assert.equal(all.pairSelection, undefined);
      assert.equal(all.options.maxPairs, 66);

      const named = await runCli(['inspect', file, '--json', '--engine', 'js', '--pairs-of', 'm03,m07;m05', '--pairs-of', 'm01,m02']);
      assert.equal(named.code, 0, named.stderr);
      const nr = JSON.parse(named.stdout) as GeometryReport;
      assert.equal(nr.pairSelection?.mode, 'named');
      assert.deepEqual(
        nr.pairs.slice(0, 2).map((p) => `${p.a}/${p.b}`),
        ['m03/m07', 'm05/m00'],
      );
      assert.equal(nr.pairs.length, 1 + 11 + 1);
      assert.deepEqual(nr.options.pairsOf, [['m03', 'm07'], ['m05'], ['m01', 'm02']]);

      const bad = await runCli(['inspect', file, '--pairs-of', 'm01,nope', '--engine', 'js']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /'nope', which is not a modality/);
      const usage = await runCli(['inspect', file, '--pairs-of', 'a,b,c']);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--pairs-of takes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
