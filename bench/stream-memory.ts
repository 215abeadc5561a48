/**
 * Issue 10 part 2: peak RSS, time and disk read rate of `dagr inspect` on shard folders of
 * growing N (streamed: row blocks read and dropped), side by side with numpy's
 * np.load(mmap_mode="r") doing the same one-pass sums (bench/stream_numpy.py sums). The data is
 * written by a seeded writer (bench/stream_numpy.py write: float16, two modalities, LAION-style
 * img_emb/ and text_emb/ shards), its page cache dropped before each reader (posix_fadvise, this
 * folder's files only), and deleted afterwards unless --keep.
 *
 *   node --import tsx bench/stream-memory.ts --n 100000,1000000 --d 768 [--shard-rows 1000000]
 *        [--root /tmp/dagr-stream-bench] [--keep] [--skip-numpy] [--sums-only] [--small]
 *
 * Each N is timed twice for dagr: the one-pass sums alone (--child-sums: what numpy does too) and
 * the whole `dagr inspect` (adds the O(s^2) metrics on the fixed-size row sample).
 *
 * --small also times one small checkpoint in memory and with --stream (does streaming cost
 * anything where loading whole would do?). Results are printed as Markdown rows and appended as
 * JSON lines to bench/out/stream-memory.jsonl.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const PY = join(__dirname, 'stream_numpy.py');

function arg(name: string, fallback?: string): string | undefined {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? process.argv[k + 1] : fallback;
}
const has = (name: string): boolean => process.argv.includes(`--${name}`);

function folderBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? folderBytes(p) : statSync(p).size;
  }
  return total;
}

/** runs a command under /usr/bin/time: peak RSS (bytes), wall seconds, stdout */
function timed(cmd: string, args: string[]): { rss: number; seconds: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %M %e', cmd, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const m = /TIME (\d+) ([\d.]+)/.exec(r.stderr);
  if (!m) throw new Error(`no /usr/bin/time line in: ${r.stderr.slice(-500)}`);
  return { rss: Number(m[1]) * 1024, seconds: Number(m[2]), stdout: r.stdout };
}

const gib = (b: number): string => (b / 2 ** 30).toFixed(2);
const mbs = (bytes: number, s: number): string => (bytes / 1e6 / s).toFixed(0);
const out = join(__dirname, 'out');
mkdirSync(out, { recursive: true });

function line(row: Record<string, unknown>): void {
  appendFileSync(join(out, 'stream-memory.jsonl'), `${JSON.stringify({ ...row, at: new Date().toISOString() })}\n`);
}

function benchN(n: number, d: number, shardRows: number, base: string): void {
  const dir = join(base, `n${n}-d${d}`);
  rmSync(dir, { recursive: true, force: true });
  const w0 = performance.now();
  execFileSync('python3', [PY, 'write', dir, String(n), String(d), String(shardRows), '20261130'], { stdio: 'inherit' });
  const writeSeconds = (performance.now() - w0) / 1000;
  const bytes = folderBytes(dir);
  try {
    execFileSync('python3', [PY, 'drop', dir]);
    const sumsOnly = timed(process.execPath, ['--import', 'tsx', __filename, '--child-sums', dir]);
    let dagr = { rss: NaN, seconds: NaN, stdout: '' };
    let report: { n: number; pairs: { drift: { mean: number } }[] } | null = null;
    if (!has('sums-only')) {
      execFileSync('python3', [PY, 'drop', dir]);
      dagr = timed(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'inspect', dir, '--json']);
      report = JSON.parse(dagr.stdout) as { n: number; pairs: { drift: { mean: number } }[] };
      if (report.n !== n) throw new Error(`dagr saw ${report.n} rows, wrote ${n}`);
    }
    const sawRows = (JSON.parse(sumsOnly.stdout) as { rows: number }).rows;
    if (sawRows !== n) throw new Error(`dagr's sums saw ${sawRows} rows, wrote ${n}`);
    let np: { rss: number; seconds: number; driftMean: number } | null = null;
    if (!has('skip-numpy')) {
      execFileSync('python3', [PY, 'drop', dir]);
      const r = timed('python3', [PY, 'sums', dir]);
      const j = JSON.parse(r.stdout) as { seconds: number; driftMean: number };
      np = { rss: r.rss, seconds: r.seconds, driftMean: j.driftMean };
    }
    const row = {
      n,
      d,
      dtype: 'float16',
      modalities: 2,
      inputBytes: bytes,
      writeSeconds,
      dagrSums: { rss: sumsOnly.rss, seconds: sumsOnly.seconds },
      dagr: { rss: dagr.rss, seconds: dagr.seconds },
      numpy: np,
      driftMean: report?.pairs[0]?.drift.mean,
    };
    line(row);
    console.log(
      `| ${n.toExponential(0)} | ${d} | ${gib(bytes)} | ${gib(sumsOnly.rss)} | ${sumsOnly.seconds.toFixed(1)} | ${mbs(bytes, sumsOnly.seconds)} | ${gib(dagr.rss)} | ${dagr.seconds.toFixed(1)} | ` +
        (np ? `${gib(np.rss)} | ${np.seconds.toFixed(1)} | ${mbs(bytes, np.seconds)} |` : 'skipped | | |'),
    );
  } finally {
    if (!has('keep')) rmSync(dir, { recursive: true, force: true });
  }
}

