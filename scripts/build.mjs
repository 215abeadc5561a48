// Bundles the extension host, the compute process, the CLI and the webview with esbuild.
// `node scripts/build.mjs --watch` rebuilds on change (used by the F5 launch config).
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const nodeExternal = [
  'vscode',
  'onnxruntime-node',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-backend-wasm',
];

const targets = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: nodeExternal },
  { entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js', platform: 'node', format: 'cjs', external: nodeExternal },
  // the eigenvalue thread the CLI and the compute process start (src/engine/linalg/eigenThread.ts)
  { entryPoints: ['src/worker/eigen-thread.ts'], outfile: 'dist/eigen-thread.js', platform: 'node', format: 'cjs', external: nodeExternal },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', external: nodeExternal },
  // the command's entry: decides on a relaunch before dist/cli.js is loaded (src/cli/launch.ts)
  { entryPoints: ['src/cli/launch.ts'], outfile: 'dist/launch.js', platform: 'node', format: 'cjs', external: nodeExternal },
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' },
].filter((t) => existsSync(t.entryPoints[0]));

const common = { bundle: true, sourcemap: true, target: 'es2022', logLevel: 'warning' };
if (watch) {
  for (const t of targets) await (await esbuild.context({ ...common, ...t })).watch();
  console.log('watching', targets.map((t) => t.outfile).join(', '));
} else {
  await Promise.all(targets.map((t) => esbuild.build({ ...common, ...t })));
  console.log('built', targets.map((t) => t.outfile).join(', '));
}
