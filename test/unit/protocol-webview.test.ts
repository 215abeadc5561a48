/** The host <-> webview message guards (src/protocol/webview.ts): every message kind passes, junk does not. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHostToWebview, isWebviewToHost } from '../../src/protocol/webview';
import type { HostToWebview, WebviewToHost } from '../../src/protocol/webview';

void describe('webview protocol guards', () => {
  void it('accept every webview -> host message, openRun included', () => {
    const all: WebviewToHost[] = [
      { type: 'ready' },
      { type: 'ready', restoredVersion: 1 },
      { type: 'recompute', controls: { tau: 0.5, t: 2, hinge: 'linear', pairs: 'offdiag', modalities: ['audio'] } },
      { type: 'export', format: 'json' },
      { type: 'openCheckpoint', file: '/r/epoch_01.safetensors' },
      { type: 'cancel' },
      { type: 'fineTune' },
      { type: 'openRun', dir: '/r/sweep/lambdaAnc=0_tau=0.5' },
    ];
    for (const m of all) assert.ok(isWebviewToHost(m), m.type);
  });

  void it('accept busy with and without the focus flag', () => {
    const all: HostToWebview[] = [
      { type: 'busy', message: 'Computing…' },
      { type: 'busy', message: 'Computing…', focus: true },
    ];
    for (const m of all) assert.ok(isHostToWebview(m));
  });

  void it('refuse junk and messages of the other direction', () => {
    for (const x of [null, 'openRun', 42, {}, { type: 7 }, { type: 'openrun' }, { type: 'init' }])
      assert.equal(isWebviewToHost(x), false, JSON.stringify(x));
    assert.equal(isHostToWebview({ type: 'openRun', dir: '/r' }), false);
  });
});
