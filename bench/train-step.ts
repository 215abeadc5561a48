/**
 * Where a training step's time goes, DAGR on and off, at batch 64 and 256 (one script for what
 * train-step.ts and train-steps.ts measured separately before). Model and data are shaped like
 * examples/paired: modalities of 32 and 64 features, hidden [64], embedding 16, 10 classes,
 * Adam; steps run through the trainer's own trainStep (its loss terms read back, awaited).
 *
 * Default: one backend (--backend, default wasm). Per batch, the median step with DAGR off and
 * on, the DAGR terms' extra time, and the kernels of one step from tf.profile (per kernel name
 * the smallest total of --profiles profiled steps, which a shared machine disturbs least): the
 * largest kernels of the step, and the kernels whose time DAGR adds most to.
 * --all-backends: steps per second for every backend that loads (tfjs-node-gpu, tfjs-webgpu,
 * tfjs-node, wasm, cpu), DAGR off and on, and the ratio of step times.
 * --terms: the dispersive term alone, loss and gradient of a [batch, 16] variable, CPU ms per
 * call (best and median of 12 rounds of 20 calls), the cleanest view of the DAGR tail's cost.
 *
 * Usage: npx tsx bench/train-step.ts [--backend wasm] [--steps 30] [--profiles 5] [--top 10]
 *        npx tsx bench/train-step.ts --all-backends [--steps 30]
 *        npx tsx bench/train-step.ts --terms [--backend wasm]
 */
import * as os from 'node:os';
import type { TrainConfig } from '../src/protocol/train';
import { describeEngine, selectBackend } from '../src/train/backend';
import { DEFAULT_CONFIG } from '../src/train/config';
import type { PairedDataset } from '../src/train/dataset';
import { Model } from '../src/train/model';
import { Optimizer } from '../src/train/optim';
import { dispersiveLoss } from '../src/train/losses';
import { makeRng, normal } from '../src/train/rng';
import { tf } from '../src/train/tf';
import { trainStep } from '../src/train/trainStep';
import { flag } from './args';

const N = 4096;
const CLASSES = 10;
const BATCHES = [64, 256];
const steps = Number(flag('steps', '30'));
const profiles = Number(flag('profiles', '5'));
const top = Number(flag('top', '10'));

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

