/**
 * Chooses the TensorFlow.js backend at start: tfjs-node-gpu, tfjs-node, wasm, cpu, the first that
 * loads (DESIGN.md section 4), and says what was chosen and why in an EngineInfo. The native
 * packages are optional dependencies that may be missing; they are loaded with a plain require()
 * inside try/catch so bundlers leave them external and a missing package is just a fallback.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineInfo } from '../protocol/report';
import type { TrainConfig } from '../protocol/train';
import { tf } from './tf';

export type BackendPreference = TrainConfig['backend'];
type Candidate = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
const ORDER: Candidate[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Injection points so tests can simulate a machine with (or without) the native packages. */
export interface BackendDeps {
  requireModule(id: string): unknown;
  probeLibrary(file: string): boolean;
}

const realDeps: BackendDeps = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  requireModule: (id) => require(id),
  probeLibrary: probeSharedLibrary,
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
    return { name: 'tfjs-node-gpu', device: 'cuda:0', threads, note: 'CUDA 11 runtime and cuDNN 8 found; this tfjs-node-gpu cannot report its device' };
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
  for (const c of ORDER.slice(Math.max(0, start))) {
    try {
      let info: EngineInfo;
      if (c === 'tensorflow-gpu') info = await tryNative(true, deps);
      else if (c === 'tensorflow') info = await tryNative(false, deps);
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
  throw new Error(`no TensorFlow.js backend loaded: ${skipped.join('; ')}`);
}

function backendKey(info: EngineInfo): string {
  if (info.name === 'tfjs-wasm') return 'wasm';
  if (info.name === 'tfjs-cpu') return 'cpu';
  return 'tensorflow';
}

/** One line for logs and the CLI: "tfjs-wasm on cpu, 1 thread (note)". */
export function describeEngine(info: EngineInfo): string {
  const base = `${info.name} on ${info.device}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  return info.note ? `${base} (${info.note})` : base;
}
