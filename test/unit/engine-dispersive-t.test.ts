/**
 * The dispersive loss at every t against the float64 numpy reference of
 * scripts/make_dispersive_reference.py (test/fixtures/reference/dispersive_t.json): t from 0.5 to
 * 200, pairs 'offdiag' and 'all', on every engine (onnxruntime, js, wasm, and the trainer's tfjs code
 * behind --engine tfjs), including N = 8192 rows for float32 accumulation drift (DESIGN.md
 * section 2). Before the fix the kernel summed each row with the i = i term exp(0) = 1 in it and
 * subtracted it afterwards: t = 10 was off by 1e-5, t >= 50 gave -Infinity (null in the report).
 * Also the anchoring loss at tau near 0 and 4, linear and squared hinge.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileByteSource } from '../../src/io/byteSource';
import { readNpyArray } from '../../src/io/npy';
import type { Matrix } from '../../src/io/types';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, type GeometryReport, type HingeMode, type PairsMode } from '../../src/protocol/report';
import { computeGeometry, type GeometryBackend } from '../../src/engine';
import { dispersiveLoss } from '../../src/engine/dispersive';
import { normalizedSample } from '../../src/engine/rows';
import { runCli } from '../fixtures/cli/run';
import { openBothBackends } from './engine-backends';

const DIR = join(__dirname, '..', 'fixtures', 'reference');

interface DispCase {
  file: string;
  rows: number;
  t: number;
  pairs: PairsMode;
  dispersiveLoss: number;
}
interface Ref {
  dispersive: DispCase[];
  example: { file: string; dispersiveLoss: Record<string, Record<string, number>> };
  anchoring: { files: [string, string]; cases: { tau: number; hinge: HingeMode; anchoringLoss: number }[] };
}
const ref = JSON.parse(readFileSync(join(DIR, 'dispersive_t.json'), 'utf8')) as Ref;

/**
 * Relative tolerance on the loss. Measured worst relative errors against numpy (float32 inputs,
 * float32 tile kernels): onnxruntime 3.2e-7 (N = 8192, t = 200), 1.7e-7 (collapsed rows, t = 200),
 * 7e-8 (healthy rows, t = 200); js 3.4e-8 (tfjs: TFJS_REL below). Before the fix: 1.4e-5 at t = 10, 6.2e-3
 * at t = 20, -Infinity from t = 50 (onnxruntime); 0.57 at t = 200 (js).
 */
const REL = 1e-6;
const TFJS_REL = 5e-6;

const cache = new Map<string, Matrix>();
async function load(file: string): Promise<Matrix> {
  const hit = cache.get(file);
  if (hit) return hit;
  const src = await fileByteSource(join(DIR, file));
  const entry = await readNpyArray(src, file);
  const data = await entry.readRows();
  await src.close?.();
  assert.ok(data instanceof Float32Array);
  const m = { name: file.replace(/\.npy$/, ''), rows: entry.shape[0] as number, cols: entry.shape[1] as number, data };
  cache.set(file, m);
  return m;
}

async function engineLoss(m: Matrix, t: number, pairs: PairsMode, backend: GeometryBackend): Promise<number> {
  const { z, sq } = normalizedSample(
    m,
    Int32Array.from({ length: m.rows }, (_, i) => i),
  );
  return dispersiveLoss(z, sq, m.rows, m.cols, t, pairs, backend);
}

function assertRel(got: number, want: number, what: string, rel = REL): void {
  assert.ok(Number.isFinite(got), `${what}: got ${got}`);
  const err = Math.abs(got - want) / Math.abs(want);
  assert.ok(err <= rel, `${what}: got ${got}, numpy ${want} (relative error ${err.toExponential(2)})`);
}

const backends = openBothBackends();

for (const engine of ['ort', 'js', 'wasm'] as const) {
  void test(`${engine}: dispersive loss matches numpy at t = 0.5 ... 200, pairs offdiag and all`, async () => {
    for (const c of ref.dispersive) {
      // plain JS at N = 8192 takes seconds per value: the largest t only (the one that underflowed)
      if (engine === 'js' && c.rows > 2000 && c.t !== 200) continue;
      const got = await engineLoss(await load(c.file), c.t, c.pairs, backends[engine]);
      assertRel(got, c.dispersiveLoss, `${engine} ${c.file} t=${c.t} ${c.pairs}`);
    }
  });
}

void test('small tiles: the same values when the diagonal falls in many tiles, and one-column tiles', async () => {
  const m = await load('healthy_audio.npy');
  for (const budget of [777, 64 * 13]) {
    for (const engine of ['ort', 'js', 'wasm'] as const) {
      const small: GeometryBackend = { ...backends[engine], maxTileElements: budget };
      for (const c of ref.dispersive.filter((x) => x.file === 'healthy_audio.npy' && (x.t === 2 || x.t === 200))) {
        assertRel(await engineLoss(m, c.t, c.pairs, small), c.dispersiveLoss, `${engine} tiles of ${budget}, t=${c.t} ${c.pairs}`);
      }
    }
  }
});

