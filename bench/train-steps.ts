/**
 * Training steps per second per available TensorFlow.js backend (tfjs-node-gpu, tfjs-node when
 * they load; wasm; cpu) at batch 64 and 256, with the DAGR terms off and on, and the DAGR overhead
 * as a ratio of step times. A benchmark, not a test. Model and data are shaped like
 * examples/paired (modalities of 32 and 64 features, hidden [64], embedding 16, 10 classes).
 *
 * Usage: npx tsx bench/train-steps.ts [--seconds 2]
 */
import * as os from 'node:os';
import type { TrainConfig } from '../src/protocol/train';
import { describeEngine, selectBackend } from '../src/train/backend';
import { DEFAULT_CONFIG } from '../src/train/config';
import type { PairedDataset } from '../src/train/dataset';
import { Model } from '../src/train/model';
import { Optimizer } from '../src/train/optim';
import { makeRng, normal } from '../src/train/rng';
import { trainStep } from '../src/train/trainer';

const N = 4096;
const CLASSES = 10;

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

/** Steps per second over about `seconds` of steps, after 3 warm-up steps. */
function stepsPerSecond(ds: PairedDataset, batch: number, dagr: boolean, seconds: number): number {
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
  try {
    const step = (k: number) => {
      const start = (k * batch) % (N - batch);
      trainStep(model, opt, ds, ds.train.subarray(start, start + batch), cfg, 1e-3); // returns once the step has run
    };
    for (let k = 0; k < 3; k++) step(k);
    const t0 = performance.now();
    let steps = 0;
    while (performance.now() - t0 < seconds * 1000 || steps < 3) step(steps++);
    return steps / ((performance.now() - t0) / 1000);
  } finally {
    opt.dispose();
    model.dispose();
  }
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--seconds');
  const seconds = i >= 0 ? Number(process.argv[i + 1]) : 2;
  const ds = syntheticDataset();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `# train steps/s: ${os.cpus().length} x ${cpu}, ${os.platform()}-${os.arch()}, node ${process.version}, ${seconds} s per cell\n`,
  );
  console.log('| backend | batch | DAGR off steps/s | DAGR on steps/s | DAGR overhead (step time on / off) |');
  console.log('|---|---|---|---|---|');
  const wanted = [
    ['tensorflow-gpu', 'tfjs-node-gpu'],
    ['tensorflow', 'tfjs-node'],
    ['wasm', 'tfjs-wasm'],
    ['cpu', 'tfjs-cpu'],
  ] as const;
  const skipped: string[] = [];
  for (const [pref, name] of wanted) {
    const info = await selectBackend(pref);
    if (info.name !== name) {
      skipped.push(`${name}: not available (${info.note ?? 'fell back'})`);
      continue;
    }
    for (const batch of [64, 256]) {
      const off = stepsPerSecond(ds, batch, false, seconds);
      const on = stepsPerSecond(ds, batch, true, seconds);
      console.log(`| ${describeEngine(info)} | ${batch} | ${off.toFixed(1)} | ${on.toFixed(1)} | ${(off / on).toFixed(2)}x |`);
    }
  }
  if (skipped.length) console.log(`\n${skipped.join('\n')}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
