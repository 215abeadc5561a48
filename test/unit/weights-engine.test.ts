/**
 * Weight-geometry engine pieces on their own: the power-law fit on samples with a known exponent,
 * checkpoint-kind detection from headers, names (layer, role), the header-only tensor table of a
 * multi-GB (sparse) file, NaN/Inf first index in a 4-D tensor, and cancel between tensors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitPowerLaw } from '../../src/engine/weights/powerLaw';
import { detectCheckpointKind } from '../../src/engine/weights/detect';
import { layerIndex, tensorRole } from '../../src/protocol/tensorNames';
import { unflatten } from '../../src/engine/weights/matrix';
import { analyzeWeightsJob, tensorTableJob } from '../../src/jobs/weights';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagr-weights-engine-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A seeded uniform in (0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

void test('power-law fit: a pure Pareto sample gives its alpha back; too short a tail gives null', () => {
  const u = rng(7);
  for (const alpha of [2.5, 4]) {
    const xs = Array.from({ length: 4000 }, () => Math.pow(u(), -1 / (alpha - 1)));
    const fit = fitPowerLaw(xs);
    assert.ok(fit);
    assert.ok(Math.abs(fit.value - alpha) < 0.25, `alpha ${alpha}: got ${fit.value}`);
    assert.ok(fit.ks < 0.05, `KS ${fit.ks}`);
    assert.ok(fit.tailCount >= 10);
  }
  assert.equal(fitPowerLaw([5, 4, 3, 2, 1, 1, 1, 1, 1]), null);
  assert.equal(fitPowerLaw(new Array(50).fill(2)), null, 'all equal: no exponent');
  assert.equal(fitPowerLaw([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), null);
});

void test('power-law fit: the exact formula on a small tail (alpha = 1 + n / sum ln(x / xmin))', () => {
  const xs = [100, 50, 30, 20, 15, 12, 10, 9, 8, 7];
  const fit = fitPowerLaw(xs);
  assert.ok(fit);
  assert.equal(fit.tailCount, 10);
  assert.equal(fit.xmin, 7);
  const s = xs.reduce((a, x) => a + Math.log(x / 7), 0);
  assert.ok(Math.abs(fit.value - (1 + 10 / s)) < 1e-12);
});

void test('detection: paired embeddings vs model weights, from names, dimensions and row counts', () => {
  const f = (name: string, shape: number[], dtype = 'float32'): { name: string; dtype: string; shape: number[] } => ({
    name,
    dtype,
    shape,
  });
  assert.equal(detectCheckpointKind([f('audio', [100, 16]), f('visual', [100, 32]), f('labels', [100], 'int64')]).kind, 'embeddings');
  assert.equal(detectCheckpointKind([f('audio.embeddings', [100, 16]), f('head.weight', [2, 16])]).kind, 'embeddings');
  assert.equal(detectCheckpointKind([f('embeddings', [500, 64])]).kind, 'embeddings');
  assert.equal(detectCheckpointKind([f('fc1.weight', [64, 32]), f('fc1.bias', [64])]).kind, 'weights');
  assert.equal(detectCheckpointKind([f('a', [10, 4]), f('b', [12, 4])]).kind, 'weights');
  assert.equal(detectCheckpointKind([f('kernel', [8, 3, 3, 3])]).kind, 'weights');
  const many = Array.from({ length: 12 }, (_, i) => f(`m${i}`, [64, 8]));
  assert.equal(detectCheckpointKind(many).kind, 'embeddings', 'many modalities with one row count stay embeddings');
});

void test('names: layer index and role of common conventions', () => {
  assert.equal(layerIndex('model.layers.17.self_attn.q_proj.weight'), 17);
  assert.equal(layerIndex('transformer.h.3.mlp.c_fc.weight'), 3);
  assert.equal(layerIndex('lm_head.weight'), null);
  const cases: [string, number, string][] = [
    ['model.layers.0.self_attn.q_proj.weight', 2, 'q'],
    ['model.layers.0.self_attn.k_proj.weight', 2, 'k'],
    ['model.layers.0.self_attn.v_proj.weight', 2, 'v'],
    ['model.layers.0.self_attn.o_proj.weight', 2, 'o'],
    ['model.layers.0.mlp.gate_proj.weight', 2, 'gate'],
    ['model.layers.0.mlp.up_proj.weight', 2, 'up'],
    ['model.layers.0.mlp.down_proj.weight', 2, 'down'],
    ['model.layers.0.input_layernorm.weight', 1, 'norm'],
    ['transformer.h.0.attn.c_attn.weight', 2, 'qkv'],
    ['transformer.h.0.attn.c_proj.weight', 2, 'o'],
    ['transformer.h.0.mlp.c_fc.weight', 2, 'up'],
    ['transformer.h.0.mlp.c_proj.weight', 2, 'down'],
    ['transformer.wte.weight', 2, 'embedding'],
    ['transformer.wpe.weight', 2, 'position'],
    ['model.embed_tokens.weight', 2, 'embedding'],
    ['lm_head.weight', 2, 'head'],
    ['features.0.weight', 4, 'conv'],
  ];
  for (const [name, ndim, role] of cases) assert.equal(tensorRole(name, ndim), role, name);
});

void test('unflatten: the multi-index of a flat C-order index', () => {
  assert.deepEqual(unflatten(0, [2, 3, 4]), [0, 0, 0]);
  assert.deepEqual(unflatten(23, [2, 3, 4]), [1, 2, 3]);
  assert.deepEqual(unflatten(13, [2, 3, 4]), [1, 0, 1]);
});

/** A safetensors file whose header lists `tensors` and whose data area is a hole (sparse file). */
function sparseSafetensors(path: string, tensors: { name: string; shape: number[] }[]): void {
  let at = 0;
  const header: Record<string, unknown> = {};
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const fd = openSync(path, 'w');
  writeSync(fd, len);
  writeSync(fd, json);
  ftruncateSync(fd, 8 + json.length + at);
  closeSync(fd);
}

