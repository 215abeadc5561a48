/**
 * Every bad input of issue 2 ("Bad input") through the real CLI: exit 2 and exactly one stderr
 * line that starts with "dagr:" and names the file; never a stack trace, never a report on stdout.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { f32, npy, pairFile, safetensors, values, zip } from '../fixtures/cli/files';
import { runCli } from '../fixtures/cli/run';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagr-cli-bad-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, data: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** Runs `dagr inspect` and checks the one-line contract; returns the line for further checks. */
async function expectBadInput(file: string, extra: string[] = [], fileInLine = basename(file)): Promise<string> {
  const r = await runCli(['inspect', file, ...extra]);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(r.code, 2, `exit code for ${basename(file)}; stderr: ${r.stderr}`);
  assert.equal(lines.length, 1, `one stderr line for ${basename(file)}, got:\n${r.stderr}`);
  const line = lines[0] ?? '';
  assert.match(line, /^dagr: /);
  assert.ok(line.includes(fileInLine), `"${line}" names ${fileInLine}`);
  assert.doesNotMatch(line, /\n|\s+at\s+\S+\s+\(/, 'no stack trace');
  assert.equal(r.stdout, '', 'nothing on stdout');
  return line;
}

const good = (rows: number, cols: number, seed = 1): Uint8Array => pairFile(rows, cols, seed);

void test('missing file', async () => {
  await expectBadInput(join(dir, 'nope.safetensors'));
});

void test('truncated safetensors (data cut short)', async () => {
  const full = good(20, 4);
  await expectBadInput(write('truncated.safetensors', full.subarray(0, full.length - 37)));
});

void test('truncated: shorter than the 8-byte length prefix', async () => {
  await expectBadInput(write('tiny.safetensors', Uint8Array.from([1, 2, 3])));
});

void test('wrong magic: npy without \\x93NUMPY', async () => {
  const f = npy([4, 3], f32(values(12, 3)));
  f.write('XXXXXX', 0, 'latin1');
  await expectBadInput(write('badmagic.npy', f));
});

void test('wrong magic: npz that is not a zip', async () => {
  await expectBadInput(write('notzip.npz', Buffer.from('this is not a zip archive at all, just text\n'.repeat(4))));
});

void test('header length past the end of the file', async () => {
  const f = Buffer.from(good(10, 4));
  f.writeBigUInt64LE(10_000_000n, 0);
  await expectBadInput(write('longheader.safetensors', f));
});

void test('header that is not JSON', async () => {
  await expectBadInput(write('notjson.safetensors', safetensors([], undefined, '{"audio": {dtype: F32,')));
});

void test('unsupported dtype (safetensors C64 and npy complex)', async () => {
  const t = { name: 'audio', dtype: 'C64', shape: [4, 2], data: new Uint8Array(64) };
  await expectBadInput(write('complex.safetensors', safetensors([t])));
  await expectBadInput(write('complex.npy', npy([4, 2], new Uint8Array(64), '<c8')));
});

void test('arrays with different row counts', async () => {
  const f = safetensors([
    { name: 'audio', dtype: 'F32', shape: [10, 4], data: f32(values(40, 1)) },
    { name: 'visual', dtype: 'F32', shape: [12, 4], data: f32(values(48, 2)) },
  ]);
  const p = write('rows.safetensors', f);
  await expectBadInput(p, ['--modalities', 'audio,visual']);
});

void test('zero rows', async () => {
  await expectBadInput(write('zero.npy', npy([0, 4], new Uint8Array(0))));
});

void test('N = 1', async () => {
  await expectBadInput(write('one.safetensors', good(1, 4)));
});

void test('d = 1', async () => {
  await expectBadInput(write('d1.safetensors', good(10, 1)));
});

void test('all-zero rows', async () => {
  const f = safetensors([
    { name: 'audio', dtype: 'F32', shape: [10, 4], data: f32(values(40, 1)) },
    { name: 'visual', dtype: 'F32', shape: [10, 4], data: new Uint8Array(160) },
  ]);
  await expectBadInput(write('zeros.safetensors', f));
});

void test('NaN and Inf name the array and the first bad row', async () => {
  for (const [name, bad] of [
    ['nan', NaN],
    ['inf', Infinity],
  ] as const) {
    const v = values(40, 5);
    v[4 * 7 + 2] = bad; // row 7
    v[4 * 9] = bad; // row 9: not the first
    const f = safetensors([
      { name: 'audio', dtype: 'F32', shape: [10, 4], data: f32(values(40, 1)) },
      { name: 'visual', dtype: 'F32', shape: [10, 4], data: f32(v) },
    ]);
    const line = await expectBadInput(write(`${name}.safetensors`, f));
    assert.match(line, /visual/, line);
    assert.match(line, /\b7\b/, `first bad row 7 in "${line}"`);
  }
});

void test('zip member escaping its folder', async () => {
  const member = npy([6, 3], f32(values(18, 4)));
  await expectBadInput(
    write(
      'escape.npz',
      zip([
        { name: '../audio.npy', data: member },
        { name: 'visual.npy', data: member },
      ]),
    ),
  );
});

void test('zip member that inflates without bound (declared small, inflates to 64 MiB)', async () => {
  const head = npy([4, 4], f32(values(16, 9)));
  const bomb = new Uint8Array(64 << 20);
  bomb.set(head, 0);
  const f = zip([{ name: 'audio.npy', data: bomb, deflate: true, declaredSize: head.length }]);
  await expectBadInput(write('bomb.npz', f));
});

void test('a folder with nothing readable', async () => {
  const d = join(dir, 'empty-folder');
  mkdirSync(d);
  await expectBadInput(d, [], 'empty-folder');
});
