/**
 * The kernel graphs, built in code with a tiny builder over proto.ts. Every dimension is symbolic,
 * so one session per kernel serves every tile shape. Per-row reductions happen in the graph; the
 * float64 combination across rows and tiles is the caller's (DESIGN.md section 2).
 */
import { DataType, encodeModel, type AttributeSpec, type DataTypeCode, type GraphSpec } from './proto';

/** opset 17 (ReduceSum takes axes as an input since 13); IR version 8 is the one that goes with it */
const OPSET = 17;
const IR_VERSION = 8;

class GraphBuilder {
  private readonly spec: GraphSpec;
  private counter = 0;

  constructor(name: string) {
    this.spec = { name, nodes: [], inputs: [], outputs: [], initializers: [] };
  }

  input(name: string, elemType: DataTypeCode, shape: (number | string)[]): string {
    this.spec.inputs.push({ name, elemType, shape });
    return name;
  }

  int64s(values: number[]): string {
    const name = `const${this.counter++}`;
    const raw = new Uint8Array(8 * values.length);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
    this.spec.initializers.push({ name, dataType: DataType.INT64, dims: [values.length], raw });
    return name;
  }

  op(opType: string, inputs: string[], attributes: AttributeSpec[] = [], output?: string): string {
    const out = output ?? `${opType.toLowerCase()}${this.counter++}`;
    this.spec.nodes.push({ opType, inputs, outputs: [out], name: `${opType}_${this.counter++}`, attributes });
    return out;
  }

  output(name: string, elemType: DataTypeCode, shape: (number | string)[]): void {
    this.spec.outputs.push({ name, elemType, shape });
  }

  build(): Uint8Array {
    return encodeModel(this.spec, OPSET, IR_VERSION);
  }
}

/**
 * rowsums[i] = sum_j exp(negt * relu(na_i + nb_j - 2 a_i.b_j)).
 * Inputs a [ra,d], b [rb,d], na [ra,1], nb [1,rb], negt [1] = -t (all float32).
 */
export function expRowSumsGraph(): Uint8Array {
  const g = new GraphBuilder('exp_row_sums');
  const a = g.input('a', DataType.FLOAT, ['ra', 'd']);
  const b = g.input('b', DataType.FLOAT, ['rb', 'd']);
  const na = g.input('na', DataType.FLOAT, ['ra', 1]);
  const nb = g.input('nb', DataType.FLOAT, [1, 'rb']);
  const negt = g.input('negt', DataType.FLOAT, [1]);
  // Gemm folds na in as its C term: na - 2 a b^T in one BLAS call
  const s = g.op('Gemm', [a, b, na], [{ name: 'alpha', f: -2 }, { name: 'beta', f: 1 }, { name: 'transB', i: 1 }]);
  const dist = g.op('Relu', [g.op('Add', [s, nb])]); // clamp rounding below 0: a distance is >= 0
  const e = g.op('Exp', [g.op('Mul', [dist, negt])]);
  g.op('ReduceSum', [e, g.int64s([1])], [{ name: 'keepdims', i: 0 }], 'rowsums');
  g.output('rowsums', DataType.FLOAT, ['ra']);
  return g.build();
}

/**
 * counts[i] = #{ j : q_i.g_j > pos_i } (strict >: ties favour the true match), for tiles that do
 * not contain the true match. All float ops: Gemm folds in -pos, and sign(relu(x)) is 1 exactly
 * when x > 0; boolean ops (Greater/And/Cast) over a 4M tile cost several times more in ORT.
 * Inputs q [rq,d], g [rg,d], pos [rq,1] float32.
 */
export function retrievalCountsGraph(): Uint8Array {
  const g = new GraphBuilder('retrieval_counts');
  const q = g.input('q', DataType.FLOAT, ['rq', 'd']);
  const gal = g.input('g', DataType.FLOAT, ['rg', 'd']);
  const pos = g.input('pos', DataType.FLOAT, ['rq', 1]);
  const diff = g.op('Gemm', [q, gal, pos], [{ name: 'beta', f: -1 }, { name: 'transB', i: 1 }]);
  const hit = g.op('Sign', [g.op('Relu', [diff])]);
  g.op('ReduceSum', [hit, g.int64s([1])], [{ name: 'keepdims', i: 0 }], 'counts');
  g.output('counts', DataType.FLOAT, ['rq']);
  return g.build();
}

/**
 * counts[i] = #{ j : q_i.g_j > pos_i and gi_j != qi_i } (strict >: ties favour the true match).
 * Used only on the small tiles that hold the true matches (the diagonal blocks).
 * Inputs q [rq,d], g [rg,d], pos [rq,1] float32; qi [rq,1], gi [1,rg] int32 row ids.
 */
export function retrievalCountsMaskedGraph(): Uint8Array {
  const g = new GraphBuilder('retrieval_counts_masked');
  const q = g.input('q', DataType.FLOAT, ['rq', 'd']);
  const gal = g.input('g', DataType.FLOAT, ['rg', 'd']);
  const pos = g.input('pos', DataType.FLOAT, ['rq', 1]);
  const qi = g.input('qi', DataType.INT32, ['rq', 1]);
  const gi = g.input('gi', DataType.INT32, [1, 'rg']);
  // the same comparison as retrievalCountsGraph, so a near-tie is judged alike in every tile
  const diff = g.op('Gemm', [q, gal, pos], [{ name: 'beta', f: -1 }, { name: 'transB', i: 1 }]);
  const hit = g.op('Sign', [g.op('Relu', [diff])]);
  const other = g.op('Cast', [g.op('Not', [g.op('Equal', [qi, gi])])], [{ name: 'to', i: DataType.FLOAT }]);
  // float32 counts are exact up to 2^24 gallery rows per tile, far above any tile
  g.op('ReduceSum', [g.op('Mul', [hit, other]), g.int64s([1])], [{ name: 'keepdims', i: 0 }], 'counts');
  g.output('counts', DataType.FLOAT, ['rq']);
  return g.build();
}

/** a^T a in float64: a [r,d] -> [d,d] */
export function gramGraph(): Uint8Array {
  const g = new GraphBuilder('gram');
  const a = g.input('a', DataType.DOUBLE, ['r', 'd']);
  g.op('Gemm', [a, a], [{ name: 'transA', i: 1 }], 'gram');
  g.output('gram', DataType.DOUBLE, ['d', 'd']);
  return g.build();
}

/** a^T b in float64: a [r,da], b [r,db] -> [da,db] */
export function crossGraph(): Uint8Array {
  const g = new GraphBuilder('cross');
  const a = g.input('a', DataType.DOUBLE, ['r', 'da']);
  const b = g.input('b', DataType.DOUBLE, ['r', 'db']);
  g.op('Gemm', [a, b], [{ name: 'transA', i: 1 }], 'cross');
  g.output('cross', DataType.DOUBLE, ['da', 'db']);
  return g.build();
}
