/**
 * The symmetric eigensolver (eigenvalues only) against numpy's eigvalsh (LAPACK dsyevd through
 * OpenBLAS) on the same matrices, side by side in one run: Gram matrices X^T X / N of Gaussian
 * data with a decaying spectrum (what the spectra and the weights report solve), d = 768, 1024,
 * 4096 by default. Prints best-of-reps seconds, the ratio, the stages of ours (reduction to band,
 * band to tridiagonal, tridiagonal QL), and the largest eigenvalue difference relative to the
 * largest eigenvalue.
 * Usage: npx tsx bench/eigen-vs-numpy.ts [--d 768,1024,4096] [--reps 3] [--threads T]
 * --threads sets both sides (OPENBLAS_NUM_THREADS for numpy): 1 is steadier on a shared machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createBackend, type GeometryBackend } from '../src/engine';
import { symmetricEigenvaluesFast } from '../src/engine/linalg/eigenBand';
import { mulberry32 } from '../src/engine/random';
import { flag } from './args';

const sizes = flag('d', '768,1024,4096').split(',').map(Number);
const reps = Number(flag('reps', '3'));
const threads = flag('threads', '');
const OUT = join(__dirname, 'out', 'eigen');

/** X^T X / N of N = 2d Gaussian rows whose column j is scaled by 1 / (1 + j / 16): a decaying spectrum (the product in the backend's float64 GEMM) */
async function gram(d: number, backend: GeometryBackend): Promise<Float64Array> {
  const n = 2 * d;
  const rand = mulberry32(d + 7);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++)
      x[i * d + j] = (Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())) / (1 + j / 16) / Math.sqrt(n);
  }
  const g = await backend.gram(x, n, d);
  // exactly symmetric, as a Gram matrix is
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) g[j * d + i] = g[i * d + j] as number;
  return g;
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const backend = await createBackend('onnxruntime', threads ? { threads: Number(threads) } : {});
  const mats = new Map<number, Float64Array>();
  for (const d of sizes) {
    const g = await gram(d, backend);
    mats.set(d, g);
    writeFileSync(join(OUT, `gram-${d}.f64`), Buffer.from(g.buffer));
  }
  const py = JSON.parse(
    execFileSync('python3', [join(__dirname, 'eigen_numpy.py'), ...sizes.map((d) => `${join(OUT, `gram-${d}.f64`)}:${d}:${reps}`)], {
      encoding: 'utf8',
      env: { ...process.env, ...(threads ? { OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads } : {}) },
    }),
  ) as {
    seconds: Record<string, number>;
    numpy: string;
  };
  console.log(
    `machine: ${cpus()[0]?.model ?? 'CPU'} x ${cpus().length} (shared), node ${process.version}, numpy ${py.numpy}; engine ${backend.info.name} (${backend.info.device}, ${backend.info.threads} threads); best of ${reps}\n`,
  );
  console.log('| d | dagr seconds | numpy eigvalsh seconds | ratio | largest difference / lambda_max |');
  console.log('|---|---|---|---|---|');
  for (const d of sizes) {
    const g = mats.get(d) as Float64Array;
    let best = Infinity;
    let ev: Float64Array = new Float64Array(0);
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      ev = await symmetricEigenvaluesFast(g, d, backend);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    const ref = new Float64Array(readFileSync(join(OUT, `gram-${d}.f64.numpy`)).buffer.slice(0));
    let diff = 0;
    for (let i = 0; i < d; i++) diff = Math.max(diff, Math.abs((ev[i] as number) - (ref[i] as number)));
    const np = py.seconds[String(d)] as number;
    console.log(
      `| ${d} | ${best.toFixed(3)} | ${np.toFixed(3)} | ${(best / np).toFixed(1)}x | ${(diff / (ref[0] as number)).toExponential(1)} |`,
    );
  }
  await backend.dispose();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
