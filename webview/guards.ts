/**
 * Shape checks for what arrives over postMessage or from an embedded JSON blob. The protocol's
 * isHostToWebview only checks `type`; a view that lacks its payload would otherwise throw deep
 * inside a chart builder, so the webview checks the payload it is about to read.
 */
import type { HostToWebview } from '../src/protocol/webview';
import { isHostToWebview } from '../src/protocol/webview';
import { isNeighborsMessage } from '../src/protocol/neighborsView';
import { isViewModel } from '../src/protocol/viewState';

function obj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** The view check is shared with the host's panel serializer (src/protocol/viewState.ts). */
export { isViewModel };

/** A host message whose payload is complete enough to act on. */
export function isValidHostMessage(x: unknown): x is HostToWebview {
  if (!isHostToWebview(x)) return false;
  const m = x as unknown as Record<string, unknown>;
  switch (x.type) {
    case 'init':
    case 'update':
      return isViewModel(m.view);
    case 'busy':
    case 'error':
      return typeof m.message === 'string';
    case 'epoch':
      return obj(m.metrics) && typeof m.metrics.epoch === 'number' && obj(m.metrics.losses);
    case 'sweepPoint':
      return obj(m.point) && typeof m.point.fusionAccuracy === 'number' && typeof m.point.meanUnimodalAccuracy === 'number';
    case 'neighborsResult':
    case 'moversResult':
    case 'neighborsError':
      return isNeighborsMessage(m);
    case 'weightsProgress':
      return (
        (m.report === null || (obj(m.report) && Array.isArray(m.report.tensors))) && obj(m.progress) && typeof m.progress.done === 'number'
      );
    case 'reveal':
      return (
        obj(m.place) &&
        typeof m.place.code === 'string' &&
        (m.place.modality === undefined || typeof m.place.modality === 'string') &&
        (m.place.pair === undefined || typeof m.place.pair === 'string')
      );
  }
}
