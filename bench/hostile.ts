/**
 * Hostile .npz files, each opened the way `dagr inspect` reads a checkpoint (open, choose the
 * modalities, load each as a matrix) in a child process of its own, so its peak RSS is its own:
 * `npx tsx bench/hostile.ts [--io src/io] [--only name,name]`. Prints a markdown table: case,
 * file size, outcome (the one-line error, or what was loaded), seconds, peak RSS.
 *
 * `--io DIR` runs another checkout's readers (e.g. `--io /tmp/before/src/io` in a git worktree of
 * an older commit) on the same files. The full-size cases are written by
 * `python3 scripts/make_zip_fixtures.py --big bench/out/hostile` (about 70 MB, numpy needed;
 * run here when missing) into bench/out/hostile/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flag } from './args';

const OUT = join('bench', 'out', 'hostile');
const CASES: [string, string][] = [
  ['overlap_same_header', '11 central entries share one local header: 256 MiB of zeros deflated to 256 KB'],
  ['overlap_quoted', 'a stored member quotes the next one (header and data) as its own bytes'],
  ['overlap_central_directory', 'a stored member whose size runs into the central directory'],
  ['overlap_local_extra', "the local header's extra field pushes the data into the next member"],
  ['deflate_bomb', 'declares 384 bytes (its npy header agrees), inflates to 1 GiB'],
  ['deflate_bomb_streamed', 'declares 16 MiB (npy header agrees), inflates to 64 MiB'],
  ['ratio_bomb', 'declares 1 GiB from 605 compressed bytes'],
  ['zip64_lying_size', 'zip64 extra: 2^40 bytes from 605 compressed'],
  ['zip64_lying_offset', 'zip64 extra: local header offset inside the central directory'],
  ['crc_stored', 'np.savez, one flipped bit in a 64 MiB stored member'],
  ['crc_deflated', 'one flipped bit in a 64 MiB deflated (level 0) member'],
  ['zeros_honest', 'honest: (262144, 1024) float32 zeros, 1 GiB deflated to 1 MB'],
];

interface ChildResult {
  outcome: string;
  seconds: number;
  maxRssMb: number;
}

async function child(file: string, ioDir: string): Promise<void> {
  const io = (await import(resolve(ioDir, 'index.ts'))) as typeof import('../src/io');
  const t0 = performance.now();
  let outcome: string;
  try {
    const cp = await io.openCheckpoint(file);
    const { modalities } = io.selectModalities(cp);
    const loaded: string[] = [];
    for (const m of modalities) {
      const mat = await io.loadMatrix(m);
      loaded.push(`${m.name} ${mat.rows}x${mat.cols}`);
    }
    const skipped = (cp as { skipped?: unknown[] }).skipped?.length ?? 0;
    outcome = `loaded ${loaded.join(', ')}${skipped ? ` (${skipped} skipped)` : ''}`;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // "file: problem" or "file:member: problem", shown without the path.
    outcome = `refused: ${msg.startsWith(`${file}:`) ? msg.slice(file.length + 1).trimStart() : msg}`;
  }
  const seconds = (performance.now() - t0) / 1000;
  const r: ChildResult = { outcome, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  console.log(JSON.stringify(r));
}

function runCase(file: string, ioDir: string): ChildResult {
  const p = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', file, '--io', ioDir], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const last = p.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as ChildResult;
  } catch {
    return {
      outcome: `child failed (${p.signal ?? `exit ${p.status}`}): ${p.stderr.trim().split('\n').pop() ?? ''}`,
      seconds: NaN,
      maxRssMb: NaN,
    };
  }
}

function main(): void {
  if (process.argv.includes('--child')) {
    child(flag('child', ''), flag('io', 'src/io')).catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
    return;
  }
  const ioDir = resolve(flag('io', 'src/io'));
  const only = flag('only', '').split(',').filter(Boolean);
  if (!existsSync(join(OUT, 'zeros_honest.npz'))) {
    const g = spawnSync('python3', ['scripts/make_zip_fixtures.py', '--big', OUT], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error('python3 scripts/make_zip_fixtures.py --big failed (numpy needed)');
  }
  // What a child costs before it reads anything: node, tsx and the readers loaded.
  const base = runCase(join(OUT, 'missing.npz'), ioDir);
  console.log(`readers: ${ioDir}; node ${process.version}; a child that opens nothing peaks at ${base.maxRssMb.toFixed(0)} MB\n`);
  console.log('| case | file size | outcome | seconds | peak RSS MB |\n|---|---|---|---|---|');
  for (const [name, what] of CASES) {
    if (only.length && !only.includes(name)) continue;
    const file = join(OUT, `${name}.npz`);
    const size = statSync(file).size;
    const r = runCase(file, ioDir);
    const outcome = r.outcome.replace(/\|/g, '\\|').slice(0, 220);
    console.log(`| ${name} (${what}) | ${(size / 1024).toFixed(0)} KB | ${outcome} | ${r.seconds.toFixed(2)} | ${r.maxRssMb.toFixed(0)} |`);
  }
}

main();
