// Movers between two epochs of a run (issue 12): the request names two checkpoint files of the
// run view, the host accepts only files the run lists (and two different ones), the compare view
// keeps its own pair; the request guard checks the optional file fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moversPair } from '../../src/panels/moversPair';
import { isNeighborsRequest } from '../../src/protocol/neighborsView';

const run = { kind: 'run' as const, paths: ['/runs/r1'] };
const files = ['/runs/r1/epoch_1.npz', '/runs/r1/epoch_2.npz', '/runs/r1/epoch_3.npz'];

void test('a run view compares the two checkpoints the webview names, only files of the run', () => {
  assert.deepEqual(moversPair(run, files, { type: 'movers', k: 5, a: files[0], b: files[2] }), [files[0], files[2]]);
  assert.deepEqual(
    moversPair(run, files, { type: 'movers', k: 5, a: files[2], b: files[0] }),
    [files[2], files[0]],
    'order kept: A then B',
  );
  assert.match(moversPair(run, files, { type: 'movers', k: 5, a: '/etc/passwd', b: files[0] }) as string, /two checkpoints of this run/);
  assert.match(moversPair(run, files, { type: 'movers', k: 5 }) as string, /two checkpoints of this run/);
  assert.match(moversPair(run, files, { type: 'movers', k: 5, a: files[1], b: files[1] }) as string, /two different/);
});

void test('a compare view uses its own two checkpoints, whatever the request names', () => {
  const cmp = { kind: 'compare' as const, paths: ['/a.npz', '/b.npz'] };
  assert.deepEqual(moversPair(cmp, [], { type: 'movers', k: 5 }), ['/a.npz', '/b.npz']);
  assert.deepEqual(moversPair(cmp, [], { type: 'movers', k: 5, a: '/x', b: '/y' }), ['/a.npz', '/b.npz']);
  assert.match(moversPair({ kind: 'file', paths: ['/a.npz'] }, [], { type: 'movers', k: 5 }) as string, /compare or run view/);
});

void test('the movers request guard: optional a and b are strings', () => {
  assert.equal(isNeighborsRequest({ type: 'movers', k: 10 }), true);
  assert.equal(isNeighborsRequest({ type: 'movers', k: 10, a: 'x.npz', b: 'y.npz' }), true);
  assert.equal(isNeighborsRequest({ type: 'movers', k: 10, a: 3, b: 'y.npz' }), false);
  assert.equal(isNeighborsRequest({ type: 'movers', k: 0, a: 'x', b: 'y' }), false);
});
