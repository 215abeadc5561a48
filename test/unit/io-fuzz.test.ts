/**
 * Fuzz: mutated fixtures (bit flips, byte stamps, truncations, splices, digit edits in headers,
 * huge declared lengths and shapes) and random bytes, fed to every reader through
 * memoryByteSource. Each case must either read (readRows then works or throws ReaderError) or
 * throw ReaderError; any other error, a slow case or an oversized result fails. Seeded, so a
 * failure names the case and can be replayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryByteSource, readCheckpoint, ReaderError } from '../../src/io';
import type { FileFormat } from '../../src/io';
// mulberry32: small, fast, good enough to pick mutations
import { mulberry32 as rng } from '../../src/engine/random';

const ROOT = join(__dirname, '..', 'fixtures', 'io');
const CASES = 30000;
const SLOW_MS = 2000;

const SEEDS: { file: string; format: FileFormat }[] = [
  { file: 'safetensors/all_dtypes.safetensors', format: 'safetensors' },
  { file: 'safetensors/embeddings.safetensors', format: 'safetensors' },
  // written by the safetensors library: float8/F4 tensors (skipped), BF16, metadata, 0-d and empty tensors
  { file: 'safetensors/library/bf16_and_float8.safetensors', format: 'safetensors' },
  { file: 'safetensors/library/empty_and_scalar.safetensors', format: 'safetensors' },
  { file: 'safetensors/library/numpy_dtypes.safetensors', format: 'safetensors' },
  { file: 'npy/f4_le_C.npy', format: 'npy' },
  { file: 'npy/f8_be_F.npy', format: 'npy' },
  { file: 'npy/f4_be_F_3d.npy', format: 'npy' },
  { file: 'npy/i8_le_C.npy', format: 'npy' },
  { file: 'npy/f2_le_F.npy', format: 'npy' },
  { file: 'npy/v2.npy', format: 'npy' },
  { file: 'npy/v3.npy', format: 'npy' },
  { file: 'npy/zero_d.npy', format: 'npy' },
  { file: 'npz/stored.npz', format: 'npz' },
  { file: 'npz/deflated.npz', format: 'npz' },
  { file: 'npz/zip64.npz', format: 'npz' },
  { file: 'npz/force_zip64.npz', format: 'npz' },
  { file: 'npz/commented.npz', format: 'npz' },
  { file: 'json/ckpt.json', format: 'json' },
];
const FORMATS: FileFormat[] = ['safetensors', 'npy', 'npz', 'json'];

const seeds = SEEDS.map((s) => ({ ...s, bytes: new Uint8Array(readFileSync(join(ROOT, s.file))) }));

type Mutator = (b: Uint8Array, r: () => number, other: Uint8Array) => Uint8Array;
const int = (r: () => number, n: number): number => Math.floor(r() * n);
/** Positions near the start hit headers far more often than uniform positions would. */
const pos = (r: () => number, n: number): number => (r() < 0.6 ? int(r, Math.min(n, 160)) : int(r, n));
const BIG = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffff0, 0x10000, 0, 1, 0xffff];

const MUTATORS: Record<string, Mutator> = {
  flip(b, r) {
    const c = b.slice();
    for (let k = 1 + int(r, 8); k > 0 && c.length; k--) {
      const i = pos(r, c.length);
      c[i] = (c[i] as number) ^ (1 << int(r, 8));
    }
    return c;
  },
  stamp(b, r) {
    const c = b.slice();
    for (let k = 1 + int(r, 4); k > 0 && c.length; k--) c[pos(r, c.length)] = [0, 0xff, 0x7f, 0x80, 0x20, 0x7b][int(r, 6)] as number;
    return c;
  },
  truncate(b, r) {
    return b.slice(0, int(r, b.length));
  },
  chopEnd(b, r) {
    return b.slice(0, Math.max(0, b.length - 1 - int(r, 64)));
  },
  extend(b, r) {
    const extra = new Uint8Array(1 + int(r, 64)).map(() => int(r, 256));
    const c = new Uint8Array(b.length + extra.length);
    c.set(b);
    c.set(extra, b.length);
    return c;
  },
  splice(b, r, other) {
    const cut = pos(r, b.length + 1);
    const from = int(r, other.length + 1);
    const c = new Uint8Array(cut + other.length - from);
    c.set(b.subarray(0, cut));
    c.set(other.subarray(from), cut);
    return c;
  },
  bigField(b, r) {
    // A declared length, count, offset or size becomes huge (or zero) at a 4-byte field.
    const c = b.slice();
    if (c.length < 8) return c;
    const dv = new DataView(c.buffer);
    const near = r() < 0.5;
    const i = near ? int(r, Math.min(c.length - 4, 64)) : Math.max(0, c.length - 4 - int(r, Math.min(c.length - 4, 200)));
    dv.setUint32(i, BIG[int(r, BIG.length)] as number, true);
    if (r() < 0.3 && c.length >= 8) dv.setBigUint64(0, BigInt(int(r, 2 ** 30)) * BigInt(1 + int(r, 2 ** 20)), true);
    return c;
  },
  digits(b, r) {
    // Edit the numbers of a text header (shape, offsets, header length) in place, same length.
    const c = b.slice();
    const lim = Math.min(c.length, 600);
    const at: number[] = [];
    for (let i = 0; i < lim; i++) if ((c[i] as number) >= 0x30 && (c[i] as number) <= 0x39) at.push(i);
    for (let k = 1 + int(r, 3); k > 0 && at.length; k--) {
      let i = at[int(r, at.length)] as number;
      const mode = int(r, 3);
      if (mode === 0) c[i] = 0x30 + int(r, 10);
      else if (mode === 1) while (i < c.length && (c[i] as number) >= 0x30 && (c[i] as number) <= 0x39) c[i++] = 0x39;
      else c[i] = [0x2d, 0x2e, 0x65, 0x20, 0x2c][int(r, 5)] as number; // '-', '.', 'e', ' ', ','
    }
    return c;
  },
  text(b, r) {
    // Swap header words for ones the readers must reject or handle: dtypes, booleans, brackets.
    const s = new TextDecoder('latin1').decode(b.subarray(0, Math.min(b.length, 600)));
    const swaps: [RegExp, string][] = [
      [/F32|F16|BF16|I64|U8/, ['F8_E4M3', 'C64', 'F32', 'BOOL', 'I8'][int(r, 5)] as string],
      [/<f4|<f8|>f8|<i8|<f2/, ['<c8', '|O4', '>f4', '<u8', '|b1'][int(r, 5)] as string],
      [/False|True/, ['True', 'Fals', 'None', '1    '][int(r, 4)] as string],
      [/\(|\)|\[|\]|\{|\}/, ['[', ']', '(', ')', '{', '}'][int(r, 6)] as string],
    ];
    const [re, rep] = swaps[int(r, swaps.length)] as [RegExp, string];
    const m = re.exec(s);
    if (!m) return b.slice();
    const head = new TextEncoder().encode(s.slice(0, m.index) + rep + s.slice(m.index + m[0].length));
    const c = new Uint8Array(head.length + b.length - Math.min(b.length, 600));
    c.set(head);
    c.set(b.subarray(Math.min(b.length, 600)), head.length);
    return c;
  },
  random(_b, r) {
    const n = int(r, 600);
    const c = new Uint8Array(n).map(() => int(r, 256));
    const prefixes = [
      [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0],
      [0x50, 0x4b, 3, 4],
      [0x50, 0x4b, 5, 6],
      [0x7b],
      [16, 0, 0, 0, 0, 0, 0, 0, 0x7b],
    ];
    if (r() < 0.6) c.set((prefixes[int(r, prefixes.length)] as number[]).slice(0, n));
    return c;
  },
};
const NAMES = Object.keys(MUTATORS);

