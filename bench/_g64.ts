import * as ort from 'onnxruntime-node';
import { DataType, encodeModel } from '../src/engine/onnx/proto';
const D = DataType.DOUBLE;
function model(name: string, inputs: any[], nodes: any[], out: any) {
  return encodeModel({ name, nodes, inputs, outputs: [out], initializers: [] } as any, 17, 8);
}
async function main() {
  const d = 768, r = 5461;
  const x = new Float64Array(r * d); for (let i = 0; i < x.length; i++) x[i] = Math.random();
  const opts: any = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential', extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const variants: [string, Uint8Array, Record<string, any>][] = [
    ['Gemm transA [r,d]', model('g1', [{ name: 'a', elemType: D, shape: ['r', 'd'] }], [{ opType: 'Gemm', inputs: ['a', 'a'], outputs: ['o'], name: 'n', attributes: [{ name: 'transA', i: 1 }] }], { name: 'o', elemType: D, shape: ['d', 'd'] }), { a: new ort.Tensor('float64', x, [r, d]) }],
    ['Gemm transB [d,r]', model('g2', [{ name: 'a', elemType: D, shape: ['d', 'r'] }], [{ opType: 'Gemm', inputs: ['a', 'a'], outputs: ['o'], name: 'n', attributes: [{ name: 'transB', i: 1 }] }], { name: 'o', elemType: D, shape: ['d', 'd'] }), { a: new ort.Tensor('float64', x, [d, r]) }],
    ['MatMul [d,r]x[r,d]', model('g3', [{ name: 'a', elemType: D, shape: ['d', 'r'] }, { name: 'b', elemType: D, shape: ['r', 'd'] }], [{ opType: 'MatMul', inputs: ['a', 'b'], outputs: ['o'], name: 'n', attributes: [] }], { name: 'o', elemType: D, shape: ['d', 'd'] }), { a: new ort.Tensor('float64', x, [d, r]), b: new ort.Tensor('float64', x, [r, d]) }],
    ['Transpose then Gemm transB', model('g4', [{ name: 'a', elemType: D, shape: ['r', 'd'] }], [{ opType: 'Transpose', inputs: ['a'], outputs: ['t'], name: 't', attributes: [{ name: 'perm', ints: [1, 0] }] }, { opType: 'Gemm', inputs: ['t', 't'], outputs: ['o'], name: 'n', attributes: [{ name: 'transB', i: 1 }] }], { name: 'o', elemType: D, shape: ['d', 'd'] }), { a: new ort.Tensor('float64', x, [r, d]) }],
    ['Gemm transA [r,d] again', model('g5', [{ name: 'a', elemType: D, shape: ['r', 'd'] }], [{ opType: 'Gemm', inputs: ['a', 'a'], outputs: ['o'], name: 'n', attributes: [{ name: 'transA', i: 1 }] }], { name: 'o', elemType: D, shape: ['d', 'd'] }), { a: new ort.Tensor('float64', x, [r, d]) }],
  ];
  for (const [name, bytes, feeds] of variants) {
    const s = await ort.InferenceSession.create(bytes, opts);
    const ts: number[] = [];
    for (let k = 0; k < 6; k++) { const t = performance.now(); await s.run(feeds); ts.push(performance.now() - t); }
    ts.sort((a, b) => a - b);
    console.log(name, ts[2]!.toFixed(1), 'ms', (2 * r * d * d / ts[2]! / 1e6).toFixed(0), 'GFLOPS');
  }
}
main();
