/**
 * Where the time of one computeGeometry goes, stage by stage (from its progress callback), on the
 * inspect benchmark's data: `npx tsx bench/stages.ts [--n 8192] [--d 768] [--engine onnxruntime|js]
 * [--device auto|cpu|webgpu|cuda]` (bench/gpu-check.sh runs it per device with STAGES).
 */
import { join } from 'node:path';
import { computeGeometry, createBackend } from '../src/engine';
import { loadMatrix, openCheckpoint, selectModalities } from '../src/io';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../src/protocol/report';
import { flag } from './args';
import { writePair } from './inspect-data';

async function main(): Promise<void> {
  const n = Number(flag('n', '8192'));
  const d = Number(flag('d', '768'));
  const engine = flag('engine', 'onnxruntime') === 'js' ? 'js' : 'onnxruntime';
  const device = flag('device', 'auto');
  if (device !== 'auto' && device !== 'cpu' && device !== 'webgpu' && device !== 'cuda')
    throw new Error(`--device ${device}: not auto, cpu, webgpu or cuda`);
  const dir = join('bench', 'out', `pair-n${n}-d${d}`);
  writePair(join(dir, 'audio.npy'), join(dir, 'visual.npy'), n, d, 8192); // the inspect benchmark's data and seed
  const matrices = [];
  for (const name of ['audio', 'visual']) {
    const cp = await openCheckpoint(join(dir, `${name}.npy`));
    const { modalities } = selectModalities(cp);
    matrices.push({ ...(await loadMatrix(modalities[0]!)), name });
  }
  const backend = await createBackend(engine, { device });
  const times = new Map<string, number>();
  let last = performance.now();
  let stage = 'start';
  const t0 = last;
  await computeGeometry(matrices, { ...DEFAULT_OPTIONS, maxPairwiseRows: 0 }, DEFAULT_THRESHOLDS, backend, {
    onProgress: (_f, s) => {
      const now = performance.now();
      times.set(stage, (times.get(stage) ?? 0) + (now - last));
      last = now;
      stage = s;
    },
  });
  times.set(stage, (times.get(stage) ?? 0) + (performance.now() - last));
  await backend.dispose();
  console.log(
    `computeGeometry stages: N = ${n}, d = ${d}, engine ${backend.info.name} (${backend.info.device}, ${backend.info.threads} threads)\n`,
  );
  console.log('| stage | seconds |\n|---|---|');
  for (const [s, ms] of times) if (ms > 5) console.log(`| ${s} | ${(ms / 1000).toFixed(2)} |`);
  console.log(`| total | ${((performance.now() - t0) / 1000).toFixed(2)} |`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
