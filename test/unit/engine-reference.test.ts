/**
 * Both backends against the float64 numpy reference of scripts/make_reference.py, and against
 * each other. Tolerances are per metric, a small multiple of the worst error measured (printed at
 * the end of the run), with an absolute floor only where a value can be ~0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileByteSource } from '../../src/io/byteSource';
import { readNpyArray } from '../../src/io/npy';
import type { Matrix } from '../../src/io/types';
import type { ReportOptions, WarningThresholds } from '../../src/protocol/report';
import { computeGeometry, createBackend, type GeometryBackend, type GeometryCore } from '../../src/engine';

const DIR = join(__dirname, '..', 'fixtures', 'reference');

interface RefCase {
  case: string;
  files: [string, string][];
  n: number;
  options: ReportOptions;
  modalities: Record<string, Record<string, unknown>>;
  pairs: Record<string, unknown>[];
  warnings: [string, string][];
}
const ref = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as { thresholds: WarningThresholds; cases: RefCase[] };

async function loadCase(c: RefCase): Promise<Matrix[]> {
  const out: Matrix[] = [];
  for (const [name, file] of c.files) {
    const src = await fileByteSource(join(DIR, file));
    const entry = await readNpyArray(src, name);
    const data = await entry.readRows();
    await src.close?.();
    assert.ok(data instanceof Float32Array);
    out.push({ name, rows: entry.shape[0] as number, cols: entry.shape[1] as number, data });
  }
  return out;
}

/** worst relative error seen per metric path, printed at the end for the report */
const worst = new Map<string, number>();
let currentEngine = '';

/**
 * Walks `want` and compares each number in `got`. `floor` is the absolute error allowed on top of
 * the relative tolerance (for values near 0, e.g. small singular values or losses that vanish).
 */
/**
 * Relative tolerance per metric: about 10x the worst error measured over both engines and every
 * case (2026-11-30). Float64 metrics (drift, gap, CKA, cosine, stable rank) agree to ~5e-15; the
 * float32 kernels (dispersive loss) to 1.1e-7; the spectrum's small singular values come from Gram
 * eigenvalues (~1e-15 of the largest), which moves the effective rank by up to 1.7e-6.
 */
function relFor(p: string): number {
  if (/\.dispersiveLoss$/.test(p)) return 1e-6; // measured 1.07e-7 (onnxruntime)
  if (/\.effectiveRank$/.test(p)) return 2e-5; // measured 1.72e-6 (js)
  if (/\.effectiveRankCentered$/.test(p)) return 5e-7; // measured 5.44e-8
  if (p.includes('.spectrum[')) return 2e-5; // measured 1.77e-6 (against the floor's scale)
  if (p.includes('.retrieval.') || p.includes('.counts[') || /\.(dim|pairwiseRows|deadDimensionFraction|fractionBeyondTau)$/.test(p))
    return 0; // exact: measured 0
  return 5e-14; // float64 metrics: measured <= 4.5e-15
}

function compare(got: unknown, want: unknown, path: string, floor: (p: string, w: number) => number, rel = relFor(path)): void {
  if (want === null) {
    assert.equal(got, null, `${path} should be null`);
    return;
  }
  if (typeof want === 'number') {
    assert.equal(typeof got, 'number', `${path} is not a number`);
    const g = got as number;
    const err = Math.abs(g - want);
    const key = `${currentEngine} ${path.replace(/\[\d+\]/g, '[]').replace(/^[^.]+\.(modalities|pairs)\.[^.]+\./, '')}`;
    const fl = floor(path, want);
    // relative error, measured against the floor's scale where the value itself is ~0
    worst.set(key, Math.max(worst.get(key) ?? 0, err / Math.max(Math.abs(want), rel > 0 ? fl / rel : 0, 1e-300)));
    assert.ok(err <= rel * Math.abs(want) + fl, `${path}: got ${g}, numpy ${want} (error ${err.toExponential(2)})`);
    return;
  }
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${path} is not an array`);
    assert.equal((got as unknown[]).length, want.length, `${path} length`);
    want.forEach((w, i) => compare((got as unknown[])[i], w, `${path}[${i}]`, floor));
    return;
  }
  if (typeof want === 'object') {
    for (const [k, w] of Object.entries(want as Record<string, unknown>)) {
      compare((got as Record<string, unknown>)[k], w, `${path}.${k}`, floor);
    }
    return;
  }
  assert.equal(got, want, path);
}

function floorFor(c: RefCase, core: GeometryCore) {
  return (p: string, _w: number): number => {
    const mod = /^[^.]+\.modalities\.([^.]+)\./.exec(p)?.[1];
    if (mod && p.includes('.spectrum[')) {
      // tiny singular values: the eigenvalues of the Gram carry ~1e-15 of the largest one
      return 1e-6 * (core.modalities[mod]?.spectrum[0] ?? 1);
    }
    if (p.includes('.explainedVariance[')) return 1e-14; // measured 1.3e-15
    // ranks, counts and the median rank are exact on these cases (measured: no query moved); a
    // tolerance of one rank here once accepted a deliberately wrong middle value
    if (p.includes('.retrieval.') || p.includes('.counts[')) return 0;
    return 1e-12;
  };
}

function checkCase(c: RefCase, core: GeometryCore): void {
  assert.equal(core.n, c.n);
  const floor = floorFor(c, core);
  for (const [name, want] of Object.entries(c.modalities)) {
    compare(core.modalities[name], want, `${c.case}.modalities.${name}`, floor);
  }
  assert.equal(core.pairs.length, c.pairs.length);
  c.pairs.forEach((want, i) => compare(core.pairs[i], want, `${c.case}.pairs.${String(want.a)}/${String(want.b)}`, floor));
  const codes = core.warnings.map((w) => [w.code, w.modality ?? w.pair ?? '']);
  assert.deepEqual(codes.sort(), [...c.warnings].sort(), `${c.case}: warnings`);
}

const backends: Record<string, GeometryBackend> = {};
async function backend(name: 'js' | 'onnxruntime' | 'wasm'): Promise<GeometryBackend> {
  backends[name] ??= await createBackend(name);
  return backends[name];
}

test.after(async () => {
  for (const b of Object.values(backends)) await b.dispose();
  const lines = [...worst.entries()].sort().map(([k, v]) => `  ${k}: ${v.toExponential(2)}`);
  console.log(`max relative error vs numpy per metric:\n${lines.join('\n')}`);
});

// wasm: the in-process kernels the CLI's auto engine takes for a small file
for (const engine of ['onnxruntime', 'js', 'wasm'] as const) {
  for (const c of ref.cases) {
    // the N = 8192 case costs 67M kernel evaluations; plain JS is checked on it once, below
    if (engine === 'js' && c.case === 'large') continue;
    void test(`${engine}: ${c.case} matches the numpy reference`, async () => {
      const mats = await loadCase(c);
      currentEngine = engine;
      const core = await computeGeometry(mats, c.options, ref.thresholds, await backend(engine));
      assert.equal(core.engine.name, engine);
      checkCase(c, core);
    });
  }
}

void test('js: the N = 8192 dispersive loss matches numpy (float64 row sums, no float32 drift)', async () => {
  const c = ref.cases.find((x) => x.case === 'large') as RefCase;
  const mats = await loadCase(c);
  currentEngine = 'js';
  const core = await computeGeometry(mats, c.options, ref.thresholds, await backend('js'), { projectionRows: 200 });
  checkCase(c, core);
});
