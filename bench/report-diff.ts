/**
 * Largest relative difference between the numbers of two `dagr inspect --json` reports of the same
 * data (e.g. computed on CUDA and on the CPU). Fields that describe the run rather than the data
 * (engine, seconds, source) are skipped. Relative to max(|a|, |b|, FLOOR), so a metric that is ~0
 * on both sides (an anchoring loss under the margin) does not turn rounding noise into 100%.
 * Usage: npx tsx bench/report-diff.ts A.json B.json   (prints one JSON line; exit 1 if the shapes differ)
 */
import { readFileSync } from 'node:fs';

const FLOOR = 1e-6;
const SKIP = new Set(['engine', 'seconds', 'source']);

export interface Diff {
  maxRelative: number;
  /** the path of the number with the largest difference, e.g. "modalities.audio.effectiveRank" */
  where: string;
  compared: number;
  /** paths of non-numbers that differ (a warning text quoting a number can differ in a last digit) */
  textDiffs: string[];
}

export function reportDiff(a: unknown, b: unknown, path = '', acc: Diff = { maxRelative: 0, where: '', compared: 0, textDiffs: [] }): Diff {
  if (typeof a === 'number' && typeof b === 'number') {
    const rel = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), FLOOR);
    acc.compared++;
    if (!(rel <= acc.maxRelative)) Object.assign(acc, { maxRelative: rel, where: path }); // NaN counts as worst
    return acc;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (SKIP.has(k)) continue;
      const va = (a as Record<string, unknown>)[k];
      const vb = (b as Record<string, unknown>)[k];
      if ((va === undefined) !== (vb === undefined)) throw new Error(`${path}${k}: present in one report only`);
      reportDiff(va, vb, `${path}${k}.`, acc);
    }
    return acc;
  }
  if (a !== b) acc.textDiffs.push(path.replace(/\.$/, ''));
  return acc;
}

if (require.main === module) {
  const [fa, fb] = process.argv.slice(2);
  if (!fa || !fb) {
    process.stderr.write('usage: npx tsx bench/report-diff.ts A.json B.json\n');
    process.exit(2);
  }
  try {
    const d = reportDiff(JSON.parse(readFileSync(fa, 'utf8')), JSON.parse(readFileSync(fb, 'utf8')));
    process.stdout.write(JSON.stringify({ ...d, where: d.where.replace(/\.$/, '') }) + '\n');
  } catch (e) {
    process.stderr.write(`report-diff: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
