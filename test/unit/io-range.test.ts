/**
 * Values at the edges of float range (issue "Hardening" item 2): float64 arrays scaled by 1e39,
 * 1e300 and 1e-300, float32 subnormals (×1e-42) and numpy's arange-built rank-deficient arrays, all
 * written by numpy (scripts/make_range_fixtures.py). `dagr inspect --json` must give numpy's
 * float64 numbers at every scale: scale-free metrics the same as at scale 1, singular values scaled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeometryReport } from '../../src/protocol/report';
import { ROOT, runCli } from '../fixtures/cli/run';
import { narrowToFloat32, scaleExponent, timesPowerOfTwo } from '../../src/io/narrow';
import { validateModalities } from '../../src/engine/validate';
import { ReaderError } from '../../src/io/types';
import { selectModalities } from '../../src/io/select';

const DIR = join(ROOT, 'test', 'fixtures', 'range');

interface ModalityExpect {
  effectiveRank: number;
  effectiveRankCentered: number;
  stableRank: number;
  sigmaMax: number;
  meanCosine: number;
}
interface FileExpect {
  modalities: Record<string, ModalityExpect>;
  pair?: { driftMean: number; modalityGap: number; linearCka: number };
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, FileExpect>;

function close(label: string, got: number | null | undefined, want: number, rel: number, abs = 0): void {
  assert.ok(typeof got === 'number' && Number.isFinite(got), `${label}: got ${String(got)}, want ${want}`);
  const err = Math.abs(got - want);
  assert.ok(err <= rel * Math.abs(want) + abs, `${label}: got ${got}, want ${want} (error ${err.toExponential(2)})`);
}

for (const [file, want] of Object.entries(expected)) {
  void test(`inspect ${file} gives numpy's float64 metrics`, async () => {
    const r = await runCli(['inspect', join(DIR, file), '--json', '--engine', 'js']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as GeometryReport;
    for (const [name, m] of Object.entries(want.modalities)) {
      const got = Object.prototype.hasOwnProperty.call(report.modalities, name) ? report.modalities[name] : undefined;
      assert.ok(got, `${file}: modality ${name} missing`);
      // the engine holds values as float32 (scaled by a power of two where needed): exact for the
      // arange integers, ~6e-8 relative per value otherwise, which moves the tiny singular values
      // of a rank-deficient array and the effective rank by up to 1.4e-6 (measured: arange ×1e-300)
      close(`${file}:${name} effectiveRank`, got.effectiveRank, m.effectiveRank, 3e-6);
      close(`${file}:${name} effectiveRankCentered`, got.effectiveRankCentered, m.effectiveRankCentered, 1e-5);
      close(`${file}:${name} stableRank`, got.stableRank, m.stableRank, 1e-6);
      close(`${file}:${name} sigma max`, got.spectrum[0], m.sigmaMax, 1e-6);
      close(`${file}:${name} meanCosine`, got.meanCosine, m.meanCosine, 1e-6, 1e-7);
    }
    if (want.pair) {
      const p = report.pairs[0];
      assert.ok(p, `${file}: no pair`);
      close(`${file}: drift mean`, p.drift?.mean, want.pair.driftMean, 1e-5, 1e-7);
      close(`${file}: modality gap`, p.modalityGap, want.pair.modalityGap, 1e-5, 1e-7);
      close(`${file}: linear CKA`, p.linearCka, want.pair.linearCka, 1e-6);
    }
  });
}

void test('scale-free metrics are the same at every scale of one array', async () => {
  const at = async (f: string): Promise<GeometryReport> => {
    const r = await runCli(['inspect', join(DIR, f), '--json', '--engine', 'js']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as GeometryReport;
  };
  const base = await at('paired_f8_x1.npz');
  for (const f of ['paired_f8_x1e39.npz', 'paired_f8_x1e300.npz', 'paired_f8_x1e-300.npz']) {
    const r = await at(f);
    for (const name of ['a', 'b']) {
      const b0 = base.modalities[name];
      const b1 = r.modalities[name];
      assert.ok(b0 && b1);
      // power-of-two scaling is exact, so the float32 data differ at most by rounding of 1e39 vs 1
      close(`${f}:${name} effectiveRank`, b1.effectiveRank, b0.effectiveRank, 1e-6);
      close(`${f}:${name} dispersiveLoss`, b1.dispersiveLoss, b0.dispersiveLoss, 1e-5);
    }
  }
});

void test('narrowToFloat32 finds NaN and Inf in the stored float64, naming the row', () => {
  const data = new Float64Array([1, 2, 3, 4, 5, Infinity]);
  assert.throws(
    () => narrowToFloat32(data, 2, 'f.npy', 'audio', 10),
    (e: unknown) => e instanceof ReaderError && e.message === 'f.npy: "audio" has Inf at row 12',
  );
  assert.throws(() => narrowToFloat32(new Float64Array([NaN, 0]), 2, 'f.npy', 'a'), /"a" has NaN at row 0$/);
  // 1e39 is finite in float64: not an error, and not Inf after narrowing
  const big = narrowToFloat32(new Float64Array([1e39, -2e39, 0, 3]), 2, 'f.npy', 'a');
  assert.ok(big.data.every((v) => Number.isFinite(v)));
  assert.equal((big.data[1] as number) * big.scale, Math.fround(-2e39 / big.scale) * big.scale);
  // 1e-300 is not zero
  const tiny = narrowToFloat32(new Float64Array([1e-300, 2e-300]), 2, 'f.npy', 'a');
  assert.ok(tiny.data.every((v) => v !== 0));
  assert.ok(Math.abs((tiny.data[1] as number) * tiny.scale - 2e-300) <= 1e-7 * 2e-300);
});

void test('the scale is an exact power of two, and none for ordinary data', () => {
  assert.equal(scaleExponent(0), 0);
  assert.equal(scaleExponent(123.5), 0);
  assert.equal(scaleExponent(2 ** 64), 0);
  for (const x of [1e39, 1e300, Number.MAX_VALUE, 1e-300, 5e-324, 1e-42, 2 ** -65]) {
    const e = scaleExponent(x);
    const y = timesPowerOfTwo(x, -e);
    assert.ok(y >= 1 && y < 2, `${x}: ${x} / 2^${e} = ${y}`);
  }
  assert.equal(timesPowerOfTwo(1, -1074), 5e-324);
  assert.equal(timesPowerOfTwo(5e-324, 1074), 1);
});

void test('a member that was skipped is named with its reason, when asked for or when nothing else is left', () => {
  const cp = {
    path: 'x.npz',
    format: 'npz' as const,
    metadata: {},
    entries: [{ name: 'labels', dtype: 'int64' as const, shape: [3], readRows: () => Promise.resolve(new Int32Array(3)) }],
    skipped: [{ name: 'ids', reason: 'dtype <U12 (strings) is not a numeric array' }],
  };
  assert.throws(
    () => selectModalities(cp, ['ids']),
    (e: unknown) => e instanceof ReaderError && e.message === 'x.npz: "ids" cannot be read: dtype <U12 (strings) is not a numeric array',
  );
  assert.throws(
    () => selectModalities(cp),
    /no 2-D float arrays to use as modalities; arrays: labels \(int64 \[3\]\); skipped: ids \(dtype <U12 \(strings\) is not a numeric array\)$/,
  );
});

void test('narrowToFloat32 names the first bad value of either kind, in float32 and float64, after a large maximum', () => {
  for (const Arr of [Float32Array, Float64Array]) {
    // an Inf before a NaN: the Inf's row, though the one-pass scan may stop at either
    assert.throws(() => narrowToFloat32(new Arr([1, 7, -Infinity, 0, NaN, 2]), 2, 'f', 'a'), /"a" has -Inf at row 1$/);
    assert.throws(() => narrowToFloat32(new Arr([1, 7, 3, 0, NaN, Infinity]), 2, 'f', 'a'), /"a" has NaN at row 2$/);
    // the maximum first, a bad value later: the branch a new maximum takes is not the only check
    assert.throws(() => narrowToFloat32(new Arr([1000, 1, 2, 3, 4, NaN]), 3, 'f', 'a'), /"a" has NaN at row 1$/);
    assert.equal(narrowToFloat32(new Arr([1000, -2000, 3, 4]), 2, 'f', 'a').scale, 1);
  }
  // integers have no NaN or Inf: read as they are
  assert.deepEqual([...narrowToFloat32(new Int32Array([3, -9, 4, 1]), 2, 'f', 'a').data], [3, -9, 4, 1]);
});

void test("narrowToFloat32's largest is the float32 data's own largest |value|, which lets the engine's input check skip its walk", () => {
  const cases: (Float32Array | Float64Array | Int32Array)[] = [
    new Float64Array([1e39, -2e39, 0, 3]),
    new Float64Array([1e-300, -2e-300]),
    new Float64Array([0.1, -0.7, 0.3 + 1e-12, 0]),
    new Float32Array([0, 0, 0, 0]),
    new Int32Array([5, -2147483648, 7, 1]),
  ];
  for (const stored of cases) {
    const { data, largest } = narrowToFloat32(stored, 2, 'f.npy', 'a');
    let own = 0;
    for (const v of data) own = Math.max(own, Math.abs(v));
    assert.equal(largest, own, String(stored));
  }
  // the engine: an all-zero matrix still fails; a measured one passes without a walk; an unmeasured NaN is still found
  const zeros = { name: 'z', rows: 2, cols: 2, data: new Float32Array(4), largestMagnitude: 0 };
  assert.throws(() => validateModalities([zeros]), /'z' is all zeros/);
  const measured = { name: 'm', rows: 2, cols: 2, data: Float32Array.from([1, 0, 0, 1]), largestMagnitude: 1 };
  validateModalities([measured]);
  assert.throws(
    () => validateModalities([{ name: 'n', rows: 2, cols: 2, data: Float32Array.from([1, NaN, 0, 1]) }]),
    /'n' has NaN at row 0/,
  );
});
