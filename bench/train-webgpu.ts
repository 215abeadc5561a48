/**
 * DAGR training steps on tfjs-wasm against tfjs-webgpu (Dawn for Node): a linear projection of
 * two modalities trained with the dispersive and anchoring terms, read back asynchronously (the
 * one read tfjs-webgpu has in Node). Prints steps per second per backend and batch, and the
 * largest difference of the losses and gradients from wasm's at the same weights. A benchmark,
 * not a test; bench/gpu-check.sh runs it on an NVIDIA machine.
 *
 * Usage: npx tsx bench/train-webgpu.ts [--seconds 3] [--d 768] [--k 256] [--batches 64,256]
 *   [--software] (take a software adapter: Dawn on OpenGL/llvmpipe, EGL_PLATFORM=surfaceless)
 */
import * as os from 'node:os';
import { selectBackend, describeEngine, type BackendDeps } from '../src/train/backend';
import { anchoringLoss, dispersiveLoss } from '../src/train/losses';
import { tf, type Tensor2D } from '../src/train/tf';
import { flag } from './args';

const seconds = Number(flag('seconds', '3'));
const d = Number(flag('d', '768'));
const k = Number(flag('k', '256'));
const batches = flag('batches', '64,256').split(',').map(Number);
const software = process.argv.includes('--software');

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return new Float32Array(n).map(() => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5);
}

interface Cell {
  stepsPerSecond: number;
  loss: number;
  grad: Float32Array;
}

/** one backend, one batch: loss and gradient at the starting weights, then timed SGD steps */
async function run(batch: number): Promise<Cell> {
  const xa = tf.tensor2d(seeded(batch * d, 1), [batch, d]);
  const xb = tf.tensor2d(seeded(batch * d, 2), [batch, d]);
  const wa = tf.variable(tf.tensor2d(seeded(d * k, 3), [d, k]));
  const wb = tf.variable(tf.tensor2d(seeded(d * k, 4), [d, k]));
  const objective = (): tf.Scalar =>
    tf.tidy(() => {
      const za = tf.matMul(xa, wa) as Tensor2D;
      const zb = tf.matMul(xb, wb) as Tensor2D;
      return tf.addN([
        dispersiveLoss(za, 2, 'offdiag'),
        dispersiveLoss(zb, 2, 'offdiag'),
        anchoringLoss(za, zb, 0.5, 'linear'),
      ]) as tf.Scalar;
    });
  try {
    const first = tf.variableGrads(objective, [wa, wb]);
    const loss = (await first.value.data())[0] as number;
    const grad = (await (first.grads[wa.name] as tf.Tensor).data()) as Float32Array;
    tf.dispose([first.value, ...Object.values(first.grads)]);
    const step = async (): Promise<void> => {
      const { value, grads } = tf.variableGrads(objective, [wa, wb]);
      tf.tidy(() => {
        wa.assign(tf.sub(wa, tf.mul(1e-3, grads[wa.name] as tf.Tensor)));
        wb.assign(tf.sub(wb, tf.mul(1e-3, grads[wb.name] as tf.Tensor)));
      });
      await value.data(); // each step is waited for, as a trainer logging its loss would
      tf.dispose([value, ...Object.values(grads)]);
    };
    for (let i = 0; i < 2; i++) await step();
    const t0 = performance.now();
    let steps = 0;
    while (performance.now() - t0 < seconds * 1000 || steps < 3) {
      await step();
      steps++;
    }
    return { stepsPerSecond: steps / ((performance.now() - t0) / 1000), loss, grad };
  } finally {
    tf.dispose([xa, xb, wa, wb]);
  }
}

async function main(): Promise<void> {
  console.log(
    `# DAGR steps (2 dispersive + 1 anchoring term, linear ${d} -> ${k}), ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'CPU'}, node ${process.version}, ${seconds} s per cell\n`,
  );
  const results = new Map<string, Map<number, Cell>>();
  const deps: BackendDeps | undefined = software
    ? {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        requireModule: (id) => require(id),
        probeLibrary: () => false,
        webgpu: { dawn: ['backend=opengl'], featureLevel: 'compatibility', allowSoftware: true },
      }
    : undefined;
  console.log('| backend | batch | steps/s | loss | largest gradient difference vs wasm (relative to its largest entry) |');
  console.log('|---|---|---|---|---|');
  for (const pref of ['wasm', 'webgpu'] as const) {
    let info;
    try {
      info = deps ? await selectBackend(pref, deps) : await selectBackend(pref);
    } catch (e) {
      console.log(`| ${pref} | - | not available: ${String(e)} | | |`);
      continue;
    }
    if (info.name !== `tfjs-${pref}`) {
      console.log(`| tfjs-${pref} | - | not available (fell back to ${info.name}: ${info.note ?? ''}) | | |`);
      continue;
    }
    const cells = new Map<number, Cell>();
    results.set(pref, cells);
    for (const batch of batches) {
      const c = await run(batch);
      cells.set(batch, c);
      const ref = results.get('wasm')?.get(batch);
      let diff = '-';
      if (ref && pref !== 'wasm') {
        let gmax = 0;
        let dmax = 0;
        for (let i = 0; i < ref.grad.length; i++) {
          gmax = Math.max(gmax, Math.abs(ref.grad[i] as number));
          dmax = Math.max(dmax, Math.abs((c.grad[i] as number) - (ref.grad[i] as number)));
        }
        diff = `${(dmax / gmax).toExponential(2)} (loss: ${Math.abs(c.loss - ref.loss).toExponential(2)})`;
      }
      console.log(`| ${describeEngine(info)} | ${batch} | ${c.stepsPerSecond.toFixed(2)} | ${c.loss.toFixed(7)} | ${diff} |`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
