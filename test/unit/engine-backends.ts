/**
 * The engine backends for a test file (onnxruntime, plain JS, and the in-process wasm kernels the
 * CLI's auto takes for a small file): created before its tests, disposed after them. Read the
 * fields inside tests (they are set by the `before` hook).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend, type GeometryBackend } from '../../src/engine';

export function openBothBackends(): { ort: GeometryBackend; js: GeometryBackend; wasm: GeometryBackend } {
  const backends = {} as { ort: GeometryBackend; js: GeometryBackend; wasm: GeometryBackend };
  test.before(async () => {
    backends.ort = await createBackend('onnxruntime');
    backends.js = await createBackend('js');
    backends.wasm = await createBackend('wasm');
  });
  test.after(async () => {
    await backends.ort.dispose();
    await backends.js.dispose();
    await backends.wasm.dispose();
  });
  return backends;
}

/** unit rows (float32) with a seeded generator, and their squared norms */
export function unitRows(n: number, d: number, seed: number): { z: Float32Array; sq: Float32Array } {
  let s = seed;
  const next = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const z = new Float32Array(n * d);
  const sq = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = next();
      z[i * d + j] = v;
      norm += v * v;
    }
    let q = 0;
    for (let j = 0; j < d; j++) {
      const v = Math.fround((z[i * d + j] as number) / Math.sqrt(norm));
      z[i * d + j] = v;
      q += v * v;
    }
    sq[i] = q;
  }
  return { z, sq };
}

/** every entry within rel of the expected one (relative to max(1, |expected|)); equal values, infinities included, pass */
export function close(actual: Float64Array, expected: Float64Array, rel: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    assert.ok(a === e || Math.abs(a - e) <= rel * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}
