/**
 * Benchmark (not a test): one exact k-NN query by cosine (src/engine/neighbors.ts) against every
 * row of an N x d float32 modality, beside numpy on the same .npy files in the same run, and the
 * two neighbour lists compared. Usage:
 *   npx tsx bench/neighbors.ts [--n 1000000] [--d 768] [--k 10] [--repeat 3]
 * Data goes to bench/out/ (gitignored; the pair files of bench/inspect-data.ts are reused).
 * numpy times two ways: with the row norms computed per query (what our one pass does) and with
 * them precomputed (an index that keeps them); both in float32 BLAS (matrix-vector) as numpy users write it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { openCheckpoint, selectModalities } from '../src/io';
import { narrowToFloat32 } from '../src/io/narrow';
import type { Matrix } from '../src/io/types';
import { nearestNeighbors, rowNorms, unitRow } from '../src/engine/neighbors';
import { flag } from './args';
import { writePair } from './inspect-data';

const root = join(__dirname, '..');
const n = Number(flag('n', '1000000'));
const d = Number(flag('d', '768'));
const k = Number(flag('k', '10'));
const repeat = Number(flag('repeat', '3'));
const rowsToAsk = [0, Math.floor(n / 2), n - 1];

const NUMPY = `
import sys, time, json
import numpy as np
path, k, rows, repeat = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
t0 = time.perf_counter(); z = np.load(path); load = time.perf_counter() - t0
def query(i, norms=None):
    q = z[i].astype(np.float64); q /= max(np.linalg.norm(q), 1e-12)
    nr = norms if norms is not None else np.sqrt(np.einsum('ij,ij->i', z, z))
    s = (z @ q.astype(np.float32)) / np.maximum(nr, 1e-12)
    s[i] = -np.inf
    top = np.argpartition(-s, k)[:k]
    top = top[np.lexsort((top, -s[top]))]
    return [int(r) for r in top]
out = {'load': load, 'perQuery': [], 'precomputed': [], 'lists': []}
for i in rows:
    for _ in range(repeat):
        t = time.perf_counter(); lst = query(i); out['perQuery'].append(time.perf_counter() - t)
    out['lists'].append(lst)
t = time.perf_counter(); norms = np.sqrt(np.einsum('ij,ij->i', z, z)); out['norms'] = time.perf_counter() - t
for i in rows:
    for _ in range(repeat):
        t = time.perf_counter(); query(i, norms); out['precomputed'].append(time.perf_counter() - t)
out['numpy'] = np.__version__
print(json.dumps(out))
`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const dir = join(root, 'bench', 'out', `pair-n${n}-d${d}`);
  const fa = join(dir, 'audio.npy');
  writePair(fa, join(dir, 'visual.npy'), n, d, 8192);

  // the first click's load, in its stages (what loadMatrix does): open, read the rows, check them
  const t0 = performance.now();
  const cp = await openCheckpoint(fa);
  const entry = selectModalities(cp).modalities[0];
  if (!entry) throw new Error('no modality');
  const tRead = performance.now();
  const raw = await entry.readRows();
  const tCheck = performance.now();
  const narrowed = narrowToFloat32(raw, d, fa, entry.name);
  const m: Matrix = { name: entry.name, rows: n, cols: d, data: narrowed.data };
  const tEnd = performance.now();
  const load = (tEnd - t0) / 1000;
  const stages = { open: (tRead - t0) / 1000, read: (tCheck - tRead) / 1000, check: (tEnd - tCheck) / 1000 };
  console.error(
    `loaded ${n} x ${d} in ${load.toFixed(1)} s (open ${stages.open.toFixed(2)} s, read ${stages.read.toFixed(1)} s, finite/scale check ${stages.check.toFixed(1)} s)`,
  );
  const ours: number[] = [];
  const lists: number[][] = [];
  for (const i of rowsToAsk) {
    let last: number[] = [];
    for (let r = 0; r < repeat; r++) {
      const t = performance.now();
      const res = await nearestNeighbors(unitRow(m, i), m, k, { exclude: i });
      ours.push((performance.now() - t) / 1000);
      last = res.neighbors.map((x) => x.row);
      console.error(`row ${i}: ${ours[ours.length - 1]?.toFixed(3) ?? ''} s`);
    }
    lists.push(last);
  }
  // the panel's case: the compute process keeps the matrix and its row norms between clicks
  const tn = performance.now();
  const norms = rowNorms(m);
  const normsTime = (performance.now() - tn) / 1000;
  const kept: number[] = [];
  for (const i of rowsToAsk) {
    for (let r = 0; r < repeat; r++) {
      const t = performance.now();
      const res = await nearestNeighbors(unitRow(m, i), m, k, { exclude: i, norms });
      kept.push((performance.now() - t) / 1000);
      if (JSON.stringify(res.neighbors.map((x) => x.row)) !== JSON.stringify(lists[rowsToAsk.indexOf(i)]))
        throw new Error('kept norms changed a list');
    }
  }
  console.error(`norms in ${normsTime.toFixed(2)} s; with kept norms: ${kept.map((x) => x.toFixed(3)).join(', ')}`);
  // free our copy before numpy loads its own
  (m as { data: Float32Array }).data = new Float32Array(0);

  const py = spawnSync('python3', ['-c', NUMPY, fa, String(k), JSON.stringify(rowsToAsk), String(repeat)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (py.status !== 0) throw new Error(`numpy failed: ${py.stderr}`);
  const np = JSON.parse(py.stdout) as {
    load: number;
    perQuery: number[];
    precomputed: number[];
    norms: number;
    lists: number[][];
    numpy: string;
  };
  const same = lists.map((l, i) => JSON.stringify(l) === JSON.stringify(np.lists[i]));
  const f = (s: number): string => `${s.toFixed(3)} s`;
  console.log(`| N | d | k | ours, norms per query | numpy, norms per query | ours, norms kept | numpy, norms kept | same lists |`);
  console.log(`|---|---|---|---|---|---|---|---|`);
  console.log(
    `| ${n} | ${d} | ${k} | ${f(median(ours))} | ${f(median(np.perQuery))} | ${f(median(kept))} | ${f(median(np.precomputed))} | ${same.every((x) => x) ? 'yes' : `no (${same.join(',')})`} |`,
  );
  console.log(
    `\nratios ours / numpy: ${(median(ours) / median(np.perQuery)).toFixed(2)} (norms per query), ${(median(kept) / median(np.precomputed)).toFixed(2)} (norms kept). Median of ${repeat} repeats x ${rowsToAsk.length} query rows; norms once: ours ${f(normsTime)}, numpy ${f(np.norms)}; load: ours ${f(load)} (open ${f(stages.open)}, read ${f(stages.read)}, finite/scale check ${f(stages.check)}), numpy ${f(np.load)}; numpy ${np.numpy}, float32 matrix-vector; ours float64 accumulation of float32 values.`,
  );
}

void main();
