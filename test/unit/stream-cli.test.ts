/**
 * Shards and a cluster through the CLI (issue 10 part 3): a folder of shards opens as one dataset;
 * four `dagr inspect --partial` processes, each told its part only by a scheduler's array-index
 * variables (Kubernetes Indexed Job, Slurm job array), merge with `dagr merge` into the report of
 * one process; bad shard sets, missing parts and bad part flags are one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GeometryReport } from '../../src/protocol/report';
import { partFromEnv } from '../../src/cli/merge-cmd';
import { f32, npy, safetensors, values } from '../fixtures/cli/files';
import { runCli } from '../fixtures/cli/run';

const DIR = mkdtempSync(join(tmpdir(), 'dagr-shards-'));
test.after(() => rmSync(DIR, { recursive: true, force: true }));

const D = 16;
const SHARD_ROWS = [300, 250, 410, 180, 360];
const N = SHARD_ROWS.reduce((a, b) => a + b, 0);
const SAMPLE = ['--max-pairwise-rows', '700'];
/** every scheduler variable cleared, so the test's own environment cannot pick a part */
const NO_SCHEDULER = {
  JOB_COMPLETION_INDEX: '',
  SLURM_ARRAY_TASK_ID: '',
  SLURM_ARRAY_TASK_MIN: '',
  SLURM_ARRAY_TASK_COUNT: '',
  AWS_BATCH_JOB_ARRAY_INDEX: '',
  DAGR_SHARD_COUNT: '',
};

const img = Float32Array.from(values(N * D, 11));
const txt = Float32Array.from(img, (v, k) => 0.8 * v + 0.3 * (values(1, k + 5)[0] as number));

function writeShards(root: string): void {
  mkdirSync(join(root, 'img_emb'), { recursive: true });
  mkdirSync(join(root, 'text_emb'), { recursive: true });
  let start = 0;
  SHARD_ROWS.forEach((rows, k) => {
    const name = String(k).padStart(4, '0');
    writeFileSync(join(root, 'img_emb', `img_emb_${name}.npy`), npy([rows, D], f32(img.subarray(start * D, (start + rows) * D))));
    writeFileSync(join(root, 'text_emb', `text_emb_${name}.npy`), npy([rows, D], f32(txt.subarray(start * D, (start + rows) * D))));
    start += rows;
  });
}

const EMB = join(DIR, 'emb');
writeShards(EMB);
// the same rows as one checkpoint
writeFileSync(
  join(DIR, 'all.safetensors'),
  safetensors([
    { name: 'img_emb', dtype: 'F32', shape: [N, D], data: f32(img) },
    { name: 'text_emb', dtype: 'F32', shape: [N, D], data: f32(txt) },
  ]),
);

