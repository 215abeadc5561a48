/**
 * The DAGR terms of DESIGN.md section 2 in TensorFlow.js, on L2-normalized rows
 * (z / max(|z|, 1e-12)). The tensor functions are for the trainer's autograd; the typed-array
 * wrappers below them are what other folders and tests use, so no tensor leaves src/train.
 */
import type { HingeMode, PairsMode } from '../protocol/report';
import { tf, type Scalar, type Tensor1D, type Tensor2D } from './tf';

/**
 * Row-wise L2 normalization. rsqrt(max(|z|^2, 1e-24)) equals 1 / max(|z|, 1e-12) but has a finite
 * gradient at a zero row, where sqrt's derivative would be infinite and give NaN.
 */
export function normalizeRows(z: Tensor2D): Tensor2D {
  return tf.tidy(() => tf.mul(z, tf.rsqrt(tf.maximum(tf.sum(tf.square(z), 1, true), 1e-24))));
}

/**
 * Per-row log-sum-exp of -t |a_i - b_j|^2 for a row tile `a` (normalized) against all rows `b`
 * (normalized); `offset` is the index of a's first row in b, used to drop the diagonal.
 * Reducing each row first keeps every float32 sum short (the N^2 single-reduction trap of DESIGN.md).
 *
 * The batch x batch work is what DAGR adds to a training step, so it is kept to few passes:
 * t is folded into the small operands (r_ij = relu(t na_i + t nb_j - (2t a_i).b_j) = t dist_ij,
 * so the product comes out scaled), the left-out diagonal joins in one addition, and the
 * log-sum-exp of -r has its gradient written out from the forward pass's own exponentials.
 * A sample against itself (a === b, the trainer's case) of 128 rows or more uses one product's
 * gradient for both sides.
 */
export function dispersiveRowLse(a: Tensor2D, b: Tensor2D, t: number, pairs: PairsMode, offset = 0): Tensor1D {
  return tf.tidy(() => {
    const na = tf.mul(tf.sum(tf.square(a), 1, true), t);
    const nb = tf.reshape(tf.mul(tf.sum(tf.square(b), 1), t), [1, -1]);
    // (below ~128 rows the product is too small for the saved one to pay for the custom gradient's bookkeeping)
    const scaled = a === b && a.shape[0] >= SELF_PRODUCT_MIN_ROWS ? selfProduct(a, 2 * t) : tf.matMul(tf.mul(a, 2 * t), b, false, true);
    const r = tf.relu(tf.sub(tf.add(na, nb), scaled)) as Tensor2D;
    const rows = a.shape[0];
    // The i = i term is exp(0) = 1 exactly: its float32 distance is 0 only up to rounding, which a
    // large t magnifies ('all': r_ii is set to 0). With 'offdiag', r_ii + 1e9 makes exp(-r_ii)
    // exactly 0 in float32: the diagonal drops out of the sum and of the gradient.
    const diag = diagonal(rows, b.shape[0], offset, pairs === 'offdiag' ? 1e9 : 1);
    return rowLogSumExpOfNegated(pairs === 'offdiag' ? (tf.add(r, diag) as Tensor2D) : (tf.mul(r, tf.sub(1, diag)) as Tensor2D));
  });
}

/**
 * `value` on the pairs (i, offset + i), else 0 (rows x cols, float32), made inside the caller's
 * tidy from a host buffer (one upload, no kernels: tfjs 4.22's oneHot ignores its on/off values on
 * wasm). Not kept between steps: a kept constant would outlive the job and break the rule that a
 * job leaves no live tensors (train-model's tensor count).
 */
function diagonal(rows: number, cols: number, offset: number, value: number): Tensor2D {
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < rows && offset + i < cols; i++) if (offset + i >= 0) values[i * cols + offset + i] = value;
  return tf.tensor2d(values, [rows, cols]);
}

/** rows from which selfProduct beats matMul on wasm (measured at 64 and 256: bench/RESULTS.md, issue 11 session 3) */
const SELF_PRODUCT_MIN_ROWS = 128;

