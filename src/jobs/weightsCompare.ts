/**
 * The `weightsCompare` job: what changed from checkpoint A to B (DESIGN.md section 2b, "update").
 * Tensors are matched by name; with the same shape, the update dW = M_B - M_A is read block by
 * block (one tensor of each side at a time) and gets its relative change ||dW||_F / ||M_A||_F and
 * the effective rank, stable rank and spectral norm of dW itself. Works across formats (a
 * safetensors base against a PyTorch fine-tune).
 */
import { openModel, tensorMatrix, tensorRow } from '../io/tensorTable';
import type { ArrayEntry } from '../io/types';
import { isFloatDType } from '../io/dtype';
import type { GeometryBackend } from '../engine';
import { matrixMetrics, summarize } from '../engine/weights/matrix';
import type { MatrixBlocks } from '../engine/weights/matrix';
import type { WeightDelta, WeightsComparison, WeightsCompareParams } from '../protocol/weights';
import type { JobControl } from './types';
import { throwIfAborted } from './types';
import { selector, weightsBackend } from './weightsAnalyze';

/** params.device: 'auto' never looks for WebGPU here (weightsBackend) */
export interface WeightsCompareRequest extends WeightsCompareParams {
  threads?: number;
}

const MOST_CHANGED = 10;

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** dW = B - A as row blocks, and ||A||_F^2 accumulated on the way (float64). */
function difference(a: ArrayEntry, b: ArrayEntry): { blocks: MatrixBlocks; normA2: () => number } {
  const ma = tensorMatrix(a);
  const mb = tensorMatrix(b);
  let normA2 = 0;
  let counted = 0; // rows whose ||A||^2 is in normA2 (blocks may be read twice)
  return {
    normA2: () => normA2,
    blocks: {
      rows: ma.rows,
      cols: ma.cols,
      async read(s: number, e: number): Promise<Float64Array> {
        const [va, vb] = await Promise.all([ma.read(s, e), mb.read(s, e)]);
        const out = new Float64Array(vb.length);
        const first = s >= counted;
        for (let i = 0; i < out.length; i++) {
          const x = va[i] as number;
          out[i] = (vb[i] as number) - x;
          if (first) normA2 += x * x;
        }
        if (first) counted = e;
        return out;
      },
    },
  };
}

async function deltaOf(a: ArrayEntry, b: ArrayEntry, backend: GeometryBackend, signal?: AbortSignal): Promise<WeightDelta> {
  const row = tensorRow({ path: '', format: 'safetensors', entries: [], metadata: {} }, a);
  const out: WeightDelta = {
    name: a.name,
    shape: [...a.shape],
    parameters: row.parameters,
    layer: row.layer,
    role: row.role,
    relativeChange: null,
    deltaFrobenius: null,
    deltaEffectiveRank: null,
    deltaStableRank: null,
    deltaSpectralNorm: null,
  };
  if (!isFloatDType(a.dtype) || !isFloatDType(b.dtype)) return { ...out, reason: 'not a float tensor' };
  if (row.parameters === 0) return { ...out, reason: 'empty tensor' };
  const { blocks, normA2 } = difference(a, b);
  const isMatrix = row.matrix !== null && blocks.rows >= 2 && blocks.cols >= 2;
  const m = isMatrix ? await matrixMetrics(blocks, backend, signal) : { ...(await summarize(blocks, signal)), spectral: null };
  if (m.nonFinite > 0) return { ...out, reason: 'NaN/Inf in A or B' };
  const fro = m.spectral ? m.spectral.frobeniusNorm : Math.sqrt(m.sumSquares);
  const na = Math.sqrt(normA2());
  out.deltaFrobenius = fro;
  if (fro === 0) {
    out.relativeChange = 0;
    out.reason = 'unchanged';
  } else if (na === 0) {
    out.reason = '||W_A||_F = 0: the relative change is infinite';
  } else {
    out.relativeChange = fro / na;
  }
  if (m.spectral) {
    out.deltaEffectiveRank = m.spectral.effectiveRank;
    out.deltaStableRank = m.spectral.stableRank;
    out.deltaSpectralNorm = m.spectral.spectralNorm;
  } else if (fro !== 0 && !isMatrix) {
    out.reason = row.matrix ? 'a side of 1: relative change only' : '1-D tensor: relative change only';
  }
  return out;
}

export async function compareWeightsJob(req: WeightsCompareRequest, ctl?: JobControl): Promise<WeightsComparison> {
  const started = performance.now();
  throwIfAborted(ctl?.signal);
  ctl?.onProgress?.(0, 'reading headers');
  const [ca, cb] = [await openModel(req.a), await openModel(req.b)];
  const pick = selector(req.selection, req.a);
  const inB = new Map(cb.entries.map((e) => [e.name, e]));
  const inA = new Set(ca.entries.map((e) => e.name));
  const pairs: [ArrayEntry, ArrayEntry][] = [];
  const shapeChanged: WeightsComparison['shapeChanged'] = [];
  for (const a of ca.entries) {
    const b = inB.get(a.name);
    if (!b || !pick(a.name)) continue;
    if (!sameShape(a.shape, b.shape)) shapeChanged.push({ name: a.name, shapeA: [...a.shape], shapeB: [...b.shape] });
    else pairs.push([a, b]);
  }
  return weightsBackend(req, "each update's Gram matrix", async (backend) => {
    const tensors: WeightDelta[] = [];
    const total = pairs.reduce(
      (s, [a]) =>
        s +
        Math.max(
          1,
          a.shape.reduce((x, y) => x * y, 1),
        ),
      0,
    );
    let done = 0;
    for (const [k, [a, b]] of pairs.entries()) {
      throwIfAborted(ctl?.signal);
      ctl?.onProgress?.(done / total, `${k + 1}/${pairs.length} ${a.name}`);
      tensors.push(await deltaOf(a, b, backend, ctl?.signal));
      done += Math.max(
        1,
        a.shape.reduce((x, y) => x * y, 1),
      );
    }
    const ranked = tensors
      .filter((t) => t.relativeChange !== null && t.relativeChange > 0)
      .sort((x, y) => (y.relativeChange ?? 0) - (x.relativeChange ?? 0));
    ctl?.onProgress?.(1, 'done');
    return {
      version: 1,
      kind: 'weightsComparison',
      a: req.a,
      b: req.b,
      engine: backend.info,
      tensors,
      mostChanged: ranked.slice(0, MOST_CHANGED).map((t) => t.name),
      onlyInA: ca.entries.filter((e) => !inB.has(e.name) && pick(e.name)).map((e) => e.name),
      onlyInB: cb.entries.filter((e) => !inA.has(e.name) && pick(e.name)).map((e) => e.name),
      shapeChanged,
      selection: req.selection ?? {},
      seconds: (performance.now() - started) / 1000,
    };
  });
}
