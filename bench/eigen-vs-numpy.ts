/**
 * The symmetric eigensolver (eigenvalues only) against numpy's eigvalsh (LAPACK dsyevd through
 * OpenBLAS) on the same matrices, side by side in one run: Gram matrices X^T X / N of Gaussian
 * data with a decaying spectrum (what the spectra and the weights report solve), d = 768, 1024,
 * 4096 by default. Prints best-of-reps wall and CPU seconds of both sides, the ratios, our two
 * stages (Householder reduction to tridiagonal, then the tridiagonal QL: blocked and root-free where
 * WebAssembly SIMD is here, as symmetricEigenvaluesFast has them), the largest
 * eigenvalue difference relative to the largest eigenvalue, and numpy again with all its
 * threads (OpenBLAS default) for reference.
 * Usage: npx tsx bench/eigen-vs-numpy.ts [--d 768,1024,4096] [--reps 3] [--threads T]
 * --threads sets both sides (OPENBLAS_NUM_THREADS for numpy): 1 is steadier on a shared machine.
 * On a loaded machine the CPU-second ratio is the steadier figure; wall is what a user waits.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createBackend, type GeometryBackend } from '../src/engine';
import { tridiagonalForm, tridiagonalQL } from '../src/engine/linalg/eigen';
import { symmetricEigenvaluesFast } from '../src/engine/linalg/eigenBand';
import { blockedTridiagonalize, blockedWorks, wasmRootFreeSweeps } from '../src/engine/linalg/eigenBlocked';
import { mulberry32 } from '../src/engine/random';
import { flag } from './args';

const sizes = flag('d', '768,1024,4096').split(',').map(Number);
const reps = Number(flag('reps', '3'));
const threads = flag('threads', '');
const OUT = join(__dirname, 'out', 'eigen');

interface NumpyTimes {
  seconds: Record<string, number>;
  cpu: Record<string, number>;
  numpy: string;
}

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
  const numpy = (env: Record<string, string>): NumpyTimes =>
    JSON.parse(
      execFileSync('python3', [join(__dirname, 'eigen_numpy.py'), ...sizes.map((d) => `${join(OUT, `gram-${d}.f64`)}:${d}:${reps}`)], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      }),
    ) as NumpyTimes;
  const py = numpy(threads ? { OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads } : {});
  console.log(
    `machine: ${cpus()[0]?.model ?? 'CPU'} x ${cpus().length} (shared), load ${loadavg()[0]?.toFixed(1)}, node ${process.version}, numpy ${py.numpy}; engine ${backend.info.name} (${backend.info.device}, ${backend.info.threads} threads); numpy threads ${threads || 'default'}; best of ${reps}\n`,
  );
  console.log(
    '| d | dagr wall s | numpy wall s | wall ratio | dagr CPU s | numpy CPU s | CPU ratio | dagr reduction / QL CPU s | largest difference / lambda_max |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const d of sizes) {
    const g = mats.get(d) as Float64Array;
    let best = Infinity;
    let bestCpu = Infinity;
    let ev: Float64Array = new Float64Array(0);
    for (let r = 0; r < reps; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      ev = await symmetricEigenvaluesFast(g, d, backend);
      best = Math.min(best, (performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
    }
    // the two stages of the path taken (the blocked reduction where WebAssembly SIMD is here),
    // timed apart once
    const c0 = process.cpuUsage();
    const blocked = blockedWorks(d);
    const t = blocked ? tridiagonalForm(g, d, blockedTridiagonalize) : tridiagonalForm(g, d);
    const c1 = process.cpuUsage(c0);
    if (blocked) tridiagonalQL(t.diag, t.off, d, 30 * d, wasmRootFreeSweeps);
    else tridiagonalQL(t.diag, t.off, d);
    const c2 = process.cpuUsage(c0);
    const reduction = (c1.user + c1.system) / 1e6;
    const ql = (c2.user + c2.system) / 1e6 - reduction;
    const ref = new Float64Array(readFileSync(join(OUT, `gram-${d}.f64.numpy`)).buffer.slice(0));
    let diff = 0;
    for (let i = 0; i < d; i++) diff = Math.max(diff, Math.abs((ev[i] as number) - (ref[i] as number)));
    const np = py.seconds[String(d)] as number;
    const npCpu = py.cpu[String(d)] as number;
    console.log(
      `| ${d} | ${best.toFixed(3)} | ${np.toFixed(3)} | ${(best / np).toFixed(2)}x | ${bestCpu.toFixed(3)} | ${npCpu.toFixed(3)} | ${(bestCpu / npCpu).toFixed(2)}x | ${reduction.toFixed(3)} / ${ql.toFixed(3)} | ${(diff / (ref[0] as number)).toExponential(1)} |`,
    );
  }
  if (threads === '1') {
    const all = numpy({});
    console.log(`\nnumpy eigvalsh with OpenBLAS's default threads (${cpus().length} cores), best of ${reps}, wall seconds:`);
    for (const d of sizes)
      console.log(`  d = ${d}: ${(all.seconds[String(d)] as number).toFixed(3)} s (CPU ${(all.cpu[String(d)] as number).toFixed(3)} s)`);
  }
  await backend.dispose();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