async function reportOf(args: string[], env: Record<string, string> = NO_SCHEDULER): Promise<GeometryReport> {
  const r = await runCli([...args, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as GeometryReport;
}

/** sampled metrics (dispersive loss, retrieval) and counts exactly; everything else to 1e-9 relative */
function sameNumbers(got: unknown, want: unknown, path = ''): void {
  // what describes the run, not the rows; engine is compared: a merge and a one-process inspect
  // are placed by the same size rule (src/jobs/sizeRule.ts), so their engine notes are the same
  if (/\.(seconds|source|metadata)$/.test(path)) return;
  if (typeof want === 'number') {
    assert.equal(typeof got, 'number', path);
    const exact = /dispersiveLoss|retrieval|counts|fractionBeyondTau|pairwiseRows|deadDimensionFraction|\.n$|median|p90|p99|max$/.test(
      path,
    );
    if (exact) assert.equal(got, want, path);
    else assert.ok(Math.abs((got as number) - want) <= 1e-9 * Math.max(Math.abs(want), 1e-12), `${path}: ${String(got)} vs ${want}`);
    return;
  }
  if (want === null || typeof want !== 'object') return assert.deepEqual(got, want, path);
  assert.equal(typeof got, 'object', path);
  for (const k of Object.keys(want)) sameNumbers((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${path}.${k}`);
}

let single: GeometryReport;
test.before(async () => {
  single = await reportOf(['inspect', EMB, ...SAMPLE]);
});

void test('a folder of shards is one dataset: the report of the same rows as one streamed checkpoint', async () => {
  assert.equal(single.n, N);
  assert.deepEqual(Object.keys(single.modalities), ['img_emb', 'text_emb']);
  assert.equal(single.metadata.shards, SHARD_ROWS.length);
  assert.equal(single.modalities.img_emb?.pairwiseRows, 700);
  assert.ok((single.modalities.img_emb?.dispersiveLossStdErr ?? 0) > 0, 'a sampled metric has its standard error');
  const one = await reportOf(['inspect', join(DIR, 'all.safetensors'), '--stream', ...SAMPLE]);
  sameNumbers(one, single);
  // a glob of the same files
  const glob = await reportOf(['inspect', join(EMB, '*', '*_00*.npy'), ...SAMPLE]);
  sameNumbers(glob, single);
});

async function runParts(envs: Record<string, string>[], extra: string[] = []): Promise<string[]> {
  const outs = envs.map((_, k) => join(DIR, `part-${Date.now()}-${k}.json`));
  const runs = await Promise.all(
    envs.map((env, k) =>
      runCli(['inspect', EMB, ...SAMPLE, '--partial', outs[k] as string, ...extra], { env: { ...NO_SCHEDULER, ...env } }),
    ),
  );
  runs.forEach((r) => assert.equal(r.code, 0, r.stderr));
  return outs;
}

void test('four Kubernetes Indexed Job tasks (JOB_COMPLETION_INDEX) merge into the single-process report', async () => {
  const outs = await runParts([0, 1, 2, 3].map((i) => ({ JOB_COMPLETION_INDEX: String(i), DAGR_SHARD_COUNT: '4' })));
  const merged = await reportOf(['merge', ...outs.reverse()]);
  sameNumbers(merged, single);
  assert.equal(merged.metadata.parts, 4);
});

void test('four Slurm array tasks (SLURM_ARRAY_TASK_ID 1..4) merge into the single-process report; a missing part is named', async () => {
  const outs = await runParts(
    [1, 2, 3, 4].map((i) => ({ SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' })),
  );
  sameNumbers(await reportOf(['merge', ...outs]), single);
  const r = await runCli(['merge', outs[0] as string, outs[1] as string, outs[3] as string], { env: NO_SCHEDULER });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^dagr: .*cover \d+ of 1500 rows; rows \d+\.\.\d+ are in none \(4 parts were made: is one missing\?\)\n$/);
});

void test('row ranges split the rows when there are more parts than shards (AWS Batch index, --shards)', async () => {
  const outs = await runParts(
    [0, 1, 2, 3, 4, 5, 6].map((i) => ({ AWS_BATCH_JOB_ARRAY_INDEX: String(i) })),
    ['--shards', '7'],
  );
  sameNumbers(await reportOf(['merge', ...outs]), single);
});

void test('part selection: --shard, then Kubernetes, Slurm and AWS Batch variables; bad values are usage errors', () => {
  assert.deepEqual(partFromEnv('2/5', undefined, { JOB_COMPLETION_INDEX: '1' }), { index: 2, count: 5, from: '--shard' });
  assert.deepEqual(partFromEnv(undefined, 3, { JOB_COMPLETION_INDEX: '1' }), { index: 1, count: 3, from: 'JOB_COMPLETION_INDEX' });
  assert.deepEqual(partFromEnv(undefined, undefined, { JOB_COMPLETION_INDEX: '0', DAGR_SHARD_COUNT: '2' }), {
    index: 0,
    count: 2,
    from: 'JOB_COMPLETION_INDEX',
  });
  assert.deepEqual(
    partFromEnv(undefined, undefined, { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_COUNT: '4' }),
    { index: 2, count: 4, from: 'SLURM_ARRAY_TASK_ID' },
  );
  assert.deepEqual(partFromEnv(undefined, undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '3', AWS_BATCH_JOB_ARRAY_SIZE: '10' }), {
    index: 3,
    count: 10,
    from: 'AWS_BATCH_JOB_ARRAY_INDEX',
  });
  assert.deepEqual(partFromEnv(undefined, undefined, {}), { index: 0, count: 1, from: 'the whole input' });
  assert.throws(() => partFromEnv('4/4', undefined, {}), /part index must be below the part count/);
  assert.throws(() => partFromEnv('1of4', undefined, {}), /--shard takes I\/N/);
  assert.throws(() => partFromEnv(undefined, undefined, { JOB_COMPLETION_INDEX: '1' }), /pass --shards N or set DAGR_SHARD_COUNT/);
  assert.throws(
    () => partFromEnv(undefined, undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4' }),
    /= 4 but there are 4 parts/,
  );
  assert.throws(() => partFromEnv(undefined, 4, {}), /needs the part index/);
});

async function errorLine(args: string[]): Promise<string> {
  const r = await runCli(args, { env: NO_SCHEDULER });
  assert.equal(r.code, 2, r.stdout);
  assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, r.stderr);
  return r.stderr;
}

void test('shard sets that do not line up, and files that are not partial summaries, are one-line errors', async () => {
  const missing = join(DIR, 'missing');
  cpSync(EMB, missing, { recursive: true });
  rmSync(join(missing, 'text_emb', 'text_emb_0003.npy'));
  assert.match(await errorLine(['inspect', missing]), /shard 3 is missing from 'text_emb' \(img_emb has .*img_emb_0003\.npy\)/);
  const uneven = join(DIR, 'uneven');
  cpSync(EMB, uneven, { recursive: true });
  writeFileSync(join(uneven, 'text_emb', 'text_emb_0002.npy'), npy([409, D], f32(txt.subarray(0, 409 * D))));
  assert.match(
    await errorLine(['inspect', uneven]),
    /text_emb_0002\.npy: 409 rows, but .*img_emb_0002\.npy has 410 \(shards are matched by their number, 2\)/,
  );
  const wide = join(DIR, 'wide');
  cpSync(EMB, wide, { recursive: true });
  writeFileSync(join(wide, 'img_emb', 'img_emb_0004.npy'), npy([360, D + 1], f32(new Float32Array(360 * (D + 1)).fill(1))));
  assert.match(await errorLine(['inspect', wide]), /img_emb_0004\.npy: 17 columns, but the other shards of 'img_emb' have 16/);
  const notPartial = join(DIR, 'report.json');
  writeFileSync(notPartial, JSON.stringify(single));
  assert.match(await errorLine(['merge', notPartial]), /report\.json: not a partial summary/);
  assert.match(await errorLine(['inspect', EMB, '--partial', join(DIR, 'x.json'), '--shard', '5/5']), /part index must be below/);
  assert.match(await errorLine(['merge']), /merge needs the partial summary files/);
});
