/**
 * Fuzz of real torch.save output (zip and legacy, a Lightning checkpoint, skipped dtypes):
 * seeded bit flips, byte stamps, truncations, stamps inside data.pkl, and huge lengths. Each case
 * must either read (every entry's readRows then returns or throws a ReaderError) or throw a
 * one-line ReaderError, within a time bound. Seeded, so a failure names its case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzReader, int, type Mutator } from './fuzz-harness';

const ROOT = join(__dirname, '..', 'fixtures', 'torch');
const CASES = 6000;
const SLOW_MS = 2000;
const SEEDS = [
  'pair.pt',
  'state_dict.pt',
  'legacy.pt',
  'lightning.ckpt',
  'unsupported.pt',
  'dtypes.pt',
  'sharded_bin/pytorch_model-00002-of-00002.bin',
].map((f) => ({ file: f, bytes: new Uint8Array(readFileSync(join(ROOT, f))) }));

/** Where data.pkl lies in a stored zip (after its 30-byte local header and name), or the whole file for legacy. */
function pklRange(b: Uint8Array): [number, number] {
  if (b[0] !== 0x50) return [0, Math.min(b.length, 2000)];
  const nameLen = (b[26] as number) | ((b[27] as number) << 8);
  const extra = (b[28] as number) | ((b[29] as number) << 8);
  const size = (b[18] as number) | ((b[19] as number) << 8) | ((b[20] as number) << 16);
  const start = 30 + nameLen + extra;
  return [start, Math.min(b.length, start + size)];
}

const MUTATORS: Record<string, Mutator> = {
  flip(b, r) {
    const c = b.slice();
    for (let k = 1 + int(r, 8); k > 0; k--) {
      const i = int(r, c.length);
      c[i] = (c[i] as number) ^ (1 << int(r, 8));
    }
    return c;
  },
  pklFlip(b, r) {
    const c = b.slice();
    const [s, e] = pklRange(c);
    for (let k = 1 + int(r, 4); k > 0; k--) {
      const i = s + int(r, e - s);
      c[i] = (c[i] as number) ^ (1 << int(r, 8));
    }
    return c;
  },
  pklStamp(b, r) {
    const c = b.slice();
    const [s, e] = pklRange(c);
    const ops = [0x28, 0x2e, 0x52, 0x62, 0x68, 0x71, 0x74, 0x75, 0x61, 0x65, 0x51, 0x81, 0x58, 0x4a, 0xff, 0x00, 0x8a, 0x63];
    for (let k = 1 + int(r, 4); k > 0; k--) c[s + int(r, e - s)] = ops[int(r, ops.length)] as number;
    return c;
  },
  pklBig(b, r) {
    const c = b.slice();
    const [s, e] = pklRange(c);
    const i = s + int(r, Math.max(1, e - s - 4));
    const v = [0xffffffff, 0x7fffffff, 0x10000000, 0xfffffff0][int(r, 4)] as number;
    new DataView(c.buffer).setUint32(i, v, true);
    return c;
  },
  truncate(b, r) {
    return b.slice(0, int(r, b.length));
  },
  chopEnd(b, r) {
    return b.slice(0, Math.max(0, b.length - 1 - int(r, 64)));
  },
};

void test(`fuzz: ${CASES} mutated torch.save files each read or fail with one ReaderError line`, async () => {
  const outcomes = await fuzzReader({
    cases: CASES,
    seed: 0x8d17,
    seeds: SEEDS,
    mutators: MUTATORS,
    name: 'fuzz.pt',
    format: 'pytorch',
    maxValues: (bytes) => 4 * bytes + 64,
    deadlineMs: SLOW_MS,
  });
  // both outcomes happen: the mutations reach the pickle, not only the zip directory
  assert.ok(outcomes.read > CASES / 20 && outcomes.failed > CASES / 20, JSON.stringify(outcomes));
});
