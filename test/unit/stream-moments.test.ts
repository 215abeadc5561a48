/**
 * The streamed moments of DESIGN.md section 2c against numpy (scripts/make_stream_reference.py):
 * Chan-Golub-LeVeque merges of blocks of any sizes, in any order, give the float64 column means,
 * co-moments, raw Gram and cross co-moments of one pass over all rows; the streamed drift gives
 * numpy's percentiles to within one fine bin. Also the hash-chosen sample's rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileByteSource } from '../../src/io/byteSource';
import { readNpyArray } from '../../src/io/npy';
import { createBackend, type GeometryBackend } from '../../src/engine';
import {
  centerInPlace,
  columnMeans,
  crossOf,
  emptyMoments,
  gramOf,
  mergeCrossInto,
  mergeMomentsInto,
  rawGram,
  type Moments,
} from '../../src/engine/stream/moments';
import { addDrift, driftStatsOf, emptyDrift, FINE_WIDTH, mergeDriftInto } from '../../src/engine/stream/drift';
import { hashSample, nestedSample, rowKey } from '../../src/engine/stream/hashSample';
import { driftPerRow } from '../../src/engine/pairs';
import { mulberry32 } from '../../src/engine/random';

const DIR = join(__dirname, '..', 'fixtures', 'stream');
const ref = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as {
  n: number;
  da: number;
  db: number;
  meanA: number[];
  meanB: number[];
  comomentA: number[];
  comomentB: number[];
  gramA: number[];
  cross: number[];
  drift: { mean: number; max: number; median: number; p90: number; p99: number; beyond05: number };
};

async function load(name: string): Promise<Float32Array> {
  const src = await fileByteSource(join(DIR, `${name}.npy`));
  const e = await readNpyArray(src, name);
  const data = await e.readRows();
  assert.ok(data instanceof Float32Array);
  return data;
}

let backend: GeometryBackend;
test.before(async () => {
  backend = await createBackend('js');
});
test.after(async () => {
  await backend.dispose();
});

/** the largest |got - want| relative to the largest |want| (co-moment entries near 0 have no relative scale of their own) */
function relErr(got: ArrayLike<number>, want: number[]): number {
  let scale = 0;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  let e = 0;
  for (let k = 0; k < want.length; k++) e = Math.max(e, Math.abs((got[k] as number) - (want[k] as number)));
  return e / scale;
}

async function blockOf(data: Float32Array, d: number, s: number, e: number): Promise<{ m: Moments; x: Float64Array }> {
  const x = Float64Array.from(data.subarray(s * d, e * d));
  const mean = columnMeans(x, e - s, d);
  centerInPlace(x, e - s, d, mean);
  return { m: { n: e - s, mean, comoment: await gramOf(x, e - s, d, backend) }, x };
}

/** cuts [0, n) at `cuts` random places (seeded) */
function randomBlocks(n: number, cuts: number, seed: number): [number, number][] {
  const r = mulberry32(seed);
  const at = new Set<number>();
  while (at.size < cuts) at.add(1 + Math.floor(r() * (n - 1)));
  const edges = [0, ...[...at].sort((x, y) => x - y), n];
  return edges.slice(1).map((e, k) => [edges[k] as number, e]);
}

void test("Chan merges of blocks (any sizes, any order) give numpy's means, co-moments, raw Gram and cross co-moment", async () => {
  const a = await load('a');
  const b = await load('b');
  const { n, da, db } = ref;
  for (const seed of [1, 2, 3]) {
    const blocks = randomBlocks(n, 7 * seed, seed);
    // merge in a shuffled order: the update is exact whatever the order
    const order = blocks.map((_, k) => k).sort((x, y) => ((x * 7919 + seed) % blocks.length) - ((y * 7919 + seed) % blocks.length));
    const accA = emptyMoments(da);
    const accB = emptyMoments(db);
    const cross = new Float64Array(da * db);
    for (const k of order) {
      const [s, e] = blocks[k] as [number, number];
      const pa = await blockOf(a, da, s, e);
      const pb = await blockOf(b, db, s, e);
      mergeCrossInto(cross, accA, accB, await crossOf(pa.x, pb.x, e - s, da, db, backend), pa.m, pb.m);
      mergeMomentsInto(accA, pa.m);
      mergeMomentsInto(accB, pb.m);
    }
    assert.equal(accA.n, n);
    assert.ok(relErr(accA.mean, ref.meanA) < 1e-13, `mean a: ${relErr(accA.mean, ref.meanA)}`);
    assert.ok(relErr(accB.mean, ref.meanB) < 1e-13);
    assert.ok(relErr(accA.comoment, ref.comomentA) < 1e-11, `comoment a: ${relErr(accA.comoment, ref.comomentA)}`);
    assert.ok(relErr(accB.comoment, ref.comomentB) < 1e-11, `comoment b: ${relErr(accB.comoment, ref.comomentB)}`);
    assert.ok(relErr(cross, ref.cross) < 1e-11, `cross: ${relErr(cross, ref.cross)}`);
    assert.ok(relErr(rawGram(accA), ref.gramA) < 1e-13, `raw gram: ${relErr(rawGram(accA), ref.gramA)}`);
  }
});

