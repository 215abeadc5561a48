/**
 * Benchmark data: two paired modalities (shared latent + per-modality noise), generated chunk by
 * chunk with a seeded PRNG and streamed into .npy files, so even N = 1,000,000 never sits in
 * this process's memory (the inspect being measured runs in another process or after this).
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { mulberry32, normalSampler, type Uniform } from '../src/engine/random';

/**
 * Fills out with scale * N(0,1). A fresh sampler per call: an odd length drops the pair's second
 * normal, as the files written so far did (callers cache them by rows, cols and seed).
 */
function fillNormal(u: Uniform, out: Float32Array, scale: number): void {
  const g = normalSampler(u);
  for (let i = 0; i < out.length; i++) out[i] = scale * g();
}

/** npy format 1.0 header for a little-endian float32 C-order [rows, cols] array. */
function npyHeader(rows: number, cols: number): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const unpadded = 10 + dict.length + 1;
  const pad = (64 - (unpadded % 64)) % 64;
  const text = dict + ' '.repeat(pad) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = 1;
  h[7] = 0;
  h.writeUInt16LE(text.length, 8);
  return Buffer.concat([h, Buffer.from(text, 'latin1')]);
}

/**
 * Writes two .npy files: latent s ~ N(0, I_d) with coordinate k scaled by 0.995^k (so the spectrum
 * is not flat), a = s + noise, b = s + noise. Skips the work when both files exist: callers put
 * rows, cols and seed in the file names, and regenerating 2 GB for each million-row run is slow.
 */
export function writePair(pathA: string, pathB: string, rows: number, cols: number, seed: number, noise = 0.5): void {
  if (existsSync(pathA) && existsSync(pathB)) return;
  mkdirSync(dirname(pathA), { recursive: true });
  const u = mulberry32(seed);
  const fa = openSync(pathA + '.part', 'w');
  const fb = openSync(pathB + '.part', 'w');
  writeSync(fa, npyHeader(rows, cols));
  writeSync(fb, npyHeader(rows, cols));
  const chunkRows = Math.max(1, Math.floor((1 << 20) / cols));
  const scales = Float32Array.from({ length: cols }, (_, k) => Math.pow(0.995, k));
  for (let start = 0; start < rows; start += chunkRows) {
    const r = Math.min(chunkRows, rows - start);
    const s = new Float32Array(r * cols);
    fillNormal(u, s, 1);
    for (let i = 0; i < s.length; i++) s[i] = (s[i] ?? 0) * (scales[i % cols] ?? 1);
    for (const fd of [fa, fb]) {
      const m = new Float32Array(r * cols);
      fillNormal(u, m, noise);
      for (let i = 0; i < m.length; i++) m[i] = (m[i] ?? 0) + (s[i] ?? 0);
      writeSync(fd, new Uint8Array(m.buffer));
    }
  }
  closeSync(fa);
  closeSync(fb);
  // Rename only when complete, so an interrupted run never leaves a short file that looks done.
  renameSync(pathA + '.part', pathA);
  renameSync(pathB + '.part', pathB);
}
