/**
 * The numeric engine: typed arrays in, report numbers out. No vscode and no fs here, so the CLI,
 * the compute process and the trainer can all use it.
 */
import type { EngineName, GeometryBackend, BackendOptions } from './types';
import { createJsBackend } from './jsBackend';

export type { EngineName, GeometryBackend, GeometryControl, GeometryCore, BackendOptions } from './types';
export { EngineError } from './types';
export { computeGeometry } from './geometry';
export { evaluateWarnings } from './warnings';
export { effectiveRankFromSingularValues } from './spectrum';
export { symmetricEigenvalues } from './eigen';

/**
 * The backend to compute with. 'onnxruntime' (the default) falls back to 'js' when
 * onnxruntime-node cannot be loaded, and says so in info.note; asking for 'js' gets 'js'.
 */
export async function createBackend(name: EngineName = 'onnxruntime', opts: BackendOptions = {}): Promise<GeometryBackend> {
  if (name === 'js') return createJsBackend();
  try {
    const { createOrtBackend } = await import('./ortBackend');
    return await createOrtBackend(opts);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return createJsBackend(`onnxruntime-node could not be used (${why}); computing in plain JavaScript`);
  }
}
