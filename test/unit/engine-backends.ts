/**
 * Both engine backends for a test file: created before its tests, disposed after them. Read the
 * fields inside tests (they are set by the `before` hook).
 */
import { test } from 'node:test';
import { createBackend, type GeometryBackend } from '../../src/engine';

export function openBothBackends(): { ort: GeometryBackend; js: GeometryBackend } {
  const backends = {} as { ort: GeometryBackend; js: GeometryBackend };
  test.before(async () => {
    backends.ort = await createBackend('onnxruntime');
    backends.js = await createBackend('js');
  });
  test.after(async () => {
    await backends.ort.dispose();
    await backends.js.dispose();
  });
  return backends;
}