/**
 * (c z) z^T for a sample against itself. Its gradient is c (dS + dS^T) z: one product where
 * matMul's own gradient makes two (one per operand, though they are the same tensor).
 */
function selfProduct(z: Tensor2D, c: number): Tensor2D {
  return selfProductOp(z, tf.scalar(c));
}
const selfProductOp = tf.customGrad(((z: tf.Tensor, c: tf.Tensor, save: tf.GradSaveFunc) => {
  save([z, c]);
  return {
    value: tf.matMul(tf.mul(z, c) as Tensor2D, z as Tensor2D, false, true),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [zs, cs] = saved as [Tensor2D, tf.Scalar];
      return [tf.matMul(tf.mul(tf.add(dy, tf.transpose(dy)), cs) as Tensor2D, zs), tf.zerosLike(cs)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: Tensor2D, c: tf.Scalar) => Tensor2D;

/**
 * log(sum_j exp(-r_ij)) per row, shifted by the row's smallest r, with the gradient written out
 * from the forward pass's exponentials: d/dr_ij = -e_ij / s_i (tf.logSumExp's own gradient goes
 * through its max, an Equal mask and a second exp over the batch x batch logits).
 */
const rowLogSumExpOfNegated = tf.customGrad(((r: tf.Tensor, save: tf.GradSaveFunc) => {
  const m = tf.min(r, 1, true);
  const e = tf.exp(tf.sub(m, r));
  const s = tf.sum(e, 1, true);
  save([e, s]);
  return {
    value: tf.reshape(tf.sub(tf.log(s), m), [-1]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [es, ss] = saved as [tf.Tensor, tf.Tensor];
      return tf.mul(es, tf.div(tf.neg(tf.reshape(dy, [-1, 1])), ss));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (r: Tensor2D) => Tensor1D;

/** Number of pairs the mean runs over. */
export function pairCount(n: number, pairs: PairsMode): number {
  return pairs === 'offdiag' ? n * (n - 1) : n * n;
}

/** L_disp = log(mean over pairs of exp(-t |zi - zj|^2)) on normalized rows, as a scalar tensor. */
export function dispersiveLoss(z: Tensor2D, t: number, pairs: PairsMode): Scalar {
  return tf.tidy(() => {
    const n = z.shape[0];
    if (n < 2) throw new Error('dispersive loss needs at least 2 rows');
    const zh = normalizeRows(z);
    const rowLse = dispersiveRowLse(zh, zh, t, pairs, 0);
    return tf.sub(tf.logSumExp(rowLse), Math.log(pairCount(n, pairs))) as Scalar;
  });
}

/** Per-row drift |za_i - zb_i|^2 of normalized rows. */
export function driftPerRow(za: Tensor2D, zb: Tensor2D): Tensor1D {
  return tf.tidy(() => tf.sum(tf.square(tf.sub(normalizeRows(za), normalizeRows(zb))), 1) as Tensor1D);
}

/** L_anc = mean over i of h(|za_i - zb_i|^2 - tau), h linear or squared hinge. */
export function anchoringLoss(za: Tensor2D, zb: Tensor2D, tau: number, hinge: HingeMode): Scalar {
  return tf.tidy(() => {
    if (za.shape[1] !== zb.shape[1]) throw new Error(`anchoring loss needs equal widths (${za.shape[1]} vs ${zb.shape[1]})`);
    const h = tf.relu(tf.sub(driftPerRow(za, zb), tau));
    return tf.mean(hinge === 'squared' ? tf.square(h) : h) as Scalar;
  });
}

// ---- typed arrays in, numbers out ----

/** Stable log(sum(exp(v))) in float64. */
export function logSumExp64(v: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i] as number);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp((v[i] as number) - m);
  return m + Math.log(s);
}

/**
 * The values of a tensor, read without blocking (tfjs-webgpu has no synchronous read in Node),
 * and the tensor disposed whether or not the read succeeds.
 */
export async function readAndDispose<T extends tf.Tensor>(t: T): Promise<Float32Array | Int32Array | Uint8Array> {
  try {
    return await t.data();
  } finally {
    t.dispose();
  }
}

/**
 * L_disp of an [n, d] row-major matrix of any size: row tiles of `tile` rows against all rows,
 * each tile's per-row log-sum-exp downloaded and combined in float64, so memory stays
 * tile x n and the result does not drift with n.
 */
export async function dispersiveLossValue(
  data: Float32Array,
  n: number,
  d: number,
  t: number,
  pairs: PairsMode,
  maxTile = 1024,
): Promise<number> {
  if (n < 2) throw new Error('dispersive loss needs at least 2 rows');
  // Bound a tile's kernel matrix (tile x n) to about 4M floats whatever n is.
  const tile = Math.max(1, Math.min(maxTile, Math.floor(4_194_304 / n)));
  const rowLse = new Float64Array(n);
  const all = tf.tidy(() => normalizeRows(tf.tensor2d(data, [n, d])));
  try {
    for (let start = 0; start < n; start += tile) {
      const rows = Math.min(tile, n - start);
      const part = tf.tidy(() => dispersiveRowLse(tf.slice(all, [start, 0], [rows, d]), all, t, pairs, start));
      rowLse.set(await readAndDispose(part), start);
    }
  } finally {
    all.dispose();
  }
  return logSumExp64(rowLse) - Math.log(pairCount(n, pairs));
}

/** L_anc of two [n, d] matrices; null when widths differ (the report's convention). */
export async function anchoringLossValue(
  a: Float32Array,
  b: Float32Array,
  n: number,
  d: number,
  tau: number,
  hinge: HingeMode,
): Promise<number> {
  const drift = await driftValues(a, b, n, d);
  let s = 0;
  for (const x of drift) {
    const h = Math.max(0, x - tau);
    s += hinge === 'squared' ? h * h : h;
  }
  return s / n;
}

/** Per-row drift of two [n, d] matrices as float64 (computed in tfjs, summed here in float64). */
export async function driftValues(a: Float32Array, b: Float32Array, n: number, d: number): Promise<Float64Array> {
  const t = tf.tidy(() => driftPerRow(tf.tensor2d(a, [n, d]), tf.tensor2d(b, [n, d])));
  return Float64Array.from(await readAndDispose(t));
}

/** Value and gradient of L_disp with respect to the raw rows (for gradient checks and tools). */
export function dispersiveLossAndGrad(
  data: Float32Array,
  n: number,
  d: number,
  t: number,
  pairs: PairsMode,
): Promise<{ value: number; grad: Float32Array }> {
  return valueAndGrad(data, n, d, (z) => dispersiveLoss(z, t, pairs));
}

/** Value and gradients of L_anc with respect to both inputs. */
export async function anchoringLossAndGrad(
  a: Float32Array,
  b: Float32Array,
  n: number,
  d: number,
  tau: number,
  hinge: HingeMode,
): Promise<{ value: number; gradA: Float32Array; gradB: Float32Array }> {
  const ta = tf.tensor2d(a, [n, d]);
  const tb = tf.tensor2d(b, [n, d]);
  try {
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => anchoringLoss(x as Tensor2D, y as Tensor2D, tau, hinge))([
      ta,
      tb,
    ]);
    try {
      const [v, gradA, gradB] = await Promise.all([value.data(), grads[0]!.data(), grads[1]!.data()]);
      return { value: v[0] as number, gradA: gradA as Float32Array, gradB: gradB as Float32Array };
    } finally {
      tf.dispose([value, ...grads]);
    }
  } finally {
    tf.dispose([ta, tb]);
  }
}

async function valueAndGrad(
  data: Float32Array,
  n: number,
  d: number,
  f: (z: Tensor2D) => Scalar,
): Promise<{ value: number; grad: Float32Array }> {
  const z = tf.tensor2d(data, [n, d]);
  try {
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => f(x as Tensor2D))(z);
    try {
      const [v, g] = await Promise.all([value.data(), grad.data()]);
      return { value: v[0] as number, grad: g as Float32Array };
    } finally {
      tf.dispose([value, grad]);
    }
  } finally {
    z.dispose();
  }
}
