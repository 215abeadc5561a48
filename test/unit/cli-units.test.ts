/** The CLI's pure parts in-process: argument parsing, error lines, exit-code rule, tables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args';
import { describeError, UsageError } from '../../src/cli/errors';
import { inspectRequest, METRIC_FLAGS } from '../../src/cli/options';
import { warningExit } from '../../src/cli/inspect-cmd';
import { renderTable } from '../../src/cli/table';
import { ReaderError } from '../../src/io/types';
import { EngineError } from '../../src/engine';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import type { GeometryReport, GeometryWarning } from '../../src/protocol/report';

void test('parseArgs: values, --name=value, booleans, positionals, --', () => {
  const a = parseArgs(['f.npy', '--tau', '0.3', '--t=4', '--json', '--threshold-modality-gap', '0.2', '--', '--literal'], METRIC_FLAGS);
  assert.deepEqual(a.positionals, ['f.npy', '--literal']);
  assert.equal(a.values.get('tau'), '0.3');
  assert.equal(a.values.get('t'), '4');
  assert.equal(a.values.get('threshold-modality-gap'), '0.2');
  assert.ok(a.booleans.has('json'));
  assert.throws(() => parseArgs(['--tau'], METRIC_FLAGS), /--tau needs a value/);
  assert.throws(() => parseArgs(['--json=1'], METRIC_FLAGS), /takes no value/);
  assert.throws(() => parseArgs(['-x'], METRIC_FLAGS), UsageError);
});

void test('inspectRequest: defaults and every threshold flag', () => {
  const none = inspectRequest('x', parseArgs([], METRIC_FLAGS));
  assert.deepEqual(none, { path: 'x', options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS, engine: 'auto' });
  const flags = [
    'dimensional-collapse',
    'complete-collapse',
    'excess-drift',
    'dead-dimensions',
    'dead-variance',
    'modality-gap',
    'class-collapse',
  ].flatMap((f, i) => [`--threshold-${f}`, String(i + 1)]);
  const r = inspectRequest('x', parseArgs([...flags, '--modalities', 'a, b', '--threads', '3'], METRIC_FLAGS));
  assert.deepEqual(r.thresholds, {
    dimensionalCollapse: 1,
    completeCollapse: 2,
    excessDrift: 3,
    deadDimensions: 4,
    deadVariance: 5,
    modalityGap: 6,
    classCollapse: 7,
  });
  assert.deepEqual(r.modalities, ['a', 'b']);
  assert.equal(r.threads, 3);
  assert.throws(() => inspectRequest('x', parseArgs(['--max-pairwise-rows', '1'], METRIC_FLAGS)), /--max-pairwise-rows/);
  assert.throws(() => inspectRequest('x', parseArgs(['--t', '0'], METRIC_FLAGS)), /--t must be/);
});

void test('describeError: one line, file named, exit 2; AbortError 130', () => {
  assert.deepEqual(describeError(new ReaderError('a.npy', 'bad magic')), { line: 'dagr: a.npy: bad magic', code: 2 });
  const eng = Object.assign(new EngineError("'visual' row 7 is NaN"), { file: 'c.safetensors' });
  assert.deepEqual(describeError(eng), { line: "dagr: c.safetensors: 'visual' row 7 is NaN", code: 2 });
  assert.deepEqual(describeError(new EngineError('N < 2'), 'f.json'), { line: 'dagr: f.json: N < 2', code: 2 });
  const odd = describeError(new TypeError('x is undefined\n  at somewhere'), 'f.json');
  assert.equal(odd.code, 2);
  assert.equal(odd.line, 'dagr: f.json: x is undefined at somewhere (run with DAGR_DEBUG=1 for details)');
  const abort = new Error('cancelled');
  abort.name = 'AbortError';
  assert.equal(describeError(abort).code, 130);
  assert.match(describeError(new UsageError('bad')).line, /^dagr: bad \(see dagr --help\)$/);
});

void test('warningExit: 3 only with --fail-on and a matching warning', () => {
  const w = (severity: GeometryWarning['severity']): GeometryWarning => ({
    code: 'excess-drift',
    severity,
    value: 1,
    threshold: 0.5,
    message: '',
  });
  const rep = (ws: GeometryWarning[]): GeometryReport => ({ warnings: ws }) as unknown as GeometryReport;
  assert.equal(warningExit([rep([w('warning')])], undefined), 0);
  assert.equal(warningExit([rep([w('warning')])], 'warning'), 3);
  assert.equal(warningExit([rep([w('warning')])], 'error'), 0);
  assert.equal(warningExit([rep([]), rep([w('error')])], 'error'), 3);
  assert.equal(warningExit([rep([])], 'warning'), 0);
});

void test('renderTable aligns names left and numbers right', () => {
  const t = renderTable(
    ['name', 'x'],
    [
      ['a', '1.5'],
      ['long', '10.25'],
    ],
  );
  assert.equal(t, ['name      x', '----  -----', 'a       1.5', 'long  10.25'].join('\n'));
});
