/**
 * Which onnxruntime execution provider the metric graphs run on (DESIGN.md section 4: CUDA on an
 * NVIDIA GPU where installed, else the CPU), and a plain reason whenever the GPU is not used, so
 * a report never lets a user believe a number came from the GPU when it did not.
 */
import type { EngineDevice } from './types';

export type Provider = 'cuda' | 'cpu';

/** What this onnxruntime-node install says about CUDA before any session is tried. */
export interface CudaProbe {
  /** listSupportedBackends() names 'cuda' (it does on linux/x64 even before the provider is installed) */
  listed: boolean;
  /** the provider library is on disk; undefined when that cannot be told (then a session is tried) */
  installed?: boolean;
  /** an NVIDIA driver is visible on this machine; undefined when that cannot be told */
  gpuPresent?: boolean;
}

/** --device cuda where CUDA cannot be used: the user's choice cannot be met (CLI exit 2). */
export class EngineDeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineDeviceError';
  }
}

export const CUDA_NOT_INSTALLED =
  'CUDA provider not installed: onnxruntime-node was installed with the CPU build; set onnxruntime-node-install=cuda12 in .npmrc and reinstall';
const CUDA_NOT_BUILT = 'this onnxruntime-node build has no CUDA provider (onnxruntime ships one for linux/x64 only)';

/** onnxruntime's words when the provider's shared library is missing, as opposed to a CUDA failure. */
const MISSING_LIBRARY = /failed to load shared library|libonnxruntime_providers_(shared|cuda)/i;

export interface Placed<S> {
  sessions: S;
  device: 'cuda:0' | 'cpu';
  /** why the GPU is not used ('auto' that fell back); absent on CUDA and for an explicit 'cpu' */
  gpuNote?: string;
}

/**
 * Opens the sessions on the device asked for. `open` creates every session with the given
 * providers and rejects (having released what it made) if any fails. 'auto' tries CUDA only when
 * the install has it, and falls back to the CPU with the reason; 'cuda' throws that reason instead.
 */
export async function placeSessions<S>(device: EngineDevice, probe: CudaProbe, open: (providers: Provider[]) => Promise<S>): Promise<Placed<S>> {
  if (device === 'cpu') return { sessions: await open(['cpu']), device: 'cpu' };
  // with no GPU at all the CPU is simply the machine, not a fallback worth a warning
  if (device === 'auto' && probe.gpuPresent === false) return { sessions: await open(['cpu']), device: 'cpu', gpuNote: 'no NVIDIA GPU found' };
  let why: string;
  if (!probe.listed) why = CUDA_NOT_BUILT;
  else if (probe.installed === false) why = CUDA_NOT_INSTALLED;
  else {
    try {
      return { sessions: await open(['cuda']), device: 'cuda:0' };
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
      why = MISSING_LIBRARY.test(msg) ? `${CUDA_NOT_INSTALLED} (${msg})` : `CUDA provider failed to start: ${msg}`;
    }
  }
  if (device === 'cuda') throw new EngineDeviceError(`device cuda requested but not usable: ${why}`);
  return { sessions: await open(['cpu']), device: 'cpu', gpuNote: `GPU not used: ${why}` };
}
