/**
 * Small symmetric eigenproblems in a FRESH process, the case of `dagr inspect` on a small file:
 * one report solves 44 problems of side d (raw and centered Grams of 2 modalities plus 10 classes
 * each), and in a new process the first solves run in V8's interpreter. For d = 32, 64, 128, 256
 * this prints the CPU ms of the first call and of all 44 calls, each measured in a child process
 * of its own (spawned per measurement, median of --runs), for:
 *   before: the one-stage solver as it was (eigenBand.ts's oneStageInSlices: eigen.ts's
 *           eigenvalueSteps in slices, SIMD fused pass, the rest in JS; still the path above 512),
 *   after:  symmetricEigenvaluesFast today (eigenSmall.ts: the whole solve in WebAssembly),
 *   numpy:  np.linalg.eigvalsh on the same 44 matrices (python3 started fresh, one BLAS thread),
 * and the largest eigenvalue difference of after against before and numpy, relative to lambda_max.
 * Only the solves are timed (process.cpuUsage / time.process_time around them), not the start of
 * node or python. CPU time, since the machine this runs on is shared and loaded.
 * Usage: npx tsx bench/eigen-small.ts [--d 32,64,128,256] [--runs 5]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../src/engine';
import { oneStageInSlices, symmetricEigenvaluesFast } from '../src/engine/linalg/eigenBand';
import { mulberry32 } from '../src/engine/random';
import { flag } from './args';

const COUNT = 44;
const OUT = join(__dirname, 'out', 'eigen-small');
const fileOf = (d: number): string => join(OUT, `grams-${d}.f64`);

/**
 * COUNT Gram-like d x d matrices: X^T X / N of N = 2d rows whose column j is scaled by
 * 1 / (1 + j / 8) (a decaying spectrum as real embeddings have), and every other one centered
 * (a zero eigenvalue, as the centered Grams have)
 */
function grams(d: number): Float64Array {
  const all = new Float64Array(COUNT * d * d);
  const n = 2 * d;
  const x = new Float64Array(n * d);
  for (let c = 0; c < COUNT; c++) {
    const rand = mulberry32(1000 * d + c);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (rand() - 0.5) / (1 + j / 8);
    if (c % 2 === 1) {
      for (let j = 0; j < d; j++) {
        let m = 0;
        for (let i = 0; i < n; i++) m += x[i * d + j] as number;
        m /= n;
        for (let i = 0; i < n; i++) x[i * d + j] = (x[i * d + j] as number) - m;
      }
    }
    const g = all.subarray(c * d * d, (c + 1) * d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += (x[r * d + i] as number) * (x[r * d + j] as number);
        g[i * d + j] = s / n;
        g[j * d + i] = s / n;
      }
    }
  }
  return all;
}

interface Times {
  first: number;
  all: number;
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** in a child: read the matrices, time the first solve and all COUNT */
async function child(how: string, d: number): Promise<void> {
  const buf = readFileSync(fileOf(d));
  const all = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
  const backend = how === 'after' ? await createBackend('js') : undefined;
  const solve = (a: Float64Array): Promise<Float64Array> => (backend ? symmetricEigenvaluesFast(a, d, backend) : oneStageInSlices(a, d));
  const t0 = process.cpuUsage();
  await solve(all.subarray(0, d * d));
  const first = cpuMs(process.cpuUsage(t0));
  for (let c = 1; c < COUNT; c++) await solve(all.subarray(c * d * d, (c + 1) * d * d));
  const total = cpuMs(process.cpuUsage(t0));
  process.stdout.write(JSON.stringify({ first, all: total } satisfies Times));
}

const NUMPY = `
import sys, time, json
import numpy as np
path, d, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
a = np.fromfile(path, dtype='<f8').reshape(-1, d, d)
t0 = time.process_time()
w = [np.linalg.eigvalsh(a[0])]
first = (time.process_time() - t0) * 1000
for c in range(1, a.shape[0]):
    w.append(np.linalg.eigvalsh(a[c]))
total = (time.process_time() - t0) * 1000
np.array([x[::-1] for x in w]).astype('<f8').tofile(out)
print(json.dumps({'first': first, 'all': total}))
`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  const i = process.argv.indexOf('--child');
  if (i >= 0) return child(process.argv[i + 1] as string, Number(flag('d', '64')));
  const sizes = flag('d', '32,64,128,256').split(',').map(Number);
  const runs = Number(flag('runs', '5'));
  mkdirSync(OUT, { recursive: true });
  const js = await createBackend('js');
  const raw: Record<number, Record<string, Times[]>> = {};
  console.log(`eigen-small: ${COUNT} Gram-like problems of side d, each measurement in a fresh process; median of ${runs} runs`);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, load ${loadavg()[0]?.toFixed(1)} (shared: CPU ms, not wall)`);
  console.log('');
  console.log(
    '   d | before first | before 44 | after first | after 44 | numpy first | numpy 44 | after/before 44 | after/numpy 44 | max|after-before|/lmax | max|after-numpy|/lmax',
  );
  for (const d of sizes) {
    const mats = grams(d);
    writeFileSync(fileOf(d), Buffer.from(mats.buffer));
    const times: Record<string, Times[]> = { before: [], after: [], numpy: [] };
    for (let r = 0; r < runs; r++) {
      for (const how of ['before', 'after'] as const) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', how, '--d', String(d)], {
          encoding: 'utf8',
        });
        times[how]?.push(JSON.parse(out) as Times);
      }
      const out = execFileSync('python3', ['-c', NUMPY, fileOf(d), String(d), `${fileOf(d)}.numpy`], {
        encoding: 'utf8',
        env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
      });
      times.numpy?.push(JSON.parse(out) as Times);
    }
    // agreement, in this process
    const nb = readFileSync(`${fileOf(d)}.numpy`);
    const np = new Float64Array(nb.buffer, nb.byteOffset, nb.byteLength / 8);
    let dBefore = 0;
    let dNumpy = 0;
    for (let c = 0; c < COUNT; c++) {
      const a = mats.subarray(c * d * d, (c + 1) * d * d);
      const after = await symmetricEigenvaluesFast(a, d, js);
      const before = await oneStageInSlices(a, d);
      const lmax = Math.abs(after[0] as number);
      for (let k = 0; k < d; k++) {
        dBefore = Math.max(dBefore, Math.abs((after[k] as number) - (before[k] as number)) / lmax);
        dNumpy = Math.max(dNumpy, Math.abs((after[k] as number) - (np[c * d + k] as number)) / lmax);
      }
    }
    raw[d] = times;
    const m = (how: string, key: keyof Times): number => median((times[how] ?? []).map((t) => t[key]));
    const f = (x: number): string => x.toFixed(1).padStart(8);
    console.log(
      [
        String(d).padStart(4),
        f(m('before', 'first')),
        f(m('before', 'all')),
        f(m('after', 'first')),
        f(m('after', 'all')),
        f(m('numpy', 'first')),
        f(m('numpy', 'all')),
        (m('after', 'all') / m('before', 'all')).toFixed(3).padStart(8),
        (m('after', 'all') / m('numpy', 'all')).toFixed(2).padStart(8),
        dBefore.toExponential(1).padStart(10),
        dNumpy.toExponential(1).padStart(10),
      ].join(' | '),
    );
  }
  writeFileSync(join(OUT, 'times.json'), JSON.stringify(raw, null, 1));
  console.log('');
  console.log(
    `every run's CPU ms: bench/out/eigen-small/times.json; numpy ${execFileSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' }).trim()}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
