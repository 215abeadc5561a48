/**
 * The weights report's numbers (DESIGN.md section 2b) against the float64 numpy reference written
 * by scripts/make_weights_fixtures.py (np.linalg.svd per matrix): effective rank, stable rank,
 * spectral norm, Frobenius norm, spectrum, power-law fit, summary statistics, NaN/Inf; the same
 * checkpoint saved by torch and as shards; and the update of a fine-tune that is exactly rank 4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeWeightsJob, compareWeightsJob, tensorTableJob } from '../../src/jobs/weights';
import type { PowerLawFit, ValueSummary, WeightsReport, WeightTensor } from '../../src/protocol/weights';

const DIR = join(__dirname, '..', 'fixtures', 'weights');
const BASE = join(DIR, 'base.safetensors');
const TORCH = join(DIR, 'base.pt');
const SHARDED = join(DIR, 'sharded', 'model.safetensors.index.json');
const TUNED = join(DIR, 'tuned.safetensors');

interface TensorRef {
  shape: number[];
  summary: ValueSummary;
  nonFinite: number;
  firstNonFinite?: { flatIndex: number; index: number[] };
  effectiveRank?: number;
  stableRank?: number;
  spectralNorm?: number;
  frobeniusNorm?: number;
  alpha?: PowerLawFit | null;
  spectrum?: number[];
}
interface UpdateRef {
  deltaFrobenius?: number;
  relativeChange?: number | null;
  deltaEffectiveRank?: number;
  deltaStableRank?: number;
  deltaSpectralNorm?: number;
  numericalRank?: number;
  nonFinite?: boolean;
}
const REF = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as {
  tensors: Record<string, TensorRef>;
  updates: Record<string, UpdateRef>;
  onlyInA: string[];
  onlyInB: string[];
  shapeChanged: string[];
};

function close(actual: number | null | undefined, expected: number, rel: number, what: string, abs = 0): void {
  assert.ok(typeof actual === 'number', `${what}: expected a number, got ${String(actual)}`);
  const tol = rel * Math.abs(expected) + abs;
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs numpy ${expected} (tolerance ${tol})`);
}

function checkTensor(t: WeightTensor, ref: TensorRef, engine: string): void {
  const w = `${engine} ${t.name}`;
  assert.equal(t.analysed, true, w);
  assert.deepEqual(t.shape, ref.shape, w);
  assert.equal(t.nonFinite, ref.nonFinite, `${w} nonFinite`);
  assert.ok(t.summary);
  assert.equal(t.summary.count, ref.summary.count, `${w} count`);
  for (const k of ['mean', 'std', 'min', 'max'] as const) close(t.summary[k], ref.summary[k], 1e-12, `${w} ${k}`, 1e-15);
  if (ref.firstNonFinite) {
    assert.equal(t.firstNonFinite?.flatIndex, ref.firstNonFinite.flatIndex, `${w} first bad index`);
    assert.deepEqual(t.firstNonFinite?.index, ref.firstNonFinite.index, `${w} first bad index`);
  }
  if (ref.effectiveRank === undefined) {
    assert.equal(t.effectiveRank, null, `${w}: no spectrum expected`);
    assert.equal(t.alpha, null, `${w}: no alpha expected`);
    return;
  }
  // Through the Gram, singular values below about sqrt(size * eps) * sigma_max are not resolved
  // (a float32 rank-1 matrix has rounding-level ones near 1e-8 sigma_max): their share of the
  // RankMe entropy is then known only to ~1e-5; every other matrix matches to 1e-9.
  const spectrumRef = ref.spectrum as number[];
  const unresolved = (spectrumRef[spectrumRef.length - 1] as number) < 1e-6 * (spectrumRef[0] as number);
  close(t.effectiveRank, ref.effectiveRank, 1e-9, `${w} effectiveRank`, unresolved ? 1e-5 : 0);
  close(t.stableRank, ref.stableRank as number, 1e-10, `${w} stableRank`);
  close(t.spectralNorm, ref.spectralNorm as number, 1e-10, `${w} spectralNorm`);
  close(t.frobeniusNorm, ref.frobeniusNorm as number, 1e-12, `${w} frobeniusNorm`);
  const spec = ref.spectrum as number[];
  assert.equal(t.spectrum?.length, spec.length, `${w} spectrum length`);
  // through the Gram, sigma_k is exact to about size * eps * sigma_max^2 / sigma_k: absolute in sigma_max
  // (a sigma below sqrt(size * eps) sigma_max is not resolved at all: it may come out as 0)
  const top = spec[0] as number;
  const floor = 2 * Math.sqrt(spec.length * Number.EPSILON) * top;
  spec.forEach((s, k) => close(t.spectrum?.[k], s, 1e-9, `${w} sigma_${k}`, s > 1e-3 * top ? 1e-12 * top : floor));
  if (ref.alpha === null || ref.alpha === undefined) assert.equal(t.alpha, null, `${w} alpha`);
  else {
    assert.ok(t.alpha, `${w}: alpha expected`);
    assert.equal(t.alpha.tailCount, ref.alpha.tailCount, `${w} alpha tail count`);
    close(t.alpha.value, ref.alpha.value, 1e-9, `${w} alpha`);
    close(t.alpha.xmin, ref.alpha.xmin, 1e-9, `${w} alpha xmin`);
    close(t.alpha.ks, ref.alpha.ks, 1e-8, `${w} alpha KS`);
  }
}

function byName(r: WeightsReport): Map<string, WeightTensor> {
  return new Map(r.tensors.map((t) => [t.name, t]));
}

for (const engine of ['onnxruntime', 'js'] as const) {
  void test(`every tensor of the base checkpoint matches numpy (${engine} engine)`, async () => {
    const r = await analyzeWeightsJob({ path: BASE, engine });
    assert.equal(r.kind, 'weights');
    const got = byName(r);
    const names = Object.keys(REF.tensors);
    assert.ok(names.length >= 30);
    for (const n of names) checkTensor(got.get(n) as WeightTensor, REF.tensors[n] as TensorRef, engine);
    // the int64 buffer is listed, not analysed
    const ids = got.get('embeddings.position_ids');
    assert.equal(ids?.analysed, false);
    assert.match(ids?.reason ?? '', /int64/);
  });
}

void test('the torch.save file (tied lm_head) and the sharded set give the same numbers', async () => {
  const base = byName(await analyzeWeightsJob({ path: BASE }));
  for (const path of [TORCH, SHARDED]) {
    const r = await analyzeWeightsJob({ path });
    assert.equal(r.tensors.length, base.size, path);
    for (const t of r.tensors) {
      const b = base.get(t.name) as WeightTensor;
      assert.equal(t.effectiveRank, b.effectiveRank, `${path} ${t.name}`);
      assert.equal(t.spectralNorm, b.spectralNorm, `${path} ${t.name}`);
      assert.deepEqual(t.summary, b.summary, `${path} ${t.name}`);
    }
    if (path === SHARDED) {
      assert.deepEqual(r.shards, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
      assert.ok(r.tensors.every((t) => t.shard === 'model-00001-of-00002.safetensors' || t.shard === 'model-00002-of-00002.safetensors'));
    }
  }
});

void test('warnings: NaN/Inf (error, first bad index), rank collapse (warning), alpha out of band (info)', async () => {
  const r = await analyzeWeightsJob({ path: BASE });
  const nan = r.warnings.filter((w) => w.code === 'non-finite');
  assert.deepEqual(
    nan.map((w) => [w.tensor, w.severity, w.value]),
    [['encoder.layer.1.broken.weight', 'error', 2]],
  );
  assert.match(nan[0]?.message ?? '', /NaN at index \[2, 5\]/);
  const collapse = r.warnings.filter((w) => w.code === 'rank-collapse');
  assert.deepEqual(
    collapse.map((w) => [w.tensor, w.severity]),
    [['encoder.layer.1.collapsed.weight', 'warning']],
  );
  const outOfBand = Object.entries(REF.tensors)
    .filter(([, t]) => t.alpha && (t.alpha.value < 2 || t.alpha.value > 6))
    .map(([n]) => n)
    .sort();
  assert.ok(outOfBand.length > 0, 'the fixture has an alpha outside [2, 6]');
  assert.deepEqual(
    r.warnings
      .filter((w) => w.code === 'alpha-out-of-band')
      .map((w) => w.tensor)
      .sort(),
    outOfBand,
  );
  assert.ok(r.warnings.filter((w) => w.code === 'alpha-out-of-band').every((w) => w.severity === 'info'));
  // a stricter fraction flags more; a looser band flags no alpha
  const strict = await analyzeWeightsJob({ path: BASE, thresholds: { weightRankFraction: 0.9, alphaMin: 0, alphaMax: 100 } });
  assert.ok(strict.warnings.filter((w) => w.code === 'rank-collapse').length > 5);
  assert.equal(strict.warnings.filter((w) => w.code === 'alpha-out-of-band').length, 0);
});

void test('--tensors: only matching tensors are analysed, the rest are listed with the reason', async () => {
  const r = await analyzeWeightsJob({ path: BASE, selection: { regex: 'layer\\.0\\..*weight$' } });
  const analysed = r.tensors.filter((t) => t.analysed).map((t) => t.name);
  assert.equal(analysed.length, 7, analysed.join(','));
  assert.ok(analysed.every((n) => /layer\.0\..*weight$/.test(n)));
  assert.equal(r.tensors.length, 34);
  assert.match(r.tensors.find((t) => t.name === 'lm_head.weight')?.reason ?? '', /not selected/);
  assert.equal(r.analysed, 7);
});

void test('compare: the update of every matrix is rank 4 and matches numpy; only-in and shape changes are listed', async () => {
  const c = await compareWeightsJob({ a: BASE, b: TUNED });
  assert.equal(c.kind, 'weightsComparison');
  assert.deepEqual(c.onlyInA, REF.onlyInA);
  assert.deepEqual(c.onlyInB, REF.onlyInB);
  assert.deepEqual(
    c.shapeChanged.map((s) => s.name),
    REF.shapeChanged,
  );
  assert.deepEqual(c.shapeChanged[0]?.shapeB, [20, 32]);
  const got = new Map(c.tensors.map((t) => [t.name, t]));
  let rank4 = 0;
  for (const [n, u] of Object.entries(REF.updates)) {
    const t = got.get(n);
    assert.ok(t, n);
    if (u.nonFinite) {
      assert.equal(t.relativeChange, null, n);
      continue;
    }
    close(t.deltaFrobenius, u.deltaFrobenius as number, 1e-10, `${n} |dW|`, 1e-300);
    if (u.relativeChange === 0) assert.equal(t.relativeChange, 0, n);
    else close(t.relativeChange, u.relativeChange as number, 1e-10, `${n} relative change`);
    if (u.deltaEffectiveRank === undefined) {
      assert.equal(t.deltaEffectiveRank, null, n);
      continue;
    }
    close(t.deltaEffectiveRank, u.deltaEffectiveRank, 1e-7, `${n} dW effective rank`);
    close(t.deltaStableRank, u.deltaStableRank as number, 1e-10, `${n} dW stable rank`);
    close(t.deltaSpectralNorm, u.deltaSpectralNorm as number, 1e-10, `${n} dW spectral norm`);
    if (u.numericalRank === 4) {
      rank4++;
      assert.ok((t.deltaEffectiveRank as number) <= 4 + 1e-3, `${n}: a rank-4 update has effective rank <= 4, got ${t.deltaEffectiveRank}`);
    }
  }
  assert.ok(rank4 >= 15, `rank-4 updates checked: ${rank4}`);
  assert.equal(c.mostChanged.length, 10);
  const first = got.get(c.mostChanged[0] as string);
  assert.ok(c.tensors.every((t) => (t.relativeChange ?? 0) <= (first?.relativeChange ?? 0)));
});

void test('compare across formats: torch.save base against the safetensors fine-tune gives the same updates', async () => {
  const a = await compareWeightsJob({ a: BASE, b: TUNED, selection: { regex: 'query' } });
  const b = await compareWeightsJob({ a: TORCH, b: TUNED, selection: { regex: 'query' } });
  const order = (x: typeof a.tensors): typeof a.tensors => [...x].sort((p, q) => (p.name < q.name ? -1 : 1));
  assert.deepEqual(order(b.tensors), order(a.tensors));
  assert.equal(a.tensors.length, 4);
});

void test('tensor table: header only, module paths, layers, roles, embedding tables, totals, detection', async () => {
  const t = await tensorTableJob(SHARDED);
  assert.equal(t.kind, 'tensorTable');
  assert.equal(t.looksLike, 'weights');
  assert.equal(t.totals.tensors, 34);
  const params = Object.values(REF.tensors).reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0) + 16;
  assert.equal(t.totals.parameters, params);
  assert.deepEqual(t.embeddingTables, ['embeddings.word_embeddings.weight']);
  const q = t.tensors.find((x) => x.name === 'encoder.layer.1.attention.self.query.weight');
  assert.deepEqual([q?.module, q?.layer, q?.role, q?.matrix, q?.bytes], ['encoder.layer.1.attention.self.query', 1, 'q', [32, 32], 4096]);
  const roles = new Map(t.tensors.map((x) => [x.name, x.role]));
  assert.equal(roles.get('encoder.layer.0.attention.output.dense.weight'), 'o');
  assert.equal(roles.get('encoder.layer.0.intermediate.dense.weight'), 'up');
  assert.equal(roles.get('encoder.layer.0.output.dense.weight'), 'down');
  assert.equal(roles.get('encoder.layer.0.output.LayerNorm.weight'), 'norm');
  assert.equal(roles.get('encoder.layer.0.attention.self.key.bias'), 'bias');
  assert.equal(roles.get('patch_embed.proj.weight'), 'conv');
  assert.equal(roles.get('embeddings.position_embeddings.weight'), 'position');
  assert.deepEqual(t.tensors.find((x) => x.name === 'patch_embed.proj.weight')?.matrix, [8, 27]);
  assert.equal(t.tensors.find((x) => x.name === 'lm_head.weight')?.shard, 'model-00002-of-00002.safetensors');
});
