/**
 * The numeric engine: typed arrays in, report numbers out. No vscode and no fs here, so the CLI,
 * the compute process and the trainer can all use it.
 */
import type { EngineName, GeometryBackend, BackendOptions } from './types';
import { createJsBackend } from './jsBackend';
import { EngineDeviceError } from './ortDevice';
import { symmetricEigenvalues as eigenvaluesInJs } from './linalg/eigen';
import { smallEigenvalues } from './linalg/eigenSmall';

export type { EngineName, GeometryBackend, GeometryControl, GeometryCore, BackendOptions } from './types';
export type { EngineDevice } from './types';
export { EngineError } from './types';
export { EngineDeviceError } from './ortDevice';
export { computeGeometry } from './geometry';
export { evaluateWarnings } from './warnings';
export { effectiveRankFromSingularValues } from './spectrum';

/**
 * Eigenvalues of the symmetric d x d row-major `a` (not modified), descending. Up to d = 512 the
 * whole solve runs in WebAssembly (bit for bit the JS solve's eigenvalues, a third of its time in a
 * fresh process): the trainer's per-epoch spectra take this path.
 */
export function symmetricEigenvalues(a: Float64Array, d: number): Float64Array {
  return smallEigenvalues(a, d) ?? eigenvaluesInJs(a, d);
}

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
