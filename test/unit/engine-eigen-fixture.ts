/**
 * The hard symmetric matrices of test/fixtures/eigen/reference.json (written by
 * scripts/make_eigen_reference.py, numpy's eigenvalues beside each), rebuilt bit for bit, and
 * LAPACK's criterion against them: shared by the eigensolver tests (engine-eigen-hard.test.ts,
 * engine-eigen-small.test.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../src/engine/random';

// ---- the fixture and the generators (mirrors of scripts/make_eigen_reference.py) ---------------

export type DataSpec =
  | { kind: 'arange'; rows: number; cols: number; full: number; step: number; rev: boolean; factor: number }
  | { kind: 'randint'; rows: number; cols: number; seed: number; lo: number; hi: number; zeroCols: number[]; factor?: number }
  | { kind: 'onehot'; rows: number; cats: number; seed: number; factor?: number }
  | { kind: 'lowrank'; rows: number; cols: number; rank: number; seed: number; lo: number; hi: number; factor?: number };

export type Spec =
  | { kind: 'explicit'; n: number; a: number[] }
  | { kind: 'zero'; n: number }
  | { kind: 'ones'; n: number; c: number; j: number }
  | { kind: 'blockOnes'; blocks: [number, number][] }
  | { kind: 'wilkinson'; n: number }
  | { kind: 'randsym'; n: number; seed: number; lo: number; hi: number }
  | { kind: 'tridiag'; n: number; seed: number; lo: number; hi: number }
  | { kind: 'graded'; n: number; seed: number; emin: number; emax: number; diagonal: boolean }
  | { kind: 'gram'; data: DataSpec; center: boolean; side: 'small' | 'cols' | 'rows' }
  | { kind: 'scaled'; of: Spec; factor: number };

export interface Case {
  name: string;
  n: number;
  sha256: string;
  spec: Spec;
  eig: number[];
  erankSvd?: number;
}

export const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'eigen', 'reference.json'), 'utf8')) as { cases: Case[] };
export const CASES = fixture.cases;

export interface Data {
  rows: number;
  cols: number;
  z: Float64Array;
}

export function randint(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

export function makeData(spec: DataSpec): Data {
  let rows: number;
  let cols: number;
  let z: Float64Array;
  switch (spec.kind) {
    case 'arange': {
      ({ rows, cols } = spec);
      z = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) {
        const r = spec.rev ? rows - 1 - i : i;
        for (let j = 0; j < cols; j++) z[i * cols + j] = r * spec.full + j * spec.step;
      }
      break;
    }
    case 'randint': {
      ({ rows, cols } = spec);
      const rand = mulberry32(spec.seed);
      z = new Float64Array(rows * cols);
      for (let k = 0; k < rows * cols; k++) z[k] = randint(rand, spec.lo, spec.hi);
      for (const j of spec.zeroCols) for (let i = 0; i < rows; i++) z[i * cols + j] = 0;
      break;
    }
    case 'onehot': {
      rows = spec.rows;
      cols = spec.cats;
      const rand = mulberry32(spec.seed);
      z = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) z[i * cols + Math.floor(rand() * cols)] = 1;
      break;
    }
    case 'lowrank': {
      ({ rows, cols } = spec);
      const r = spec.rank;
      const rand = mulberry32(spec.seed);
      const u = Array.from({ length: rows * r }, () => randint(rand, spec.lo, spec.hi));
      const v = Array.from({ length: r * cols }, () => randint(rand, spec.lo, spec.hi));
      z = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let s = 0;
          for (let l = 0; l < r; l++) s += (u[i * r + l] as number) * (v[l * cols + j] as number);
          z[i * cols + j] = s;
        }
      }
      break;
    }
  }
  const f = spec.factor ?? 1;
  if (f !== 1) for (let k = 0; k < z.length; k++) z[k] = (z[k] as number) * f;
  return { rows, cols, z };
}

/** sum over k of outer products of row k, in that order (the script's order, so the same doubles) */
export function gramOf(data: Data, center: boolean, side: 'small' | 'cols' | 'rows'): { a: Float64Array; n: number } {
  let { rows, cols, z } = data;
  if (center) {
    const mean = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) + (z[i * cols + j] as number);
    for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) / rows;
    z = z.map((x, k) => x - (mean[k % cols] as number));
  }
  if (side === 'rows' || (side === 'small' && rows < cols)) {
    const t = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = z[i * cols + j] as number;
    z = t;
    [rows, cols] = [cols, rows];
  }
  const n = cols;
  const a = new Float64Array(n * n);
  for (let k = 0; k < rows; k++) {
    const r = k * n;
    for (let i = 0; i < n; i++) {
      const zi = z[r + i] as number;
      if (zi === 0) continue; // adds only zeros (never turning a +0 into -0): same doubles
      for (let j = 0; j < n; j++) a[i * n + j] = (a[i * n + j] as number) + zi * (z[r + j] as number);
    }
  }
  return { a, n };
}

