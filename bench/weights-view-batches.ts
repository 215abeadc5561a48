/**
 * Benchmark (not a test) of what the weights view adds around the weights jobs: the tensor table
 * (header only), the analysis cut into the view's batches (largest first; one compute job per
 * batch, each reopening the file) against one job for the whole file, the time until the first
 * batch is shown, and reopening from the cache (a fresh cache over the same folder, as a new
 * window would read it). Usage:
 *   npx tsx bench/weights-view-batches.ts FILE [--engine onnxruntime|js]
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeWeightsJob, tensorTableJob } from '../src/jobs/weights';
import { mergeWeightsReports } from '../src/protocol/weights';
import type { WeightsReport } from '../src/protocol/weights';
import { WeightsCache } from '../src/panels/weightsCache';
import { analysable, orderQueue, takeBatch } from '../src/panels/weightsQueue';
import { flag } from './args';

const s = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || file.startsWith('--')) throw new Error('usage: npx tsx bench/weights-view-batches.ts FILE [--engine onnxruntime|js]');
  const engine = flag('engine', 'onnxruntime') as 'onnxruntime' | 'js';
  let t = performance.now();
  const table = await tensorTableJob(file);
  console.log(`tensor table: ${table.totals.tensors} tensors, ${table.totals.parameters} parameters, ${s(t)}`);

  t = performance.now();
  const whole = await analyzeWeightsJob({ path: file, engine });
  console.log(`one job, whole file: ${s(t)}`);

  const queue = orderQueue(table.tensors, new Set(table.tensors.filter(analysable).map((x) => x.name)), 'largest');
  const params = new Map(table.tensors.map((x) => [x.name, x.parameters]));
  let report: WeightsReport | null = null;
  let batches = 0;
  let first = '';
  t = performance.now();
  while (queue.length > 0) {
    const names = takeBatch(queue, params);
    const r = await analyzeWeightsJob({ path: file, engine, selection: { names }, order: 'file' });
    report = report ? mergeWeightsReports(report, r) : r;
    if (++batches === 1) first = s(t);
  }
  console.log(`view batches: ${batches} jobs, first batch after ${first}, all after ${s(t)}`);
  const same = whole.tensors.every((w) => {
    const b = report?.tensors.find((x) => x.name === w.name);
    return b !== undefined && b.effectiveRank === w.effectiveRank && b.spectralNorm === w.spectralNorm;
  });
  console.log(`batched metrics identical to the one-job metrics: ${same}`);

  const dir = mkdtempSync(join(tmpdir(), 'dagr-wcache-bench-'));
  const cache = new WeightsCache(dir, 0);
  t = performance.now();
  await cache.store(file, table, report, false);
  await cache.flush();
  const size = readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  console.log(`cache write: ${s(t)}, ${(size / 1e6).toFixed(1)} MB on disk`);
  t = performance.now();
  const hit = await new WeightsCache(dir).lookup(file);
  console.log(`reopen from the cache (a new window): ${s(t)}, ${hit?.report?.analysed ?? 0} tensors analysed`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
