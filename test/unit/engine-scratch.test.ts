/** The engine's pooled float64 tile buffers: reused after release, never handed out twice at once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCRATCH_MAX_ELEMENTS, dropScratch, leaseFloat64, pooledSizes } from '../../src/engine/scratch';

void test('a released buffer is handed out again; one still out is not', () => {
  dropScratch();
  const a = leaseFloat64(1000);
  assert.ok(a.data.length >= 1000);
  const b = leaseFloat64(500);
  assert.notEqual(b.data.buffer, a.data.buffer, 'two leases at once: two buffers');
  a.release();
  const c = leaseFloat64(800);
  assert.equal(c.data.buffer, a.data.buffer, 'the released one, which fits');
  const d = leaseFloat64(800);
  assert.notEqual(d.data.buffer, c.data.buffer, 'still out: a fresh one');
  assert.notEqual(d.data.buffer, b.data.buffer, 'still out: a fresh one');
  b.release();
  c.release();
  d.release();
  assert.ok(pooledSizes().length <= 2, `at most two kept: ${pooledSizes().join(', ')}`);
  dropScratch();
});

void test('the smallest free buffer that fits is taken; a request larger than every free one replaces the smallest', () => {
  dropScratch();
  const big = leaseFloat64(4000);
  const small = leaseFloat64(100);
  big.release();
  small.release();
  assert.deepEqual(
    pooledSizes().sort((x, y) => x - y),
    [100, 4000],
  );
  const fit = leaseFloat64(50);
  assert.equal(fit.data.buffer, small.data.buffer, 'the 100, not the 4000');
  fit.release();
  const larger = leaseFloat64(9000);
  assert.deepEqual(
    pooledSizes().sort((x, y) => x - y),
    [4000],
    'the 100 was dropped for the new 9000',
  );
  larger.release();
  assert.deepEqual(
    pooledSizes().sort((x, y) => x - y),
    [4000, 9000],
  );
  dropScratch();
  assert.deepEqual(pooledSizes(), []);
});

void test('a release twice is a no-op; a GPU-sized request is not kept', () => {
  dropScratch();
  const a = leaseFloat64(10);
  a.release();
  a.release();
  assert.equal(pooledSizes().length, 1, 'released once');
  const huge = leaseFloat64(SCRATCH_MAX_ELEMENTS + 1);
  assert.equal(huge.data.length, SCRATCH_MAX_ELEMENTS + 1);
  huge.release();
  assert.deepEqual(pooledSizes(), [10], 'not pooled');
  dropScratch();
});
