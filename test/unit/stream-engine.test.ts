/**
 * The streaming engine (src/engine/stream) against the in-memory one, and merged parts against
 * one process (DESIGN.md section 2c): co-moment metrics to 1e-9 relative, sampled metrics
 * exactly, drift percentiles within one fine histogram bin. And the standard errors of the
 * sampled metrics: present when sampled, near the spread of the value over other samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGeometry, createBackend, type GeometryBackend } from '../../src/engine';
import { dispersiveLoss } from '../../src/engine/dispersive';
import { normalizedSample } from '../../src/engine/rows';
import { mulberry32, normalSampler } from '../../src/engine/random';
import { FINE_WIDTH } from '../../src/engine/stream/drift';
import { finalizeSummary } from '../../src/engine/stream/finalize';
import { dispersiveStdErr } from '../../src/engine/stream/stdErr';
import { mergeSummaries, StreamAccumulator, type StreamSummary } from '../../src/engine/stream/summary';
import { selectPairs } from '../../src/engine/geometry';
import type { Matrix } from '../../src/io/types';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, type GeometryReport, type ReportOptions } from '../../src/protocol/report';

let backend: GeometryBackend;
test.before(async () => {
  backend = await createBackend('onnxruntime');
});
test.after(async () => {
  await backend.dispose();
});

/** three modalities: a, b (a's partner, same width), c (narrower); with `dead`, a has a constant column */
function data(n: number, seed: number, dead = true): Matrix[] {
  const g = normalSampler(mulberry32(seed));
  const d = 24;
  const a = new Float32Array(n * d);
  const b = new Float32Array(n * d);
  const c = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = dead && j === 5 ? 0.25 : g() * (1 + j / 4) + 0.3;
      a[i * d + j] = v;
      b[i * d + j] = 0.7 * v + 0.6 * g();
    }
    for (let j = 0; j < 8; j++) c[i * 8 + j] = (a[i * d + j] as number) - g();
  }
  return [
    { name: 'a', rows: n, cols: d, data: a },
    { name: 'b', rows: n, cols: d, data: b },
    { name: 'c', rows: n, cols: 8, data: c },
  ];
}

const rowsOf = (m: Matrix, s: number, e: number): Matrix => ({
  name: m.name,
  rows: e - s,
  cols: m.cols,
  data: m.data.slice(s * m.cols, e * m.cols),
});

async function summarize(mats: Matrix[], options: ReportOptions, ranges: [number, number][], block = 333): Promise<StreamSummary> {
  const n = (mats[0] as Matrix).rows;
  const { pairs } = selectPairs(
    mats.map((m) => m.name),
    options,
  );
  const acc = new StreamAccumulator(
    mats.map((m) => m.name),
    mats.map((m) => m.cols),
    n,
    options,
    pairs,
    backend,
  );
  for (const [s, e] of ranges) {
    for (let b = s; b < e; b += block)
      await acc.addBlock(
        b,
        mats.map((m) => rowsOf(m, b, Math.min(e, b + block))),
      );
  }
  return acc.finish();
}

const CO_MOMENT = ['effectiveRank', 'effectiveRankCentered', 'stableRank', 'meanCosine'] as const;

function close(got: number, want: number, rel: number, what: string): void {
  assert.ok(Math.abs(got - want) <= rel * Math.max(Math.abs(want), 1e-300), `${what}: ${got} vs ${want}`);
}

