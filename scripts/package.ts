/**
 * `npm run package`: the release. Writes build/dagr-lens-<target>.vsix for every platform in
 * scripts/package-targets.ts (each with only its own onnxruntime-node natives) and the universal
 * build/dagr-lens.vsix (no natives: the JavaScript engine), after the bundles are built.
 *
 *   npm run package                         all seven packages
 *   npm run package -- --target linux-x64   one platform package (e.g. the e2e test's)
 *   npm run package -- --target universal   the universal one only
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createVSIX } from '@vscode/vsce';
import { TARGETS, ignoreFilePath, ignoreFileText, vsixName } from './package-targets';
import type { Target } from './package-targets';

const REPO = resolve(__dirname, '..');

function chosen(argv: string[]): (Target | 'universal')[] {
  const i = argv.indexOf('--target');
  const all: (Target | 'universal')[] = [...TARGETS, 'universal'];
  if (i < 0) return all;
  const names = (argv[i + 1] ?? '').split(',').filter((s) => s !== '');
  const known = new Map<string, Target | 'universal'>(all.map((t) => [t === 'universal' ? t : t.target, t]));
  const picked = names.map((n) => known.get(n));
  const bad = names.filter((_n, k) => picked[k] === undefined);
  if (names.length === 0 || bad.length > 0) {
    throw new Error(`--target: ${bad.join(', ') || 'no target'} is not one of ${[...known.keys()].join(', ')}`);
  }
  return picked.filter((t): t is Target | 'universal' => t !== undefined);
}

async function main(): Promise<void> {
  const targets = chosen(process.argv.slice(2));
  const base = readFileSync(join(REPO, '.vscodeignore'), 'utf8');
  mkdirSync(join(REPO, 'build'), { recursive: true }); // vsce does not create the output folder
  for (const t of targets) {
    const ignoreFile = ignoreFilePath(REPO, t);
    writeFileSync(ignoreFile, ignoreFileText(base, t));
    const packagePath = join(REPO, 'build', vsixName(t === 'universal' ? t : t.target));
    await createVSIX({
      cwd: REPO,
      packagePath,
      ignoreFile,
      ...(t === 'universal' ? {} : { target: t.target }),
      // no public repository yet (package.json names none): vsce would ask, or fail on the README's
      // relative image links, which it can only rewrite against a repository URL
      allowMissingRepository: true,
      rewriteRelativeLinks: false,
    });
  }
}

main().catch((e: unknown) => {
  console.error(`package: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
