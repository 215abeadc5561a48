/**
 * Chooses the TensorFlow.js backend at start: tfjs-node-gpu, tfjs-webgpu, tfjs-node, wasm, cpu,
 * the first that loads (DESIGN.md section 4), and says what was chosen and why in an EngineInfo.
 * The native packages are optional dependencies that may be missing; they are loaded with a
 * plain require() inside try/catch so bundlers leave them external and a missing package is just
 * a fallback. tfjs-webgpu runs on the `webgpu` package (Dawn for Node, prebuilt inside the
 * package): a GPU through Vulkan, Metal or D3D12 with no CUDA install; under 'auto' it is taken
 * only on a hardware adapter, and a tfjs-node-gpu that computes on the CPU (no CUDA 11) gives way
 * to it.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineInfo } from '../protocol/report';
import type { TrainConfig } from '../protocol/train';
import { vulkanDriverListed } from '../engine/ortBackend';
import { vulkanDriverPlaces } from '../engine/webgpuProbe';
import { tf } from './tf';

export type BackendPreference = TrainConfig['backend'];
type Candidate = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
const ORDER: Candidate[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * Whether 'auto' may pick tfjs-webgpu (on a hardware adapter only). tfjs-webgpu has no
 * synchronous read in Node (it needs OffscreenCanvas), so every read in src/train is awaited
 * (tensor.data()): the step loop's loss terms, evaluation, geometry, checkpoints, optimizer state.
 */
export const WEBGPU_IN_AUTO = true;

/**
 * How Dawn is asked for an adapter. The defaults reach a real GPU; a test on a machine without
 * one uses Dawn's OpenGL backend on Mesa's llvmpipe (dawn ['backend=opengl'], featureLevel
 * 'compatibility', EGL_PLATFORM=surfaceless), and allows a software adapter.
 */
export interface WebGpuOptions {
  /** Dawn toggles for create(), e.g. ['backend=opengl']; DAGR_WEBGPU_DAWN (comma-separated) */
  dawn: string[];
  /** 'compatibility' for OpenGL ES-class adapters; DAGR_WEBGPU_FEATURE_LEVEL */
  featureLevel?: 'core' | 'compatibility';
  /** take a CPU (software) adapter too; DAGR_WEBGPU_SOFTWARE=1. Off by default: it runs at about wasm speed */
  allowSoftware: boolean;
}

/** Injection points so tests can simulate a machine with (or without) the native packages. */
export interface BackendDeps {
  requireModule(id: string): unknown;
  probeLibrary(file: string): boolean;
  /** Linux: whether the Vulkan loader has a driver manifest (ICD); omitted: not looked at (Dawn tells) */
  vulkanDrivers?(): boolean;
  webgpu?: WebGpuOptions;
}

export function webGpuOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): WebGpuOptions {
  const level = env.DAGR_WEBGPU_FEATURE_LEVEL;
  return {
    dawn: (env.DAGR_WEBGPU_DAWN ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ...(level === 'core' || level === 'compatibility' ? { featureLevel: level } : {}),
    allowSoftware: env.DAGR_WEBGPU_SOFTWARE === '1',
  };
}

const realDeps: BackendDeps = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  requireModule: (id) => require(id),
  probeLibrary: probeSharedLibrary,
  vulkanDrivers: () => vulkanDriverListed(vulkanDriverPlaces().places),
};

/**
 * Whether the dynamic loader can find a shared library, e.g. "libcudart.so.11.0". process.dlopen
 * loads the file and then fails with "did not self-register" because it is not a Node addon; a
 * library the loader cannot find fails earlier with "cannot open shared object file".
 */
export function probeSharedLibrary(file: string): boolean {
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, file);
    return true;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return !/cannot open shared object|no such file|image not found|not found/i.test(msg);
  }
}

/**
 * The plain-language GPU note for tfjs-node-gpu: it is built against CUDA 11.2 and cuDNN 8.1 and
 * silently computes on the CPU when they are missing (tfjs issues 8362, 8269, 8187).
 */
export function gpuNote(probe: (file: string) => boolean): string | null {
  const cudart11 = probe('libcudart.so.11.0');
  const cudnn8 = probe('libcudnn.so.8');
  if (cudart11 && cudnn8) return null;
  const found: string[] = [];
  for (const v of ['13', '12', '11.0', '10.2', '10.1']) if (probe(`libcudart.so.${v}`)) found.push(`CUDA runtime ${v}`);
  for (const v of ['9', '8', '7']) if (probe(`libcudnn.so.${v}`)) found.push(`cuDNN ${v}`);
  const missing = [cudart11 ? null : 'libcudart.so.11.0', cudnn8 ? null : 'libcudnn.so.8'].filter(Boolean).join(', ');
  return (
    'GPU not used: tfjs-node-gpu needs CUDA 11.2 and cuDNN 8.1; found ' +
    (found.length ? found.join(', ') : 'no CUDA runtime') +
    ` (missing ${missing}); computing on the CPU`
  );
}

function errorLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/cannot find module/i.test(msg)) return 'not installed';
  return (msg.split('\n')[0] ?? msg).slice(0, 160);
}