export function randsym(n: number, seed: number, lo: number, hi: number): Float64Array {
  const rand = mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = randint(rand, lo, hi);
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  }
  return a;
}

export function makeMatrix(spec: Spec): { a: Float64Array; n: number } {
  switch (spec.kind) {
    case 'explicit':
      return { a: Float64Array.from(spec.a), n: spec.n };
    case 'zero':
      return { a: new Float64Array(spec.n * spec.n), n: spec.n };
    case 'ones': {
      const { n, c, j } = spec;
      const a = new Float64Array(n * n);
      for (let r = 0; r < n; r++) for (let s = 0; s < n; s++) a[r * n + s] = (r === s ? c : 0) + j;
      return { a, n };
    }
    case 'blockOnes': {
      const n = spec.blocks.reduce((t, [m]) => t + m, 0);
      const a = new Float64Array(n * n);
      let o = 0;
      for (const [m, c] of spec.blocks) {
        for (let r = o; r < o + m; r++) for (let s = o; s < o + m; s++) a[r * n + s] = c;
        o += m;
      }
      return { a, n };
    }
    case 'wilkinson': {
      const { n } = spec;
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        a[i * n + i] = Math.abs(Math.floor((n - 1) / 2) - i);
        if (i + 1 < n) {
          a[i * n + i + 1] = 1;
          a[(i + 1) * n + i] = 1;
        }
      }
      return { a, n };
    }
    case 'randsym':
      return { a: randsym(spec.n, spec.seed, spec.lo, spec.hi), n: spec.n };
    case 'tridiag': {
      const { n } = spec;
      const rand = mulberry32(spec.seed);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        a[i * n + i] = randint(rand, spec.lo, spec.hi);
        if (i + 1 < n) {
          const x = randint(rand, spec.lo, spec.hi);
          a[i * n + i + 1] = x;
          a[(i + 1) * n + i] = x;
        }
      }
      return { a, n };
    }
    case 'graded': {
      const { n, emin, emax } = spec;
      const e = Array.from({ length: n }, (_, i) => emin + Math.floor((i * (emax - emin)) / Math.max(n - 1, 1)));
      const b = randsym(n, spec.seed, 1, 9);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (spec.diagonal && i !== j) continue;
          a[i * n + j] = (b[i * n + j] as number) * 2 ** ((e[i] as number) + (e[j] as number));
        }
      }
      return { a, n };
    }
    case 'gram':
      return gramOf(makeData(spec.data), spec.center, spec.side);
    case 'scaled': {
      const { a, n } = makeMatrix(spec.of);
      return { a: a.map((x) => x * spec.factor), n };
    }
  }
}

export function sha256(a: Float64Array): string {
  return createHash('sha256')
    .update(Buffer.from(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
}

export const built = new Map<string, Float64Array>();
export function matrixOf(c: Case): Float64Array {
  let a = built.get(c.name);
  if (!a) {
    const m = makeMatrix(c.spec);
    assert.equal(m.n, c.n, c.name);
    assert.equal(sha256(m.a), c.sha256, `${c.name}: the matrix differs from the script's`);
    a = m.a;
    built.set(c.name, a);
  }
  return a;
}

// ---- the criterion ------------------------------------------------------------------------------

export const EPS = Number.EPSILON;
/** LAPACK-style bound: C n eps ||A||, plus a few units of the smallest subnormal */
export const C = 20;

export function normOf(c: Case): number {
  return c.eig.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

/** the largest |got_i - ref_i| / (n eps ||A||), after checking shape, order and finiteness */
export function checkAgainst(label: string, got: Float64Array, ref: ArrayLike<number>, norm: number, c = C): number {
  const n = ref.length;
  assert.equal(got.length, n, `${label}: length`);
  const unit = n * EPS * norm;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const g = got[i] as number;
    assert.ok(Number.isFinite(g), `${label}: eigenvalue ${i} is ${g}`);
    if (i > 0) assert.ok(g <= (got[i - 1] as number), `${label}: not descending at ${i}`);
    const err = Math.abs(g - (ref[i] as number));
    const bound = c * unit + 4 * Number.MIN_VALUE;
    assert.ok(err <= bound, `${label}: eigenvalue ${i}: got ${g}, numpy ${ref[i]}, |diff| ${err} > ${bound}`);
    if (unit > 0) worst = Math.max(worst, err / unit);
  }
  return worst;
}
