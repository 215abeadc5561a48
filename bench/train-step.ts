/**
 * Where a training step's time goes on tfjs-wasm, DAGR on and off, at batch 64 and 256: the
 * kernels of one step from tf.profile (time per kernel name, summed), and the step time, so the
 * DAGR terms' extra cost (one batch x batch product per modality and its element-wise tail)
 * shows next to the rest of the step. Model and data as bench/train-steps.ts.
 * Median step of --steps; per kernel the smallest total of 5 profiled steps (robust to a shared machine).
 * Usage: npx tsx bench/train-step.ts [--steps 20] [--top 12] [--backend wasm]
 */
import * as os from 'node:os';
import type { TrainConfig } from '../src/protocol/train';
import { describeEngine, selectBackend } from '../src/train/backend';
import { DEFAULT_CONFIG } from '../src/train/config';
import type { PairedDataset } from '../src/train/dataset';
import { Model } from '../src/train/model';
import { Optimizer } from '../src/train/optim';
import { makeRng, normal } from '../src/train/rng';
import { tf } from '../src/train/tf';
import { trainStep } from '../src/train/trainer';
import { flag } from './args';

const N = 4096;
const CLASSES = 10;
const steps = Number(flag('steps', '20'));
const top = Number(flag('top', '12'));

function syntheticDataset(): PairedDataset {
  const r = makeRng(1);
  const mod = (name: string, dim: number) => ({
    name,
    dim,
    data: Float32Array.from({ length: N * dim }, () => normal(r)),
    mean: new Float32Array(dim),
    std: new Float32Array(dim).fill(1),
  });
  const all = Int32Array.from({ length: N }, (_, i) => i);
  return {
    file: 'synthetic',
    n: N,
    numClasses: CLASSES,
    modalities: [mod('strong', 32), mod('weak', 64)],
    labels: Int32Array.from(all, (i) => i % CLASSES),
    train: all,
    val: all.slice(0, 2),
    splitSource: 'synthetic',
  };
}

async function cell(ds: PairedDataset, batch: number, dagr: boolean): Promise<{ ms: number; kernels: Map<string, number> }> {
  const cfg: TrainConfig = {
    ...DEFAULT_CONFIG,
    dataset: '',
    outDir: '',
    hidden: [64],
    embeddingDim: 16,
    batchSize: batch,
    dagr: { ...DEFAULT_CONFIG.dagr, enabled: dagr },
  };
  const model = new Model(
    {
      modalities: ds.modalities.map((m) => ({ name: m.name, inputDim: m.dim })),
      hidden: cfg.hidden,
      embeddingDim: cfg.embeddingDim,
      numClasses: CLASSES,
    },
    0,
  );
  const opt = new Optimizer('adam', model.variables());
  const step = (k: number): void => {
    const start = (k * batch) % (N - batch);
    trainStep(model, opt, ds, ds.train.subarray(start, start + batch), cfg, 1e-3);
  };
  try {
    for (let k = 0; k < 3; k++) step(k);
    // a shared machine deschedules a step now and then: the median step, and per kernel the
    // smallest total over 5 profiled steps, are what the step costs when it runs
    const times: number[] = [];
    for (let k = 0; k < steps; k++) {
      const t0 = performance.now();
      step(k);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)] as number;
    const kernels = new Map<string, number>();
    for (let r = 0; r < 5; r++) {
      const one = new Map<string, number>();
      const info = await tf.profile(() => step(r));
      for (const k of info.kernels) one.set(k.name, (one.get(k.name) ?? 0) + Number(k.kernelTimeMs));
      for (const [name, v] of one) kernels.set(name, Math.min(kernels.get(name) ?? Infinity, v));
    }
    return { ms, kernels };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

async function main(): Promise<void> {
  const info = await selectBackend(flag('backend', 'wasm') as TrainConfig['backend']);
  const ds = syntheticDataset();
  console.log(
    `# one training step: ${describeEngine(info)}; ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'CPU'} (shared), node ${process.version}; mean of ${steps} steps\n`,
  );
  console.log(
    '| batch | DAGR | median ms per step | DAGR extra ms | kernels, ms in one profiled step (largest first) |\n|---|---|---|---|---|',
  );
  for (const batch of [64, 256]) {
    const off = await cell(ds, batch, false);
    const on = await cell(ds, batch, true);
    for (const [label, c] of [
      ['off', off],
      ['on', on],
    ] as const) {
      const list = [...c.kernels]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ');
      console.log(`| ${batch} | ${label} | ${c.ms.toFixed(2)} | ${label === 'on' ? (on.ms - off.ms).toFixed(2) : ''} | ${list} |`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
