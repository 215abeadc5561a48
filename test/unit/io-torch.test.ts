/**
 * PyTorch files written by real torch.save (scripts/make_torch_fixtures.py, torch 2.13): values
 * against numpy's (expected.json) and against the same arrays saved as safetensors and npz;
 * strides, tied storages, dtypes, the legacy format, Lightning checkpoints; skipped tensors; and
 * hostile pickles, each a one-line ReaderError or an inert record, bounded, with no side effect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  ArrayEntry,
  Checkpoint,
  ReaderError,
  formatFromName,
  memoryByteSource,
  openCheckpoint,
  readCheckpoint,
  selectModalities,
  sniffFormat,
} from '../../src/io';
import { fileByteSource } from '../../src/io/byteSource';
import { unpickle, PickleError } from '../../src/io/pytorch/pickle';

const ROOT = join(__dirname, '..', 'fixtures', 'torch');
const fx = (f: string): string => join(ROOT, f);

interface Described {
  shape: number[];
  sum: number;
  first: number[];
  last: number | null;
}
const expected = JSON.parse(readFileSync(fx('expected.json'), 'utf8')) as {
  marker: string;
  files: Record<string, { tensors: Record<string, Described>; epoch?: number; step?: number; skipped?: string[]; tied?: string[] }>;
};

function entry(cp: Checkpoint, name: string): ArrayEntry {
  const e = cp.entries.find((x) => x.name === name);
  assert.ok(e, `${cp.path}: no entry ${name}; has ${cp.entries.map((x) => x.name).join(', ')}`);
  return e;
}

async function checkAgainstNumpy(file: string, cp: Checkpoint): Promise<void> {
  const want = expected.files[file];
  assert.ok(want, file);
  for (const [name, d] of Object.entries(want.tensors)) {
    const e = entry(cp, name);
    assert.deepEqual(e.shape, d.shape, `${file}:${name} shape`);
    const v = await e.readRows();
    let sum = 0;
    for (const x of v) sum += x;
    assert.ok(Math.abs(sum - d.sum) <= 1e-9 * Math.max(1, Math.abs(d.sum)) + 1e-6, `${file}:${name} sum ${sum} vs ${d.sum}`);
    d.first.forEach((f, i) => assert.equal(v[i], f, `${file}:${name}[${i}]`));
    if (d.last !== null) assert.equal(v[v.length - 1], d.last, `${file}:${name} last`);
  }
}

function assertOneLine(e: unknown, file: string): asserts e is ReaderError {
  assert.ok(e instanceof ReaderError, `expected a ReaderError, got ${String(e)}`);
  assert.ok(!/[\r\n]/.test(e.message), e.message);
  assert.ok(e.message.includes(file), `${e.message} should name ${file}`);
}

void test('the format is known by name and sniffed by magic', async () => {
  for (const n of ['a.pt', 'b.PTH', 'c.ckpt']) assert.equal(formatFromName(n), 'pytorch', n);
  // .bin is sniffed: a torch.save file is PyTorch, anything else is not claimed
  assert.equal(formatFromName('pytorch_model.bin'), null);
  assert.equal(await sniffFormat(await fileByteSource(fx('sharded_bin/pytorch_model-00002-of-00002.bin'))), 'pytorch');
  assert.equal(await sniffFormat(memoryByteSource('x.bin', new TextEncoder().encode('hello world, not a checkpoint'))), null);
  assert.equal(formatFromName('model.safetensors.index.json'), 'sharded');
  assert.equal(formatFromName('ckpt.json'), 'json');
  assert.equal(await sniffFormat(await fileByteSource(fx('pair.pt'))), 'pytorch');
  assert.equal(await sniffFormat(await fileByteSource(fx('legacy.pt'))), 'pytorch');
  assert.equal(await sniffFormat(await fileByteSource(fx('pair_twin.npz'))), 'npz');
});

void test("every readable fixture gives numpy's numbers", async () => {
  for (const f of [
    'pair.pt',
    'nested.pth',
    'state_dict.pt',
    'dtypes.pt',
    'legacy.pt',
    'legacy_sparse.pt',
    'lightning.ckpt',
    'unsupported.pt',
  ]) {
    const cp = await openCheckpoint(fx(f));
    assert.equal(cp.format, 'pytorch');
    await checkAgainstNumpy(f, cp);
  }
});

void test('a .pt gives exactly the numbers of the same arrays saved as safetensors and npz', async () => {
  const pt = await openCheckpoint(fx('pair.pt'));
  for (const twin of ['pair_twin.safetensors', 'pair_twin.npz']) {
    const other = await openCheckpoint(fx(twin));
    for (const name of ['audio', 'visual', 'labels']) {
      const a = entry(pt, name);
      const b = entry(other, name);
      assert.equal(a.dtype, b.dtype);
      assert.deepEqual(a.shape, b.shape);
      assert.deepEqual(await a.readRows(), await b.readRows(), `${twin}:${name}`);
      assert.deepEqual(await a.readRows(5, 9), await b.readRows(5, 9), `${twin}:${name} rows 5..9`);
    }
  }
  const sel = selectModalities(pt);
  assert.deepEqual(
    sel.modalities.map((m) => m.name),
    ['audio', 'visual'],
  );
  assert.equal(sel.labels?.name, 'labels');
});

void test('the CLI inspects a .pt exactly as its safetensors twin', () => {
  const run = (f: string): Record<string, unknown> => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'cli', 'main.ts'), 'inspect', fx(f), '--json'],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(out) as Record<string, unknown>;
    for (const k of ['source', 'metadata', 'seconds', 'timing', 'path', 'file', 'format']) delete r[k];
    return JSON.parse(
      JSON.stringify(r, (k, v: unknown) =>
        ['source', 'seconds', 'metadata', 'ms', 'elapsed', 'file', 'path', 'format'].includes(k) ? undefined : v,
      ),
    ) as Record<string, unknown>;
  };
  assert.deepEqual(run('pair.pt'), run('pair_twin.safetensors'));
});

void test('strides, offsets and tied storages: views read in C order', async () => {
  const cp = await openCheckpoint(fx('state_dict.pt'));
  const emb = await entry(cp, 'encoder.embed.weight').readRows();
  assert.deepEqual(await entry(cp, 'decoder.weight').readRows(), emb);
  assert.deepEqual(await entry(cp, 'decoder.view').readRows(), emb.slice(8, 20));
  // transposed (stride (1, 4)) and a column slice: a row range equals the same rows of the whole
  for (const name of ['proj.weight_t', 'cols', 'expanded']) {
    const e = entry(cp, name);
    const all = await e.readRows();
    const cols = e.shape[1] as number;
    assert.deepEqual(await e.readRows(1, 3), all.slice(cols, 3 * cols), name);
    assert.deepEqual(await e.readRows(2, 2), all.slice(0, 0), name);
  }
  assert.deepEqual(Array.from(await entry(cp, 'cols').readRows(0, 2)), [1, 2, 3, 6, 7, 8]);
  assert.deepEqual(Array.from(await entry(cp, 'expanded').readRows()), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  // the transposed weight equals the legacy file's copy of the same view
  const legacy = await openCheckpoint(fx('legacy.pt'));
  assert.deepEqual(await entry(legacy, 'wt').readRows(), await entry(cp, 'proj.weight_t').readRows());
  assert.equal(entry(cp, 'dbl').dtype, 'float64');
  assert.ok((await entry(cp, 'dbl').readRows()) instanceof Float64Array);
});

void test('dtypes: bf16, f16, f64, the integers and bool; nn.Parameter and nested state dicts', async () => {
  const cp = await openCheckpoint(fx('dtypes.pt'));
  const dt = Object.fromEntries(cp.entries.map((e) => [e.name, e.dtype]));
  assert.deepEqual(dt, {
    'model.weight': 'float32',
    'model.bias': 'float32',
    param: 'float32',
    bf16: 'bfloat16',
    f16: 'float16',
    f64: 'float64',
    i64: 'int64',
    i32: 'int32',
    i16: 'int16',
    i8: 'int8',
    u8: 'uint8',
    b: 'bool',
  });
  assert.deepEqual(Array.from(await entry(cp, 'i64').readRows()), [-3, 2 ** 31 - 1, 5, -(2 ** 31)]);
  assert.deepEqual(Array.from(await entry(cp, 'b').readRows()), [1, 0, 1]);
});

void test('nested dicts are named by path and selected as modalities', async () => {
  const cp = await openCheckpoint(fx('nested.pth'));
  assert.equal(cp.metadata.epoch, 7);
  const sel = selectModalities(cp);
  assert.deepEqual(
    sel.modalities.map((m) => m.name),
    ['features.audio', 'features.visual'],
  );
  assert.equal(sel.labels?.name, 'labels');
  assert.deepEqual(
    selectModalities(cp, ['features.visual']).modalities.map((m) => m.name),
    ['features.visual'],
  );
});

void test('Lightning: model tensors first, optimizer state skipped (never a modality), epoch and step read', async () => {
  const cp = await openCheckpoint(fx('lightning.ckpt'));
  assert.deepEqual(
    cp.entries.map((e) => e.name),
    ['state_dict.model.weight', 'state_dict.model.bias'],
  );
  assert.equal(cp.metadata.epoch, 3);
  assert.equal(cp.metadata.step, 120);
  const opt = cp.skipped?.find((s) => s.name === 'optimizer_states');
  assert.ok(opt);
  assert.match(opt.reason, /training state \(6 tensors\), not model weights/);
  assert.deepEqual(
    selectModalities(cp).modalities.map((m) => m.name),
    ['state_dict.model.weight'],
  );
});

void test('complex, quantized, sparse and float8 tensors are listed as skipped with the reason', async () => {
  const cp = await openCheckpoint(fx('unsupported.pt'));
  const reasons = Object.fromEntries((cp.skipped ?? []).map((s) => [s.name, s.reason]));
  assert.deepEqual(Object.keys(reasons).sort(), expected.files['unsupported.pt']?.skipped);
  assert.match(reasons.complex ?? '', /complex64/);
  assert.match(reasons.quantized ?? '', /quantized/);
  assert.match(reasons.sparse ?? '', /sparse.*sparse_coo/);
  assert.match(reasons.float8 ?? '', /float8/);
  assert.deepEqual(Array.from(await entry(cp, 'u16').readRows()), [1, 2, 65535]);
  assert.throws(() => selectModalities(cp, ['complex']), /"complex" cannot be read: complex64/);
});

void test('an unknown class is an inert record listed as skipped; the tensors beside it are read', async () => {
  const cp = await openCheckpoint(fx('foreign_global.pt'));
  assert.deepEqual(
    cp.entries.map((e) => e.name),
    ['weights'],
  );
  assert.match(cp.skipped?.[0]?.reason ?? '', /zipfile\.ZipInfo.*never imported or called/);
});

void test('hostile files: one line naming the file, fast, and no side effect', async () => {
  const cases: [string, RegExp | null][] = [
    ['evil_reduce.pt', /posix\.system.*nothing was imported or called/],
    ['evil_plain.pkl.pt', /not a PyTorch file/],
    ['deep_nesting.pt', /nested deeper than 256 levels/],
    ['huge_unicode.pt', /BINUNICODE at byte 2 declares 4294967295 bytes but only 4 remain/],
    ['storage_too_small.pt', /declares 1000000 float32 elements but the file holds 64 bytes/],
    ['view_past_storage.pt', /reaches element 23 of storage "0", which holds 16/],
    ['missing_storage.pt', /storage "0" is missing/],
    ['memo_bomb.pt', null],
  ];
  for (const [f, re] of cases) {
    const t0 = performance.now();
    let cp: Checkpoint | null = null;
    try {
      cp = await openCheckpoint(fx(f));
    } catch (e) {
      assertOneLine(e, f);
      assert.ok(re, `${f}: unexpected ${e.message}`);
      assert.match(e.message, re, f);
    }
    if (re === null) assert.deepEqual(cp?.entries, []);
    else assert.equal(cp, null, `${f} should fail`);
    assert.ok(performance.now() - t0 < 2000, `${f} took ${performance.now() - t0} ms`);
  }
  assert.ok(!existsSync(expected.marker), `${expected.marker} exists: a pickle ran code`);
});

/** A protocol-2 pickle from opcodes. */
const pk = (...parts: (string | number[])[]): Uint8Array => {
  const out: number[] = [0x80, 2];
  for (const p of parts) out.push(...(typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p));
  return Uint8Array.from(out);
};

