// src/shared/dispose.ts: a Disposable releases what it registered once, newest first, even when
// one release throws; a DisposableValue releases the value it replaces; nothing registered after
// dispose() outlives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposable, DisposableValue, disposeAll, toDisposable } from '../../src/shared/dispose';

class Owner extends Disposable {
  own(name: string, log: string[]): void {
    this.register(toDisposable(() => log.push(name)));
  }
  get gone(): boolean {
    return this.isDisposed;
  }
}

void test('a Disposable releases what it registered once, newest first', () => {
  const log: string[] = [];
  const o = new Owner();
  o.own('a', log);
  o.own('b', log);
  assert.equal(o.gone, false);
  o.dispose();
  o.dispose();
  assert.deepEqual(log, ['b', 'a']);
  assert.equal(o.gone, true);
  // registered late: released at once
  o.own('late', log);
  assert.deepEqual(log, ['b', 'a', 'late']);
});

void test('disposeAll releases every resource when one throws, then throws the first error', () => {
  const log: string[] = [];
  const list = [
    toDisposable(() => log.push('first')),
    {
      dispose: () => {
        throw new Error('boom');
      },
    },
    toDisposable(() => log.push('last')),
  ];
  assert.throws(() => disposeAll(list), /boom/);
  assert.deepEqual(log, ['last', 'first']);
  assert.equal(list.length, 0);
});

void test('a DisposableValue releases the value it replaces, and a value set after dispose() at once', () => {
  const log: string[] = [];
  const v = new DisposableValue<{ dispose(): void; name: string }>();
  const make = (name: string): { dispose(): void; name: string } => ({ name, dispose: () => log.push(name) });
  const one = make('one');
  v.value = one;
  v.value = one; // the same value again: kept
  assert.deepEqual(log, []);
  v.value = make('two');
  assert.deepEqual(log, ['one']);
  assert.equal(v.value?.name, 'two');
  v.dispose();
  assert.deepEqual(log, ['one', 'two']);
  assert.equal(v.value, undefined);
  v.value = make('three');
  assert.deepEqual(log, ['one', 'two', 'three']);
  assert.equal(v.value, undefined);
});
