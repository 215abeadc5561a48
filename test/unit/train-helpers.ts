// Shared fixtures for the train-*.test.ts files: a tiny paired dataset and a tiny config.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeSafetensors } from '../../src/io';
import type { TrainConfig } from '../../src/protocol/train';
import { DEFAULT_CONFIG } from '../../src/train/config';
import { makeRng, normal } from '../../src/train/rng';

/** 3 classes, modality "a" (6 features, informative) and "b" (4 features, noisier), with a split. */
export async function tinyDataset(dir: string, n = 120): Promise<string> {
  const r = makeRng(42);
  const labels = new Int32Array(n);
  const a = new Float32Array(n * 6);
  const b = new Float32Array(n * 4);
  const split = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 3;
    labels[i] = y;
    split[i] = i % 5 === 0 ? 1 : 0;
    for (let j = 0; j < 6; j++) a[i * 6 + j] = (j === y ? 2 : 0) + normal(r) * 0.5;
    for (let j = 0; j < 4; j++) b[i * 4 + j] = (j === y ? 1 : 0) + normal(r);
  }
  const file = path.join(dir, 'tiny.safetensors');
  await writeSafetensors(file, [
    { name: 'a', dtype: 'float32', shape: [n, 6], data: a },
    { name: 'b', dtype: 'float32', shape: [n, 4], data: b },
    { name: 'labels', dtype: 'int32', shape: [n], data: labels },
    { name: 'split', dtype: 'int32', shape: [n], data: split },
  ]);
  return file;
}

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'dagr-train-'));
}

export function tinyConfig(dataset: string, outDir: string, over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...DEFAULT_CONFIG,
    dataset,
    outDir,
    hidden: [8],
    embeddingDim: 4,
    batchSize: 32,
    epochs: 2,
    learningRate: 0.01,
    backend: 'cpu',
    ...over,
  };
}
