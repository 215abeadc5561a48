/**
 * Shape checks for what arrives over postMessage or from an embedded JSON blob. The protocol's
 * isHostToWebview only checks `type`; a view that lacks its payload would otherwise throw deep
 * inside a chart builder, so the webview checks the payload it is about to read.
 */
import type { HostToWebview, ViewModel } from '../src/protocol/webview';
import { isHostToWebview } from '../src/protocol/webview';
import { isNeighborsMessage } from '../src/protocol/neighborsView';

function obj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** A weights view: its table's rows, and the report so far when there is one. */
function isWeightsModel(x: Record<string, unknown>): boolean {
  const t = x.table;
  const r = x.report;
  return obj(t) && Array.isArray(t.tensors) && obj(t.totals) && (r === null || (obj(r) && Array.isArray(r.tensors) && Array.isArray(r.warnings))) &&
    obj(x.progress) && typeof x.progress.total === 'number';
}

export function isViewModel(x: unknown): x is ViewModel {
  if (!obj(x)) return false;
  switch (x.kind) {
    case 'report': {
      const r = x.report;
      return obj(r) && obj(r.modalities) && Array.isArray(r.pairs) && Array.isArray(r.warnings) && obj(r.engine) &&
        Array.isArray(x.availableModalities) && typeof x.maxPointsPlotted === 'number';
    }
    case 'run': return obj(x.run) && Array.isArray(x.run.checkpoints) && obj(x.run.firstWarning);
    case 'compare': return obj(x.compare) && obj(x.compare.a) && obj(x.compare.b) && Array.isArray(x.compare.changes);
    case 'training': return obj(x.config) && Array.isArray(x.epochs) && typeof x.runDir === 'string';
    case 'sweep': return Array.isArray(x.points) && Array.isArray(x.axes) && typeof x.done === 'boolean';
    case 'weights': return isWeightsModel(x);
    case 'weightsCompare': return obj(x.compare) && Array.isArray(x.compare.tensors) && Array.isArray(x.compare.onlyInA) && Array.isArray(x.compare.onlyInB);
    default: return false;
  }
}

/** A host message whose payload is complete enough to act on. */
export function isValidHostMessage(x: unknown): x is HostToWebview {
  if (!isHostToWebview(x)) return false;
  const m = x as unknown as Record<string, unknown>;
  switch (x.type) {
    case 'init':
    case 'update': return isViewModel(m.view);
    case 'busy':
    case 'error': return typeof m.message === 'string';
    case 'epoch': return obj(m.metrics) && typeof m.metrics.epoch === 'number' && obj(m.metrics.losses);
    case 'sweepPoint': return obj(m.point) && typeof m.point.fusionAccuracy === 'number' && typeof m.point.meanUnimodalAccuracy === 'number';
    case 'neighborsResult':
    case 'moversResult':
    case 'neighborsError': return isNeighborsMessage(m);
    case 'weightsProgress': return (m.report === null || (obj(m.report) && Array.isArray(m.report.tensors))) && obj(m.progress) && typeof m.progress.done === 'number';
  }
}