const LABEL: Record<Candidate, string> = {
  'tensorflow-gpu': 'tfjs-node-gpu',
  webgpu: 'tfjs-webgpu',
  tensorflow: 'tfjs-node',
  wasm: 'tfjs-wasm',
  cpu: 'tfjs-cpu',
};

async function tryNative(gpu: boolean, deps: BackendDeps): Promise<EngineInfo> {
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  deps.requireModule(pkg); // registers the "tensorflow" backend into the shared tfjs engine
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialize');
  await tf.ready();
  const threads = os.cpus().length;
  if (!gpu) return { name: 'tfjs-node', device: 'cpu', threads };
  // Prefer TensorFlow's own answer (the native binding's isUsingGpuDevice, a function or a flag
  // depending on the version) when it has one; else probe the loader for the CUDA libraries.
  const usingGpu = reportsGpu(tf.backend()) ?? reportsGpu((tf.backend() as unknown as { binding?: unknown }).binding);
  if (usingGpu === true) return { name: 'tfjs-node-gpu', device: 'cuda:0', threads };
  const note = gpuNote(deps.probeLibrary);
  if (usingGpu === null && note === null) {
    return {
      name: 'tfjs-node-gpu',
      device: 'cuda:0',
      threads,
      note: 'CUDA 11 runtime and cuDNN 8 found; this tfjs-node-gpu cannot report its device',
    };
  }
  return {
    name: 'tfjs-node-gpu',
    device: 'cpu (GPU not used)',
    threads,
    note: note ?? 'GPU not used: tfjs-node-gpu loaded but TensorFlow reports no GPU device',
  };
}

function reportsGpu(o: unknown): boolean | null {
  const v = (o as { isUsingGpuDevice?: unknown } | undefined)?.isUsingGpuDevice;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'function') return Boolean((v as () => unknown).call(o));
  return null;
}

interface DawnModule {
  create(flags: string[]): { requestAdapter(o?: Record<string, unknown>): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}
interface DawnAdapter {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
    adapterType?: string;
  };
  isFallbackAdapter?: boolean;
}

/** the adapter's name and whether it is software (llvmpipe, SwiftShader, lavapipe, WARP) */
export function describeAdapter(a: DawnAdapter): { name: string; software: boolean } {
  const i = a.info ?? {};
  const name =
    ([i.vendor, i.architecture, i.device].filter(Boolean).join(' ') + (i.description ? ` (${i.description})` : '')).trim() ||
    'an unnamed adapter';
  const software =
    a.isFallbackAdapter === true ||
    i.isFallbackAdapter === true ||
    /cpu/i.test(i.adapterType ?? '') ||
    /llvmpipe|swiftshader|lavapipe|softpipe|microsoft basic render/i.test(`${name} ${i.vendor ?? ''} ${i.device ?? ''}`);
  return { name, software };
}

/**
 * tfjs-webgpu on Dawn for Node. tfjs asks `navigator.gpu` for its adapter; Node has no
 * navigator, so one is set whose requestAdapter passes the feature level through (tfjs itself
 * asks only for a power preference), and Dawn's GPUBufferUsage & co. become globals.
 */
async function tryWebGpu(deps: BackendDeps): Promise<EngineInfo> {
  const opts = deps.webgpu ?? webGpuOptionsFromEnv();
  // Dawn's own backend choice on Linux is Vulkan: with no loader or no driver for it there is no
  // adapter, which is told here without loading Dawn (a fifth of a second, and on some machines
  // the Vulkan loader's warnings on stderr)
  if (process.platform === 'linux' && !opts.dawn.some((f) => f.startsWith('backend='))) {
    if (!deps.probeLibrary('libvulkan.so.1')) throw new Error('no Vulkan loader (libvulkan.so.1 not found)');
    if (deps.vulkanDrivers?.() === false) throw new Error("no Vulkan driver (no driver manifest in the Vulkan loader's icd.d folders)");
  }
  // an ES module; Node >= 20.19 requires it like any other (older ones fail here: a fallback)
  const dawn = deps.requireModule('webgpu') as DawnModule;
  const gpu = dawn.create(opts.dawn);
  const adapterOptions = (o: Record<string, unknown> = {}): Record<string, unknown> =>
    opts.featureLevel ? { ...o, featureLevel: opts.featureLevel } : o;
  const adapter = await gpu.requestAdapter(adapterOptions({ powerPreference: 'high-performance' }));
  if (!adapter) throw new Error(`no WebGPU adapter${opts.dawn.length ? ` (Dawn ${opts.dawn.join(' ')})` : ''}`);
  const { name, software } = describeAdapter(adapter);
  if (software && !opts.allowSoftware) throw new Error(`only a software adapter (${name})`);
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const navigatorGpu = {
    requestAdapter: (o?: Record<string, unknown>) => gpu.requestAdapter(adapterOptions(o)),
    getPreferredCanvasFormat: () => 'rgba8unorm',
  };
  const nav = (globalThis as { navigator?: Record<string, unknown> }).navigator;
  if (nav && !nav.gpu) Object.defineProperty(nav, 'gpu', { value: navigatorGpu, configurable: true });
  else if (!nav)
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: navigatorGpu, userAgent: `Node.js/${process.version}` },
      configurable: true,
    });
  deps.requireModule('@tensorflow/tfjs-backend-webgpu'); // registers "webgpu" into the shared engine
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialize');
  await tf.ready();
  // tfjs's synchronous read in Node dies on a missing OffscreenCanvas: say what it is instead
  const backend = tf.backend() as unknown as { readSync(id: unknown): unknown };
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (id: unknown) => {
    try {
      return readSync(id);
    } catch (e) {
      if (e instanceof ReferenceError)
        throw new Error('tfjs-webgpu cannot read a tensor synchronously in Node (dataSync); read it with await tensor.data()');
      throw e;
    }
  };
  const backendName =
    opts.dawn.find((f) => f.startsWith('backend='))?.slice(8) ??
    (process.platform === 'darwin' ? 'metal' : process.platform === 'win32' ? 'd3d12' : 'vulkan');
  const info: EngineInfo = { name: 'tfjs-webgpu', device: `webgpu (${name}, ${backendName})`, threads: 1 };
  return software ? { ...info, note: `software adapter ${name}: a test path, about wasm speed` } : info;
}