void test('the machine refuses what the weights-only set refuses, and is bounded', () => {
  const refused: [Uint8Array, RegExp][] = [
    [pk('cbuiltins\neval\n'), /builtins\.eval/],
    [pk('csubprocess\nPopen\n'), /subprocess\.Popen/],
    [pk([0x95, 1, 0, 0, 0, 0, 0, 0, 0], 'N.'), /FRAME/],
    [pk('c__main__\nx\n', [0x93]), /STACK_GLOBAL/],
    [pk('(I1\n.'), /opcode INT/],
    [pk('h', [7], '.'), /memo entry 7/],
    [pk('.'), /empty stack/],
    [pk('Na.'), /empty stack|not a list/],
    [pk('K', [1], ')R.'), /not a named global/],
    [pk('t.'), /without a MARK/],
    [pk('X', [0, 0, 0, 0x10]), /declares 268435456 bytes/],
    [pk(']q', [0], 'N'), /ends inside an opcode/],
  ];
  for (const [b, re] of refused) {
    assert.throws(
      () => unpickle(b),
      (e: unknown) => e instanceof PickleError && re.test(e.message) && !/\n/.test(e.message),
      String(re),
    );
  }
  // a list that holds itself (a cycle through the memo) and a long-memo bomb both end
  const cyc = unpickle(pk(']q', [0], 'h', [0], 'a.'));
  assert.ok(cyc.value);
  const big: (string | number[])[] = [']q', [0]];
  for (let i = 1; i < 250; i++) big.push(']', '(', 'h', [i - 1], 'h', [i - 1], 'e', 'q', [i]);
  big.push('.');
  const t0 = performance.now();
  unpickle(pk(...big));
  assert.ok(performance.now() - t0 < 500);
});

void test('a cyclic or hostile object inside a real archive is a one-line ReaderError or an inert result', async () => {
  // torch.save of a list holding itself is refused by torch itself; our walk simply ends
  const pair = readFileSync(fx('pair.pt'));
  const src = memoryByteSource('mem.pt', new Uint8Array(pair));
  const cp = await readCheckpoint(src, 'pytorch');
  assert.equal(cp.entries.length, 3);
  await assert.rejects(readCheckpoint(memoryByteSource('x.bin', new Uint8Array(100)), 'pytorch'), (e: unknown) => {
    assertOneLine(e, 'x.bin');
    return /not a PyTorch file/.test(e.message);
  });
});
