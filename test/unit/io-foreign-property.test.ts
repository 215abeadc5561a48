/**
 * The property of issue "Hardening": for any file numpy reads that has a 2-D float array, `dagr
 * inspect` either gives numpy's numbers (1e-4 relative) or names, in one line, the member it skipped
 * and why. The corpus is numpy's own test data and every array of numpy's test_format.py, plus
 * .npz files that hold an embedding beside strings, pickled objects, a structured array and
 * complex numbers (scripts/make_foreign_corpus.py; expected.json is numpy's float64 view of each).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectWith } from '../../src/jobs/inspect';
import { createBackend } from '../../src/engine';
import type { GeometryBackend } from '../../src/engine';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import type { GeometryReport } from '../../src/protocol/report';

const DIR = join(__dirname, '..', 'fixtures', 'foreign');

interface Metrics {
  effectiveRank: number;
  stableRank: number;
  sigmaMax: number;
  meanCosine: number;
}
interface FileExpect {
  modalities: Record<string, Metrics>;
  skipped: string[];
  other: string[];
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, FileExpect>;

function near(label: string, got: number | undefined, want: number, rel: number, abs = 0): void {
  assert.ok(got !== undefined && Number.isFinite(got), `${label}: got ${String(got)}`);
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want) + abs, `${label}: got ${got}, numpy ${want}`);
}

let backend: GeometryBackend | undefined;
const getBackend = async (): Promise<GeometryBackend> => (backend ??= await createBackend('js'));

async function inspect(rel: string): Promise<GeometryReport> {
  return inspectWith({ path: join(DIR, rel), options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS, engine: 'js' }, await getBackend());
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

void test('the corpus is what the property is about', () => {
  const files = Object.keys(expected);
  assert.ok(files.length >= 150, `${files.length} files`);
  assert.ok(files.filter((f) => Object.keys(expected[f]?.modalities ?? {}).length > 0).length >= 20);
  assert.ok(files.filter((f) => (expected[f]?.skipped.length ?? 0) > 0).length >= 30);
});

for (const [rel, want] of Object.entries(expected)) {
  const names = Object.keys(want.modalities);
  void test(`${rel}: ${names.length ? `numpy's numbers for ${names.join(', ')}` : 'one line naming why nothing is analysed'}`, async () => {
    if (names.length === 0) {
      await assert.rejects(inspect(rel), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
        assert.ok(e.message.includes(rel.split('/').pop() as string), `names the file: ${e.message}`);
        for (const s of want.skipped) assert.ok(e.message.includes(`${s}`), `names skipped member ${s}: ${e.message}`);
        return true;
      });
      return;
    }
    const report = await inspect(rel);
    for (const [name, m] of Object.entries(want.modalities)) {
      assert.ok(own(report.modalities, name), `${rel}: modality ${name} missing (have ${Object.keys(report.modalities).join(', ')})`);
      const got = report.modalities[name];
      near(`${rel}:${name} effectiveRank`, got?.effectiveRank, m.effectiveRank, 1e-4);
      near(`${rel}:${name} stableRank`, got?.stableRank, m.stableRank, 1e-4);
      near(`${rel}:${name} sigma max`, got?.spectrum[0], m.sigmaMax, 1e-4);
      near(`${rel}:${name} meanCosine`, got?.meanCosine, m.meanCosine, 1e-4, 1e-6);
    }
    const skipped = report.skipped ?? [];
    for (const s of want.skipped) {
      const entry = skipped.find((x) => x.name === s);
      assert.ok(entry, `${rel}: member ${s} is not listed as skipped (skipped: ${JSON.stringify(skipped)})`);
      assert.ok(entry.reason.length > 0 && !entry.reason.includes('\n'), `${rel}: ${s} has a one-line reason`);
    }
  });
}

void test('dispose the backend', async () => {
  await backend?.dispose();
});
