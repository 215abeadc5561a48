import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ViewModel } from '../../src/protocol/webview';
import { WEBVIEW_STATE_VERSION } from '../../src/protocol/webview';
import { isValidHostMessage, isViewModel } from '../../webview/guards';
import { makeState, migrateState, sourceOf } from '../../webview/state';

const fixture = (name: string): ViewModel =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'views', `${name}.json`), 'utf8')) as ViewModel;
const KINDS = ['report', 'run', 'compare', 'training', 'sweep'];
const controls = { tau: 0.5, t: 2, hinge: 'linear' as const, pairs: 'offdiag' as const, modalities: ['audio', 'visual'] };

void describe('webview state', () => {
  void it('every fixture is a valid ViewModel', () => {
    for (const k of KINDS) assert.ok(isViewModel(fixture(k)), k);
  });

  void it('makeState saves the version, a source the host can recompute from, the view and the controls', () => {
    const view = fixture('report');
    const s = makeState(view, controls);
    assert.equal(s.version, WEBVIEW_STATE_VERSION);
    assert.deepEqual(s.source, { kind: 'file', paths: ['/data/avmnist/checkpoints/epoch-012.safetensors'] });
    assert.equal(s.view, view);
    assert.deepEqual(s.controls, controls);
    assert.equal('controls' in makeState(view), false);
  });

  void it('sourceOf names the inputs of every view kind', () => {
    assert.deepEqual(sourceOf(fixture('run')), { kind: 'run', paths: ['/data/runs/dagr-off'] });
    assert.equal(sourceOf(fixture('compare')).paths.length, 2);
    assert.equal(sourceOf(fixture('training')).kind, 'training');
    assert.equal(sourceOf(fixture('sweep')).paths.length, 12);
  });

  void it('migrateState keeps a current state and survives a JSON round trip', () => {
    for (const k of KINDS) {
      const s = JSON.parse(JSON.stringify(makeState(fixture(k), controls))) as unknown;
      assert.deepEqual(migrateState(s), s, k);
    }
  });

  void it('migrateState upgrades an unversioned { view } and drops newer or broken states', () => {
    const view = fixture('sweep');
    assert.deepEqual(migrateState({ view }), makeState(view));
    assert.equal(migrateState({ version: WEBVIEW_STATE_VERSION + 1, view }), undefined);
    assert.equal(migrateState(null), undefined);
    assert.equal(migrateState('x'), undefined);
    assert.equal(migrateState({ version: 1 }), undefined);
    // a view that lost its payload is not restored, but its source still lets the host recompute
    const src = { kind: 'file', paths: ['/a.npy'] };
    assert.deepEqual(migrateState({ version: 1, source: src, view: { kind: 'report' } }), { version: 1, source: src });
    // bad controls are dropped, not passed on to a recompute
    const s = migrateState({ version: 1, view, controls: { tau: 'x' } });
    assert.ok(s && !('controls' in s));
  });
});

void describe('message guards', () => {
  void it('accepts complete host messages', () => {
    assert.ok(isValidHostMessage({ type: 'init', view: fixture('run') }));
    assert.ok(isValidHostMessage({ type: 'update', view: fixture('compare') }));
    assert.ok(isValidHostMessage({ type: 'busy', message: 'Computing…' }));
    assert.ok(isValidHostMessage({ type: 'error', message: 'bad file' }));
    const t = fixture('training');
    if (t.kind !== 'training') throw new Error('fixture');
    assert.ok(isValidHostMessage({ type: 'epoch', metrics: t.epochs[0] }));
    const s = fixture('sweep');
    if (s.kind !== 'sweep') throw new Error('fixture');
    assert.ok(isValidHostMessage({ type: 'sweepPoint', point: s.points[0] }));
  });

  void it('rejects unknown types and messages missing their payload', () => {
    for (const m of [
      null,
      1,
      'init',
      {},
      { type: 'nope' },
      { type: 'init' },
      { type: 'init', view: { kind: 'report' } },
      { type: 'update', view: { kind: 'bogus' } },
      { type: 'busy' },
      { type: 'error', message: 3 },
      { type: 'epoch', metrics: { epoch: 1 } },
      { type: 'sweepPoint', point: { fusionAccuracy: 1 } },
    ]) {
      assert.equal(isValidHostMessage(m), false, JSON.stringify(m));
    }
  });

  void it('isViewModel checks the payload of each kind', () => {
    assert.equal(isViewModel({ kind: 'run', run: { checkpoints: [] } }), false);
    assert.equal(isViewModel({ kind: 'run', run: { checkpoints: [], firstWarning: {} } }), true);
    assert.equal(isViewModel({ kind: 'training', config: {}, epochs: [] }), false);
    assert.equal(isViewModel({ kind: 'sweep', points: [], axes: ['a', 'b'], done: false }), true);
  });
});