void test('a block of one row and empty parts merge as no-ops or exact copies', async () => {
  const a = await load('a');
  const d = ref.da;
  const acc = emptyMoments(d);
  mergeMomentsInto(acc, emptyMoments(d));
  assert.equal(acc.n, 0);
  for (let i = 0; i < ref.n; i += i < 10 ? 1 : 997) {
    const e = Math.min(ref.n, i < 10 ? i + 1 : i + 997);
    mergeMomentsInto(acc, (await blockOf(a, d, i, e)).m);
  }
  assert.equal(acc.n, ref.n);
  assert.ok(relErr(acc.comoment, ref.comomentA) < 1e-11);
});

void test('streamed drift: exact mean, max and count beyond tau; numpy percentiles within one fine bin; parts merge', async () => {
  const a = await load('a');
  const b = await load('b');
  const { n, da, db } = ref;
  // the first db columns of a, as the reference does
  const a16 = new Float32Array(n * db);
  for (let i = 0; i < n; i++) a16.set(a.subarray(i * da, i * da + db), i * db);
  const whole = emptyDrift();
  const parts = [emptyDrift(), emptyDrift()];
  for (const [s, e] of randomBlocks(n, 5, 9)) {
    const v = driftPerRow(
      { name: 'a', rows: e - s, cols: db, data: a16.subarray(s * db, e * db) },
      { name: 'b', rows: e - s, cols: db, data: b.subarray(s * db, e * db) },
    );
    addDrift(whole, v, 0.5, 'linear');
    addDrift(parts[s < n / 2 ? 0 : 1] as ReturnType<typeof emptyDrift>, v, 0.5, 'linear');
  }
  mergeDriftInto(parts[0] as ReturnType<typeof emptyDrift>, parts[1] as ReturnType<typeof emptyDrift>);
  for (const acc of [whole, parts[0] as ReturnType<typeof emptyDrift>]) {
    const st = driftStatsOf(acc);
    assert.ok(Math.abs(st.mean - ref.drift.mean) < 1e-13);
    assert.ok(Math.abs(st.max - ref.drift.max) < 1e-15 * ref.drift.max); // numpy divides by the norm, the engine multiplies by its inverse
    assert.equal(acc.beyond, ref.drift.beyond05);
    for (const q of ['median', 'p90', 'p99'] as const) {
      assert.ok(Math.abs(st[q] - ref.drift[q]) <= FINE_WIDTH, `${q}: ${st[q]} vs numpy ${ref.drift[q]}`);
    }
    assert.equal(
      st.histogram.counts.reduce((x, y) => x + y, 0),
      n,
    );
  }
  // the histograms add exactly, so everything read off them is equal; the mean's sum is added in another order
  const w = driftStatsOf(whole);
  const m = driftStatsOf(parts[0] as ReturnType<typeof emptyDrift>);
  assert.ok(Math.abs(w.mean - m.mean) <= 1e-15 * w.mean);
  assert.deepEqual({ ...w, mean: 0 }, { ...m, mean: 0 });
});

void test('hash sample: the size asked, ascending, distinct, the same for every caller; nested samples are hash samples', () => {
  const s = hashSample(100_000, 1000, 7);
  assert.equal(s.length, 1000);
  for (let k = 1; k < s.length; k++) assert.ok((s[k] as number) > (s[k - 1] as number));
  assert.deepEqual(hashSample(100_000, 1000, 7), s);
  assert.notDeepEqual(hashSample(100_000, 1000, 8), s);
  // spread over the rows: each tenth of the rows holds about a tenth of the sample
  for (let t = 0; t < 10; t++) {
    const inTenth = s.filter((r) => r >= t * 10_000 && r < (t + 1) * 10_000).length;
    assert.ok(inTenth > 60 && inTenth < 140, `tenth ${t}: ${inTenth}`);
  }
  assert.deepEqual(nestedSample(hashSample(5000, 5000, 1), 200, 3), hashSample(5000, 200, 3));
  assert.deepEqual(Array.from(hashSample(5, 10, 1)), [0, 1, 2, 3, 4]);
  // row indices beyond 2^32 hash without collapsing onto the low word
  assert.notEqual(rowKey(2 ** 32 + 5, 1), rowKey(5, 1));
  assert.notEqual(rowKey(2 ** 40 + 5, 1), rowKey(2 ** 41 + 5, 1));
});
