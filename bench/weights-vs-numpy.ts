/**
 * Benchmark (not a test): all spectra of a BERT-base-shaped checkpoint (74 matrices) with
 * `dagr`'s weights report against np.linalg.svd(W, compute_uv=False) per matrix, in float32 and
 * float64, in one run. Usage:
 *   npx tsx bench/weights-vs-numpy.ts [--layers 12] [--engine onnxruntime|js] [--threads T]
 * The checkpoints (float32 ~440 MB, float64 ~880 MB, the same values) go to bench/out/weights-bert/
 * (gitignored; reused). dagr reads each file and analyses one matrix at a time (read, decode,
 * statistics, Gram of the smaller side in float64, eigenvalues, power-law fit); numpy's time is the
 * SVD alone (the matrix already in memory). Prints a markdown table per matrix shape: times,
 * ratios, and the largest relative difference of spectral norm, effective rank and stable rank
 * against numpy's float64 SVD.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { analyzeWeightsJob } from '../src/jobs/weights';
import type { WeightsReport } from '../src/protocol/weights';
import { flag } from './args';

const root = join(__dirname, '..');
const layers = flag('layers', '12');
const engine = flag('engine', 'onnxruntime') as 'onnxruntime' | 'js';
const threads = Number(flag('threads', '0'));

interface NumpyRow {
  name: string;
  shape: [number, number];
  secondsF32: number;
  secondsF64: number;
  spectralNorm: number;
  effectiveRank: number;
  stableRank: number;
}

const rel = (x: number | null, y: number): number => (x === null ? Infinity : Math.abs(x - y) / Math.abs(y));

async function main(): Promise<void> {
  const dir = join(root, 'bench', 'out', `weights-bert-l${layers}`);
  const t0 = performance.now();
  const py = spawnSync('python3', [join(root, 'bench', 'weights_numpy.py'), dir, '--layers', layers], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (py.status !== 0) throw new Error(`weights_numpy.py exited ${py.status}: ${py.stderr}`);
  const np = JSON.parse(py.stdout) as { numpy: string; matrices: NumpyRow[]; files: { f32: string; f64: string } };
  console.error(`numpy side done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const reports: Record<'f32' | 'f64', { report: WeightsReport; wall: number }> = {} as never;
  for (const k of ['f32', 'f64'] as const) {
    const t = performance.now();
    const report = await analyzeWeightsJob({ path: np.files[k], engine, order: 'file', ...(threads ? { threads } : {}) });
    reports[k] = { report, wall: (performance.now() - t) / 1000 };
    console.error(`dagr ${k}: ${reports[k].wall.toFixed(1)} s`);
  }

  const groups = new Map<string, { count: number; np32: number; np64: number; d32: number; d64: number; err: number }>();
  for (const row of np.matrices) {
    const key = `${row.shape[0]} x ${row.shape[1]}`;
    const g = groups.get(key) ?? { count: 0, np32: 0, np64: 0, d32: 0, d64: 0, err: 0 };
    g.count++;
    g.np32 += row.secondsF32;
    g.np64 += row.secondsF64;
    for (const k of ['f32', 'f64'] as const) {
      const t = reports[k].report.tensors.find((x) => x.name === row.name);
      if (!t) throw new Error(`${row.name} missing from the ${k} report`);
      if (k === 'f32') g.d32 += t.seconds ?? 0;
      else g.d64 += t.seconds ?? 0;
      g.err = Math.max(
        g.err,
        rel(t.spectralNorm, row.spectralNorm),
        rel(t.effectiveRank, row.effectiveRank),
        rel(t.stableRank, row.stableRank),
      );
    }
    groups.set(key, g);
  }
  const lines: string[] = [];
  const e = reports.f32.report.engine;
  lines.push(`engine: ${e.name} (${e.device}, ${e.threads} threads); numpy ${np.numpy}; ${np.matrices.length} matrices`);
  lines.push('');
  lines.push(
    '| matrix | count | numpy svd f32 (s) | numpy svd f64 (s) | dagr f32 file (s) | dagr f64 file (s) | dagr f32 / numpy f32 | dagr f64 / numpy f64 | max rel. diff vs numpy f64 |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const tot = { count: 0, np32: 0, np64: 0, d32: 0, d64: 0, err: 0 };
  for (const [key, g] of groups) {
    lines.push(
      `| ${key} | ${g.count} | ${g.np32.toFixed(2)} | ${g.np64.toFixed(2)} | ${g.d32.toFixed(2)} | ${g.d64.toFixed(2)} | ${(g.d32 / g.np32).toFixed(2)} | ${(g.d64 / g.np64).toFixed(2)} | ${g.err.toExponential(1)} |`,
    );
    tot.count += g.count;
    tot.np32 += g.np32;
    tot.np64 += g.np64;
    tot.d32 += g.d32;
    tot.d64 += g.d64;
    tot.err = Math.max(tot.err, g.err);
  }
  lines.push(
    `| **all** | ${tot.count} | ${tot.np32.toFixed(2)} | ${tot.np64.toFixed(2)} | ${tot.d32.toFixed(2)} | ${tot.d64.toFixed(2)} | ${(tot.d32 / tot.np32).toFixed(2)} | ${(tot.d64 / tot.np64).toFixed(2)} | ${tot.err.toExponential(1)} |`,
  );
  lines.push('');
  lines.push(
    `dagr whole job (open, every tensor, report): f32 ${reports.f32.wall.toFixed(1)} s, f64 ${reports.f64.wall.toFixed(1)} s; peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB at the end`,
  );
  console.log(lines.join('\n'));
}

void main();
