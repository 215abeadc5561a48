/**
 * The kernels as ONNX graphs run by onnxruntime-node (CPU provider). Sessions are created once
 * per backend and reused for every tile (all dimensions are symbolic). The float32 kernels do
 * the O(N^2 d) work; gram/cross run in float64 because spectra need it and they are O(N d^2).
 */
import { availableParallelism } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { crossGraph, expRowSumsGraph, gramGraph, retrievalCountsGraph, retrievalCountsMaskedGraph } from './onnx/graphs';
import type { BackendOptions, GeometryBackend } from './types';

type OrtModule = typeof Ort;

function loadOrt(): OrtModule {
  // plain require keeps the native module out of any bundle and out of the load path of 'js'
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('onnxruntime-node') as OrtModule;
}

export async function createOrtBackend(opts: BackendOptions = {}): Promise<GeometryBackend> {
  const ort = loadOrt();
  const threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  const [expSession, retrievalSession, maskedSession, gramSession, crossSession] = await Promise.all([
    ort.InferenceSession.create(expRowSumsGraph(), sessionOptions),
    ort.InferenceSession.create(retrievalCountsGraph(), sessionOptions),
    ort.InferenceSession.create(retrievalCountsMaskedGraph(), sessionOptions),
    ort.InferenceSession.create(gramGraph(), sessionOptions),
    ort.InferenceSession.create(crossGraph(), sessionOptions),
  ]);
  const negt = new Float32Array(1);

  async function runOne(session: Ort.InferenceSession, feeds: Record<string, Ort.Tensor>, output: string): Promise<Ort.Tensor> {
    const result = await session.run(feeds);
    const t = result[output];
    if (!t) throw new Error(`onnxruntime returned no '${output}'`);
    return t;
  }

  const version = (ort.env as { versions?: { node?: string } }).versions?.node;
  return {
    info: {
      name: 'onnxruntime',
      device: 'cpu',
      threads,
      note: `onnxruntime-node ${version ?? ''} CPU provider; float32 pairwise kernels with float64 combination, float64 Gram matrices`.replace('  ', ' '),
    },
    // 4M float32 kernel values (16 MB) per tile: big enough for BLAS speed, small at any N
    maxTileElements: 1 << 22,

    async expRowSums(a, na, ra, b, nb, rb, d, t) {
      negt[0] = -t;
      const out = await runOne(expSession, {
        a: new ort.Tensor('float32', a, [ra, d]),
        b: new ort.Tensor('float32', b, [rb, d]),
        na: new ort.Tensor('float32', na, [ra, 1]),
        nb: new ort.Tensor('float32', nb, [1, rb]),
        negt: new ort.Tensor('float32', negt, [1]),
      }, 'rowsums');
      return Float64Array.from(out.data as Float32Array);
    },

    async retrievalCounts(q, rq, g, rg, d, pos, qIdx, gIdx) {
      const feeds: Record<string, Ort.Tensor> = {
        q: new ort.Tensor('float32', q, [rq, d]),
        g: new ort.Tensor('float32', g, [rg, d]),
        pos: new ort.Tensor('float32', pos, [rq, 1]),
      };
      if (qIdx && gIdx) {
        feeds.qi = new ort.Tensor('int32', qIdx, [rq, 1]);
        feeds.gi = new ort.Tensor('int32', gIdx, [1, rg]);
      }
      const out = await runOne(qIdx && gIdx ? maskedSession : retrievalSession, feeds, 'counts');
      return Float64Array.from(out.data as Float32Array);
    },

    async gram(a, rows, d) {
      const out = await runOne(gramSession, { a: new ort.Tensor('float64', a, [rows, d]) }, 'gram');
      return out.data as Float64Array; // a fresh buffer per run: no copy needed
    },

    async cross(a, b, rows, da, db) {
      const out = await runOne(crossSession, {
        a: new ort.Tensor('float64', a, [rows, da]),
        b: new ort.Tensor('float64', b, [rows, db]),
      }, 'cross');
      return out.data as Float64Array;
    },

    async dispose() {
      await Promise.all([expSession, retrievalSession, maskedSession, gramSession, crossSession].map((s) => s.release()));
    },
  };
}
