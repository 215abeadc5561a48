/**
 * Which onnxruntime execution provider the metric graphs run on (DESIGN.md section 4): CUDA on
 * an NVIDIA GPU where its provider is installed, else WebGPU (bundled in onnxruntime-node, it
 * reaches a GPU through Vulkan, Metal or D3D12 with no CUDA install) where an adapter exists,
 * else the CPU; and a plain reason whenever no GPU is used, so a report never lets a user
 * believe a number came from the GPU when it did not.
 */
import type { PlacementDevice } from './types';

export type Provider = 'cuda' | 'webgpu' | 'cpu';

/**
 * Whether onnxruntime sessions outlive a backend (see ortBackend.ts): set by a long-lived process
 * (the compute process) at its start; the CLI leaves it off. Here, in a module with no imports,
 * so setting it loads nothing.
 */
export const sessionPolicy = { keepWarm: false };

/** What this onnxruntime-node install says about CUDA before any session is tried. */
export interface CudaProbe {
  /** listSupportedBackends() names 'cuda' (it does on linux/x64 even before the provider is installed) */
  listed: boolean;
  /** the provider library is on disk; undefined when that cannot be told (then a session is tried) */
  installed?: boolean;
  /** an NVIDIA driver is visible on this machine; undefined when that cannot be told */
  gpuPresent?: boolean;
}

/** What a WebGPU adapter probe found: the adapter's name, or why there is none. */
export type WebGpuProbe = { adapter: string; reason?: undefined } | { adapter?: undefined; reason: string };

/** --device cuda|webgpu where that GPU cannot be used: the user's choice cannot be met (CLI exit 2). */
export class EngineDeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineDeviceError';
  }
}

export const CUDA_NOT_INSTALLED =
  'CUDA provider not installed: onnxruntime-node was installed with the CPU build; run ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js to fetch the CUDA provider';
const CUDA_NOT_BUILT = 'this onnxruntime-node build has no CUDA provider (onnxruntime ships one for linux/x64 only)';
export const WEBGPU_NOT_BUILT = 'this onnxruntime-node build has no WebGPU provider';

/** onnxruntime's words when the provider's shared library is missing, as opposed to a CUDA failure. */
const MISSING_LIBRARY = /failed to load shared library|libonnxruntime_providers_(shared|cuda)/i;

export type PlacedDevice = 'cuda:0' | 'webgpu' | 'cpu';

export interface Placed<S> {
  sessions: S;
  device: PlacedDevice;
  /** the WebGPU adapter's name (device 'webgpu' only) */
  adapter?: string;
  /** why no GPU is used ('auto' that fell back); absent on a GPU and for an explicit 'cpu' */
  gpuNote?: string;
}

export interface DeviceProbes {
  cuda: CudaProbe;
  /** listSupportedBackends() names 'webgpu' (bundled on linux-x64, macOS and Windows builds) */
  webgpuListed: boolean;
  /** looks for an adapter; called only when WebGPU is listed and wanted (it may take a moment) */
  webgpu(): Promise<WebGpuProbe>;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

/**
 * Opens the sessions on the device asked for. `open` creates every session for the given
 * provider and rejects (having released what it made) if any fails. 'auto' tries CUDA where the
 * install has it, then WebGPU where an adapter exists, then the CPU with the reasons; 'cuda-or-cpu'
 * is 'auto' without WebGPU (its adapter is not looked for); 'cuda' and 'webgpu' throw their reason
 * instead of falling back.
 */
export async function placeSessions<S>(
  device: PlacementDevice,
  probes: DeviceProbes,
  open: (provider: Provider) => Promise<S>,
): Promise<Placed<S>> {
  if (device === 'cpu') return { sessions: await open('cpu'), device: 'cpu' };
  const auto = device === 'auto' || device === 'cuda-or-cpu';
  const reasons: string[] = [];
  // with no NVIDIA GPU at all CUDA is not a fallback worth a warning, only a fact
  let noNvidia = false;

  if (device === 'cuda' || auto) {
    const probe = probes.cuda;
    let why: string | undefined;
    if (auto && probe.gpuPresent === false) {
      noNvidia = true;
      why = 'no NVIDIA GPU found';
    } else if (!probe.listed) why = CUDA_NOT_BUILT;
    else if (probe.installed === false) why = CUDA_NOT_INSTALLED;
    else {
      try {
        return { sessions: await open('cuda'), device: 'cuda:0' };
      } catch (e) {
        const msg = firstLine(e);
        why = MISSING_LIBRARY.test(msg) ? `${CUDA_NOT_INSTALLED} (${msg})` : `CUDA provider failed to start: ${msg}`;
      }
    }
    if (device === 'cuda') throw new EngineDeviceError(`device cuda requested but not usable: ${why}`);
    reasons.push(why);
  }

  if (device === 'cuda-or-cpu') {
    // WebGPU is left out by the caller, which says why; no NVIDIA GPU at all is a plain fact
    const note = noNvidia ? reasons.join('; ') : `GPU not used: ${reasons.join('; ')}`;
    return { sessions: await open('cpu'), device: 'cpu', gpuNote: note };
  }
  // device is 'webgpu' or 'auto' here
  let webgpuWhy: string | undefined;
  let adapter: string | undefined;
  if (!probes.webgpuListed) webgpuWhy = WEBGPU_NOT_BUILT;
  else {
    const found = await probes.webgpu();
    if (found.reason !== undefined) webgpuWhy = `no WebGPU adapter: ${found.reason}`;
    else {
      adapter = found.adapter;
      try {
        return { sessions: await open('webgpu'), device: 'webgpu', adapter };
      } catch (e) {
        webgpuWhy = `WebGPU provider failed to start on ${adapter}: ${firstLine(e)}`;
      }
    }
  }
  if (device === 'webgpu') throw new EngineDeviceError(`device webgpu requested but not usable: ${webgpuWhy}`);
  // a build without WebGPU says nothing new on a machine with no NVIDIA GPU
  if (!(noNvidia && !probes.webgpuListed)) reasons.push(webgpuWhy);
  // no GPU at all (no NVIDIA GPU, no adapter) is a plain fact; a GPU left unused is a warning
  const quiet = noNvidia && adapter === undefined;
  const gpuNote = quiet ? reasons.join('; ') : `GPU not used: ${reasons.join('; ')}`;
  return { sessions: await open('cpu'), device: 'cpu', gpuNote };
}

/**
 * The provider one graph runs on. WebGPU has no float64 (and its reductions accumulate in
 * float32), so the float64 graphs (Gram and cross products, the spectra's exact part) stay on
 * the CPU provider when the float32 pairwise graphs go to WebGPU; CUDA runs float64 natively.
 */
export function providerFor(graphIsFloat64: boolean, provider: Provider): Provider {
  return provider === 'webgpu' && graphIsFloat64 ? 'cpu' : provider;
}
