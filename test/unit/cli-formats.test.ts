/**
 * The same two modalities as .safetensors, .npz (stored and deflated), a folder of .npy and .json
 * give the same report through the CLI: the format never changes a number.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GeometryReport } from '../../src/protocol/report';
import { f32, npy, safetensors, values, zip } from '../fixtures/cli/files';
import { runCli } from '../fixtures/cli/run';

const N = 60;
const D = 6;
let dir = '';
const a = values(N * D, 21).map(Math.fround);
const b = a.map((x, i) => Math.fround(x + 0.3 * (values(1, i + 5)[0] ?? 0)));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagr-formats-'));
  writeFileSync(
    join(dir, 'pair.safetensors'),
    safetensors([
      { name: 'audio', dtype: 'F32', shape: [N, D], data: f32(a) },
      { name: 'text', dtype: 'F32', shape: [N, D], data: f32(b) },
    ]),
  );
  const members = [
    { name: 'audio.npy', data: npy([N, D], f32(a)) },
    { name: 'text.npy', data: npy([N, D], f32(b)) },
  ];
  writeFileSync(join(dir, 'stored.npz'), zip(members));
  writeFileSync(join(dir, 'deflated.npz'), zip(members.map((m) => ({ ...m, deflate: true }))));
  mkdirSync(join(dir, 'folder'));
  for (const m of members) writeFileSync(join(dir, 'folder', m.name), m.data);
  const rows = (v: number[]): number[][] => Array.from({ length: N }, (_, i) => v.slice(i * D, (i + 1) * D));
  writeFileSync(join(dir, 'pair.json'), JSON.stringify({ audio: rows(a), text: rows(b) }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

void test('every format gives the same numbers', async () => {
  const reports: [string, GeometryReport][] = [];
  for (const f of ['pair.safetensors', 'stored.npz', 'deflated.npz', 'folder', 'pair.json']) {
    const r = await runCli(['inspect', join(dir, f), '--json']);
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    reports.push([f, JSON.parse(r.stdout) as GeometryReport]);
  }
  const [, ref] = reports[0] ?? [];
  assert.ok(ref);
  assert.deepEqual(Object.keys(ref.modalities).sort(), ['audio', 'text']);
  for (const [f, r] of reports.slice(1)) {
    assert.equal(r.n, N, f);
    for (const m of ['audio', 'text']) {
      assert.equal(r.modalities[m]?.effectiveRank, ref.modalities[m]?.effectiveRank, `${f} ${m}`);
      assert.equal(r.modalities[m]?.dispersiveLoss, ref.modalities[m]?.dispersiveLoss, `${f} ${m}`);
    }
    assert.equal(r.pairs[0]?.drift?.mean, ref.pairs[0]?.drift?.mean, f);
    assert.equal(r.pairs[0]?.linearCka, ref.pairs[0]?.linearCka, f);
  }
});
