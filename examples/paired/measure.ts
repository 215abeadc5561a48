/**
 * Measures DAGR off vs on for the paired example over several seeds and prints a Markdown table
 * (mean ± std of the final epoch): effective rank per modality, drift mean, unimodal and fusion
 * validation accuracy. Usage:
 *   npx tsx examples/paired/measure.ts [train.json] [--seeds 0,1,2] [--set '{"unimodalWeight":0.1}'] [--on-only]
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { EpochMetrics, TrainConfig } from '../../src/protocol/train';
import { validateTrainConfig } from '../../src/train/config';
import { train } from '../../src/train/trainer';

function stats(xs: number[]): string {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return { m, sd }.m.toFixed(3) + ' ± ' + sd.toFixed(3);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = (k: string) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const file = argv.find((a, i) => !a.startsWith('--') && !['--seeds', '--set'].includes(argv[i - 1] ?? '')) ?? path.join(__dirname, 'train.json');
  const seeds = (flag('--seeds') ?? '0,1,2').split(',').map(Number);
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const base = path.dirname(path.resolve(file));
  for (const k of ['dataset', 'outDir']) raw[k] = path.resolve(base, raw[k] as string);
  Object.assign(raw, JSON.parse(flag('--set') ?? '{}'));
  const cfg = validateTrainConfig(raw, file);
  const rows: { label: string; finals: EpochMetrics[]; backend: string; seconds: number[] }[] = [];
  for (const enabled of argv.includes('--on-only') ? [true] : [false, true]) {
    const finals: EpochMetrics[] = [];
    const seconds: number[] = [];
    let backend = '';
    for (const seed of seeds) {
      const t0 = Date.now();
      const run: TrainConfig = { ...cfg, seed, name: `measure-${enabled ? 'dagr' : 'off'}-s${seed}`, dagr: { ...cfg.dagr, enabled } };
      const s = await train(run);
      if (!s.final) throw new Error(`run ${s.runDir} has no final metrics`);
      finals.push(s.final);
      seconds.push((Date.now() - t0) / 1000);
      backend = s.backend;
      process.stderr.write(`${run.name}: ${JSON.stringify({ rank: s.final.effectiveRank, acc: s.final.valAccuracy, drift: s.final.drift })}\n`);
    }
    rows.push({ label: enabled ? `DAGR on (λ_disp ${cfg.dagr.lambdaDisp}, λ_anc ${cfg.dagr.lambdaAnc}, τ ${cfg.dagr.tau})` : 'DAGR off', finals, backend, seconds });
  }
  const mods = Object.keys(rows[0]!.finals[0]!.effectiveRank);
  const pair = Object.keys(rows[0]!.finals[0]!.drift)[0]!;
  const head = ['run', ...mods.map((m) => `eff. rank ${m}`), `drift mean ${pair}`, `beyond τ ${pair}`, ...mods.map((m) => `val acc ${m}`), 'val acc fusion', 's / run'];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) {
    const f = r.finals;
    const cells = [
      r.label,
      ...mods.map((m) => stats(f.map((x) => x.effectiveRank[m]!))),
      stats(f.map((x) => x.drift[pair]!.mean)),
      stats(f.map((x) => x.drift[pair]!.fractionBeyondTau)),
      ...mods.map((m) => stats(f.map((x) => x.valAccuracy[m]!))),
      stats(f.map((x) => x.valAccuracy.fusion!)),
      stats(r.seconds),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  console.log(`\nseeds ${seeds.join(', ')}; backend: ${rows[0]!.backend}; config: ${JSON.stringify({ ...cfg, dataset: path.basename(cfg.dataset), outDir: undefined })}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
