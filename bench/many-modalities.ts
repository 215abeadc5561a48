/**
 * Many modalities (issue 7 item 3): `dagr inspect` of an .npz holding M arrays of N x d, for
 * M in {2, 10, 100, 1000}, as text and as --json: seconds and output size per M. Before the pair
 * selection, M = 1000 computed all 499,500 pairs for 70 s and then died in the text table (a
 * Math.max spread) or in JSON.stringify (2.4 GB string).
 *
 *   npx tsx bench/many-modalities.ts [--n 200] [--d 16] [--m 2,10,100,1000] [--engine onnxruntime]
 *
 * The .npz (a stored zip of .npy members, as numpy.savez writes) is made by the CLI tests' byte
 * writers (test/fixtures/cli/files.ts) in a temp folder that is removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { npy, zip, type ZipMember } from '../test/fixtures/cli/files';
import { flag } from './args';

/** Deterministic pseudo-random rows (a shared signal plus per-modality noise), so pairs are paired. */
function modalities(m: number, n: number, d: number): ZipMember[] {
  let s = 12345;
  const rand = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
  const shared = Float32Array.from({ length: n * d }, rand);
  const out: ZipMember[] = [];
  for (let k = 0; k < m; k++) {
    const x = new Float32Array(n * d);
    for (let i = 0; i < x.length; i++) x[i] = (shared[i] as number) + 0.5 * rand();
    out.push({ name: `emb_${String(k).padStart(4, '0')}.npy`, data: npy([n, d], new Uint8Array(x.buffer)) });
  }
  return out;
}

function main(): void {
  const n = Number(flag('n', '200'));
  const d = Number(flag('d', '16'));
  const ms = flag('m', '2,10,100,1000').split(',').map(Number);
  const engine = flag('engine', 'onnxruntime');
  const root = resolve(__dirname, '..');
  const dir = mkdtempSync(join(tmpdir(), 'dagr-many-'));
  const rows: string[] = [];
  try {
    for (const m of ms) {
      const file = join(dir, `m${m}.npz`);
      writeFileSync(file, zip(modalities(m, n, d))); // stored members, as numpy.savez writes
      const run = (extra: string[]): { seconds: number; bytes: number; code: number | null; err: string; out: Buffer } => {
        const t0 = performance.now();
        // through the real CLI entry (tsx), as a user runs it; stdout is measured, not kept
        const r = spawnSync(
          process.execPath,
          ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'inspect', file, '--engine', engine, ...extra],
          {
            cwd: root,
            maxBuffer: 1 << 30,
            encoding: 'buffer',
          },
        );
        return {
          seconds: (performance.now() - t0) / 1000,
          bytes: r.stdout.length,
          code: r.status,
          err: r.stderr.toString().split('\n')[0] ?? '',
          out: r.stdout,
        };
      };
      const text = run([]);
      const json = run(['--json']);
      for (const [what, r] of [
        ['text', text],
        ['json', json],
      ] as const)
        if (r.code !== 0) console.error(`M=${m} ${what}: exit ${r.code}: ${r.err}`);
      const pairs = json.code === 0 ? String((JSON.parse(json.out.toString('utf8')) as { pairs: unknown[] }).pairs.length) : '-';
      rows.push(
        `| ${m} | ${pairs} | ${text.seconds.toFixed(2)} | ${(text.bytes / 1024).toFixed(1)} KiB | ${json.seconds.toFixed(2)} | ${(json.bytes / 1024).toFixed(1)} KiB | ${(statSync(file).size / 1024).toFixed(0)} KiB |`,
      );
      console.error(rows[rows.length - 1]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `N = ${n}, d = ${d}, engine ${engine}, Node ${process.version}; seconds are wall time of the whole CLI process (start, read, compute, print)\n`,
  );
  console.log('| M | pairs computed | text s | text size | --json s | --json size | .npz size |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

if (require.main === module) main();