/** a small checkpoint in memory vs streamed: same machine, same run */
function benchSmall(base: string): void {
  const dir = join(base, 'small');
  rmSync(dir, { recursive: true, force: true });
  execFileSync('python3', [PY, 'write', dir, '20000', '256', '20000', '7']);
  // one file with both modalities: the in-memory path's input
  const file = join(base, 'small.npz');
  execFileSync('python3', [
    '-c',
    `import numpy as np; np.savez('${file}', img_emb=np.load('${dir}/img_emb/img_emb_0000.npy'), text_emb=np.load('${dir}/text_emb/text_emb_0000.npy'))`,
  ]);
  const cli = [join(ROOT, 'src', 'cli', 'main.ts'), 'inspect', file, '--json'];
  for (const k of [0, 1]) {
    const mem = timed(process.execPath, ['--import', 'tsx', ...cli]);
    const str = timed(process.execPath, ['--import', 'tsx', ...cli, '--stream']);
    line({
      small: true,
      n: 20000,
      d: 256,
      inMemory: { rss: mem.rss, seconds: mem.seconds },
      streamed: { rss: str.rss, seconds: str.seconds },
      round: k,
    });
    console.log(
      `small 20000 x 256 x 2 (round ${k}): in memory ${mem.seconds.toFixed(1)} s ${gib(mem.rss)} GiB, streamed ${str.seconds.toFixed(1)} s ${gib(str.rss)} GiB`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(file, { force: true });
}

/** the one-pass sums of the streaming engine over a shard folder, nothing else (child process) */
async function childSums(dir: string): Promise<void> {
  const { openDataset } = await import('../src/jobs/streamMerge');
  const { summarizeRows } = await import('../src/jobs/stream');
  const { createBackend } = await import('../src/engine');
  const { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } = await import('../src/protocol/report');
  const req = { path: dir, options: { ...DEFAULT_OPTIONS }, thresholds: DEFAULT_THRESHOLDS, engine: 'onnxruntime' as const };
  const backend = await createBackend('onnxruntime');
  const t0 = performance.now();
  const s = await summarizeRows(req, await openDataset(req), backend);
  console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, rows: s.ranges.reduce((a, [x, y]) => a + y - x, 0) }));
  await backend.dispose();
}

const child = arg('child-sums');
if (child !== undefined) {
  void childSums(child);
} else {
  main();
}

function main(): void {
  const base = arg('root', '/tmp/dagr-stream-bench') as string;
  mkdirSync(base, { recursive: true });
  const d = Number(arg('d', '768'));
  const shardRows = Number(arg('shard-rows', '1000000'));
  const ns = (arg('n', '100000') as string).split(',').map(Number);
  if (has('small')) benchSmall(base);
  console.log(
    '| N | d | input GiB | dagr sums: peak RSS GiB | s | MB/s | dagr inspect: peak RSS GiB | s | numpy mmap sums: peak RSS GiB | s | MB/s |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const n of ns) benchN(n, d, shardRows, base);
}