async function tryWasm(deps: BackendDeps): Promise<EngineInfo> {
  const wasm = deps.requireModule('@tensorflow/tfjs-backend-wasm') as {
    setWasmPaths(prefix: string): void;
    getThreadsCount?(): number;
  };
  // The .wasm binaries sit beside the package's main file; point the loader at that folder.
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(dir + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialize');
  await tf.ready();
  return { name: 'tfjs-wasm', device: 'cpu', threads: wasm.getThreadsCount?.() ?? 1 };
}

async function useCpu(): Promise<EngineInfo> {
  await tf.setBackend('cpu');
  await tf.ready();
  // The pure-JS backend prints a "install our node backend" banner on first use; the EngineInfo
  // note already says which backend runs, so silence the banner.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return { name: 'tfjs-cpu', device: 'cpu', threads: 1 };
}

let current: { pref: BackendPreference; info: EngineInfo } | null = null;

/**
 * Activates the preferred backend, or the next one down the list that loads, and returns what
 * runs plus a note naming every backend that was skipped and why. Cached per preference.
 */
export async function selectBackend(pref: BackendPreference = 'auto', deps: BackendDeps = realDeps): Promise<EngineInfo> {
  if (current && current.pref === pref && deps === realDeps && tf.getBackend() === backendKey(current.info)) return current.info;
  const start = pref === 'auto' ? 0 : ORDER.indexOf(pref);
  const skipped: string[] = [];
  // tfjs-node-gpu that computes on the CPU: kept, unless tfjs-webgpu finds a GPU
  let nativeOnCpu: EngineInfo | undefined;
  for (const c of ORDER.slice(Math.max(0, start))) {
    if (c === 'tensorflow' && nativeOnCpu) break; // tfjs-node cannot load beside tfjs-node-gpu
    try {
      let info: EngineInfo;
      if (c === 'tensorflow-gpu') {
        info = await tryNative(true, deps);
        if (pref === 'auto' && !info.device.startsWith('cuda')) {
          nativeOnCpu = info;
          skipped.push('tfjs-node-gpu computes on the CPU here');
          continue;
        }
      } else if (c === 'webgpu') {
        if (pref === 'auto' && !WEBGPU_IN_AUTO) continue; // a policy of this build, not a fact of the machine: no note
        info = await tryWebGpu(deps);
      } else if (c === 'tensorflow') info = await tryNative(false, deps);
      else if (c === 'wasm') info = await tryWasm(deps);
      else info = await useCpu();
      if (skipped.length) {
        const why = skipped.join('; ');
        info = { ...info, note: info.note ? `${info.note}; ${why}` : why };
      }
      if (deps === realDeps) current = { pref, info };
      return info;
    } catch (e) {
      skipped.push(`${LABEL[c]} ${errorLine(e)}`);
    }
  }
  if (nativeOnCpu) {
    await tf.setBackend('tensorflow');
    const why = skipped.slice(1).join('; '); // not the first: that tfjs-node-gpu is on the CPU, its own note says so
    const info = { ...nativeOnCpu, ...(why ? { note: nativeOnCpu.note ? `${nativeOnCpu.note}; ${why}` : why } : {}) };
    if (deps === realDeps) current = { pref, info };
    return info;
  }
  throw new Error(`no TensorFlow.js backend loaded: ${skipped.join('; ')}`);
}

function backendKey(info: EngineInfo): string {
  if (info.name === 'tfjs-wasm') return 'wasm';
  if (info.name === 'tfjs-cpu') return 'cpu';
  if (info.name === 'tfjs-webgpu') return 'webgpu';
  return 'tensorflow';
}

/** One line for logs and the CLI: "tfjs-wasm on cpu, 1 thread (note)". */
export function describeEngine(info: EngineInfo): string {
  const base = `${info.name} on ${info.device}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  return info.note ? `${base} (${info.note})` : base;
}