/** co-moment metrics to `rel`; sampled metrics exactly; drift percentiles within `bin` */
function sameReport(
  got: Omit<GeometryReport, 'version' | 'source' | 'metadata' | 'seconds'>,
  want: typeof got,
  rel: number,
  bin: number,
  rankRel = rel,
): void {
  assert.equal(got.n, want.n);
  assert.deepEqual(Object.keys(got.modalities), Object.keys(want.modalities));
  for (const [name, w] of Object.entries(want.modalities)) {
    const g = got.modalities[name];
    assert.ok(g);
    for (const k of CO_MOMENT) close(g[k], w[k], k.startsWith('effectiveRank') ? rankRel : rel, `${name}.${k}`);
    assert.equal(g.spectrum.length, w.spectrum.length);
    const top = w.spectrum[0] as number;
    g.spectrum.forEach((v, k) => assert.ok(Math.abs(v - (w.spectrum[k] as number)) <= rel * top, `${name}.spectrum[${k}]`));
    g.explainedVariance.forEach((v, k) =>
      assert.ok(Math.abs(v - (w.explainedVariance[k] as number)) <= rel, `${name}.explainedVariance[${k}]`),
    );
    assert.equal(g.deadDimensionFraction, w.deadDimensionFraction);
    assert.equal(g.dispersiveLoss, w.dispersiveLoss, `${name}.dispersiveLoss is a sampled metric: exact`);
    assert.equal(g.dispersiveLossStdErr, w.dispersiveLossStdErr);
    assert.equal(g.pairwiseRows, w.pairwiseRows);
  }
  assert.equal(got.pairs.length, want.pairs.length);
  got.pairs.forEach((g, k) => {
    const w = want.pairs[k];
    assert.ok(w);
    assert.equal(`${g.a}/${g.b}`, `${w.a}/${w.b}`);
    close(g.linearCka, w.linearCka, rel, `${g.a}/${g.b} linearCka`);
    assert.deepEqual(g.retrieval, w.retrieval, 'retrieval is a sampled metric: exact');
    assert.equal(g.note, w.note);
    if (w.drift === null) {
      assert.equal(g.drift, null);
      return;
    }
    assert.ok(g.drift && g.anchoringLoss !== null && w.anchoringLoss !== null && g.modalityGap !== null && w.modalityGap !== null);
    close(g.anchoringLoss, w.anchoringLoss, rel, 'anchoringLoss');
    close(g.modalityGap, w.modalityGap, rel, 'modalityGap');
    close(g.drift.mean, w.drift.mean, rel, 'drift.mean');
    assert.equal(g.drift.max, w.drift.max);
    assert.equal(g.drift.fractionBeyondTau, w.drift.fractionBeyondTau);
    assert.deepEqual(g.drift.histogram, w.drift.histogram);
    for (const q of ['median', 'p90', 'p99'] as const)
      assert.ok(Math.abs(g.drift[q] - w.drift[q]) <= bin, `drift.${q}: ${g.drift[q]} vs ${w.drift[q]}`);
  });
  assert.deepEqual(
    got.warnings.map((x) => x.code),
    want.warnings.map((x) => x.code),
  );
}

void test('streamed row blocks give the in-memory report (every row sampled): co-moments 1e-9, sampled metrics exactly, drift within a bin', async () => {
  const options = { ...DEFAULT_OPTIONS };
  const mats = data(1500, 1, false);
  const mem = await computeGeometry(mats, options, DEFAULT_THRESHOLDS, backend);
  const streamed = await finalizeSummary(await summarize(mats, options, [[0, 1500]]), DEFAULT_THRESHOLDS, backend);
  sameReport(streamed, mem, 1e-9, FINE_WIDTH);
  // a dead column: its centered eigenvalue is 0 up to rounding, which the in-memory path keeps and
  // the streamed one reads as 0 (finalize.ts); the rank's square roots turn that into ~1e-8
  const deadMats = data(1500, 1);
  const deadMem = await computeGeometry(deadMats, options, DEFAULT_THRESHOLDS, backend);
  const deadStreamed = await finalizeSummary(await summarize(deadMats, options, [[0, 1500]]), DEFAULT_THRESHOLDS, backend);
  sameReport(deadStreamed, deadMem, 1e-9, FINE_WIDTH, 1e-6);
  assert.ok((deadMem.modalities.a?.deadDimensionFraction ?? 0) > 0, 'the dead column is seen');
  assert.equal(streamed.pairs.find((p) => p.b === 'c')?.drift, null, 'widths differ: CKA only');
});