void test('tiny and huge t stay finite and exact: log1p for flat kernels, log-sum-exp for peaked ones', async () => {
  const m = await load('collapsed_audio.npy');
  // float64 definition evaluated here for the extremes: t -> 0 gives -t * mean(d); t -> inf gives -t * min(d) + log(#min / pairs)
  const { z, sq } = normalizedSample(
    m,
    Int32Array.from({ length: m.rows }, (_, i) => i),
  );
  let sum = 0;
  for (let i = 0; i < m.rows; i++)
    for (let j = 0; j < m.rows; j++) {
      if (i === j) continue;
      let dot = 0;
      for (let k = 0; k < m.cols; k++) dot += (z[i * m.cols + k] as number) * (z[j * m.cols + k] as number);
      sum += (sq[i] as number) + (sq[j] as number) - 2 * dot;
    }
  const meanD = sum / (m.rows * (m.rows - 1));
  for (const engine of ['ort', 'js', 'wasm'] as const) {
    const t = 1e-6;
    const got = await engineLoss(m, t, 'offdiag', backends[engine]);
    // log mean exp(-t d) = -t mean(d) + O(t^2 var(d)): var(d) < 1 makes the second term < 1e-12
    assertRel(got, -t * meanD, `${engine} t=1e-6`, 2e-6);
    for (const big of [1e4, 1e8]) {
      const v = await engineLoss(m, big, 'offdiag', backends[engine]);
      assert.ok(Number.isFinite(v) && v < 0, `${engine} t=${big}: ${v}`);
    }
  }
});

void test("tfjs (--engine tfjs): the trainer's dispersive loss matches numpy too", async () => {
  const { tfjsGeometry } = await import('../../src/train');
  for (const c of ref.dispersive) {
    if (c.rows > 2000) continue; // tfjs at N = 8192 is slow on the wasm/cpu backends
    const g = await tfjsGeometry([await load(c.file)], { ...DEFAULT_OPTIONS, t: c.t, pairs: c.pairs });
    // float32 distances and per-row log-sum-exps in tfjs: measured worst 1.05e-6 (collapsed rows,
    // whose distances cancel in na + nb - 2 a.b, at t = 50); 1.6e-6 at t = 200 'all' before the
    // diagonal was taken as exactly 1 in src/train/losses.ts
    assertRel(Object.values(g.dispersiveLoss)[0] as number, c.dispersiveLoss, `tfjs ${c.file} t=${c.t} ${c.pairs}`, TFJS_REL);
  }
});

void test('anchoring loss at tau near 0 and 4, linear and squared hinge: every engine matches numpy', async () => {
  const [fa, fb] = ref.anchoring.files;
  const a = await load(fa);
  const b = await load(fb);
  const { tfjsGeometry } = await import('../../src/train');
  for (const c of ref.anchoring.cases) {
    const options = { ...DEFAULT_OPTIONS, tau: c.tau, hinge: c.hinge, maxPairwiseRows: 200 };
    for (const engine of ['ort', 'js', 'wasm'] as const) {
      const core = await computeGeometry([a, b], options, DEFAULT_THRESHOLDS, backends[engine], { projectionRows: 10 });
      const got = core.pairs[0]?.anchoringLoss as number;
      // float64 drift: measured error <= 2e-16 absolute, so 1e-12 relative plus 1e-15 absolute where the loss is 0
      assert.ok(
        Math.abs(got - c.anchoringLoss) <= 1e-12 * c.anchoringLoss + 1e-15,
        `${engine} tau=${c.tau} ${c.hinge}: ${got} vs ${c.anchoringLoss}`,
      );
    }
    const g = await tfjsGeometry([a, b], options);
    const got = Object.values(g.anchoringLoss)[0] as number;
    // tfjs computes drift in float32: ~1e-7 of the drift, absolute; measured below 5e-8
    assert.ok(
      Math.abs(got - c.anchoringLoss) <= 1e-6 * c.anchoringLoss + 1e-7,
      `tfjs tau=${c.tau} ${c.hinge}: ${got} vs ${c.anchoringLoss}`,
    );
  }
});

void test('CLI: dagr inspect --t 20 reports a finite dispersive loss equal to numpy (was null)', async () => {
  const r = await runCli(['inspect', ref.example.file, '--t', '20', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as GeometryReport;
  for (const [name, byT] of Object.entries(ref.example.dispersiveLoss)) {
    assertRel(rep.modalities[name]?.dispersiveLoss as number, byT['20'] as number, `CLI ${name} t=20`);
  }
});
