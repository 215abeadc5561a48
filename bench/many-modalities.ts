/**
 * Many modalities (issue 7 item 3): `dagr inspect` of an .npz holding M arrays of N x d, for
 * M in {2, 10, 100, 1000}, as text and as --json: seconds and output size per M. Before the pair
 * selection, M = 1000 computed all 499,500 pairs for 70 s and then died in the text table (a
 * Math.max spread) or in JSON.stringify (2.4 GB string).
 *
 *   npx tsx bench/many-modalities.ts [--n 200] [--d 16] [--m 2,10,100,1000] [--engine onnxruntime]
 *
 * The .npz is written here as a stored zip of .npy members (src/io/write.ts writes .npy and
 * .safetensors, not .npz), into a temp folder that is removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32 } from '../src/io/crc32';
import { flag } from './args';

/** An .npy v1.0 file of a C-order little-endian float32 2-D array. */
export function npyBytes(data: Float32Array, rows: number, cols: number): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${' '.repeat(pad % 64)}\n`;
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** A stored (uncompressed) zip, as numpy.savez writes: one member per (name, bytes). */
export function zipStored(members: { name: string; bytes: Uint8Array }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const crc = crc32(m.bytes) >>> 0;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x0800, 6); // UTF-8 names
    lh.writeUInt16LE(0, 8);
    lh.writeUInt16LE(0, 10);
    lh.writeUInt16LE(0x21, 12); // 1980-01-01
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(m.bytes.length, 18);
    lh.writeUInt32LE(m.bytes.length, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(0, 28);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x0800, 8);
    ch.writeUInt16LE(0, 10);
    ch.writeUInt16LE(0, 12);
    ch.writeUInt16LE(0x21, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(m.bytes.length, 20);
    ch.writeUInt32LE(m.bytes.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
    central.push(ch, name);
    offset += 30 + name.length + m.bytes.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Deterministic pseudo-random rows (a shared signal plus per-modality noise), so pairs are paired. */
function modalities(m: number, n: number, d: number): { name: string; bytes: Uint8Array }[] {
  let s = 12345;
  const rand = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  const shared = Float32Array.from({ length: n * d }, rand);
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (let k = 0; k < m; k++) {
    const x = new Float32Array(n * d);
    for (let i = 0; i < x.length; i++) x[i] = (shared[i] as number) + 0.5 * rand();
    out.push({ name: `emb_${String(k).padStart(4, '0')}.npy`, bytes: npyBytes(x, n, d) });
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
      writeFileSync(file, zipStored(modalities(m, n, d)));
      const run = (extra: string[]): { seconds: number; bytes: number; code: number | null; err: string; out: Buffer } => {
        const t0 = performance.now();
        // through the real CLI entry (tsx), as a user runs it; stdout is measured, not kept
        const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'inspect', file, '--engine', engine, ...extra], {
          cwd: root, maxBuffer: 1 << 30, encoding: 'buffer',
        });
        return { seconds: (performance.now() - t0) / 1000, bytes: r.stdout.length, code: r.status, err: r.stderr.toString().split('\n')[0] ?? '', out: r.stdout };
      };
      const text = run([]);
      const json = run(['--json']);
      for (const [what, r] of [['text', text], ['json', json]] as const) if (r.code !== 0) console.error(`M=${m} ${what}: exit ${r.code}: ${r.err}`);
      const pairs = json.code === 0 ? String((JSON.parse(json.out.toString('utf8')) as { pairs: unknown[] }).pairs.length) : '-';
      rows.push(`| ${m} | ${pairs} | ${text.seconds.toFixed(2)} | ${(text.bytes / 1024).toFixed(1)} KiB | ${json.seconds.toFixed(2)} | ${(json.bytes / 1024).toFixed(1)} KiB | ${(statSync(file).size / 1024).toFixed(0)} KiB |`);
      console.error(rows[rows.length - 1]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`N = ${n}, d = ${d}, engine ${engine}, Node ${process.version}; seconds are wall time of the whole CLI process (start, read, compute, print)\n`);
  console.log('| M | pairs computed | text s | text size | --json s | --json size | .npz size |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

if (require.main === module) main();
