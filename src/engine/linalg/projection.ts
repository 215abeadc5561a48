/**
 * 2-D PCA of a seeded row sample for the scatter plot. With equal widths one PCA is fitted on the
 * stacked normalized rows of all modalities, so paired points share axes and pair lines mean
 * something; otherwise one PCA per modality. The top two components come from
 * subspace iteration on the covariance (the general eigensolver returns eigenvalues only) and a
 * Rayleigh-Ritz step solved by Jacobi rotations on the small projected matrix. The caller passes
 * only the modalities to show (computeGeometry: at most MAX_PROJECTED_MODALITIES), so the cost and
 * the size of `points` do not grow with the number of modalities in the checkpoint.
 */
import type { Matrix } from '../../io/types';
import { setOwn } from '../../protocol/keys';
import { addTile, NORM_FLOOR, tileRows } from '../rows';
import { projectionCovarianceWasm, projectionPointsWasm, smallRows } from './rowsWasm';
import { mulberry32 } from '../random';
import { PROJECTION_SEED, sampleRows } from '../sample';
import type { GeometryBackend } from '../types';

const BLOCK = 8;
/**
 * A scatter plot needs directions good to well under a pixel, not to machine precision: with a
 * nearly flat top spectrum (common: 0.995^k decays) 150 steps cost more than the whole spectrum.
 * Rayleigh-Ritz at the end makes the captured variance accurate to the square of the angle left.
 */
const MAX_STEPS = 40;

export async function projection(
  modalities: Matrix[],
  maxRows: number,
  backend: GeometryBackend,
): Promise<{
  rows: number[];
  points: Record<string, number[]>;
  note?: string;
  variance?: Record<string, number[]>;
  fit?: 'joint' | 'per-modality';
}> {
  const first = modalities[0] as Matrix;
  const rows = sampleRows(first.rows, Math.max(2, Math.floor(maxRows)), PROJECTION_SEED);
  const points: Record<string, number[]> = {};
  // the share of the fitted rows' variance along PC 1 and PC 2, for the axis titles
  const variance: Record<string, number[]> = {};
  const sameWidth = modalities.every((m) => m.cols === first.cols);
  const groups = sameWidth ? [modalities] : modalities.map((m) => [m]);
  for (const group of groups) {
    const d = (group[0] as Matrix).cols;
    const s = rows.length;
    // a small sample stays in the kernels' memory: its covariance and then its points are made there
    const inHeap = group.every((m) => smallRows(m.data.length)) && smallRows(2 * group.length * s * d);
    const datas = group.map((m) => m.data);
    const x = inHeap ? undefined : centeredSampleOf(group, rows, d);
    const cov = x ? await covarianceOf(x, group.length * s, d, backend) : projectionCovarianceWasm(datas, rows, d);
    const [u, v] = await topTwoEigenvectors(cov, d, backend);
    let trace = 0;
    for (let j = 0; j < d; j++) trace += cov[j * d + j] as number;
    const along = (w: Float64Array): number => {
      let q = 0;
      for (let i = 0; i < d; i++) {
        let cw = 0;
        for (let j = 0; j < d; j++) cw += (cov[i * d + j] as number) * (w[j] as number);
        q += (w[i] as number) * cw;
      }
      return trace > 0 ? q / trace : 0;
    };
    const shares = [along(u), along(v)];
    const projected = x ? group.map((_, g) => projectRows(x, g * s, s, d, u, v)) : projectionPointsWasm(datas, rows, d, u, v);
    group.forEach((m, g) => {
      setOwn(points, m.name, projected[g] as number[]); // a modality may be named '__proto__'
      setOwn(variance, m.name, shares);
    });
  }
  return { rows: Array.from(rows), points, variance, fit: sameWidth && modalities.length > 1 ? 'joint' : 'per-modality' };
}

/*
 * The loops over every sampled row live in small synchronous functions: inside the async
 * projection() they ran unoptimized (about 20 ms a call for 2 x 2000 rows of 64, against 1-2 ms
 * here), since V8 optimizes a loop in a long async function late or not at all.
 */

