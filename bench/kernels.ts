/**
 * Kernel timings: dispersive loss (N = 8192, d = 768) per backend, the eigensolvers at d = 768 and
 * d = 4096 (one-stage eigen.ts, and the two-stage eigenBand.ts that spectrum.ts uses from d = 1024
 * with onnxruntime), and a whole computeGeometry.
 * Run: node --import tsx bench/kernels.ts [--quick] [--full]
 * --quick skips the plain-JS N = 8192 dispersive loss; --full adds the one-stage d = 4096 (minutes).
 */
import { cpus } from 'node:os';
import { computeGeometry, createBackend, symmetricEigenvalues, type GeometryBackend } from '../src/engine';
import { dispersiveLoss } from '../src/engine/dispersive';
import { twoStageEigenvalues } from '../src/engine/linalg/eigenBand';
import { normalizedSample } from '../src/engine/rows';
import { mulberry32 } from '../src/engine/random';
import { sampleRows } from '../src/engine/sample';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../src/protocol/report';
import type { Matrix } from '../src/io/types';

const quick = process.argv.includes('--quick');
const full = process.argv.includes('--full');

function gaussianMatrix(name: string, rows: number, cols: number, seed: number): Matrix {
  const rand = mulberry32(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return { name, rows, cols, data };
}

async function time<T>(label: string, f: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const v = await f();
  console.log(`${label}: ${((performance.now() - t0) / 1000).toFixed(3)} s`);
  return v;
}

async function dispersive(backend: GeometryBackend, m: Matrix): Promise<number> {
  const { z, sq } = normalizedSample(m, sampleRows(m.rows, m.rows, 0));
  return dispersiveLoss(z, sq, m.rows, m.cols, 2, 'offdiag', backend);
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length} cores, Node ${process.version}`);
  const ort = await createBackend('onnxruntime');
  const js = await createBackend('js');
  console.log(`onnxruntime backend: ${JSON.stringify(ort.info)}`);

  const big = gaussianMatrix('audio', 8192, 768, 1);
  await dispersive(ort, gaussianMatrix('warm', 256, 768, 2)); // session warm-up
  const l1 = await time('dispersive loss N=8192 d=768, onnxruntime', () => dispersive(ort, big));
  console.log(`  value ${l1}`);
  const small = gaussianMatrix('audio', 2048, 768, 3);
  const l2 = await time('dispersive loss N=2048 d=768, onnxruntime', () => dispersive(ort, small));
  const l3 = await time('dispersive loss N=2048 d=768, js', () => dispersive(js, small));
  console.log(`  values ${l2} / ${l3}`);
  if (!quick) await time('dispersive loss N=8192 d=768, js', () => dispersive(js, big));

  for (const d of [768, 4096]) {
    const rand = mulberry32(d);
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const x = rand() - 0.5;
        a[i * d + j] = x;
        a[j * d + i] = x;
      }
    }
    if (d < 4096 || full) await time(`symmetricEigenvalues (one-stage, JS) d=${d}`, () => symmetricEigenvalues(a, d));
    await time(`two-stage eigenvalues (onnxruntime GEMM + JS chase) d=${d}`, () => twoStageEigenvalues(a, d, 32, ort));
  }

  const b = gaussianMatrix('visual', 8192, 768, 4);
  await time('computeGeometry 2 x (8192 x 768), onnxruntime', () => computeGeometry([big, b], DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, ort));
  await ort.dispose();
  await js.dispose();
}

void main();
