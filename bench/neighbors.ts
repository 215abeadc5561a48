/**
 * Benchmark (not a test): one exact k-NN query by cosine (src/engine/neighbors.ts) against every
 * row of an N x d float32 modality, beside numpy on the same .npy files in the same run, and the
 * two neighbour lists compared. Usage:
 *   npx tsx bench/neighbors.ts [--n 1000000] [--d 768] [--k 10] [--repeat 3]
 *   npx tsx bench/neighbors.ts --selected 300 [--n 200000] [--d 768] [--per-row 30]
 * The second form times a selection's per-row metrics (src/engine/rowMetrics.ts: drift, partner
 * cosine and partner rank of R rows, audio -> visual, row norms kept as the job keeps them), the
 * per-row search it replaced (one nearestNeighbors pass per selected row, on the first --per-row
 * rows, checked bit for bit against it) and numpy's float32 product for the same ranks.
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
import { neighborScoresSwitch, residentCopy } from '../src/engine/neighborScores';
import { rowPairMetrics } from '../src/engine/rowMetrics';
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
  const tResident = performance.now();
  // as the compute process keeps it (src/jobs/neighbors.ts): in a WebAssembly memory where it fits
  const m: Matrix = { name: entry.name, rows: n, cols: d, data: residentCopy(narrowed.data, d) ?? narrowed.data };
  // the same rows outside WebAssembly memory (the first ask of a file: tiles copied into the kernel)
  const copied: Matrix = { ...m, data: narrowed.data };
  const tEnd = performance.now();
  const load = (tEnd - t0) / 1000;
  const stages = {
    open: (tRead - t0) / 1000,
    read: (tCheck - tRead) / 1000,
    check: (tResident - tCheck) / 1000,
    resident: (tEnd - tResident) / 1000,
  };
  console.error(
    `loaded ${n} x ${d} in ${load.toFixed(1)} s (open ${stages.open.toFixed(2)} s, read ${stages.read.toFixed(1)} s, finite/scale check ${stages.check.toFixed(1)} s, into WebAssembly memory ${stages.resident.toFixed(1)} s)`,
  );
  const ours: number[] = [];
  const lists: number[][] = [];
  const perQuery = !process.argv.includes('--kept-only');
  for (const i of perQuery ? rowsToAsk : []) {
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
  // the panel's case: the compute process keeps the matrix and its row norms between clicks.
  // Three kernels, interleaved per query so the shared machine's load falls on each alike: the
  // plain-JS pass (before), the float64 WebAssembly kernel, the float32 pre-pass with rescoring
  const tn = performance.now();
  const norms = rowNorms(m);
  const normsTime = (performance.now() - tn) / 1000;
  const variants = [
    { name: 'plain JS', enabled: false, prePass: false },
    { name: 'float64 kernel', enabled: true, prePass: false },
    { name: 'pre-pass', enabled: true, prePass: true },
    { name: 'pre-pass, tiles copied', enabled: true, prePass: true },
  ];
  const kept: number[][] = variants.map(() => []);
  for (const [qi, i] of rowsToAsk.entries()) {
    for (let r = 0; r < repeat; r++) {
      let first = '';
      for (const [vi, v] of variants.entries()) {
        Object.assign(neighborScoresSwitch, v);
        const t = performance.now();
        const g = vi === 3 ? copied : m;
        const res = await nearestNeighbors(unitRow(g, i), g, k, { exclude: i, norms });
        kept[vi]?.push((performance.now() - t) / 1000);
        const got = JSON.stringify(res.neighbors);
        if (vi === 0) first = got;
        else if (got !== first) throw new Error(`${v.name} changed a list or a similarity`);
        if (!perQuery && vi === 0 && r === 0) lists[qi] = res.neighbors.map((x) => x.row);
        if (JSON.stringify(res.neighbors.map((x) => x.row)) !== JSON.stringify(lists[qi])) throw new Error('kept norms changed a list');
      }
    }
  }
  Object.assign(neighborScoresSwitch, { enabled: true, prePass: true });
  for (const [vi, v] of variants.entries()) console.error(`norms kept, ${v.name}: ${(kept[vi] ?? []).map((x) => x.toFixed(3)).join(', ')}`);
  console.error(`norms in ${normsTime.toFixed(2)} s`);
  // free our copy before numpy loads its own
  (m as { data: Float32Array }).data = new Float32Array(0);
  (copied as { data: Float32Array }).data = new Float32Array(0);

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
  const [js, f64, pre, preCopied] = kept.map(median) as [number, number, number, number];
  console.log(
    `| N | d | k | ours, norms per query | numpy, norms per query | ours, norms kept: plain JS (before) | float64 kernel | float32 pre-pass + rescoring | the same, tiles copied (rows outside WebAssembly memory) | numpy, norms kept | same lists |`,
  );
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|`);
  console.log(
    `| ${n} | ${d} | ${k} | ${perQuery ? f(median(ours)) : '—'} | ${f(median(np.perQuery))} | ${f(js)} | ${f(f64)} | ${f(pre)} | ${f(preCopied)} | ${f(median(np.precomputed))} | ${same.every((x) => x) ? 'yes' : `no (${same.join(',')})`} |`,
  );
  console.log(
    `\nratios ours / numpy, norms kept: ${(js / median(np.precomputed)).toFixed(2)} (plain JS), ${(f64 / median(np.precomputed)).toFixed(2)} (float64 kernel), ${(pre / median(np.precomputed)).toFixed(2)} (pre-pass), ${(preCopied / median(np.precomputed)).toFixed(2)} (pre-pass, tiles copied)${perQuery ? `; norms per query ${(median(ours) / median(np.perQuery)).toFixed(2)}` : ''}. Median of ${repeat} repeats x ${rowsToAsk.length} query rows (the three kernels interleaved, same lists and similarities bit for bit); norms once: ours ${f(normsTime)}, numpy ${f(np.norms)}; load: ours ${f(load)} (open ${f(stages.open)}, read ${f(stages.read)}, finite/scale check ${f(stages.check)}, into WebAssembly memory ${f(stages.resident)}), numpy ${f(np.load)}; numpy ${np.numpy}, float32 matrix-vector; ours float64 sums of the float32 values.`,
  );
}

const SELECTED_NUMPY = `
import sys, time, json
import numpy as np
fa, fb, rows = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
a = np.load(fa, mmap_mode='r'); b = np.load(fb)
t0 = time.perf_counter()
nb = np.maximum(np.sqrt(np.einsum('ij,ij->i', b, b, dtype=np.float64)), 1e-12)
norms = time.perf_counter() - t0
t0 = time.perf_counter(); c0 = time.process_time()
q = np.asarray(a[rows], dtype=np.float64); q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
ranks = []
for s in range(0, len(rows), 64):
    qs = q[s:s + 64]; idx = np.array(rows[s:s + 64])
    sims = (b @ qs.T.astype(np.float32)) / nb[:, None]
    own = sims[idx, np.arange(len(idx))]
    ranks += [int(x) for x in 1 + (sims > own[None, :]).sum(axis=0)]
print(json.dumps({'seconds': time.perf_counter() - t0, 'cpu': time.process_time() - c0, 'norms': norms, 'ranks': ranks, 'numpy': np.__version__}))
`;

/** the selection export's metrics: the engine's pass over all selected rows, the per-row search before it, numpy */
async function selected(count: number): Promise<void> {
  const dir = join(root, 'bench', 'out', `pair-n${n}-d${d}`);
  const fa = join(dir, 'audio.npy');
  const fb = join(dir, 'visual.npy');
  writePair(fa, fb, n, d, n >= 1_000_000 ? 1_000_000 : 8192);
  const load = async (path: string): Promise<Matrix> => {
    const cp = await openCheckpoint(path);
    const e = selectModalities(cp).modalities[0];
    if (!e) throw new Error('no modality');
    // as the rowMetrics job keeps it (src/jobs/neighbors.ts): where the reader put it
    return { name: e.name, rows: n, cols: d, data: narrowToFloat32(await e.readRows(), d, path, e.name).data };
  };
  const a = await load(fa);
  const b = await load(fb);
  const rows = Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * n) / count));
  const tn = performance.now();
  const normsB = rowNorms(b);
  const normsTime = (performance.now() - tn) / 1000;
  const timed = async <T>(run: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> => {
    const c = process.cpuUsage();
    const t = performance.now();
    const value = await run();
    const used = process.cpuUsage(c);
    return { value, wall: (performance.now() - t) / 1000, cpu: (used.user + used.system) / 1e6 };
  };
  // the export today: float32 pre-pass + float64 rescoring
  const pre = await timed(() => rowPairMetrics(a, b, rows, { normsB }));
  const m = pre.value;
  console.error(`one pass, pre-pass: ${pre.wall.toFixed(2)} s (cpu ${pre.cpu.toFixed(2)} s)`);
  // the float64 kernel alone
  neighborScoresSwitch.prePass = false;
  const f64 = await timed(() => rowPairMetrics(a, b, rows, { normsB }));
  neighborScoresSwitch.prePass = true;
  console.error(`one pass, float64 kernel: ${f64.wall.toFixed(2)} s (cpu ${f64.cpu.toFixed(2)} s)`);
  let identical = (['drift', 'partnerCosine', 'partnerRank'] as const).every((key) => {
    const x = m[key];
    const y = f64.value[key];
    return x.every((v, i) => Object.is(v, y[i]));
  });
  // before: one plain-JS pass over b per selected row (the code this replaced), on the first rows only
  const perRow = Math.min(count, Number(flag('per-row', '30')));
  neighborScoresSwitch.enabled = false;
  const old = await timed(async () => {
    for (let k = 0; k < perRow; k++) {
      const i = rows[k] as number;
      const s = await nearestNeighbors(unitRow(a, i), b, 1, { partner: i, norms: normsB });
      const cos = Math.max(-1, Math.min(1, s.partnerSimilarity as number));
      if (s.partnerRank !== m.partnerRank[k] || !Object.is(cos, m.partnerCosine[k])) identical = false;
    }
  });
  neighborScoresSwitch.enabled = true;
  console.error(`per-row plain-JS search, ${perRow} rows: ${old.wall.toFixed(2)} s (cpu ${old.cpu.toFixed(2)} s); identical: ${identical}`);
  (a as { data: Float32Array }).data = new Float32Array(0);
  (b as { data: Float32Array }).data = new Float32Array(0);
  const py = spawnSync('python3', ['-c', SELECTED_NUMPY, fa, fb, JSON.stringify(rows)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (py.status !== 0) throw new Error(`numpy failed: ${py.stderr}`);
  const np = JSON.parse(py.stdout) as { seconds: number; cpu: number; norms: number; ranks: number[]; numpy: string };
  const sameRanks = np.ranks.filter((r, k) => r === m.partnerRank[k]).length;
  const f = (s: number): string => `${s.toFixed(2)} s`;
  const scale = count / perRow;
  console.log(
    `| N | d | selected rows | before: per-row plain-JS search (${perRow} rows, x ${scale.toFixed(0)}) | one pass, float64 kernel | one pass, float32 pre-pass + float64 rescoring | numpy float32 product | ranks equal to numpy's |`,
  );
  console.log(`|---|---|---|---|---|---|---|---|`);
  console.log(
    `| ${n} | ${d} | ${count} | ${f(old.wall * scale)} (cpu ${f(old.cpu * scale)}) | ${f(f64.wall)} (cpu ${f(f64.cpu)}) | ${f(pre.wall)} (cpu ${f(pre.cpu)}) | ${f(np.seconds)} (cpu ${f(np.cpu)}) | ${sameRanks} of ${count} |`,
  );
  console.log(
    `\nall three bit-identical (drift, cosine, rank; the per-row search on its ${perRow} rows): ${identical ? 'yes' : 'NO'}; norms once: ours ${f(normsTime)}, numpy ${f(np.norms)}; numpy ${np.numpy} (float32 BLAS; its ranks can differ where float32 rounding reorders near-ties).`,
  );
}

const selectedRows = Number(flag('selected', '0'));
void (selectedRows > 0 ? selected(selectedRows) : main());