/** the covariance (Gram) of the centered total x d block x, through the backend's tiles */
async function covarianceOf(x: Float64Array, total: number, d: number, backend: GeometryBackend): Promise<Float64Array> {
  const cov = new Float64Array(d * d);
  const step = tileRows(backend.maxTileElements, d);
  for (let r0 = 0; r0 < total; r0 += step) {
    const r1 = Math.min(total, r0 + step);
    const part = await backend.gram(x.subarray(r0 * d, r1 * d), r1 - r0, d);
    addTile(cov, part);
  }
  return cov;
}

/**
 * the rows `rows` of every matrix of the group, L2-normalized, as one float64 block (matrix by
 * matrix), minus its column mean (a small sample is made in the kernels' memory instead:
 * projectionCovarianceWasm, the same operations in the same order)
 */
function centeredSampleOf(group: Matrix[], rows: Int32Array, d: number): Float64Array {
  const s = rows.length;
  const x = new Float64Array(group.length * s * d);
  for (let g = 0; g < group.length; g++) {
    const data = (group[g] as Matrix).data;
    for (let r = 0; r < s; r++) {
      const base = (rows[r] as number) * d;
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const v = data[base + j] as number;
        sq += v * v;
      }
      const inv = 1 / Math.max(Math.sqrt(sq), NORM_FLOOR);
      const o = (g * s + r) * d;
      for (let j = 0; j < d; j++) x[o + j] = (data[base + j] as number) * inv;
    }
  }
  centerColumns(x, group.length * s, d);
  return x;
}

/** subtracts the column mean from the total x d block x, in place */
function centerColumns(x: Float64Array, total: number, d: number): void {
  const mean = new Float64Array(d);
  for (let r = 0; r < total; r++) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (x[r * d + j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / total;
  for (let r = 0; r < total; r++) for (let j = 0; j < d; j++) x[r * d + j] = (x[r * d + j] as number) - (mean[j] as number);
}

/** the rows first .. first+s-1 of x projected on u and v: [x_0.u, x_0.v, x_1.u, ...] */
function projectRows(x: Float64Array, first: number, s: number, d: number, u: Float64Array, v: Float64Array): number[] {
  const pts: number[] = new Array<number>(2 * s).fill(0);
  for (let r = 0; r < s; r++) {
    const o = (first + r) * d;
    let px = 0;
    let py = 0;
    for (let j = 0; j < d; j++) {
      px += (x[o + j] as number) * (u[j] as number);
      py += (x[o + j] as number) * (v[j] as number);
    }
    pts[2 * r] = px;
    pts[2 * r + 1] = py;
  }
  return pts;
}

/** leading two eigenvectors of a symmetric d x d matrix, each signed so its largest entry is positive */
export async function topTwoEigenvectors(c: Float64Array, d: number, backend: GeometryBackend): Promise<[Float64Array, Float64Array]> {
  const k = Math.min(BLOCK, d);
  const rand = mulberry32(PROJECTION_SEED);
  let q: Float64Array = new Float64Array(d * k); // column-major: column c is q[c*d .. c*d+d)
  for (let i = 0; i < q.length; i++) q[i] = rand() - 0.5;
  orthonormalize(q, d, k);
  // simultaneous iteration: columns converge to eigenvectors in order; stop once the leading
  // two stop turning (a flat spectrum needs many steps, a typical embedding few)
  for (let step = 0; step < MAX_STEPS; step++) {
    const prev = q;
    q = await multiply(c, q, d, k, backend);
    orthonormalize(q, d, k);
    let turn = 0;
    for (let a = 0; a < Math.min(2, k); a++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += (q[a * d + i] as number) * (prev[a * d + i] as number);
      turn = Math.max(turn, 1 - Math.abs(dot));
    }
    if (turn < 1e-8) break; // an angle of ~1e-4 rad: far below what a scatter plot shows
  }
  // Rayleigh-Ritz: eigenvectors of the k x k matrix Q^T C Q rotate Q onto the Ritz vectors
  const cq = await multiply(c, q, d, k, backend);
  const small = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += (q[a * d + i] as number) * (cq[b * d + i] as number);
      small[a * k + b] = s;
    }
  }
  const { values, vectors } = jacobiEigen(small, k);
  const order = Array.from(values.keys()).sort((x, y) => (values[y] as number) - (values[x] as number));
  const result: Float64Array[] = [];
  for (const col of order.slice(0, 2)) {
    const vec = new Float64Array(d);
    for (let a = 0; a < k; a++) {
      const w = vectors[a * k + col] as number;
      for (let i = 0; i < d; i++) vec[i] = (vec[i] as number) + w * (q[a * d + i] as number);
    }
    let big = 0;
    for (const x of vec) if (Math.abs(x) > Math.abs(big)) big = x;
    if (big < 0) for (let i = 0; i < d; i++) vec[i] = -(vec[i] as number);
    result.push(vec);
  }
  return [result[0] ?? new Float64Array(d), result[1] ?? new Float64Array(d)];
}