interface Outcome {
  read: number;
  rejected: number;
}

async function runCase(k: number, out: Outcome): Promise<void> {
  const r = rng(0x5eed0000 + k);
  const seed = seeds[int(r, seeds.length)] ?? seeds[0];
  const other = seeds[int(r, seeds.length)] ?? seeds[0];
  assert.ok(seed && other);
  let bytes: Uint8Array = seed.bytes;
  const applied: string[] = [];
  for (let m = r() < 0.7 ? 1 : 2; m > 0; m--) {
    const name = NAMES[int(r, NAMES.length)] as string;
    applied.push(name);
    bytes = (MUTATORS[name] as Mutator)(bytes, r, other.bytes);
  }
  // Mostly the seed's own reader; sometimes another one, to feed each reader foreign bytes.
  const format = r() < 0.8 ? seed.format : (FORMATS[int(r, FORMATS.length)] as FileFormat);
  const label = `case ${k} (${seed.file}, ${applied.join('+')}, read as ${format})`;
  const name = `fuzz.${format}`;
  const t0 = Date.now();
  const check = (e: unknown): void => {
    if (!(e instanceof ReaderError)) {
      assert.fail(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n${Buffer.from(bytes).toString('base64')}`);
    }
    assert.ok(
      [...e.message].every((ch) => ch.charCodeAt(0) >= 0x20),
      `${label}: control characters in ${JSON.stringify(e.message)}`,
    );
    assert.ok(e.file === name || e.file.startsWith(`${name}:`), `${label}: error names ${e.file}`);
  };
  try {
    const cp = await readCheckpoint(memoryByteSource(name, bytes), format);
    out.read++;
    for (const e of cp.entries) {
      const rows = e.shape.length ? (e.shape[0] as number) : 1;
      const ranges: [number | undefined, number | undefined][] = [
        [undefined, undefined],
        [int(r, rows + 1), rows],
        [0, int(r, rows + 2)],
      ];
      for (const [s, t] of ranges) {
        try {
          const v = await e.readRows(s, t);
          assert.ok(
            v.byteLength <= 8 * bytes.length + 1024,
            `${label}: ${e.name} decoded to ${v.byteLength} bytes from a ${bytes.length}-byte file`,
          );
        } catch (err) {
          check(err);
        }
      }
    }
  } catch (e) {
    check(e);
    out.rejected++;
  }
  const ms = Date.now() - t0;
  assert.ok(ms < SLOW_MS, `${label}: took ${ms} ms`);
}

void test(`fuzz: ${CASES} mutated and random files through every reader`, { timeout: 180_000 }, async () => {
  const out: Outcome = { read: 0, rejected: 0 };
  const t0 = Date.now();
  for (let k = 0; k < CASES; k++) {
    await runCase(k, out);
    if (k % 1000 === 999) {
      const mem = process.memoryUsage();
      assert.ok(mem.arrayBuffers < 1024 * 1024 * 1024, `after case ${k}: ${mem.arrayBuffers} bytes of ArrayBuffers held`);
    }
  }
  // Both outcomes must be common, or the mutations are too timid (or too brutal) to test anything.
  assert.ok(out.read > CASES * 0.05, `only ${out.read} of ${CASES} cases read`);
  assert.ok(out.rejected > CASES * 0.3, `only ${out.rejected} of ${CASES} cases were rejected`);
  console.log(`fuzz: ${CASES} cases, ${out.read} read, ${out.rejected} rejected, ${Date.now() - t0} ms`);
});

void test('fuzz: every seed reads cleanly before mutation', async () => {
  for (const s of seeds) {
    const cp = await readCheckpoint(memoryByteSource(s.file, s.bytes), s.format);
    for (const e of cp.entries) await e.readRows();
  }
});
