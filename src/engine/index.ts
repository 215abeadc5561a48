/**
 * The numeric engine: typed arrays in, report numbers out. No vscode and no fs here, so the CLI,
 * the compute process and the trainer can all use it.
 */
import type { EngineName, GeometryBackend, BackendOptions } from './types';
import { createJsBackend } from './jsBackend';
import { EngineDeviceError } from './ortDevice';

export type { EngineName, GeometryBackend, GeometryControl, GeometryCore, BackendOptions } from './types';
export type { EngineDevice } from './types';
export { EngineError } from './types';
export { EngineDeviceError } from './ortDevice';
export { computeGeometry } from './geometry';
export { evaluateWarnings } from './warnings';
export { effectiveRankFromSingularValues } from './spectrum';
export { symmetricEigenvalues } from './linalg/eigen';

/**
 * The backend to compute with. 'onnxruntime' (the default) falls back to 'js' when
 * onnxruntime-node cannot be loaded, and says so in info.note; asking for 'js' gets 'js', and
 * 'wasm' the in-process WebAssembly kernels (or 'js', saying why, where SIMD is missing).
 * opts.device 'cuda' or 'webgpu' is a demand: where that GPU cannot be used it throws
 * EngineDeviceError rather than quietly computing on the CPU ('auto', the default, falls back and
 * says why in the note).
 */
export async function createBackend(name: EngineName = 'onnxruntime', opts: BackendOptions = {}): Promise<GeometryBackend> {
  const gpu = opts.device === 'cuda' || opts.device === 'webgpu' ? opts.device : undefined;
  if (name === 'js' || name === 'wasm') {
    if (gpu) throw new EngineDeviceError(`device ${gpu} requested but the ${name} engine runs on the CPU only; use the onnxruntime engine`);
    if (name === 'js') return createJsBackend();
    const { createWasmBackend, wasmKernelsWork } = await import('./wasmBackend');
    return wasmKernelsWork()
      ? createWasmBackend()
      : createJsBackend('WebAssembly SIMD is not available here; computing in plain JavaScript');
  }
  try {
    const { createOrtBackend } = await import('./ortBackend');
    return await createOrtBackend(opts);
  } catch (e) {
    if (e instanceof EngineDeviceError) throw e;
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    if (gpu) throw new EngineDeviceError(`device ${gpu} requested but onnxruntime-node could not be used (${why})`);
    return createJsBackend(`onnxruntime-node could not be used (${why}); computing in plain JavaScript`);
  }
}
