/**
 * tfjsGeometry: the report's DAGR losses and effective rank computed through the trainer's own
 * TensorFlow.js code (`dagr inspect --engine tfjs`), so training and diagnostics can be checked
 * against each other. Same sampling as the engine for the O(N^2) dispersive loss (its seeded
 * sample of maxPairwiseRows rows); anchoring and effective rank use every row, in row tiles.
 */
import type { Matrix } from '../io/types';
import type { EngineInfo, ReportOptions } from '../protocol/report';
import { PAIRWISE_SEED, sampleRows } from '../engine/sample';
import { selectBackend } from './backend';
import { gatherRows } from './dataset';
import { dispersiveLossValue, driftValues, readAndDispose } from './losses';
import { effectiveRankFromSingularValues } from '../engine';
import { singularValuesFromGram } from './spectrum';
import { tf } from './tf';
import { setOwn } from '../protocol/keys';

export interface TfjsGeometry {
  engine: EngineInfo;
  dispersiveLoss: Record<string, number>;
  anchoringLoss: Record<string, number | null>;
  effectiveRank: Record<string, number>;
}

const TILE_ROWS = 4096;

/** Z^T Z computed in tfjs per row tile (float32 inside a tile), tiles summed in float64. */
async function gramTfjs(m: Matrix): Promise<Float64Array> {
  const d = m.cols;
  const g = new Float64Array(d * d);
  for (let start = 0; start < m.rows; start += TILE_ROWS) {
    const rows = Math.min(TILE_ROWS, m.rows - start);
    const part = tf.tidy(() => {
      const z = tf.tensor2d(m.data.subarray(start * d, (start + rows) * d), [rows, d]);
      return tf.matMul(z, z, true, false);
    });
    const vals = await readAndDispose(part);
    for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) + (vals[i] as number);
  }
  return g;
}

async function anchoringTiled(a: Matrix, b: Matrix, o: ReportOptions): Promise<number> {
  const d = a.cols;
  let s = 0;
  for (let start = 0; start < a.rows; start += TILE_ROWS) {
    const rows = Math.min(TILE_ROWS, a.rows - start);
    const drift = await driftValues(
      a.data.subarray(start * d, (start + rows) * d),
      b.data.subarray(start * d, (start + rows) * d),
      rows,
      d,
    );
    for (const x of drift) {
      const h = Math.max(0, x - o.tau);
      s += o.hinge === 'squared' ? h * h : h;
    }
  }
  return s / a.rows;
}

/**
 * `pairs` limits the anchoring losses to the pairs a report computed (by name); all pairs when
 * omitted. Names from files are set as own properties: "__proto__" is a modality like any other.
 */
export async function tfjsGeometry(modalities: Matrix[], options: ReportOptions, pairs?: [string, string][]): Promise<TfjsGeometry> {
  const engine = await selectBackend('auto');
  const out: TfjsGeometry = { engine, dispersiveLoss: {}, anchoringLoss: {}, effectiveRank: {} };
  for (const m of modalities) {
    if (m.rows < 2) throw new Error(`${m.name}: needs at least 2 rows`);
    const bad = m.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`${m.name}: row ${Math.floor(bad / m.cols)} has a NaN or infinite value`);
    const size = options.maxPairwiseRows > 0 && m.rows > options.maxPairwiseRows ? options.maxPairwiseRows : m.rows;
    const sample = sampleRows(m.rows, size, PAIRWISE_SEED);
    const data = size === m.rows ? m.data : gatherRows(m.data, m.cols, sample);
    setOwn(out.dispersiveLoss, m.name, await dispersiveLossValue(data, size, m.cols, options.t, options.pairs));
    setOwn(out.effectiveRank, m.name, effectiveRankFromSingularValues(singularValuesFromGram(await gramTfjs(m), m.cols, m.rows)));
  }
  const byName = new Map(modalities.map((m) => [m.name, m]));
  const wanted = pairs ?? modalities.flatMap((a, i) => modalities.slice(i + 1).map((b): [string, string] => [a.name, b.name]));
  for (const [an, bn] of wanted) {
    const a = byName.get(an);
    const b = byName.get(bn);
    if (!a || !b) continue;
    setOwn(out.anchoringLoss, `${a.name}/${b.name}`, a.cols === b.cols && a.rows === b.rows ? await anchoringTiled(a, b, options) : null);
  }
  return out;
}
