/**
 * Generates the shipped examples (deterministic: seeded PRNG, fixed constants):
 *   examples/healthy.safetensors     audio + visual, N = 2000, d = 64, well spread, paired with modest noise, labels
 *   examples/collapsed.safetensors   same audio; visual collapsed onto ~3 directions and drifted away from audio
 *   examples/run-collapse/epoch_01..epoch_10.safetensors   N = 500; visual collapses from epoch 5 on
 * Run with `npm run examples` (tsx). Files are overwritten: this script is their only author.
 *
 * Model of the data: a shared latent s_i ~ class mean + N(0, I_64) is what both modalities see;
 * each modality adds its own noise. Collapse replaces visual by a fixed 3-D projection of s,
 * rotated into a random 3-D subspace, so its effective rank falls to ~3 and it no longer points
 * where audio does (drift ~ 2, the squared distance of unrelated unit vectors).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSafetensors } from '../src/io';
import { mulberry32, normalSampler } from '../src/engine/random';

const OUT = join(__dirname, '..', 'examples');
const D = 64;
const CLASSES = 10;
const NOISE = 0.3;
/** far below the signal, so the collapsed modality is low rank but has no exactly dead dimension */
const FLOOR = 0.002;

interface Latent {
  s: Float64Array; // n x D
  labels: Int32Array;
}

function latent(n: number, g: () => number): Latent {
  const means = Array.from({ length: CLASSES }, () => Float64Array.from({ length: D }, () => 0.8 * g()));
  const s = new Float64Array(n * D);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % CLASSES;
    labels[i] = c;
    const mu = means[c] as Float64Array;
    for (let k = 0; k < D; k++) s[i * D + k] = (mu[k] ?? 0) + g();
  }
  return { s, labels };
}

/** A random D x 3 matrix with orthonormal columns (Gram-Schmidt on Gaussian columns), column-major. */
function subspace3(g: () => number): Float64Array {
  const q = new Float64Array(D * 3);
  for (let c = 0; c < 3; c++) {
    const v = Float64Array.from({ length: D }, () => g());
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let k = 0; k < D; k++) dot += (v[k] ?? 0) * (q[p * D + k] ?? 0);
      for (let k = 0; k < D; k++) v[k] = (v[k] ?? 0) - dot * (q[p * D + k] ?? 0);
    }
    const norm = Math.hypot(...v);
    for (let k = 0; k < D; k++) q[c * D + k] = (v[k] ?? 0) / norm;
  }
  return q;
}

/** Row i of the collapsed modality: the first three latent coordinates, unequally scaled, in the subspace q. */
const LOW_SCALES = [3, 2, 1.2];

/**
 * visual = g * (s + noise) + (1 - g) * low(s) + floor noise; g = 1 is healthy, g -> 0 is collapsed.
 * audio = s + noise always.
 */
function modalities(
  lat: Latent,
  n: number,
  healthyWeight: number,
  q: Float64Array,
  g: () => number,
): { audio: Float32Array; visual: Float32Array } {
  const audio = new Float32Array(n * D);
  const visual = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < D; k++) audio[i * D + k] = (lat.s[i * D + k] ?? 0) + NOISE * g();
    for (let k = 0; k < D; k++) {
      let low = 0;
      for (let c = 0; c < 3; c++) low += (LOW_SCALES[c] ?? 0) * (lat.s[i * D + c] ?? 0) * (q[c * D + k] ?? 0);
      const full = (lat.s[i * D + k] ?? 0) + NOISE * g();
      visual[i * D + k] = healthyWeight * full + (1 - healthyWeight) * low + FLOOR * g();
    }
  }
  return { audio, visual };
}

async function write(
  file: string,
  n: number,
  m: { audio: Float32Array; visual: Float32Array },
  labels: Int32Array,
  meta: Record<string, string>,
): Promise<void> {
  await writeSafetensors(
    file,
    [
      { name: 'audio', dtype: 'float32', shape: [n, D], data: m.audio },
      { name: 'visual', dtype: 'float32', shape: [n, D], data: m.visual },
      { name: 'labels', dtype: 'int32', shape: [n], data: labels },
    ],
    meta,
    { overwrite: true },
  );
  console.log('wrote', file);
}

/**
 * Weight of the healthy visual per epoch (index 0 = epoch 1): healthy through epoch 4, then the
 * collapse sets in at epoch 5 and deepens; chosen so the warnings fire at different epochs.
 */
const HEALTHY_WEIGHT = [1, 1, 1, 1, 0.6, 0.25, 0.08, 0.025, 0.008, 0.003];

async function main(): Promise<void> {
  await mkdir(join(OUT, 'run-collapse'), { recursive: true });
  const g = normalSampler(mulberry32(20260129));
  const q = subspace3(g);

  const n = 2000;
  const lat = latent(n, g);
  await write(join(OUT, 'healthy.safetensors'), n, modalities(lat, n, 1, q, g), lat.labels, {
    description: 'healthy: both modalities well spread and paired',
  });
  await write(join(OUT, 'collapsed.safetensors'), n, modalities(lat, n, 0, q, g), lat.labels, {
    description: 'visual collapsed onto 3 directions; pairs drifted',
  });

  const nRun = 500;
  const latRun = latent(nRun, g);
  for (let epoch = 1; epoch <= 10; epoch++) {
    const name = `epoch_${String(epoch).padStart(2, '0')}.safetensors`;
    await write(join(OUT, 'run-collapse', name), nRun, modalities(latRun, nRun, HEALTHY_WEIGHT[epoch - 1] ?? 0, q, g), latRun.labels, {
      epoch: String(epoch),
      step: String(epoch * 100),
    });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