/**
 * C Q for the symmetric d x d C and the column-major d x k block Q, through the backend's cross
 * kernel (C^T Q = C Q): in plain JS this product, repeated every step, cost more than the spectrum.
 */
async function multiply(c: Float64Array, q: Float64Array, d: number, k: number, backend: GeometryBackend): Promise<Float64Array> {
  const rowMajor = new Float64Array(d * k);
  for (let a = 0; a < k; a++) for (let i = 0; i < d; i++) rowMajor[i * k + a] = q[a * d + i] as number;
  const product = await backend.cross(c, rowMajor, d, d, k);
  const out = new Float64Array(d * k);
  for (let a = 0; a < k; a++) for (let i = 0; i < d; i++) out[a * d + i] = product[i * k + a] as number;
  return out;
}

/** modified Gram-Schmidt on the k columns; a column that vanishes is replaced by a unit vector */
function orthonormalize(q: Float64Array, d: number, k: number): void {
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < a; b++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += (q[a * d + i] as number) * (q[b * d + i] as number);
      for (let i = 0; i < d; i++) q[a * d + i] = (q[a * d + i] as number) - dot * (q[b * d + i] as number);
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += (q[a * d + i] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-300) {
      for (let i = 0; i < d; i++) q[a * d + i] = i === a % d ? 1 : 0;
    } else {
      for (let i = 0; i < d; i++) q[a * d + i] = (q[a * d + i] as number) / norm;
    }
  }
}

/** cyclic Jacobi for a small symmetric matrix: values and column eigenvectors (k x k row-major) */
function jacobiEigen(m: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let offNorm = 0;
    for (let p = 0; p < k; p++) for (let r = p + 1; r < k; r++) offNorm += (a[p * k + r] as number) ** 2;
    if (offNorm < 1e-30) break;
    for (let p = 0; p < k; p++) {
      for (let r = p + 1; r < k; r++) {
        const apr = a[p * k + r] as number;
        if (Math.abs(apr) < 1e-300) continue;
        // rotation angle that zeroes a[p][r]
        const theta = ((a[r * k + r] as number) - (a[p * k + p] as number)) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let i = 0; i < k; i++) {
          const aip = a[i * k + p] as number;
          const air = a[i * k + r] as number;
          a[i * k + p] = c * aip - s * air;
          a[i * k + r] = s * aip + c * air;
        }
        for (let i = 0; i < k; i++) {
          const api = a[p * k + i] as number;
          const ari = a[r * k + i] as number;
          a[p * k + i] = c * api - s * ari;
          a[r * k + i] = s * api + c * ari;
        }
        for (let i = 0; i < k; i++) {
          const vip = v[i * k + p] as number;
          const vir = v[i * k + r] as number;
          v[i * k + p] = c * vip - s * vir;
          v[i * k + r] = s * vip + c * vir;
        }
      }
    }
  }
  const values = new Float64Array(k);
  for (let i = 0; i < k; i++) values[i] = a[i * k + i] as number;
  return { values, vectors: v };
}
