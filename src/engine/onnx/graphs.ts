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

  floats(values: number[]): string {
    const name = `const${this.counter++}`;
    const raw = new Uint8Array(4 * values.length);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    this.spec.initializers.push({ name, dataType: DataType.FLOAT, dims: [values.length], raw });
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
 * The dispersive-loss terms of one tile, per row i of a, over the columns j of b that count
 * (j with bj_j == ai_i is left out: the caller numbers the rows so that this is the (i, i) pair
 * of the sample, and passes ai = -1 where a tile holds no such pair):
 *   rowmin[i]   = m_i = min_j dist_ij, dist_ij = max(0, na_i + nb_j - 2 a_i.b_j)
 *   rowsum[i]   = sum_j exp(x_ij),   x_ij = t (m_i - dist_ij) <= 0
 *   rowexpm1[i] = sum_j expm1(x_ij)  (= rowsum - count, without the cancellation)
 * Shifting by the row minimum keeps every sum in [1, rb]: the row's largest term is exp(0) = 1,
 * so no t underflows the sum, and a left-out pair is masked (never added and subtracted).
 * rowexpm1 is what a small t needs: there every term is nearly 1 and rowsum - count would lose
 * the deviations in float32 rounding. ONNX has no Expm1; expm1(x) = 2 tanh(x/2) / (1 - tanh(x/2))
 * is accurate to float32 rounding for every x <= 0 (no cancellation: 1 - tanh(x/2) is in [1, 2]).
 * Inputs a [ra,d], b [rb,d], na [ra,1], nb [1,rb], t [1] (float32); ai [ra,1], bj [1,rb] (int32).
 */
export function dispersiveRowsGraph(): Uint8Array {
  const g = new GraphBuilder('dispersive_rows');
  const a = g.input('a', DataType.FLOAT, ['ra', 'd']);
  const b = g.input('b', DataType.FLOAT, ['rb', 'd']);
  const na = g.input('na', DataType.FLOAT, ['ra', 1]);
  const nb = g.input('nb', DataType.FLOAT, [1, 'rb']);
  const t = g.input('t', DataType.FLOAT, [1]);
  const ai = g.input('ai', DataType.INT32, ['ra', 1]);
  const bj = g.input('bj', DataType.INT32, [1, 'rb']);
  const [inf, zero, half, one] = [Infinity, 0, 0.5, 1].map((v) => g.floats([v])) as [string, string, string, string];
  // Gemm folds na in as its C term: na - 2 a b^T in one BLAS call
  const s = g.op('Gemm', [a, b, na], [{ name: 'alpha', f: -2 }, { name: 'beta', f: 1 }, { name: 'transB', i: 1 }]);
  const dist = g.op('Relu', [g.op('Add', [s, nb])]); // clamp rounding below 0: a distance is >= 0
  const skip = g.op('Equal', [ai, bj]);
  const masked = g.op('Where', [skip, inf, dist]); // a left-out pair: exp(-inf) = 0 below
  const m = g.op('ReduceMin', [masked], [{ name: 'axes', ints: [1] }, { name: 'keepdims', i: 1 }], 'rowmin');
  const x = g.op('Mul', [g.op('Sub', [m, masked]), t]);
  g.op('ReduceSum', [g.op('Exp', [x]), g.int64s([1])], [{ name: 'keepdims', i: 0 }], 'rowsum');
  const th = g.op('Tanh', [g.op('Mul', [x, half])]);
  const em1 = g.op('Div', [g.op('Add', [th, th]), g.op('Sub', [one, th])]);
  // expm1(-inf) = -1: a left-out pair is zeroed, not added as -1 and corrected later
  g.op('ReduceSum', [g.op('Where', [skip, zero, em1]), g.int64s([1])], [{ name: 'keepdims', i: 0 }], 'rowexpm1');
  g.output('rowmin', DataType.FLOAT, ['ra', 1]);
  g.output('rowsum', DataType.FLOAT, ['ra']);
  g.output('rowexpm1', DataType.FLOAT, ['ra']);
  return g.build();
}

/**
 * Retrieval counts of one tile in both directions from one product S = a b^T:
 * rows[i] = #{ j : S_ij > pa_i } and cols[j] = #{ i : S_ij > pb_j } (strict >: ties favour the
 * true match). Masked (for the tiles that hold true matches, those meeting the diagonal): the
 * (i, j) with ai_i == bi_j are skipped. Every tile compares the same plain float32 product,
 * so a near-tie is judged alike in every tile and in both directions.
 * Inputs a [ra,d], b [rb,d], pa [ra,1], pb [1,rb] float32; masked also ai [ra,1], bi [1,rb] int32.
 */
export function retrievalCountsGraph(masked: boolean): Uint8Array {
  const g = new GraphBuilder(masked ? 'retrieval_counts_masked' : 'retrieval_counts');
  const a = g.input('a', DataType.FLOAT, ['ra', 'd']);
  const b = g.input('b', DataType.FLOAT, ['rb', 'd']);
  const pa = g.input('pa', DataType.FLOAT, ['ra', 1]);
  const pb = g.input('pb', DataType.FLOAT, [1, 'rb']);
  const s = g.op('Gemm', [a, b], [{ name: 'transB', i: 1 }]);
  let rowHit = g.op('Greater', [s, pa]);
  let colHit = g.op('Greater', [s, pb]);
  if (masked) {
    const ai = g.input('ai', DataType.INT32, ['ra', 1]);
    const bi = g.input('bi', DataType.INT32, [1, 'rb']);
    const other = g.op('Not', [g.op('Equal', [ai, bi])]);
    rowHit = g.op('And', [rowHit, other]);
    colHit = g.op('And', [colHit, other]);
  }
  // float32 counts are exact up to 2^24 rows per tile, far above any tile
  const count = (hit: string, axis: number, out: string): void => {
    g.op('ReduceSum', [g.op('Cast', [hit], [{ name: 'to', i: DataType.FLOAT }]), g.int64s([axis])], [{ name: 'keepdims', i: 0 }], out);
  };
  count(rowHit, 1, 'rows');
  count(colHit, 0, 'cols');
  g.output('rows', DataType.FLOAT, ['ra']);
  g.output('cols', DataType.FLOAT, ['rb']);
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
