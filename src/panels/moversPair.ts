/**
 * Which two checkpoints a movers request compares (issue 12), without vscode so tests import it:
 * a compare view's own two; in a run view two files the webview names, accepted only when both
 * are checkpoints the run view lists (the webview names files, it does not choose paths at large).
 */
import type { NeighborsRequest } from '../protocol/neighborsView';
import type { PersistedState } from '../protocol/webview';

export function moversPair(
  source: PersistedState['source'],
  checkpoints: readonly string[],
  m: Extract<NeighborsRequest, { type: 'movers' }>,
): [string, string] | string {
  if (source.kind === 'compare') {
    const [a, b] = source.paths;
    return a !== undefined && b !== undefined ? [a, b] : 'this view has no two checkpoints';
  }
  if (source.kind !== 'run') return 'movers need two checkpoints (a compare or run view)';
  if (m.a === undefined || m.b === undefined || !checkpoints.includes(m.a) || !checkpoints.includes(m.b))
    return 'pick two checkpoints of this run';
  if (m.a === m.b) return 'pick two different checkpoints';
  return [m.a, m.b];
}
