/**
 * src/jobs in-process: reports from the examples, engines agreeing, folder kinds, errors passing
 * through unchanged, cancellation, and the pure helpers (firstWarnings, diffReports).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareCheckpoints, diffReports, embedWithOnnx, firstWarnings, inspectCheckpoint, inspectPath, inspectRun } from '../../src/jobs';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import type { GeometryReport, GeometryWarning, RunReport } from '../../src/protocol/report';
import { f32, npy, pairFile, values } from '../fixtures/cli/files';
import { matmulModel } from '../fixtures/cli/onnx-model';
import { ROOT } from '../fixtures/cli/run';

const ex = (p: string): string => join(ROOT, 'examples', p);
const req = (path: string, extra: object = {}) => ({ path, options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS, ...extra });
const tmp = mkdtempSync(join(tmpdir(), 'dagr-jobs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

void test('inspectCheckpoint: version, source, metadata, labels, seconds, engine', async () => {
  const r = await inspectCheckpoint(req(ex('run-collapse/epoch_03.safetensors')));
  assert.equal(r.version, 1);
  assert.equal(r.source, ex('run-collapse/epoch_03.safetensors'));
  assert.equal(r.metadata.epoch, 3);
  assert.equal(r.labels, 'labels');
  assert.ok(r.seconds > 0);
  assert.equal(r.n, 500);
  // the default engine: onnxruntime, or the engine's JS fallback saying why
  assert.ok(r.engine.name === 'onnxruntime' || /onnxruntime/.test(r.engine.note ?? ''), JSON.stringify(r.engine));
});

void test('engines onnxruntime and js agree on the examples', async () => {
  const a = await inspectCheckpoint(req(ex('collapsed.safetensors'), { engine: 'onnxruntime' }));
  const b = await inspectCheckpoint(req(ex('collapsed.safetensors'), { engine: 'js' }));
  assert.equal(b.engine.name, 'js');
  for (const ch of diffReports(a, b)) {
    if (ch.a === null || ch.b === null) continue;
    assert.ok(Math.abs(ch.b - ch.a) <= 1e-4 * Math.max(1, Math.abs(ch.a)), `${ch.metric}: ${ch.a} vs ${ch.b}`);
  }
  assert.deepEqual(a.warnings.map((w) => w.code).sort(), b.warnings.map((w) => w.code).sort());
});

void test('inspectPath: file -> report, run folder -> run, folder of plain .npy -> one checkpoint', async () => {
  const file = await inspectPath(req(ex('healthy.safetensors')));
  assert.equal((file as GeometryReport).kind, 'embeddings'); // issue 9: embeddings reports say their kind
  const run = (await inspectPath(req(ex('run-collapse')))) as RunReport;
  assert.equal(run.kind, 'run');
  assert.equal(run.checkpoints.length, 10);
  const npyDir = join(tmp, 'npy-folder');
  mkdirSync(npyDir);
  writeFileSync(join(npyDir, 'audio.npy'), npy([30, 4], f32(values(120, 1))));
  writeFileSync(join(npyDir, 'text.npy'), npy([30, 4], f32(values(120, 2))));
  const one = (await inspectPath(req(npyDir))) as GeometryReport;
  assert.equal(one.kind, 'embeddings');
  assert.deepEqual(Object.keys(one.modalities).sort(), ['audio', 'text']);
});

void test('inspectRun orders by epoch and reports first warnings', async () => {
  const run = await inspectRun(req(ex('run-collapse')));
  assert.deepEqual(
    run.checkpoints.map((c) => c.epoch),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.equal(run.firstWarning['excess-drift'], 5);
  assert.equal(run.firstWarning['dimensional-collapse'], 8);
  assert.equal(run.engine.name, run.checkpoints[0]?.report.engine.name);
});

void test('reader and engine errors propagate with their own type', async () => {
  writeFileSync(join(tmp, 'bad.safetensors'), Buffer.from([1, 2, 3]));
  await assert.rejects(inspectCheckpoint(req(join(tmp, 'bad.safetensors'))), (e: Error) => e.name === 'ReaderError');
  const zeros = Buffer.from(pairFile(10, 4));
  // Zero the visual block (the last 160 bytes): all rows zero is the engine's error.
  zeros.fill(0, zeros.length - 160);
  writeFileSync(join(tmp, 'zeros.safetensors'), zeros);
  await assert.rejects(
    inspectCheckpoint(req(join(tmp, 'zeros.safetensors'))),
    (e: Error & { file?: string }) => e.name === 'EngineError' && e.file === join(tmp, 'zeros.safetensors'),
  );
});

void test('cancellation rejects with AbortError', async () => {
  const c = new AbortController();
  c.abort();
  await assert.rejects(inspectCheckpoint(req(ex('healthy.safetensors')), { signal: c.signal }), (e: Error) => e.name === 'AbortError');
  const c2 = new AbortController();
  const p = inspectRun(req(ex('run-collapse')), { signal: c2.signal, onProgress: (f) => f > 0.3 && c2.abort() });
  await assert.rejects(p, (e: Error) => e.name === 'AbortError');
});

void test('progress is monotone and ends at 1', async () => {
  const seen: number[] = [];
  await inspectCheckpoint(req(ex('healthy.safetensors')), { onProgress: (f) => seen.push(f) });
  assert.equal(seen.at(-1), 1);
  for (let i = 1; i < seen.length; i++) assert.ok((seen[i] ?? 0) >= (seen[i - 1] ?? 0) - 1e-12, `progress ${seen.join(', ')}`);
});

void test('compareCheckpoints: changes are b - a over both reports', async () => {
  const c = await compareCheckpoints(req(ex('run-collapse/epoch_01.safetensors')), req(ex('run-collapse/epoch_10.safetensors')));
  const m = c.changes.find((x) => x.metric === 'modalities.visual.effectiveRank');
  assert.ok(m && m.a !== null && m.b !== null);
  assert.equal(m.delta, m.b - m.a);
  assert.ok(m.delta !== null && m.delta < -40);
});

void test('firstWarnings and diffReports (pure)', () => {
  const w = (code: GeometryWarning['code']): GeometryWarning => ({ code, severity: 'warning', value: 1, threshold: 0, message: '' });
  assert.deepEqual(
    firstWarnings([{ warnings: [] }, { warnings: [w('excess-drift')] }, { warnings: [w('excess-drift'), w('modality-gap')] }]),
    { 'excess-drift': 1, 'modality-gap': 2 },
  );
  const base = { modalities: {}, pairs: [], n: 10 } as unknown as GeometryReport;
  const other = { ...base, n: 12, modalities: { a: { dim: 4 } } } as unknown as GeometryReport;
  assert.deepEqual(diffReports(base, other), [
    { metric: 'n', a: 10, b: 12, delta: 2 },
    { metric: 'modalities.a.dim', a: null, b: 4, delta: null },
  ]);
});

void test('embedWithOnnx in-process: progress between batches, cancel, no overwrite', async () => {
  const x = values(40 * 3, 5);
  writeFileSync(join(tmp, 'x.npy'), npy([40, 3], f32(x)));
  writeFileSync(join(tmp, 'm.onnx'), matmulModel(Float32Array.from(values(6, 6)), 3, 2));
  const stages: number[] = [];
  const out = join(tmp, 'e.safetensors');
  const r = await embedWithOnnx(
    { model: join(tmp, 'm.onnx'), input: join(tmp, 'x.npy'), out, batchSize: 16 },
    { onProgress: (f) => stages.push(f) },
  );
  assert.deepEqual(r, { out, rows: 40, dim: 2 });
  assert.ok(stages.length >= 3);
  await assert.rejects(
    embedWithOnnx({ model: join(tmp, 'm.onnx'), input: join(tmp, 'x.npy'), out }),
    (e: Error) => e.name === 'ReaderError' && /exists/.test(e.message),
  );
  const c = new AbortController();
  c.abort();
  await assert.rejects(
    embedWithOnnx({ model: join(tmp, 'm.onnx'), input: join(tmp, 'x.npy'), out: join(tmp, 'e2.safetensors') }, { signal: c.signal }),
    (e: Error) => e.name === 'AbortError',
  );
});

void test("engine 'tfjs': the trainer's losses and ranks replace the report's, and agree with it", async () => {
  const file = ex('run-collapse/epoch_10.safetensors');
  const ort = await inspectCheckpoint(req(file));
  const tf = await inspectCheckpoint(req(file, { engine: 'tfjs' }));
  assert.match(tf.engine.name, /^tfjs/);
  for (const [name, m] of Object.entries(ort.modalities)) {
    const t = tf.modalities[name];
    assert.ok(t);
    assert.ok(
      Math.abs(t.effectiveRank - m.effectiveRank) <= 1e-3 * m.effectiveRank,
      `${name} rank ${t.effectiveRank} vs ${m.effectiveRank}`,
    );
    assert.ok(
      Math.abs(t.dispersiveLoss - m.dispersiveLoss) <= 1e-3 * Math.abs(m.dispersiveLoss),
      `${name} dispersive ${t.dispersiveLoss} vs ${m.dispersiveLoss}`,
    );
  }
  const [pa, pt] = [ort.pairs[0], tf.pairs[0]];
  assert.ok(pa && pt && pa.anchoringLoss !== null && pt.anchoringLoss !== null);
  assert.ok(Math.abs(pt.anchoringLoss - pa.anchoringLoss) <= 1e-3 * pa.anchoringLoss);
  assert.deepEqual(tf.warnings.map((w) => w.code).sort(), ort.warnings.map((w) => w.code).sort());
});
