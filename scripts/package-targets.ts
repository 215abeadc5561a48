/**
 * The release's platforms: which VSIX each VS Code platform gets and which native binaries it holds
 * (onnxruntime-node's, and Dawn's from the webgpu package). Read by scripts/package.ts (which writes
 * the packages) and by test/unit/package-files.test.ts (which checks each package's file list), so
 * both see one list.
 *
 * .vscodeignore leaves every native folder of these packages out, which makes the universal package:
 * the fallback for platforms without a package of their own, where the engine runs in plain
 * JavaScript and says so. A platform package adds back only its own folders with `!` lines (in vsce
 * a negation wins over every ignore pattern), so no package carries another platform's natives.
 */
import { join } from 'node:path';

/** A VS Code platform (vsce --target) and the Node platform/arch it runs on. */
export interface Target {
  target: 'linux-x64' | 'linux-arm64' | 'darwin-x64' | 'darwin-arm64' | 'win32-x64' | 'win32-arm64';
  platform: NodeJS.Platform;
  arch: string;
}

export const TARGETS: readonly Target[] = [
  { target: 'linux-x64', platform: 'linux', arch: 'x64' },
  { target: 'linux-arm64', platform: 'linux', arch: 'arm64' },
  { target: 'darwin-x64', platform: 'darwin', arch: 'x64' },
  { target: 'darwin-arm64', platform: 'darwin', arch: 'arm64' },
  { target: 'win32-x64', platform: 'win32', arch: 'x64' },
  { target: 'win32-arm64', platform: 'win32', arch: 'arm64' },
];

/** The package's file name under build/: dagr-lens-<target>.vsix, or dagr-lens.vsix for the universal one. */
export function vsixName(target: Target['target'] | 'universal'): string {
  return target === 'universal' ? 'dagr-lens.vsix' : `dagr-lens-${target}.vsix`;
}

/** The target a package built on this machine would run on here, if there is one. */
export function hostTarget(): Target | undefined {
  return TARGETS.find((t) => t.platform === process.platform && t.arch === process.arch);
}

/** A dependency that ships natives for every platform, one folder each. */
export interface NativePackage {
  name: string;
  /** the folder that holds every platform's folder (all of it ignored in .vscodeignore) */
  root: string;
  /** the folder of one target's natives, as the package loads it */
  folder: (t: Target) => string;
}

export const NATIVE_PACKAGES: readonly NativePackage[] = [
  // binding.js loads bin/napi-v6/<platform>/<arch>/onnxruntime_binding.node
  {
    name: 'onnxruntime-node',
    root: 'node_modules/onnxruntime-node/bin',
    folder: (t) => `node_modules/onnxruntime-node/bin/napi-v6/${t.platform}/${t.arch}`,
  },
  // index.js loads dist/<platform>-<arch>/dawn.node, one universal build for both Mac arches
  {
    name: 'webgpu',
    root: 'node_modules/webgpu/dist',
    folder: (t) => `node_modules/webgpu/dist/${t.platform === 'darwin' ? 'darwin-universal' : `${t.platform}-${t.arch}`}`,
  },
];

/** The package-relative native folders one target gets back. */
export function nativeFolders(t: Target): string[] {
  return NATIVE_PACKAGES.map((p) => p.folder(t));
}

/**
 * The ignore file of one package: the project's .vscodeignore, plus for a platform package the lines
 * that bring back its own native folders (and nothing of any other platform's).
 */
export function ignoreFileText(base: string, target: Target | 'universal'): string {
  if (target === 'universal') return base;
  const back = nativeFolders(target).map((f) => `!${f}/**`);
  return `${base.trimEnd()}\n\n# ${target.target}: its own natives (added by scripts/package-targets.ts)\n${back.join('\n')}\n`;
}

/** Where the generated ignore file of `target` is written (build/ is git-ignored). */
export function ignoreFilePath(repo: string, target: Target | 'universal'): string {
  return join(repo, 'build', `.vscodeignore-${target === 'universal' ? 'universal' : target.target}`);
}
