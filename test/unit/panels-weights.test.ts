/**
 * The weights view's pure parts (issue 9): the module tree and filter of the tensor table, the
 * number formats of its totals, the analysis order and batches, and the cache per file content
 * (hit while the file and its shards keep size and mtime, miss after either changes, nothing
 * written where the folder cannot be made).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tensorTableJob } from '../../src/jobs/weights';
import type { TensorRow } from '../../src/protocol/weights';
import { WeightsCache, filesOf } from '../../src/panels/weightsCache';
import { BATCH_PARAMETERS, BATCH_TENSORS, analysable, orderQueue, takeBatch } from '../../src/panels/weightsQueue';
import { matchesFilter, moduleTree } from '../../webview/views/weightsTree';
import type { TreeNode } from '../../webview/views/weightsTree';
import { fmtBytes, fmtCount } from '../../webview/views/weightsFormat';

const FIXTURES = join(__dirname, '..', 'fixtures', 'weights');

function row(name: string, parameters: number, dtype = 'float32'): TensorRow {
  return {
    name,
    dtype,
    shape: [parameters],
    parameters,
    bytes: parameters * 4,
    module: '',
    layer: null,
    role: 'other',
    matrix: null,
    embeddingTable: false,
  };
}

function labels(n: TreeNode, depth = 0): string[] {
  return n.children.flatMap((c) => [
    `${'  '.repeat(depth)}${c.label}${c.tensor !== undefined ? ' *' : ''} (${c.count})`,
    ...labels(c, depth + 1),
  ]);
}

void describe('tensor table tree and filter', () => {
  void it('groups by module path, joins single-child chains, keeps a tensor that is also a module prefix', () => {
    const tree = moduleTree([
      'model.layers.0.q.weight',
      'model.layers.0.k.weight',
      'model.layers.1.q.weight',
      'model.norm.weight',
      'lm_head.weight',
      'a.b',
      'a.b.c',
    ]);
    assert.deepEqual(labels(tree), [
      'model (4)',
      '  layers (3)',
      '    0 (2)',
      '      q (1)',
      '        weight * (1)',
      '      k (1)',
      '        weight * (1)',
      '    1.q (1)',
      '      weight * (1)',
      '  norm (1)',
      '    weight * (1)',
      'lm_head (1)',
      '  weight * (1)',
      'a (2)',
      '  b * (1)',
      '  b (1)',
      '    c * (1)',
    ]);
    assert.equal(tree.count, 7);
  });

  void it('names that are object keys are ordinary tree nodes', () => {
    const tree = moduleTree(['__proto__.weight', 'constructor.toString']);
    assert.deepEqual(labels(tree), ['__proto__ (1)', '  weight * (1)', 'constructor (1)', '  toString * (1)']);
  });

  void it('the filter wants every word, in any case', () => {
    assert.ok(matchesFilter('encoder.layer.3.attention.self.Query.weight', 'query WEIGHT'));
    assert.ok(!matchesFilter('encoder.layer.3.attention.self.key.weight', 'query weight'));
    assert.ok(matchesFilter('anything', '   '));
  });

  void it('formats counts and bytes for the totals', () => {
    assert.equal(fmtCount(109_482_240), '109M');
    assert.equal(fmtCount(27_048), '27K');
    assert.equal(fmtCount(999), '999');
    assert.equal(fmtBytes(437_929_728), '418 MiB');
    assert.equal(fmtBytes(512), '512 B');
  });
});

void describe('analysis order and batches', () => {
  const rows = [
    row('small', 10),
    row('big', 9_000_000),
    row('mid', 5_000_000),
    row('mid2', 4_000_000),
    row('ids', 16, 'int64'),
    row('empty', 0),
  ];
  const left = new Set(rows.filter(analysable).map((r) => r.name));

  void it('covers float tensors with values only', () => {
    assert.deepEqual([...left], ['small', 'big', 'mid', 'mid2']);
  });

  void it('orders largest first, or the shown rows first and then the largest', () => {
    assert.deepEqual(orderQueue(rows, left, 'largest'), ['big', 'mid', 'mid2', 'small']);
    assert.deepEqual(orderQueue(rows, left, 'visible', ['small', 'ids', 'mid2']), ['small', 'mid2', 'big', 'mid']);
  });

  void it('cuts batches at the parameter budget (a big matrix alone) and the tensor cap', () => {
    const q = orderQueue(rows, left, 'largest');
    assert.deepEqual(takeBatch(q, new Map(rows.map((r) => [r.name, r.parameters]))), ['big']);
    assert.ok(5_000_000 + 4_000_000 > BATCH_PARAMETERS);
    assert.deepEqual(takeBatch(q, new Map(rows.map((r) => [r.name, r.parameters]))), ['mid']);
    assert.deepEqual(q, ['mid2', 'small']);
    const many = Array.from({ length: 60 }, (_, i) => `t${i}`);
    assert.equal(takeBatch(many, new Map(many.map((n) => [n, 1]))).length, BATCH_TENSORS);
    assert.equal(many.length, 60 - BATCH_TENSORS);
  });
});

void describe('weights cache per file content', () => {
  void it('hits while the file is unchanged, misses after it changes, and reads back from disk in a new window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dagr-wcache-'));
    const file = join(dir, 'model.safetensors');
    copyFileSync(join(FIXTURES, 'base.safetensors'), file);
    const table = await tensorTableJob(file);
    const store = join(dir, 'store');
    const cache = new WeightsCache(store, 0);
    assert.equal(await cache.lookup(file), undefined);
    await cache.store(file, table, null, true);
    await cache.flush();
    assert.equal(readdirSync(store).filter((f) => f.endsWith('.json')).length, 1);
    const hit = await cache.lookup(file);
    assert.equal(hit?.table.totals.tensors, table.totals.tensors);
    assert.equal(hit?.stopped, true);
    // another window: a fresh cache over the same folder
    assert.equal((await new WeightsCache(store).lookup(file))?.table.file, table.file);
    // the same size, a new modification time: a different file content as far as the cache knows
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.equal(await cache.lookup(file), undefined);
    assert.equal(await new WeightsCache(store).lookup(file), undefined);
  });

  void it('a sharded set is stamped shard by shard', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dagr-wcache-'));
    for (const f of readdirSync(join(FIXTURES, 'sharded'))) copyFileSync(join(FIXTURES, 'sharded', f), join(dir, f));
    const index = join(dir, 'model.safetensors.index.json');
    const table = await tensorTableJob(index);
    assert.equal(filesOf(index, table).length, 1 + (table.shards?.length ?? 0));
    assert.ok((table.shards?.length ?? 0) >= 2);
    const cache = new WeightsCache(undefined);
    await cache.store(index, table, null, false);
    assert.ok(await cache.lookup(index));
    const shard = filesOf(index, table)[2] ?? '';
    writeFileSync(shard, 'changed');
    assert.equal(await cache.lookup(index), undefined, 'a changed shard invalidates the entry');
  });

  void it('an unwritable store costs only the disk copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dagr-wcache-'));
    const file = join(dir, 'model.safetensors');
    copyFileSync(join(FIXTURES, 'base.safetensors'), file);
    writeFileSync(join(dir, 'blocker'), '');
    const cache = new WeightsCache(join(dir, 'blocker', 'store'), 0);
    await cache.store(file, await tensorTableJob(file), null, false);
    await cache.flush();
    assert.ok(await cache.lookup(file), 'still served from memory');
  });
});
