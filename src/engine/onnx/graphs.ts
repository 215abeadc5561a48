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
 * The dispersive-loss terms of one tile, per row i of a over the columns j of b:
 *   dist_ij     = c_ij - 2 a_i.b_j + nb_j, where the caller's c_ij is na_i, or +inf for a pair
 *                 left out (the sample's i = j pair: masked, never added and subtracted)
 *   rowmin[i]   = m_i = min_j dist_ij
 *   rowsum[i]   = sum_j exp(x_ij),   x_ij = t (m_i - dist_ij) <= 0 (0 for j at the minimum)
 *   rowexpm1[i] = sum_j expm1(x_ij)  (a left-out pair is zeroed by `skip`, not added as -1: next
 *                 to -1 a float32 sum would round the small terms of a small t away)
 * Shifting by the row minimum keeps every sum in [1, rb] whatever t: the row's largest term is
 * exp(0) = 1. rowexpm1 is what a small t needs: there every term is nearly 1, and rowsum - count
 * would lose the deviations to float32 rounding. ONNX has no Expm1; expm1(x) = tanh(x/2) (exp(x) + 1)
 * is accurate to float32 rounding for every x <= 0 (no cancellation anywhere).
 * Inputs a [ra,d], b [rb,d], c [ra,1] (= na) or [ra,rb] (na with the mask), nb [1,rb], t [1]
 * (float32); with `deviations`, skip [ra,rb] or [1,1] (bool, true at a left-out pair).
 * Without `deviations` the graph stops at rowsum: the Tanh, Where and second reduction are half the
 * kernel's element-wise work, and only a nearly collapsed sample or a tiny t needs them.
 */
export function dispersiveRowsGraph(deviations: boolean, diagonal = false): Uint8Array {
  const g = new GraphBuilder(`${deviations ? 'dispersive_rows_expm1' : 'dispersive_rows_shifted'}${diagonal ? '_diagonal' : ''}`);
  const a = g.input('a', DataType.FLOAT, ['ra', 'd']);
  const b = g.input('b', DataType.FLOAT, ['rb', 'd']);
  const c = g.input('c', DataType.FLOAT, ['ra', 'cc']);
  const nb = g.input('nb', DataType.FLOAT, [1, 'rb']);
  const t = g.input('t', DataType.FLOAT, [1]);
  // Gemm folds c in as its C term: c - 2 a b^T in one BLAS call
  const s = g.op(
    'Gemm',
    [a, b, c],
    [
      { name: 'alpha', f: -2 },
      { name: 'beta', f: 1 },
      { name: 'transB', i: 1 },
    ],
  );
  let dist = g.op('Add', [s, nb]);
  const eye = diagonal ? leaveOutDiagonal(g, dist) : undefined;
  if (eye) dist = eye.dist;
  const m = g.op(
    'ReduceMin',
    [dist],
    [
      { name: 'axes', ints: [1] },
      { name: 'keepdims', i: 1 },
    ],
    'rowmin',
  );
  const x = g.op('Mul', [g.op('Sub', [m, dist]), t]);
  const e = g.op('Exp', [x]);
  g.op('ReduceSum', [e, g.int64s([1])], [{ name: 'keepdims', i: 0 }], 'rowsum');
  g.output('rowmin', DataType.FLOAT, ['ra', 1]);
  g.output('rowsum', DataType.FLOAT, ['ra']);
  if (deviations) {
    const skip = eye ? eye.mask : g.input('skip', DataType.BOOL, ['sr', 'sc']);
    const th = g.op('Tanh', [g.op('Mul', [x, g.floats([0.5])])]);
    const em1 = g.op('Where', [skip, g.floats([0]), g.op('Mul', [th, g.op('Add', [e, g.floats([1])])])]);
    g.op('ReduceSum', [em1, g.int64s([1])], [{ name: 'keepdims', i: 0 }], 'rowexpm1');
    g.output('rowexpm1', DataType.FLOAT, ['ra']);
  }
  return g.build();
}

/**
 * The square tile of a sample against itself (a = b, c = na [ra,1]): its i = i pairs are left
 * out inside the graph, dist_ii = +inf, the same as the caller's c with +inf there, without the
 * caller building (and the graph reading) a ra x rb C matrix and mask for it.
 */
function leaveOutDiagonal(g: GraphBuilder, dist: string): { dist: string; mask: string } {
  const mask = g.op('Cast', [g.op('EyeLike', [dist])], [{ name: 'to', i: DataType.BOOL }]);
  return { dist: g.op('Where', [mask, g.floats([Infinity]), dist]), mask };
}

/**
 * The dispersive-loss row sums of one tile without the shift: rowsum[i] = sum_j exp(-t dist_ij),
 * dist as in dispersiveRowsGraph (c carries the +inf of a left-out pair, whose term is then 0).
 * Exact only while no term underflows: every dist <= 4 (unit rows), so for t <= UNSHIFTED_MAX_T
 * each term is >= exp(-80), a normal float32. Two element-wise passes fewer than the shifted graph
 * (no ReduceMin, no Sub): the path a dispersed sample at the default t takes.
 * Inputs a [ra,d], b [rb,d], c [ra,1] or [ra,rb], nb [1,rb], negt [1] (= -t), float32.
 */
export const UNSHIFTED_MAX_T = 20;

/**
 * `columns` adds colsum[j] = sum_i exp(-t dist_ij): for a tile of a sample against itself, the
 * same terms as the mirror tile's row sums, so only the tiles right of the diagonal need a run.
 */
export function dispersiveSumsGraph(diagonal = false, columns = false): Uint8Array {
  const g = new GraphBuilder(`dispersive_rows_unshifted${diagonal ? '_diagonal' : ''}${columns ? '_columns' : ''}`);
  const a = g.input('a', DataType.FLOAT, ['ra', 'd']);
  const b = g.input('b', DataType.FLOAT, ['rb', 'd']);
  const c = g.input('c', DataType.FLOAT, ['ra', 'cc']);
  const nb = g.input('nb', DataType.FLOAT, [1, 'rb']);
  const negt = g.input('negt', DataType.FLOAT, [1]);
  const s = g.op(
    'Gemm',
    [a, b, c],
    [
      { name: 'alpha', f: -2 },
      { name: 'beta', f: 1 },
      { name: 'transB', i: 1 },
    ],
  );
  let dist = g.op('Add', [s, nb]);
  if (diagonal) dist = leaveOutDiagonal(g, dist).dist;
  const e = g.op('Exp', [g.op('Mul', [dist, negt])]);
  g.op('ReduceSum', [e, g.int64s([1])], [{ name: 'keepdims', i: 0 }], 'rowsum');
  g.output('rowsum', DataType.FLOAT, ['ra']);
  if (columns) {
    g.op('ReduceSum', [e, g.int64s([0])], [{ name: 'keepdims', i: 0 }], 'colsum');
    g.output('colsum', DataType.FLOAT, ['rb']);
  }
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

/**
 * a^T a in float64 from a's columns as rows: at [d,r] -> [d,d]. onnxruntime's float64 Gemm ran a
 * 5461 x 768 tile in 46 ms this way round (transB) against 61-67 ms with transA on [r,d], and a
 * Transpose inside the graph costs what it saves (bench/RESULTS.md, session 8)
 */
export function gramColumnsGraph(): Uint8Array {
  const g = new GraphBuilder('gram_columns');
  const at = g.input('at', DataType.DOUBLE, ['d', 'r']);
  g.op('Gemm', [at, at], [{ name: 'transB', i: 1 }], 'gram');
  g.output('gram', DataType.DOUBLE, ['d', 'd']);
  return g.build();
}

/** a^T b in float64 from the columns as rows: at [da,r], bt [db,r] -> [da,db] (see gramColumnsGraph) */
export function crossColumnsGraph(): Uint8Array {
  const g = new GraphBuilder('cross_columns');
  const at = g.input('at', DataType.DOUBLE, ['da', 'r']);
  const bt = g.input('bt', DataType.DOUBLE, ['db', 'r']);
  g.op('Gemm', [at, bt], [{ name: 'transB', i: 1 }], 'cross');
  g.output('cross', DataType.DOUBLE, ['da', 'db']);
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
