/**
 * Is there a WebGPU adapter onnxruntime-node can use, and what is it called? Asked once per
 * process, before any WebGPU session is made, because a failed attempt in this process would
 * print Dawn's warnings on our stderr and 'auto' must fall back quietly:
 *  - on Linux, WebGPU reaches a GPU only through Vulkan, so with no Vulkan loader
 *    (libvulkan.so.1), or a loader with no driver manifest (ICD) where it looks for them, the
 *    answer is no, at no cost (the child would take a second to find that out, on every
 *    `dagr` run: most of a small file's time);
 *  - otherwise a child process makes one tiny WebGPU session and says what happened; Dawn's own
 *    words from its stderr (e.g. Mesa's software Vulkan lacking a required feature) become the
 *    reason. Where the optional `webgpu` package (Dawn for Node) is installed, the child also
 *    reads the adapter's name from it.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { WebGpuProbe } from './ortDevice';
import { disableOrtTelemetry } from './ortTelemetry';

/** the native backend each platform's Dawn uses in onnxruntime (its default dawnBackendType) */
export function dawnBackendName(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'Metal';
  if (platform === 'win32') return 'D3D12';
  return 'Vulkan';
}

/** Whether the dynamic loader finds the library (it is not a Node addon, so success reads as "did not self-register"). */
export function loaderFinds(file: string): boolean {
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, file);
    return true;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return !/cannot open shared object|no such file|image not found|not found/i.test(msg);
  }
}

/**
 * Where the Vulkan loader looks for driver manifests on Linux, as its documentation lists them:
 * VK_DRIVER_FILES / VK_ICD_FILENAMES (files or folders) replace the search, VK_ADD_DRIVER_FILES
 * adds to it; else icd.d under $XDG_CONFIG_DIRS (/etc/xdg), /etc/vulkan, $XDG_DATA_HOME
 * (~/.local/share) and $XDG_DATA_DIRS (/usr/local/share:/usr/share).
 */
export function vulkanDriverPlaces(env: NodeJS.ProcessEnv = process.env, home = homedir()): { places: string[]; replaced: boolean } {
  const list = (v: string | undefined): string[] => (v ?? '').split(':').filter(Boolean);
  const given = list(env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES);
  const added = list(env.VK_ADD_DRIVER_FILES);
  if (given.length > 0) return { places: [...given, ...added], replaced: true };
  const config = list(env.XDG_CONFIG_DIRS ?? '/etc/xdg').map((d) => join(d, 'vulkan', 'icd.d'));
  const dataHome = env.XDG_DATA_HOME ?? join(home, '.local', 'share');
  const data = list(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').map((d) => join(d, 'vulkan', 'icd.d'));
  return { places: [...added, ...config, '/etc/vulkan/icd.d', join(dataHome, 'vulkan', 'icd.d'), ...data], replaced: false };
}

/**
 * The child's script: argv[1] is the path of onnxruntime-node, stdin a float32 model (base64).
 * Prints one JSON line: {ok, error?, adapter?}.
 */
const CHILD = `
const [ortPath, webgpuPath] = process.argv.slice(1);
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', async () => {
  const out = { ok: false };
  try {
    const ort = require(ortPath);
    const s = await ort.InferenceSession.create(Buffer.from(input, 'base64'), { executionProviders: ['webgpu'] });
    await s.release();
    out.ok = true;
  } catch (e) { out.error = String(e && e.message || e).split('\\n')[0]; }
  if (out.ok) {
    try {
      const path = require('node:path');
      const url = path.isAbsolute(webgpuPath) ? require('node:url').pathToFileURL(webgpuPath).href : webgpuPath;
      const { create } = await import(url);
      const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
      const i = a && a.info;
      if (i) out.adapter = [i.vendor, i.architecture, i.device].filter(Boolean).join(' ') || i.description;
    } catch { /* the optional package is absent: the adapter stays unnamed */ }
  }
  process.stdout.write(JSON.stringify(out) + '\\n');
  process.exit(0);
});
`;

/** Dawn's stderr lines worth showing: its warnings name the missing driver or feature. */
function dawnWords(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^at /.test(l) && !/artificially reduced/.test(l));
  return lines.slice(0, 2).join(' ').slice(0, 300);
}

export interface ProbeDeps {
  platform: NodeJS.Platform;
  loaderFinds(file: string): boolean;
  /** Linux: whether the Vulkan loader has a driver manifest to load; omitted: not looked at (the child tells) */
  vulkanDrivers?(): boolean;
  /** runs the child; resolves with its stdout and stderr */
  runChild(model: Uint8Array): Promise<{ stdout: string; stderr: string }>;
}

function runChildReal(model: Uint8Array): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // resolved here: the child runs a -e script, which would resolve them from its working folder
    const resolved = (name: string): string => {
      try {
        return require.resolve(name);
      } catch {
        return name;
      }
    };
    const ortPath = resolved('onnxruntime-node');
    const webgpuPath = resolved('webgpu');
    disableOrtTelemetry(); // the child loads onnxruntime and inherits the setting
    // ELECTRON_RUN_AS_NODE: inside VS Code process.execPath is Electron, which must act as Node
    const child = spawn(process.execPath, ['-e', CHILD, ortPath, webgpuPath], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ stdout, stderr: stderr + String(e.message) });
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
    child.stdin.end(Buffer.from(model).toString('base64'));
  });
}

/** the real probe; vulkanDrivers reads folders, so the caller that may (ortBackend) passes it in */
export const realProbeDeps: ProbeDeps = { platform: process.platform, loaderFinds, runChild: runChildReal };

/** Finds the adapter (see the header); `model` is any small float32 graph. */
export async function probeWebGpu(model: Uint8Array, deps: ProbeDeps = realProbeDeps): Promise<WebGpuProbe> {
  const backend = dawnBackendName(deps.platform);
  if (deps.platform === 'linux' && !deps.loaderFinds('libvulkan.so.1')) {
    return { reason: 'no Vulkan loader on this machine (libvulkan.so.1 not found; WebGPU reaches the GPU through Vulkan on Linux)' };
  }
  if (deps.platform === 'linux' && deps.vulkanDrivers?.() === false) {
    return {
      reason:
        'no Vulkan driver on this machine (the Vulkan loader finds no driver manifest in icd.d, or in VK_DRIVER_FILES where set; WebGPU reaches the GPU through Vulkan on Linux)',
    };
  }
  const { stdout, stderr } = await deps.runChild(model);
  let answer: { ok?: boolean; error?: string; adapter?: string } = {};
  try {
    answer = JSON.parse(stdout.trim().split('\n').pop() ?? '') as typeof answer;
  } catch {
    return { reason: `the probe process gave no answer${stderr ? ` (${dawnWords(stderr)})` : ''}` };
  }
  if (answer.ok) return { adapter: `${answer.adapter ?? 'an unnamed adapter'} (${backend})` };
  const dawn = dawnWords(stderr);
  const error = (answer.error ?? 'unknown error').replace(/^.*?(Failed to get a WebGPU adapter)/, '$1');
  return { reason: dawn ? `${error} (${backend}: ${dawn})` : `${error} (${backend})` };
}

let cached: Promise<WebGpuProbe> | undefined;

/** probeWebGpu once per process: the answer does not change while it runs */
export function probeWebGpuOnce(model: Uint8Array, deps: ProbeDeps = realProbeDeps): Promise<WebGpuProbe> {
  return (cached ??= probeWebGpu(model, deps));
}
