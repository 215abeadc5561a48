/**
 * Mergeable first and second moments of row blocks (DESIGN.md section 2c): count, float64 column
 * means and the centered co-moment matrix C = sum (z - mu)(z - mu)^T, combined by the pairwise
 * update of Chan, Golub and LeVeque (1979):
 *   n = n_a + n_b,  delta = mu_b - mu_a,  mu = mu_a + delta n_b / n,
 *   C = C_a + C_b + (n_a n_b / n) delta delta^T.
 * The cross co-moment of two modalities (CKA's numerator) merges the same way with
 * delta_x delta_y^T. Each block is centered on its own mean before its Gram is taken, so no
 * term ever cancels against n mu mu^T; the raw Gram, when wanted, is C + n mu mu^T.
 */
import type { GeometryBackend } from '../types';
import { addTile, tileRows } from '../rows';

export interface Moments {
  n: number;
  /** column means, length d */
  mean: Float64Array;
  /** centered co-moment matrix, d x d row-major */
  comoment: Float64Array;
}

export function emptyMoments(d: number): Moments {
  return { n: 0, mean: new Float64Array(d), comoment: new Float64Array(d * d) };
}

/** column means of x (rows x d) */
export function columnMeans(x: Float64Array, rows: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < rows; i++) {
    const b = i * d;
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (x[b + j] as number);
  }
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / rows;
  return mean;
}

/** x minus its column means, in place */
export function centerInPlace(x: Float64Array, rows: number, d: number, mean: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const b = i * d;
    for (let j = 0; j < d; j++) x[b + j] = (x[b + j] as number) - (mean[j] as number);
  }
}

/** a^T a of centered rows through the backend's float64 kernel, in row tiles it accepts */
export async function gramOf(x: Float64Array, rows: number, d: number, backend: GeometryBackend): Promise<Float64Array> {
  const step = tileRows(backend.maxTileElements, d);
  if (rows <= step) return backend.gram(x, rows, d);
  const g = new Float64Array(d * d);
  for (let s = 0; s < rows; s += step) {
    const e = Math.min(rows, s + step);
    const part = await backend.gram(x.subarray(s * d, e * d), e - s, d);
    addTile(g, part);
  }
  return g;
}

/** a^T b of two centered blocks with the same rows */
export async function crossOf(
  a: Float64Array,
  b: Float64Array,
  rows: number,
  da: number,
  db: number,
  backend: GeometryBackend,
): Promise<Float64Array> {
  const step = tileRows(backend.maxTileElements, Math.max(da, db));
  if (rows <= step) return backend.cross(a, b, rows, da, db);
  const g = new Float64Array(da * db);
  for (let s = 0; s < rows; s += step) {
    const e = Math.min(rows, s + step);
    const part = await backend.cross(a.subarray(s * da, e * da), b.subarray(s * db, e * db), e - s, da, db);
    addTile(g, part);
  }
  return g;
}

/**
 * acc += part for the cross co-moment of modalities x and y, given both parts' moments of x and
 * y before either is merged (the update needs the old means).
 */
export function mergeCrossInto(acc: Float64Array, accX: Moments, accY: Moments, part: Float64Array, partX: Moments, partY: Moments): void {
  const na = accX.n;
  const nb = partX.n;
  if (nb === 0) return;
  if (na === 0) {
    acc.set(part);
    return;
  }
  const dx = accX.mean.length;
  const dy = accY.mean.length;
  const w = (na * nb) / (na + nb);
  const deltaY = new Float64Array(dy);
  for (let j = 0; j < dy; j++) deltaY[j] = (partY.mean[j] as number) - (accY.mean[j] as number);
  for (let i = 0; i < dx; i++) {
    const di = w * ((partX.mean[i] as number) - (accX.mean[i] as number));
    const row = i * dy;
    for (let j = 0; j < dy; j++) acc[row + j] = (acc[row + j] as number) + (part[row + j] as number) + di * (deltaY[j] as number);
  }
}

/** acc += part (Chan, Golub & LeVeque), in place */
export function mergeMomentsInto(acc: Moments, part: Moments): void {
  const nb = part.n;
  if (nb === 0) return;
  const na = acc.n;
  if (na === 0) {
    acc.n = nb;
    acc.mean.set(part.mean);
    acc.comoment.set(part.comoment);
    return;
  }
  const n = na + nb;
  const d = acc.mean.length;
  const delta = new Float64Array(d);
  for (let j = 0; j < d; j++) delta[j] = (part.mean[j] as number) - (acc.mean[j] as number);
  const w = (na * nb) / n;
  const c = acc.comoment;
  for (let i = 0; i < d; i++) {
    const di = w * (delta[i] as number);
    const row = i * d;
    for (let j = 0; j < d; j++) c[row + j] = (c[row + j] as number) + (part.comoment[row + j] as number) + di * (delta[j] as number);
  }
  for (let j = 0; j < d; j++) acc.mean[j] = (acc.mean[j] as number) + ((delta[j] as number) * nb) / n;
  acc.n = n;
}

/** the raw Gram Z^T Z = C + n mu mu^T */
export function rawGram(m: Moments): Float64Array {
  const d = m.mean.length;
  const g = Float64Array.from(m.comoment);
  for (let i = 0; i < d; i++) {
    const ni = m.n * (m.mean[i] as number);
    for (let j = 0; j < d; j++) g[i * d + j] = (g[i * d + j] as number) + ni * (m.mean[j] as number);
  }
  return g;
}
