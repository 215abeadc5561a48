// The GPU tile size (src/engine/ortBackend.ts gpuTileElements): its default and the override's bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gpuTileElements } from '../../src/engine/ortBackend';

void test('GPU tiles default to 2^26 kernel values (4096 x 16384)', () => {
  assert.equal(gpuTileElements({}), 1 << 26);
});

void test('DAGR_GPU_TILE_ELEMENTS takes a power of two from 2^20 to 2^28', () => {
  assert.equal(gpuTileElements({ DAGR_GPU_TILE_ELEMENTS: String(1 << 20) }), 1 << 20);
  assert.equal(gpuTileElements({ DAGR_GPU_TILE_ELEMENTS: String(1 << 28) }), 1 << 28);
  assert.equal(gpuTileElements({ DAGR_GPU_TILE_ELEMENTS: String(1 << 24) }), 1 << 24);
});

void test('an override that is not a power of two in range is ignored, not half-used', () => {
  for (const bad of ['3000000', String(1 << 19), String(1 << 29), 'lots', '', '-1', '1e300']) {
    assert.equal(gpuTileElements({ DAGR_GPU_TILE_ELEMENTS: bad }), 1 << 26, bad);
  }
});
