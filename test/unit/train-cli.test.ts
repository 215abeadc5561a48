// `dagr train` / `dagr sweep` entry points: exit codes, one-line errors, the run folder on stdout,
// and a sweep folder with sweep.json and Pareto flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { runSweepCli, runTrainCli } from '../../src/cli/train-run';
import { paretoFlags } from '../../src/train/sweep';
import { tempDir, tinyDataset } from './train-helpers';

function captureIo() {
  const out: string[] = [];
  let err = '';
  return { io: { out: (l: string) => out.push(l), err: (t: string) => (err += t), isTTY: false }, out, err: () => err };
}

const small = { hidden: [8], embeddingDim: 4, batchSize: 32, epochs: 1, learningRate: 0.01, backend: 'cpu' };

void test('dagr train: relative paths, run folder on stdout, exit 0', async () => {
  const dir = await tempDir();
  await tinyDataset(dir);
  const file = path.join(dir, 'train.json');
  await writeFile(file, JSON.stringify({ dataset: 'tiny.safetensors', outDir: 'runs', name: 'cli', ...small }));
  const c = captureIo();
  assert.equal(await runTrainCli([file], c.io), 0);
  assert.deepEqual(c.out, [path.join(dir, 'runs', 'cli')]);
  assert.match(c.err(), /epoch 1: loss/);
  assert.match(c.err(), /backend: tfjs-cpu/);
});

void test('dagr train: bad config or dataset is exit 2 with one line naming file and field', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'train.json');
  await writeFile(file, JSON.stringify({ dataset: 'tiny.safetensors', outDir: 'runs', epochs: -1 }));
  let c = captureIo();
  assert.equal(await runTrainCli([file], c.io), 2);
  assert.equal(c.err(), `dagr: ${file}: epochs must be an integer >= 1 (got -1)\n`);
  await writeFile(file, JSON.stringify({ dataset: 'missing.safetensors', outDir: 'runs' }));
  c = captureIo();
  assert.equal(await runTrainCli([file], c.io), 2);
  assert.match(c.err(), /^dagr: .*missing\.safetensors.*\n$/);
  await tinyDataset(dir);
  await writeFile(file, JSON.stringify({ dataset: 'tiny.safetensors', outDir: 'runs', modalities: ['a', 'nope'] }));
  c = captureIo();
  assert.equal(await runTrainCli([file], c.io), 2);
  assert.match(c.err(), /no modality array named "nope"/);
  c = captureIo();
  assert.equal(await runTrainCli([], c.io), 2);
  assert.match(c.err(), /usage: dagr train CONFIG.json/);
});

void test('dagr sweep: one run per grid point, sweep.json with Pareto flags', async () => {
  const dir = await tempDir();
  await tinyDataset(dir);
  const file = path.join(dir, 'sweep.json');
  await writeFile(
    file,
    JSON.stringify({ dataset: 'tiny.safetensors', outDir: 'sweeps', name: 's', ...small, grid: { lambdaAnc: [0, 0.5], tau: [0.5] } }),
  );
  const c = captureIo();
  assert.equal(await runSweepCli([file], c.io), 0);
  assert.deepEqual(c.out, [path.join(dir, 'sweeps', 's')]);
  const sweep = JSON.parse(await readFile(path.join(dir, 'sweeps', 's', 'sweep.json'), 'utf8'));
  assert.equal(sweep.status, 'completed');
  assert.equal(sweep.points.length, 2);
  assert.deepEqual(
    sweep.points.map((p: { params: unknown }) => p.params),
    [
      { lambdaAnc: 0, tau: 0.5 },
      { lambdaAnc: 0.5, tau: 0.5 },
    ],
  );
  assert.ok(sweep.points.some((p: { pareto: boolean }) => p.pareto));
  assert.equal(path.dirname(sweep.points[1].runDir), path.join(dir, 'sweeps', 's'));
});

void test('Pareto flags: dominated points are off the front', () => {
  const pts = [
    { meanUnimodalAccuracy: 0.5, fusionAccuracy: 0.9 },
    { meanUnimodalAccuracy: 0.6, fusionAccuracy: 0.8 },
    { meanUnimodalAccuracy: 0.4, fusionAccuracy: 0.8 },
    { meanUnimodalAccuracy: 0.6, fusionAccuracy: 0.8 },
  ];
  assert.deepEqual(paretoFlags(pts), [true, true, false, true]);
});

void test('SIGINT: exit 130, the run is marked cancelled and resumes', async () => {
  const { spawn } = await import('node:child_process');
  const dir = await tempDir();
  await tinyDataset(dir, 1500);
  const file = path.join(dir, 'train.json');
  await writeFile(file, JSON.stringify({ dataset: 'tiny.safetensors', outDir: 'runs', name: 'int', ...small, batchSize: 8, epochs: 50 }));
  const script = `require(${JSON.stringify(path.resolve('src/cli/train-run.ts'))}).runTrainCli([${JSON.stringify(file)}]).then((c) => process.exit(c))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/epoch 1:/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (c) => resolve(c));
  });
  assert.equal(code, 130, stderr);
  assert.match(stderr, /resume with: dagr train/);
  const runDir = stdout.trim();
  const summary = JSON.parse(await readFile(path.join(runDir, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'cancelled');
  assert.ok(summary.epochsCompleted >= 1);
  await writeFile(
    file,
    JSON.stringify({ dataset: 'tiny.safetensors', outDir: 'runs', ...small, batchSize: 8, epochs: summary.epochsCompleted + 1 }),
  );
  const c = captureIo();
  assert.equal(await runTrainCli([file, '--resume', runDir], c.io), 0);
  const lines = (await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(lines.length, summary.epochsCompleted + 1);
});
