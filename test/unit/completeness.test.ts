/**
 * Half-written checkpoints (src/io/completeness.ts) on files written by numpy (np.save, np.savez,
 * np.savez_compressed), PyTorch (torch.save zip and legacy, safetensors.torch.save_file) and
 * pyarrow: the whole file is complete, every prefix of it is "incomplete" (never complete), and
 * temporary names are recognised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { checkCompleteness, temporaryNameReason } from '../../src/io/completeness';

const FIX = join(__dirname, '..', 'fixtures');
/** files whose format promises its length: every strict prefix must read as incomplete */
const DEFINITE = [
  'io/npy/f4_le_C.npy',
  'io/npy/f8_be_F.npy',
  'io/npy/i8_le_C.npy', // np.save
  'io/npz/stored.npz',
  'io/npz/deflated.npz',
  'io/npz/zip64.npz',
  'io/npz/commented.npz', // np.savez / _compressed
  'torch/state_dict.pt',
  'torch/pair.pt',
  'torch/nested.pth', // torch.save (zip)
  'torch/pair_twin.safetensors',
  'io/safetensors/embeddings.safetensors', // safetensors.torch.save_file, safetensors.numpy
  'parquet/list_f32_snappy.parquet', // pyarrow
];

const dir = mkdtempSync(join(tmpdir(), 'dagr-complete-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** cut points: the first bytes, inside the header, just before the end, and spread over the rest */
function cuts(size: number): number[] {
  const pts = new Set([1, 3, 7, 8, 11, 12, 40, 100, size - 100, size - 23, size - 22, size - 1]);
  for (let k = 1; k < 10; k++) pts.add(Math.floor((size * k) / 10));
  return [...pts].filter((c) => c > 0 && c < size).sort((a, b) => a - b);
}

for (const rel of DEFINITE) {
  void test(`${rel}: complete when whole, incomplete at every cut`, async () => {
    const bytes = readFileSync(join(FIX, rel));
    const whole = await checkCompleteness(join(FIX, rel), bytes.length);
    assert.deepEqual(whole, { state: 'complete' }, rel);
    for (const cut of cuts(bytes.length)) {
      const part = join(dir, `${cut}-${basename(rel)}`);
      writeFileSync(part, bytes.subarray(0, cut));
      const c = await checkCompleteness(part, cut);
      assert.equal(c.state, 'incomplete', `${rel} cut at ${cut} of ${bytes.length}: ${JSON.stringify(c)}`);
      rmSync(part);
    }
  });
}

void test('the reason names what is promised and what is there', async () => {
  const bytes = readFileSync(join(FIX, 'torch/pair_twin.safetensors'));
  const part = join(dir, 'reason.safetensors');
  writeFileSync(part, bytes.subarray(0, bytes.length - 10));
  const c = await checkCompleteness(part, bytes.length - 10);
  assert.equal(c.state, 'incomplete');
  assert.ok(
    'reason' in c &&
      c.reason.includes(bytes.length.toLocaleString('en-US')) &&
      c.reason.includes((bytes.length - 10).toLocaleString('en-US')),
    JSON.stringify(c),
  );
});

void test('legacy torch.save (a pickle) promises nothing: unknown, so the watcher waits for a stable size', async () => {
  const f = join(FIX, 'torch/legacy.pt');
  assert.deepEqual(await checkCompleteness(f, readFileSync(f).length), { state: 'unknown' });
});

void test('empty and vanished files are incomplete, not broken', async () => {
  const empty = join(dir, 'empty.npy');
  writeFileSync(empty, '');
  assert.equal((await checkCompleteness(empty, 0)).state, 'incomplete');
  assert.equal((await checkCompleteness(join(dir, 'gone.safetensors'), 100)).state, 'incomplete');
});

void test('temporary names', () => {
  for (const n of [
    'epoch_03.safetensors.tmp',
    'epoch_03.safetensors.partial',
    'epoch_03-tmp.safetensors',
    '.epoch_03.safetensors',
    'epoch_03.safetensors.tmp-4242',
    'tmpa8x_2kq.safetensors',
    'epoch_03.npz~',
    'emb_tmp_3.npy',
  ]) {
    assert.ok(temporaryNameReason(n), n);
  }
  for (const n of ['epoch_03.safetensors', 'template.npz', 'attempt_2.pt', 'temperature_sweep_1.npy', 'emb_003.npy']) {
    assert.equal(temporaryNameReason(n), null, n);
  }
});