interface Cell {
  /** median step, ms */
  ms: number;
  /** median CPU time of a step (user + system), ms: what a shared machine disturbs least */
  cpuMs: number;
  /** per kernel name, ms in one step (smallest of the profiled steps) */
  kernels: Map<string, number>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function cell(ds: PairedDataset, batch: number, dagr: boolean, profiled: boolean): Promise<Cell> {
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
  // returns once the step has run: its loss terms are read back
  const step = async (k: number): Promise<void> => {
    const start = (k * batch) % (N - batch);
    await trainStep(model, opt, ds, ds.train.subarray(start, start + batch), cfg, 1e-3);
  };
  try {
    for (let k = 0; k < 10; k++) await step(k); // warm-up: the JIT and the backend's buffers
    const times: number[] = [];
    const cpu: number[] = [];
    for (let k = 0; k < steps; k++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await step(k);
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    const kernels = new Map<string, number>();
    for (let r = 0; profiled && r < profiles; r++) {
      const one = new Map<string, number>();
      const info = await tf.profile(() => step(r));
      for (const k of info.kernels) one.set(k.name, (one.get(k.name) ?? 0) + Number(k.kernelTimeMs));
      for (const [name, v] of one) kernels.set(name, Math.min(kernels.get(name) ?? Infinity, v));
    }
    return { ms: median(times), cpuMs: median(cpu), kernels };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

const list = (entries: [string, number][]): string =>
  entries
    .slice(0, top)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');

async function profileOne(ds: PairedDataset): Promise<void> {
  const info = await selectBackend(flag('backend', 'wasm') as TrainConfig['backend']);
  console.log(
    `# one training step: ${describeEngine(info)}; ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'CPU'} (shared; load ${os.loadavg()[0]?.toFixed(1)}), node ${process.version}; median of ${steps} steps, kernels the smallest of ${profiles} profiled steps\n`,
  );
  console.log(
    '| batch | DAGR | median ms per step (wall / CPU) | kernel ms per step (sum) | DAGR extra ms (CPU / kernels) | largest kernels, ms | kernels DAGR adds to most, extra ms |\n|---|---|---|---|---|---|---|',
  );
  for (const batch of BATCHES) {
    const off = await cell(ds, batch, false, true);
    const on = await cell(ds, batch, true, true);
    const sum = (c: Cell): number => [...c.kernels.values()].reduce((a, b) => a + b, 0);
    const added = [...on.kernels]
      .map(([k, v]): [string, number] => [k, v - (off.kernels.get(k) ?? 0)])
      .filter(([, v]) => v > 0.005)
      .sort((a, b) => b[1] - a[1]);
    for (const [label, c] of [
      ['off', off],
      ['on', on],
    ] as const) {
      const largest = [...c.kernels].sort((a, b) => b[1] - a[1]);
      const extra = label === 'on' ? `${(on.cpuMs - off.cpuMs).toFixed(2)} / ${(sum(on) - sum(off)).toFixed(2)}` : '';
      console.log(
        `| ${batch} | ${label} | ${c.ms.toFixed(2)} / ${c.cpuMs.toFixed(2)} | ${sum(c).toFixed(2)} | ${extra} | ${list(largest)} | ${label === 'on' ? list(added) : ''} |`,
      );
    }
  }
}

async function allBackends(ds: PairedDataset): Promise<void> {
  console.log(
    `# train steps/s: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'CPU'} (shared; load ${os.loadavg()[0]?.toFixed(1)}), ${os.platform()}-${os.arch()}, node ${process.version}, median of ${steps} steps per cell\n`,
  );
  console.log('| backend | batch | DAGR off steps/s | DAGR on steps/s | DAGR overhead (step time on / off) |\n|---|---|---|---|---|');
  const wanted = [
    ['tensorflow-gpu', 'tfjs-node-gpu'],
    ['webgpu', 'tfjs-webgpu'],
    ['tensorflow', 'tfjs-node'],
    ['wasm', 'tfjs-wasm'],
    ['cpu', 'tfjs-cpu'],
  ] as const;
  const skipped: string[] = [];
  for (const [pref, name] of wanted) {
    let info;
    try {
      info = await selectBackend(pref);
    } catch (e) {
      skipped.push(`${name}: not available (${e instanceof Error ? e.message : String(e)})`);
      continue;
    }
    if (info.name !== name) {
      skipped.push(`${name}: not available (${info.note ?? 'fell back'})`);
      continue;
    }
    for (const batch of BATCHES) {
      const off = await cell(ds, batch, false, false);
      const on = await cell(ds, batch, true, false);
      console.log(
        `| ${describeEngine(info)} | ${batch} | ${(1000 / off.ms).toFixed(1)} | ${(1000 / on.ms).toFixed(1)} | ${(on.ms / off.ms).toFixed(2)}x |`,
      );
    }
  }
  if (skipped.length) console.log(`\n${skipped.join('\n')}`);
}

async function termsAlone(): Promise<void> {
  const info = await selectBackend(flag('backend', 'wasm') as TrainConfig['backend']);
  console.log(`# dispersive term, loss + gradient: ${describeEngine(info)}; load ${os.loadavg()[0]?.toFixed(1)}\n`);
  console.log('| batch | best CPU ms per call | median CPU ms per call | loss |\n|---|---|---|---|');
  const d = 16;
  for (const batch of BATCHES) {
    let seed = 1;
    const z = tf.variable(
      tf.tensor2d(
        Float32Array.from({ length: batch * d }, () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5),
        [batch, d],
      ),
    );
    const once = async (): Promise<number> => {
      const { value, grads } = tf.variableGrads(() => dispersiveLoss(z as unknown as tf.Tensor2D, 2, 'offdiag'), [z]);
      const v = (await value.data())[0] as number;
      await (grads[z.name] as tf.Tensor).data();
      tf.dispose([value, ...Object.values(grads)]);
      return v;
    };
    let loss = 0;
    const perCall: number[] = [];
    for (let r = 0; r < 12; r++) {
      for (let w = 0; w < 3; w++) loss = await once();
      const c0 = process.cpuUsage();
      for (let k = 0; k < 20; k++) await once();
      const c = process.cpuUsage(c0);
      perCall.push((c.user + c.system) / 1000 / 20);
    }
    console.log(`| ${batch} | ${Math.min(...perCall).toFixed(2)} | ${median(perCall).toFixed(2)} | ${loss} |`);
    z.dispose();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--terms')) return termsAlone();
  const ds = syntheticDataset();
  if (process.argv.includes('--all-backends')) await allBackends(ds);
  else await profileOne(ds);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
