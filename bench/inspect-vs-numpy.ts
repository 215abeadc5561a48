/**
 * Benchmark (not a test): full `dagr inspect` vs a numpy float32 script computing the same metrics
 * on the same data, in the same run. Usage:
 *   npx tsx bench/inspect-vs-numpy.ts [--n 8192] [--d 768] [--threads T] [--engine onnxruntime|js] [--runs 3]
 * The CLI and numpy processes run first, alternated --runs times (medians, every run printed),
 * then two in-process runs.
 * Data goes to bench/out/ (gitignored). Prints a markdown table: engine, threads, sizes, times,
 * the ratio, and the largest relative difference between the two sets of numbers.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inspectCheckpoint } from '../src/jobs';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../src/protocol/report';
import type { GeometryReport } from '../src/protocol/report';
import { flag } from './args';
import { writePair } from './inspect-data';

const root = join(__dirname, '..');
const n = Number(flag('n', '8192'));
const d = Number(flag('d', '768'));
const threads = Number(flag('threads', '0'));
const engine = flag('engine', 'onnxruntime') as 'onnxruntime' | 'js';
const processRuns = Math.max(1, Number(flag('runs', '3')));

interface NumpyResult {
  modalities: Record<'a' | 'b', Record<string, number>>;
  pair: {
    anchoringLoss: number;
    linearCka: number;
    modalityGap: number;
    drift: Record<string, number>;
    retrieval: Record<'aToB' | 'bToA', Record<string, number>>;
  };
  seconds: { load: number; compute: number; total: number };
  numpy: string;
}

function wall(cmd: string, args: string[]): { seconds: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

function relDiff(x: number, y: number): number {
  return Math.abs(x - y) / Math.max(Math.abs(y), 1e-12);
}

async function main(): Promise<void> {
  const dir = join(root, 'bench', 'out', `pair-n${n}-d${d}`);
  const fa = join(dir, 'audio.npy');
  const fb = join(dir, 'visual.npy');
  const tg = performance.now();
  writePair(fa, fb, n, d, 8192);
  console.error(`data ready in ${((performance.now() - tg) / 1000).toFixed(1)} s: ${dir}`);

  const req = {
    path: dir,
    options: { ...DEFAULT_OPTIONS, maxPairwiseRows: 0 }, // all rows, as numpy does
    thresholds: DEFAULT_THRESHOLDS,
    engine,
    ...(threads ? { threads } : {}),
  };
  // The two processes first, alternated `--runs` times, before this process holds any of the
  // engine's memory: on a VM whose fresh pages are dear, a benchmark process sitting on a GB
  // slowed whichever child ran next. Medians, with every run printed.
  const cliArgs = existsSync(join(root, 'dist', 'cli.js')) ? ['bin/dagr.js'] : ['--import', 'tsx', 'src/cli/launch.ts'];
  const cliRun = (): { seconds: number; stdout: string } =>
    wall(process.execPath, [
      ...cliArgs,
      'inspect',
      dir,
      '--json',
      '--max-pairwise-rows',
      '0',
      '--engine',
      engine,
      ...(threads ? ['--threads', String(threads)] : []),
    ]);
  const pyRun = (): { seconds: number; stdout: string } =>
    wall('python3', [join('bench', 'reference_metrics.py'), fa, fb, '--t', String(req.options.t), '--tau', String(req.options.tau)]);
  const cliRuns: number[] = [];
  const pyRuns: { seconds: number; stdout: string }[] = [];
  for (let i = 0; i < processRuns; i++) {
    cliRuns.push(cliRun().seconds);
    pyRuns.push(pyRun());
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    return ((s[Math.floor((s.length - 1) / 2)] as number) + (s[Math.ceil((s.length - 1) / 2)] as number)) / 2;
  };
  const cli = { seconds: median(cliRuns) };
  const pySeconds = pyRuns.map((r) => r.seconds);
  const py = { seconds: median(pySeconds), stdout: (pyRuns[0] as { stdout: string }).stdout };
  const computes = pyRuns.map((r) => (JSON.parse(r.stdout) as NumpyResult).seconds.compute);

  const runs: { seconds: number; report: GeometryReport }[] = [];
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const report = await inspectCheckpoint(req);
    runs.push({ seconds: (performance.now() - t0) / 1000, report });
  }
  const report = runs[1]?.report as GeometryReport;

  const ref = JSON.parse(py.stdout) as NumpyResult;
  ref.seconds.compute = median(computes);

  // Agreement: every scalar the two compute, relative to numpy.
  const diffs: [string, number][] = [];
  const names = Object.keys(report.modalities);
  (['a', 'b'] as const).forEach((k, i) => {
    const m = report.modalities[names[i] ?? ''];
    const r = ref.modalities[k];
    if (!m) return;
    for (const key of ['effectiveRank', 'effectiveRankCentered', 'stableRank', 'dispersiveLoss', 'meanCosine'] as const) {
      diffs.push([`${names[i]}.${key}`, relDiff(m[key], r[key] ?? NaN)]);
    }
  });
  const p = report.pairs[0];
  if (p) {
    diffs.push(['pair.anchoringLoss', relDiff(p.anchoringLoss ?? NaN, ref.pair.anchoringLoss)]);
    diffs.push(['pair.linearCka', relDiff(p.linearCka, ref.pair.linearCka)]);
    diffs.push(['pair.modalityGap', relDiff(p.modalityGap ?? NaN, ref.pair.modalityGap)]);
    diffs.push(['pair.drift.mean', relDiff(p.drift?.mean ?? NaN, ref.pair.drift.mean ?? NaN)]);
    diffs.push(['pair.retrieval.aToB.r1', relDiff(p.retrieval?.aToB.r1 ?? NaN, ref.pair.retrieval.aToB.r1 ?? NaN)]);
    diffs.push(['pair.retrieval.bToA.r10', relDiff(p.retrieval?.bToA.r10 ?? NaN, ref.pair.retrieval.bToA.r10 ?? NaN)]);
  }
  const worst = diffs.reduce((a, b) => (b[1] > a[1] || Number.isNaN(b[1]) ? b : a), ['-', 0] as [string, number]);

  const e = report.engine;
  const first = runs[0]?.seconds ?? NaN;
  const warm = runs[1]?.seconds ?? NaN;
  console.log(`\ninspect vs numpy: N = ${n}, d = ${d}, 2 modalities, all ${n} rows in the O(N^2) metrics`);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}; node ${process.version}; numpy ${ref.numpy}`);
  console.log(`engine: ${e.name} (device ${e.device}, ${e.threads} threads)\n`);
  console.log('| what | seconds | ratio to numpy compute |');
  console.log('|---|---|---|');
  console.log(
    `| dagr inspect in-process, first (backend start + load + metrics) | ${first.toFixed(2)} | ${(first / ref.seconds.compute).toFixed(2)} |`,
  );
  console.log(`| dagr inspect in-process, second | ${warm.toFixed(2)} | ${(warm / ref.seconds.compute).toFixed(2)} |`);
  console.log(
    `| dagr inspect CLI process wall (node start + all of the above + JSON), median of ${processRuns} | ${cli.seconds.toFixed(2)} | ${(cli.seconds / ref.seconds.compute).toFixed(2)} |`,
  );
  console.log(`| numpy float32 compute (reference_metrics.py), median of ${processRuns} | ${ref.seconds.compute.toFixed(2)} | 1.00 |`);
  console.log(
    `| numpy process wall (python start + load + compute), median of ${processRuns} | ${py.seconds.toFixed(2)} | ${(py.seconds / ref.seconds.compute).toFixed(2)} |`,
  );
  console.log(`\nratio (dagr CLI wall / numpy process wall, medians): ${(cli.seconds / py.seconds).toFixed(2)}`);
  console.log(`runs, alternated: CLI ${cliRuns.map((x) => x.toFixed(2)).join(' ')}; numpy ${pySeconds.map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`largest relative difference from numpy: ${worst[1].toExponential(2)} (${worst[0]})`);
  for (const [k, v] of diffs) console.error(`  ${k.padEnd(34)} ${v.toExponential(2)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
