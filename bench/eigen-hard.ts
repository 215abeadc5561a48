/**
 * `node --import tsx bench/eigen-hard.ts [--d 768] [--reps 5]`: the eigensolvers on ordinary and
 * hard symmetric matrices of width d (a random Gram, the Gram of np.arange data, a low-rank Gram,
 * that Gram scaled by 1e-84 and by 2^-1000, a graded matrix). Prints a markdown table of the best
 * of `reps` runs, wall and CPU milliseconds, for the one-stage solver (eigen.ts) and the production
 * path symmetricEigenvaluesFast with onnxruntime (two-stage from TWO_STAGE_MIN). CPU time is the
 * steadier figure on a shared machine.
 */
import { createBackend } from '../src/engine';
import { symmetricEigenvalues } from '../src/engine/linalg/eigen';
import { symmetricEigenvaluesFast } from '../src/engine/linalg/eigenBand';
import { mulberry32 } from '../src/engine/random';
import { flag } from './args';

const d = Number(flag('d', '768'));
const reps = Number(flag('reps', '5'));

function gram(z: Float64Array, rows: number, n: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let k = 0; k < rows; k++) {
    const r = k * n;
    for (let i = 0; i < n; i++) {
      const zi = z[r + i] as number;
      if (zi === 0) continue;
      for (let j = 0; j < n; j++) g[i * n + j] = (g[i * n + j] as number) + zi * (z[r + j] as number);
    }
  }
  return g;
}

const rand = mulberry32(1);
const rows = d + 200;
const random = gram(
  Float64Array.from({ length: rows * d }, () => rand() - 0.5),
  rows,
  d,
);
const arange = gram(
  Float64Array.from({ length: rows * d }, (_, i) => i),
  rows,
  d,
);
const rank = 20;
const u = Float64Array.from({ length: rows * rank }, () => rand() - 0.5);
const v = Float64Array.from({ length: rank * d }, () => rand() - 0.5);
const low = new Float64Array(rows * d);
for (let i = 0; i < rows; i++) {
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let l = 0; l < rank; l++) s += (u[i * rank + l] as number) * (v[l * d + j] as number);
    low[i * d + j] = s;
  }
}
const lowGram = gram(low, rows, d);
const graded = new Float64Array(d * d);
for (let i = 0; i < d; i++) {
  for (let j = 0; j < d; j++) graded[i * d + j] = (random[i * d + j] as number) * 2 ** Math.round((i + j - d) * (600 / d));
}

const cases: [string, Float64Array][] = [
  ['random Gram', random],
  ['arange Gram (rank 2)', arange],
  [`low-rank Gram (rank ${rank})`, lowGram],
  ['low-rank Gram x 1e-84', lowGram.map((x) => x * 1e-84)],
  ['low-rank Gram x 2^-1000', lowGram.map((x) => x * 2 ** -1000)],
  ['graded 2^-600 .. 2^600', graded],
];

async function best(run: () => unknown): Promise<[number, number]> {
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const c = process.cpuUsage(c0);
    wall = Math.min(wall, performance.now() - t0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  return [wall, cpu];
}

async function main(): Promise<void> {
  const ort = await createBackend('onnxruntime');
  try {
    console.log(`d = ${d}, best of ${reps}\n`);
    console.log('| matrix | one-stage wall ms | one-stage CPU ms | fast (onnxruntime) wall ms | fast CPU ms |');
    console.log('|---|---|---|---|---|');
    for (const [name, a] of cases) {
      const [w1, c1] = await best(() => symmetricEigenvalues(a, d));
      const [w2, c2] = await best(() => symmetricEigenvaluesFast(a, d, ort));
      console.log(`| ${name} | ${w1.toFixed(0)} | ${c1.toFixed(0)} | ${w2.toFixed(0)} | ${c2.toFixed(0)} |`);
    }
  } finally {
    await ort.dispose();
  }
}

void main();
