/** Usage errors, --help and --version: exit codes and the one-line rule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from '../fixtures/cli/run';

async function usageError(args: string[], pattern: RegExp): Promise<void> {
  const r = await runCli(args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] ?? '', pattern);
  assert.equal(r.stdout, '');
}

void test('--version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), version);
});

void test('--help lists every command and the exit codes', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  for (const cmd of ['inspect', 'compare', 'embed', 'engine', 'train', 'sweep']) assert.match(r.stdout, new RegExp(`dagr ${cmd}`));
  assert.match(r.stdout, /3 a warning fired/);
  const i = await runCli(['inspect', '--help']);
  assert.equal(i.code, 0);
  for (const f of [
    '--modalities',
    '--tau',
    '--t ',
    '--pairs',
    '--hinge',
    '--max-pairwise-rows',
    '--engine',
    '--json',
    '--html',
    '--fail-on',
    '--threshold-excess-drift',
  ]) {
    assert.ok(i.stdout.includes(f), `inspect --help mentions ${f}`);
  }
});

void test('usage errors exit 2 with one line', async () => {
  await usageError([], /^dagr: no command/);
  await usageError(['frobnicate'], /^dagr: unknown command "frobnicate"/);
  await usageError(['inspect'], /needs a FILE/);
  await usageError(['inspect', 'examples/healthy.safetensors', '--no-such-flag'], /unknown option --no-such-flag/);
  await usageError(['inspect', 'examples/healthy.safetensors', '--tau', 'abc'], /--tau must be/);
  await usageError(['inspect', 'examples/healthy.safetensors', '--tau', '9'], /--tau must be/);
  await usageError(['inspect', 'examples/healthy.safetensors', '--pairs', 'some'], /--pairs must be one of offdiag\|all/);
  await usageError(['inspect', 'examples/healthy.safetensors', '--engine', 'gpu'], /--engine must be one of/);
  await usageError(['inspect', 'examples/healthy.safetensors', '--threshold-nonsense', '1'], /unknown option --threshold-nonsense/);
  await usageError(['inspect', 'examples/healthy.safetensors', '--fail-on', 'anything'], /--fail-on must be one of/);
  await usageError(['compare', 'examples/healthy.safetensors'], /exactly two/);
  await usageError(['embed', 'm.onnx', '--input', 'x.npy'], /--out/);
});
