// The release's file lists: each platform package holds its own natives (onnxruntime-node's and
// webgpu's Dawn) and no other platform's, the universal one holds none, and every package has the bundles, the LICENSE
// and the CHANGELOG. The lists come from vsce's own listFiles with the ignore file that
// `npm run package` (scripts/package.ts) gives each package, so this checks what would be packed
// without writing seven VSIX files (the e2e test installs a real one). Needs the bundles
// (`npm run build`), as `npm test` builds them first.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles } from '@vscode/vsce';
import { NATIVE_PACKAGES, TARGETS, ignoreFileText, nativeFolders } from '../../scripts/package-targets';
import type { Target } from '../../scripts/package-targets';

const root = join(__dirname, '..', '..');

/**
 * The natives each package ships per platform, written out so that an update that adds or drops
 * one is noticed here. onnxruntime-node 1.30 ships none for darwin-x64 (Intel Macs): that package
 * runs the JavaScript engine, like the universal one, and says so in Show Engine Info.
 */
const WIN_ORT = ['DirectML.dll', 'dxcompiler.dll', 'dxil.dll', 'onnxruntime.dll', 'onnxruntime_binding.node'];
const WIN_DAWN = ['d3dcompiler_47.dll', 'dawn.node', 'dxcompiler-LICENSE.TXT', 'dxcompiler-ThirdPartyNotices.txt', 'dxcompiler.dll'];
const NATIVES: Record<string, Record<Target['target'], string[]>> = {
  'onnxruntime-node': {
    'linux-x64': ['libonnxruntime.so.1', 'onnxruntime_binding.node'],
    'linux-arm64': ['libonnxruntime.so.1', 'onnxruntime_binding.node'],
    'darwin-x64': [],
    'darwin-arm64': ['libonnxruntime.1.30.0.dylib', 'libonnxruntime.1.dylib', 'onnxruntime_binding.node'],
    'win32-x64': WIN_ORT,
    'win32-arm64': WIN_ORT,
  },
  webgpu: {
    'linux-x64': ['dawn.node'],
    'linux-arm64': ['dawn.node'],
    'darwin-x64': ['dawn.node'],
    'darwin-arm64': ['dawn.node'],
    'win32-x64': WIN_DAWN,
    'win32-arm64': WIN_DAWN,
  },
};

/** One target's native files, package-relative, sorted. */
function expectedNatives(t: Target): string[] {
  return NATIVE_PACKAGES.flatMap((p) => (NATIVES[p.name]?.[t.target] ?? []).map((f) => `${p.folder(t)}/${f}`)).sort();
}

/** What in every package: the bundles the manifest names (and the compute process's eigenvalue thread), the manifest, the licence and the change log. */
const EVERY_PACKAGE = [
  'dist/extension.js',
  'dist/worker.js',
  'dist/eigen-thread.js',
  'dist/webview.js',
  'package.json',
  'LICENSE',
  'CHANGELOG.md',
  'README.md',
];

const tmp = mkdtempSync(join(tmpdir(), 'dagr-package-files-'));
const base = readFileSync(join(root, '.vscodeignore'), 'utf8');

/** vsce's listing under an ignore file with `text`. */
async function listing(name: string, text: string): Promise<string[]> {
  const ignoreFile = join(tmp, `.vscodeignore-${name}`);
  writeFileSync(ignoreFile, text);
  return (await listFiles({ cwd: root, ignoreFile })).map((f) => f.replace(/\\/g, '/'));
}

/**
 * Two real listings (vsce spends seconds of CPU on each: a minimatch per file and ignore line):
 * the universal package's, and one whose ignore file brings back every platform's folder with the
 * same `!` lines the platform packages use. A platform package's list is the universal one plus
 * what its own `!` line brings back, which the second listing shows per folder.
 */
const universal = listing('universal', ignoreFileText(base, 'universal'));
const everyFolder = listing(
  'every-platform',
  TARGETS.reduce((text, t) => ignoreFileText(text, t), base),
);

async function filesOf(target: Target | 'universal'): Promise<string[]> {
  if (target === 'universal') return universal;
  const extra = ignoreFileText(base, target)
    .slice(base.trimEnd().length)
    .split('\n')
    .filter((l) => l.startsWith('!'));
  assert.deepEqual(
    extra,
    nativeFolders(target).map((f) => `!${f}/**`),
    `${target.target}: its ignore file adds back only its own folders`,
  );
  const own = (await everyFolder).filter((f) => nativeFolders(target).some((d) => f.startsWith(`${d}/`)));
  return [...(await universal), ...own];
}

const natives = (files: string[]): string[] => files.filter((f) => NATIVE_PACKAGES.some((p) => f.startsWith(`${p.root}/`))).sort();

void test('the installed packages hold the natives each platform package is built from', () => {
  for (const p of NATIVE_PACKAGES) {
    assert.ok(NATIVES[p.name], `NATIVES lists ${p.name}`);
    for (const t of TARGETS) {
      const dir = join(root, p.folder(t));
      const have = existsSync(dir) ? readdirSync(dir).sort() : [];
      assert.deepEqual(have, [...(NATIVES[p.name]?.[t.target] ?? [])].sort(), `${p.folder(t)}: update NATIVES if ${p.name} changed`);
    }
  }
});

for (const t of TARGETS) {
  void test(`${t.target}: its own natives and no other platform's`, async () => {
    const files = await filesOf(t);
    assert.deepEqual(natives(files), expectedNatives(t));
    for (const f of EVERY_PACKAGE) assert.ok(files.includes(f), `${t.target} holds ${f}`);
    assert.ok(!files.includes('dist/cli.js') && !files.includes('dist/launch.js'), 'the CLI bundles are not shipped');
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'no sources or tests');
  });
}

void test('the platform folders that the packages add back hold natives only of their platform', async () => {
  const all = natives(await everyFolder);
  // the two Mac packages share webgpu's darwin-universal folder
  assert.deepEqual(all, [...new Set(TARGETS.flatMap(expectedNatives))].sort());
});

void test('universal: no natives at all (the JavaScript engine), the rest as every package', async () => {
  const files = await filesOf('universal');
  assert.deepEqual(natives(files), []);
  for (const f of EVERY_PACKAGE) assert.ok(files.includes(f), `universal holds ${f}`);
  // the JavaScript parts of onnxruntime-node are still there: the engine tries it and says why it fell back
  assert.ok(files.includes('node_modules/onnxruntime-node/dist/index.js'), 'onnxruntime-node/dist/index.js');
});

after(() => rmSync(tmp, { recursive: true, force: true }));
