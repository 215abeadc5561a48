/**
 * `dagr embed` with a hand-encoded MatMul model: the output equals x @ W computed in JS, batches
 * of any size give the same numbers, and an existing output file is never overwritten.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { f32, npy, values } from '../fixtures/cli/files';
import { matmulModel } from '../fixtures/cli/onnx-model';
import { runCli } from '../fixtures/cli/run';

const N = 37; // not a multiple of any batch size used below
const F = 5;
const K = 3;
let dir = '';
let x: number[] = [];
let w: Float32Array;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagr-embed-'));
  x = values(N * F, 11).map((v) => Math.fround(v));
  w = Float32Array.from(values(F * K, 12));
  writeFileSync(join(dir, 'x.npy'), npy([N, F], f32(x)));
  writeFileSync(join(dir, 'enc.onnx'), matmulModel(w, F, K));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Reads a float32 tensor from a safetensors file (a minimal reader, independent of src/io). */
function readTensor(file: string, name: string): { shape: number[]; data: Float32Array } {
  const b = readFileSync(file);
  const len = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + len).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const t = header[name];
  assert.ok(t, `tensor ${name} in ${Object.keys(header).join(', ')}`);
  assert.equal(t.dtype, 'F32');
  const bytes = b.subarray(8 + len + t.data_offsets[0], 8 + len + t.data_offsets[1]);
  return { shape: t.shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
}

function expected(): Float64Array {
  const y = new Float64Array(N * K);
  for (let i = 0; i < N; i++)
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let f = 0; f < F; f++) s += (x[i * F + f] ?? 0) * (w[f * K + k] ?? 0);
      y[i * K + k] = s;
    }
  return y;
}

void test('embed equals x @ W for several batch sizes', async () => {
  const want = expected();
  for (const batch of [1, 8, 256]) {
    const out = join(dir, `emb-${batch}.safetensors`);
    const r = await runCli(['embed', join(dir, 'enc.onnx'), '--input', join(dir, 'x.npy'), '--out', out, '--batch-size', String(batch)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${N} rows x ${K} dims`));
    const got = readTensor(out, 'embeddings');
    assert.deepEqual(got.shape, [N, K]);
    for (let i = 0; i < want.length; i++)
      assert.ok(Math.abs((got.data[i] ?? NaN) - (want[i] ?? 0)) < 1e-5, `element ${i}: ${got.data[i]} vs ${want[i]}`);
  }
});

void test('embed --name and --json', async () => {
  const out = join(dir, 'named.safetensors');
  const r = await runCli(['embed', join(dir, 'enc.onnx'), '--input', join(dir, 'x.npy'), '--out', out, '--name', 'audio', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { out, rows: N, dim: K });
  assert.deepEqual(readTensor(out, 'audio').shape, [N, K]);
});

void test('embed never overwrites an existing output', async () => {
  const out = join(dir, 'exists.safetensors');
  writeFileSync(out, 'precious');
  const r = await runCli(['embed', join(dir, 'enc.onnx'), '--input', join(dir, 'x.npy'), '--out', out]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /exists\.safetensors.*exists/);
  assert.equal(readFileSync(out, 'utf8'), 'precious');
});

void test('embed: a broken model or a wrong width is one line naming the file', async () => {
  writeFileSync(join(dir, 'broken.onnx'), 'not a model');
  const bad = await runCli(['embed', join(dir, 'broken.onnx'), '--input', join(dir, 'x.npy'), '--out', join(dir, 'o1.safetensors')]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /broken\.onnx/);
  writeFileSync(join(dir, 'wide.npy'), npy([4, F + 1], f32(values(4 * (F + 1), 3))));
  const wide = await runCli(['embed', join(dir, 'enc.onnx'), '--input', join(dir, 'wide.npy'), '--out', join(dir, 'o2.safetensors')]);
  assert.equal(wide.code, 2);
  assert.equal(wide.stderr.trim().split('\n').length, 1, wide.stderr);
  assert.match(wide.stderr, /enc\.onnx/);
  assert.ok(!existsSync(join(dir, 'o1.safetensors')) && !existsSync(join(dir, 'o2.safetensors')), 'no output on failure');
});