void test('tensor table of a 6 GB checkpoint reads only its header', async () => {
  const p = join(dir, 'big.safetensors');
  const layers = Array.from({ length: 24 }, (_, i) => [
    { name: `model.layers.${i}.mlp.up_proj.weight`, shape: [11008, 4096] },
    { name: `model.layers.${i}.self_attn.q_proj.weight`, shape: [4096, 4096] },
  ]).flat();
  sparseSafetensors(p, [{ name: 'model.embed_tokens.weight', shape: [32000, 4096] }, ...layers]);
  const t = await tensorTableJob(p);
  assert.equal(t.totals.tensors, 49);
  assert.ok(t.totals.bytes > 6e9);
  assert.equal(t.looksLike, 'weights');
  assert.deepEqual(t.embeddingTables, ['model.embed_tokens.weight']);
  // --tensors restricts the reading too: only the selected (small) tensor's bytes are touched
  const small = join(dir, 'mixed.safetensors');
  sparseSafetensors(small, [
    { name: 'tiny.weight', shape: [16, 12] },
    { name: 'huge.weight', shape: [40000, 40000] },
  ]);
  const r = await analyzeWeightsJob({ path: small, selection: { regex: '^tiny' } });
  assert.equal(r.analysed, 1);
  assert.equal(r.tensors.find((x) => x.name === 'tiny.weight')?.spectralNorm, 0, 'a hole reads as zeros');
  assert.equal(r.tensors.find((x) => x.name === 'huge.weight')?.analysed, false);
});

void test('cancel: an aborted signal stops the analysis with an AbortError', async () => {
  const ctl = new AbortController();
  let calls = 0;
  await assert.rejects(
    analyzeWeightsJob(
      { path: 'test/fixtures/weights/base.safetensors' },
      {
        signal: ctl.signal,
        onProgress: () => {
          if (++calls === 3) ctl.abort();
        },
      },
    ),
    (e: unknown) => e instanceof Error && e.name === 'AbortError',
  );
});