void test('merged parts (any split, any merge order) equal one process: co-moments 1e-9, sampled metrics and drift exactly', async () => {
  const mats = data(2000, 2);
  const options = { ...DEFAULT_OPTIONS, maxPairwiseRows: 500 };
  const single = await finalizeSummary(await summarize(mats, options, [[0, 2000]], 400), DEFAULT_THRESHOLDS, backend);
  const parts = await Promise.all(
    [
      [[1700, 2000]],
      [[0, 1]],
      [
        [1, 999],
        [1200, 1700],
      ],
      [[999, 1200]],
    ].map((r) => summarize(mats, options, r as [number, number][], 97)),
  );
  let merged = parts[2] as StreamSummary;
  for (const k of [0, 3, 1]) merged = mergeSummaries(merged, parts[k] as StreamSummary);
  const report = await finalizeSummary(merged, DEFAULT_THRESHOLDS, backend);
  sameReport(report, single, 1e-9, 0);
  assert.deepEqual(report.projection, single.projection, 'the projection uses the same hash-chosen rows');
  assert.equal(report.modalities.a?.pairwiseRows, 500);
});

void test('a merge with a part missing, or overlapping parts, is refused in one line', async () => {
  const mats = data(600, 3);
  const options = { ...DEFAULT_OPTIONS, maxPairwiseRows: 100 };
  const p0 = await summarize(mats, options, [[0, 300]]);
  const p1 = await summarize(mats, options, [[250, 600]]);
  assert.throws(() => mergeSummaries(p0, p1, 'part 1'), /part 1: its rows 250\.\.600 overlap rows 0\.\.300/);
  await assert.rejects(finalizeSummary(p0, DEFAULT_THRESHOLDS, backend), /cover 300 of the dataset's 600 rows/);
  const other = await summarize(mats, { ...options, tau: 0.3 }, [[300, 600]]);
  assert.throws(() => mergeSummaries(p0, other), /other options/);
});

void test('sampled metrics carry standard errors close to their spread over other samples', async () => {
  const mats = data(4000, 4);
  const a = mats[0] as Matrix;
  const options = { ...DEFAULT_OPTIONS, maxPairwiseRows: 300 };
  const mem = await computeGeometry(mats, options, DEFAULT_THRESHOLDS, backend);
  const se = mem.modalities.a?.dispersiveLossStdErr;
  assert.ok(se !== undefined && se > 0, 'a sampled dispersive loss has a standard error');
  const r = mem.pairs[0]?.retrieval?.aToB;
  assert.ok(r?.stdErr && r.stdErr.r1 >= 0 && r.stdErr.r1 <= 0.5 / Math.sqrt(300));
  // the loss on 24 other random samples of 300 rows: its spread is what the SE predicts
  const rand = mulberry32(77);
  const losses: number[] = [];
  for (let k = 0; k < 24; k++) {
    const pick = new Set<number>();
    while (pick.size < 300) pick.add(Math.floor(rand() * 4000));
    const rows = Int32Array.from([...pick].sort((x, y) => x - y));
    const { z, sq } = normalizedSample(a, rows);
    losses.push(await dispersiveLoss(z, sq, 300, a.cols, 2, 'offdiag', backend));
  }
  const mean = losses.reduce((x, y) => x + y, 0) / losses.length;
  const sd = Math.sqrt(losses.reduce((x, y) => x + (y - mean) ** 2, 0) / (losses.length - 1));
  assert.ok(se > sd / 2 && se < sd * 2, `SE ${se} vs spread over samples ${sd}`);
  // every row used: no sampling error, and no field
  const all = await computeGeometry(
    mats.map((m) => rowsOf(m, 0, 200)),
    options,
    DEFAULT_THRESHOLDS,
    backend,
  );
  assert.equal(all.modalities.a?.dispersiveLossStdErr, undefined);
  assert.equal(all.pairs[0]?.retrieval?.aToB.stdErr, undefined);
  const { z, sq } = normalizedSample(
    a,
    Int32Array.from({ length: 4000 }, (_, i) => i),
  );
  assert.equal(await dispersiveStdErr(z, sq, 4000, a.cols, 2, 'offdiag', -1, 4000, backend), 0);
});
