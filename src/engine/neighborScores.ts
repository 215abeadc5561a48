/**
 * The neighbour search's scores as WebAssembly SIMD kernels (issue 12: a selection's export and
 * the 1M-row query), written with the small assembler of ./linalg/wasmAsm.ts.
 *
 * - The float64 sums (dotAt, squaresAt, and their kernels dotsKernel, squaresKernel): each query
 *   row q (float64, unit length) times a gallery row (float32) in four float64 chains d0..d3 over
 *   the columns c = 0, 1, 2, 3 (mod 4), the tail columns added to d0, and (d0 + d2) + (d1 + d3)
 *   at the end. In the kernels d0, d1 are the two lanes of one f64x2 accumulator and d2, d3 of
 *   another; every lane step is one IEEE multiply and one IEEE add (WebAssembly never fuses them,
 *   and float32 to float64 is exact), so each score is the very float64 of the plain-JS loop.
 * - The float32 pre-pass (approxKernel, ApproxScores, approxBound): f32x4 dots within a proved
 *   bound of those float64 scores; the search settles a row by it only beyond the bound and
 *   rescores every other row with dotAt, so its answers are the float64 search's, bit for bit.
 * - Resident galleries (residentCopy): a matrix in a WebAssembly memory of its own, read in place
 *   instead of copied a tile at a time (1M x 768: 0.16 s a query against 0.24 s). The neighbours
 *   job does not make them yet: copying a loaded modality there cost more than it saves (see
 *   src/jobs/neighbors.ts); a reader that reads into such a memory would get it for free.
 *
 * Up to four query rows share each loaded gallery value (a block), which a selection's many rows
 * use. Where WebAssembly SIMD is missing the same numbers come from dotAt (plain JS).
 */
import { assemble, F64, FnBuilder, I32, V128 } from './linalg/wasmAsm';
import { wasmApi } from './linalg/kernelMemory';

/**
 * q . data[base .. base + d) in float64 with four accumulators and a moving index: V8 keeps the
 * four chains in registers and runs them side by side, about 2-3x the rate of one or two chains
 * (bench/RESULTS-neighbors.md). Every similarity of the neighbour search sums through here (or
 * through the kernel below, which sums in this very order), so a row scored twice (the pass, the
 * partner, kept norms) gets the very same float64.
 */
export function dotAt(q: Float64Array, data: Float32Array, base: number, d: number): number {
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let c = 0;
  let p = base;
  for (; c + 3 < d; c += 4, p += 4) {
    d0 += (q[c] as number) * (data[p] as number);
    d1 += (q[c + 1] as number) * (data[p + 1] as number);
    d2 += (q[c + 2] as number) * (data[p + 2] as number);
    d3 += (q[c + 3] as number) * (data[p + 3] as number);
  }
  for (; c < d; c++, p++) d0 += (q[c] as number) * (data[p] as number);
  return d0 + d2 + (d1 + d3);
}

/**
 * params (i32): q = byte address of the block's first query, qStride = bytes between queries,
 * g = byte address of the gallery rows (float32, rows x d), rows, d, out = byte address of the
 * block's first result, outStride = bytes between two gallery rows' results. Writes
 * out[r * outStride + b * 8] = dot(query b, gallery row r) for b < block.
 */
function dotsKernel(block: number): FnBuilder {
  const f = new FnBuilder(`dots${block}`, [I32, I32, I32, I32, I32, I32, I32]);
  const [q, qStride, g, rows, d, out, outStride] = [0, 1, 2, 3, 4, 5, 6] as const;
  const r = f.local(I32);
  const pg = f.local(I32);
  const end4 = f.local(I32);
  const end = f.local(I32);
  const po = f.local(I32);
  const x01 = f.local(V128);
  const x23 = f.local(V128);
  const xs = f.local(F64);
  const qp: number[] = [];
  const a01: number[] = [];
  const a23: number[] = [];
  const s0: number[] = [];
  for (let b = 0; b < block; b++) {
    qp.push(f.local(I32));
    a01.push(f.local(V128));
    a23.push(f.local(V128));
    s0.push(f.local(F64));
  }
  const at = (list: number[], b: number): number => list[b] as number;
  // v128.load64_zero then f64x2.promote_low_f32x4: two float32 at [addr + offset] as two float64
  const twoFloats = (offset: number): void => void f.op(0xfd, 0x5d, 3, offset, 0xfd, 0x5f);

  f.i32(0).set(r);
  f.block(() => {
    f.loop(() => {
      f.get(r).get(rows).geS32().brIf(1);
      // pg = g + r * d * 4; end = pg + d * 4; end4 = pg + (d & ~3) * 4
      f.get(g).get(r).get(d).mul32().i32(2).shl32().add32().set(pg);
      f.get(pg).get(d).i32(2).shl32().add32().set(end);
      f.get(pg).get(d).i32(-4).op(0x71).i32(2).shl32().add32().set(end4);
      for (let b = 0; b < block; b++) {
        f.get(q).get(qStride).i32(b).mul32().add32().set(at(qp, b));
        f.f64(0).splatF().tee(at(a01, b)).set(at(a23, b));
      }
      // columns in fours: (d0, d1) += q[c..c+1] * x[c..c+1]; (d2, d3) += q[c+2..c+3] * x[c+2..c+3]
      f.block(() => {
        f.loop(() => {
          f.get(pg).get(end4).op(0x4f).brIf(1); // i32.ge_u
          f.get(pg);
          twoFloats(0);
          f.set(x01);
          f.get(pg);
          twoFloats(8);
          f.set(x23);
          for (let b = 0; b < block; b++) {
            f.get(at(a01, b)).get(at(qp, b)).loadV(0).get(x01).mulV().addV().set(at(a01, b));
            f.get(at(a23, b)).get(at(qp, b)).loadV(16).get(x23).mulV().addV().set(at(a23, b));
            f.get(at(qp, b)).i32(32).add32().set(at(qp, b));
          }
          f.get(pg).i32(16).add32().set(pg);
          f.br(0);
        });
      });
      // the tail columns go to d0, as in dotAt
      for (let b = 0; b < block; b++) f.get(at(a01, b)).laneF(0).set(at(s0, b));
      f.block(() => {
        f.loop(() => {
          f.get(pg).get(end).op(0x4f).brIf(1);
          f.get(pg).op(0x2a, 2, 0, 0xbb).set(xs); // f32.load, f64.promote_f32
          for (let b = 0; b < block; b++) {
            f.get(at(s0, b)).get(at(qp, b)).loadF(0).get(xs).mulF().addF().set(at(s0, b));
            f.get(at(qp, b)).i32(8).add32().set(at(qp, b));
          }
          f.get(pg).i32(4).add32().set(pg);
          f.br(0);
        });
      });
      // (d0 + d2) + (d1 + d3)
      f.get(out).get(r).get(outStride).mul32().add32().set(po);
      for (let b = 0; b < block; b++) {
        f.get(po);
        f.get(at(s0, b)).get(at(a23, b)).laneF(0).addF();
        f.get(at(a01, b)).laneF(1).get(at(a23, b)).laneF(1).addF();
        f.addF().storeF(b * 8);
      }
      f.get(r).i32(1).add32().set(r);
      f.br(0);
    });
  });
  return f;
}

/** the squared length of data[base .. base + d) in float64, summed as dotAt sums */
export function squaresAt(data: Float32Array, base: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  let p = base;
  for (; c + 3 < d; c += 4, p += 4) {
    const v0 = data[p] as number;
    const v1 = data[p + 1] as number;
    const v2 = data[p + 2] as number;
    const v3 = data[p + 3] as number;
    s0 += v0 * v0;
    s1 += v1 * v1;
    s2 += v2 * v2;
    s3 += v3 * v3;
  }
  for (; c < d; c++, p++) {
    const v = data[p] as number;
    s0 += v * v;
  }
  return s0 + s2 + (s1 + s3);
}

/**
 * The squared length of each gallery row, summed exactly as squaresAt: (s0, s1) and (s2, s3) as
 * two f64x2 accumulators, the tail into s0, (s0 + s2) + (s1 + s3). params (i32): g = byte address
 * of the rows (float32, rows x d), rows, d, out = byte address of rows float64 results.
 */
function squaresKernel(): FnBuilder {
  const f = new FnBuilder('squares', [I32, I32, I32, I32]);
  const [g, rows, d, out] = [0, 1, 2, 3] as const;
  const r = f.local(I32);
  const pg = f.local(I32);
  const end4 = f.local(I32);
  const end = f.local(I32);
  const x = f.local(V128);
  const a01 = f.local(V128);
  const a23 = f.local(V128);
  const s0 = f.local(F64);
  const xs = f.local(F64);
  const twoFloats = (offset: number): void => void f.op(0xfd, 0x5d, 3, offset, 0xfd, 0x5f);
  f.i32(0).set(r);
  f.block(() => {
    f.loop(() => {
      f.get(r).get(rows).geS32().brIf(1);
      f.get(g).get(r).get(d).mul32().i32(2).shl32().add32().set(pg);
      f.get(pg).get(d).i32(2).shl32().add32().set(end);
      f.get(pg).get(d).i32(-4).op(0x71).i32(2).shl32().add32().set(end4);
      f.f64(0).splatF().tee(a01).set(a23);
      f.block(() => {
        f.loop(() => {
          f.get(pg).get(end4).op(0x4f).brIf(1);
          f.get(pg);
          twoFloats(0);
          f.tee(x).get(x).mulV().get(a01).addV().set(a01);
          f.get(pg);
          twoFloats(8);
          f.tee(x).get(x).mulV().get(a23).addV().set(a23);
          f.get(pg).i32(16).add32().set(pg);
          f.br(0);
        });
      });
      f.get(a01).laneF(0).set(s0);
      f.block(() => {
        f.loop(() => {
          f.get(pg).get(end).op(0x4f).brIf(1);
          f.get(pg).op(0x2a, 2, 0, 0xbb).tee(xs).get(xs).mulF().get(s0).addF().set(s0);
          f.get(pg).i32(4).add32().set(pg);
          f.br(0);
        });
      });
      f.get(out).get(r).i32(3).shl32().add32();
      f.get(s0).get(a23).laneF(0).addF();
      f.get(a01).laneF(1).get(a23).laneF(1).addF();
      f.addF().storeF(0);
      f.get(r).i32(1).add32().set(r);
      f.br(0);
    });
  });
  return f;
}

/**
 * The float32 pre-pass (issue 12, 1M rows): dots of float32-rounded queries with gallery rows in
 * f32x4 lanes, in any order. Not the scores the search keeps: ApproxScores below bounds how far
 * they can be from them, and the search rescores exactly every row the bound leaves in doubt.
 * params (i32): q = byte address of the block's queries, interleaved by fours of columns (for
 * each four columns, the block's queries' four float32 values, zero past d), g = byte address of
 * the gallery rows (float32, rows x d, followed by zeros), rows, d, out = byte address of the
 * block's first result (float32), outStride = bytes between two gallery rows' results.
 */
function approxKernel(block: number): FnBuilder {
  const f = new FnBuilder(`approx${block}`, [I32, I32, I32, I32, I32, I32]);
  const [q, g, rows, d, out, outStride] = [0, 1, 2, 3, 4, 5] as const;
  const r = f.local(I32);
  const pg = f.local(I32);
  const qp = f.local(I32);
  const qEnd = f.local(I32);
  const po = f.local(I32);
  const x = f.local(V128);
  const acc: number[] = [];
  for (let b = 0; b < block; b++) acc.push(f.local(V128));
  const at = (b: number): number => acc[b] as number;
  const addX4 = (): void => void f.op(0xfd, 0xe4, 0x01); // f32x4.add
  const mulX4 = (): void => void f.op(0xfd, 0xe6, 0x01); // f32x4.mul
  const lane = (i: number): void => void f.op(0xfd, 0x1f, i); // f32x4.extract_lane
  // qEnd = q + ceil(d / 4) * 16 * block
  f.get(q)
    .get(d)
    .i32(3)
    .add32()
    .i32(2)
    .op(0x76)
    .i32(16 * block)
    .mul32()
    .add32()
    .set(qEnd); // i32.shr_u
  f.i32(0).set(r);
  f.block(() => {
    f.loop(() => {
      f.get(r).get(rows).geS32().brIf(1);
      f.get(g).get(r).get(d).mul32().i32(2).shl32().add32().set(pg);
      f.get(q).set(qp);
      for (let b = 0; b < block; b++) f.f64(0).splatF().set(at(b));
      f.block(() => {
        f.loop(() => {
          f.get(qp).get(qEnd).op(0x4f).brIf(1);
          f.get(pg).loadV(0).set(x);
          for (let b = 0; b < block; b++) {
            f.get(at(b))
              .get(qp)
              .loadV(16 * b)
              .get(x);
            mulX4();
            addX4();
            f.set(at(b));
          }
          f.get(pg).i32(16).add32().set(pg);
          f.get(qp)
            .i32(16 * block)
            .add32()
            .set(qp);
          f.br(0);
        });
      });
      f.get(out).get(r).get(outStride).mul32().add32().set(po);
      for (let b = 0; b < block; b++) {
        f.get(po);
        f.get(at(b));
        lane(0);
        f.get(at(b));
        lane(1);
        f.op(0x92); // f32.add
        f.get(at(b));
        lane(2);
        f.get(at(b));
        lane(3);
        f.op(0x92);
        f.op(0x92);
        f.op(0x38, 2, b * 4); // f32.store
      }
      f.get(r).i32(1).add32().set(r);
      f.br(0);
    });
  });
  return f;
}

/**
 * approxKernel for one query, with four accumulators over successive fours of columns: one
 * accumulator would wait on its own previous add at every step (an add's latency, not the
 * memory, would bound the pass). Same params as approxKernel.
 */
function approxOneKernel(): FnBuilder {
  const f = new FnBuilder('approx1', [I32, I32, I32, I32, I32, I32]);
  const [q, g, rows, d, out, outStride] = [0, 1, 2, 3, 4, 5] as const;
  const r = f.local(I32);
  const pg = f.local(I32);
  const qp = f.local(I32);
  const qEnd = f.local(I32);
  const qEnd4 = f.local(I32);
  const acc = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)] as const;
  const addX4 = (): void => void f.op(0xfd, 0xe4, 0x01);
  const mulX4 = (): void => void f.op(0xfd, 0xe6, 0x01);
  const lane = (i: number): void => void f.op(0xfd, 0x1f, i);
  // qEnd = q + ceil(d / 4) * 16; qEnd4 = q + floor(ceil(d / 4) / 4) * 64
  f.get(q).get(d).i32(3).add32().i32(2).op(0x76).i32(16).mul32().add32().set(qEnd);
  f.get(q).get(d).i32(3).add32().i32(4).op(0x76).i32(64).mul32().add32().set(qEnd4);
  f.i32(0).set(r);
  f.block(() => {
    f.loop(() => {
      f.get(r).get(rows).geS32().brIf(1);
      f.get(g).get(r).get(d).mul32().i32(2).shl32().add32().set(pg);
      f.get(q).set(qp);
      for (const a of acc) f.f64(0).splatF().set(a);
      f.block(() => {
        f.loop(() => {
          f.get(qp).get(qEnd4).op(0x4f).brIf(1);
          for (const [i, a] of acc.entries()) {
            f.get(a)
              .get(qp)
              .loadV(16 * i)
              .get(pg)
              .loadV(16 * i);
            mulX4();
            addX4();
            f.set(a);
          }
          f.get(pg).i32(64).add32().set(pg);
          f.get(qp).i32(64).add32().set(qp);
          f.br(0);
        });
      });
      f.block(() => {
        f.loop(() => {
          f.get(qp).get(qEnd).op(0x4f).brIf(1);
          f.get(acc[0]).get(qp).loadV(0).get(pg).loadV(0);
          mulX4();
          addX4();
          f.set(acc[0]);
          f.get(pg).i32(16).add32().set(pg);
          f.get(qp).i32(16).add32().set(qp);
          f.br(0);
        });
      });
      f.get(acc[0]).get(acc[1]);
      addX4();
      f.get(acc[2]).get(acc[3]);
      addX4();
      addX4();
      f.set(acc[0]);
      f.get(out).get(r).get(outStride).mul32().add32();
      f.get(acc[0]);
      lane(0);
      f.get(acc[0]);
      lane(1);
      f.op(0x92);
      f.get(acc[0]);
      lane(2);
      f.get(acc[0]);
      lane(3);
      f.op(0x92);
      f.op(0x92);
      f.op(0x38, 2, 0);
      f.get(r).i32(1).add32().set(r);
      f.br(0);
    });
  });
  return f;
}

type SquaresFn = (g: number, rows: number, d: number, out: number) => void;
type ApproxFn = (q: number, g: number, rows: number, d: number, out: number, outStride: number) => void;
type DotsFn = (q: number, qStride: number, g: number, rows: number, d: number, out: number, outStride: number) => void;

/**
 * Tests and benches switch the kernels off to compare them with the plain-JS sums (enabled), or
 * the float32 pre-pass off to score every row with the float64 kernel (prePass).
 */
export const neighborScoresSwitch = { enabled: true, prePass: true };

/** gallery values copied into the kernel's memory per call: 256 KB, so a tile stays in L2 while up to four queries read it */
export const TILE_VALUES = 1 << 16;

/** selected rows scored together in one pass over a gallery (a selection's export, ./rowMetrics.ts) */
export const QUERY_BLOCK = 256;

/** gallery rows per kernel call for width d */
function tileRowsFor(d: number): number {
  return Math.max(1, Math.floor(TILE_VALUES / Math.max(1, d)));
}

type WasmMemory = { buffer: ArrayBuffer; grow(pages: number): number };

/**
 * A matrix kept in a WebAssembly memory of its own (residentCopy), so the pre-pass reads its rows
 * where they are instead of copying each tile into the kernel's memory (about half of a 1M-row
 * query's time). After the rows: 64 zero bytes (a row's last four columns may be read past it),
 * then scratch for one block of queries and its results, lent to one search at a time.
 */
interface Resident {
  memory: WasmMemory;
  scratchAt: number;
  scratchBytes: number;
  busy: boolean;
}
const residents = new WeakMap<ArrayBuffer, Resident>();

/** bytes of pre-pass queries (packed) and results for count queries of width d, maxRows rows a call */
function approxScratchBytes(d: number, count: number, maxRows: number): number {
  return (Math.ceil(d / 4) * 4 * count + maxRows * count) * 4;
}

/** WebAssembly's 32-bit memories stop at 4 GiB */
const MAX_MEMORY_BYTES = 2 ** 32 - 65536;

interface Kernel {
  memory: WasmMemory;
  dots4: DotsFn;
  dots1: DotsFn;
  approx4: ApproxFn;
  approx1: ApproxFn;
  squares: SquaresFn;
}
let compiled: object | null | undefined;

function compiledModule(): object | null {
  if (compiled === undefined) {
    compiled = null;
    try {
      const bytes = assemble([dotsKernel(4), dotsKernel(1), approxKernel(4), approxOneKernel(), squaresKernel()]);
      if (wasmApi?.validate(bytes)) compiled = new wasmApi.Module(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/**
 * An instance with its own memory of `bytes`: each block of queries has its own, so two searches
 * that interleave at their awaits (a neighbours click during an export) never share a buffer.
 */
function instantiate(bytes: number): Kernel | null {
  const mod = compiledModule();
  if (!mod || !wasmApi) return null;
  return instantiateOver(new wasmApi.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) }));
}

/** whether the WebAssembly kernel runs (false: the plain-JS sums, same numbers) */
export function wasmScores(): boolean {
  return neighborScoresSwitch.enabled && compiledModule() !== null;
}

/**
 * The rows of an n x d float32 matrix copied into a WebAssembly memory of their own (see Resident),
 * or null where that does not fit (above 4 GiB with its scratch, or the memory cannot be had) or
 * WebAssembly SIMD is missing: the searches then copy each tile. The view is an ordinary
 * Float32Array for every other reader; the memory is never grown, so the view stays valid.
 */
export function residentCopy(data: Float32Array, d: number): Float32Array | null {
  if (!wasmApi || !wasmScores()) return null;
  const scratchAt = Math.ceil((data.length * 4 + 64) / 64) * 64;
  const scratchBytes = approxScratchBytes(d, QUERY_BLOCK, tileRowsFor(d));
  const total = scratchAt + scratchBytes;
  if (total > MAX_MEMORY_BYTES) return null;
  let memory: WasmMemory;
  try {
    memory = new wasmApi.Memory({ initial: Math.ceil(total / 65536) });
  } catch {
    return null;
  }
  const view = new Float32Array(memory.buffer, 0, data.length);
  view.set(data);
  residents.set(memory.buffer, { memory, scratchAt, scratchBytes, busy: false });
  return view;
}

/** an instance of the kernels over an existing memory (a resident matrix's) */
function instantiateOver(memory: WasmMemory): Kernel | null {
  const mod = compiledModule();
  if (!mod || !wasmApi) return null;
  const e = new wasmApi.Instance(mod, { env: { memory } }).exports;
  return {
    memory,
    dots4: e.dots4 as DotsFn,
    dots1: e.dots1 as DotsFn,
    approx4: e.approx4 as ApproxFn,
    approx1: e.approx1 as ApproxFn,
    squares: e.squares as SquaresFn,
  };
}

/**
 * Dot products of a block of query rows with gallery rows, each summed as dotAt sums it.
 * Construct once per block of queries (they are copied into the kernel's memory once), then call
 * dots() per tile of gallery rows: result[(j - start) * count + t] = dotAt(query t, row j).
 */
export class QueryScores {
  private readonly k: Kernel | null;
  private readonly tileRows: number;
  private readonly result: Float64Array;
  private readonly galleryAt: number;
  private readonly outAt: number;
  /** the rows one dots() call takes at most */
  readonly maxRows: number;

  constructor(
    private readonly queries: Float64Array,
    readonly count: number,
    private readonly d: number,
    maxRows = Math.max(1, Math.floor(TILE_VALUES / Math.max(1, d))),
  ) {
    this.maxRows = maxRows;
    this.tileRows = maxRows;
    const qBytes = count * d * 8;
    const gBytes = maxRows * d * 4;
    this.galleryAt = qBytes;
    this.outAt = qBytes + gBytes + ((8 - ((qBytes + gBytes) % 8)) % 8);
    this.k = wasmScores() ? instantiate(this.outAt + maxRows * count * 8) : null;
    if (!this.k) {
      this.result = new Float64Array(maxRows * count);
      return;
    }
    new Float64Array(this.k.memory.buffer, 0, count * d).set(queries.subarray(0, count * d));
    this.result = new Float64Array(this.k.memory.buffer, this.outAt, maxRows * count);
  }

  /** dots of every query with gallery rows start .. end - 1 (at most maxRows); valid until the next call */
  dots(data: Float32Array, start: number, end: number): Float64Array {
    const { d, count } = this;
    const rows = end - start;
    if (rows > this.tileRows) throw new RangeError(`at most ${this.tileRows} rows per call, got ${rows}`);
    const k = this.k;
    if (!k) {
      const out = this.result;
      for (let t = 0; t < count; t++) {
        const q = this.queries.subarray(t * d, t * d + d);
        for (let j = start; j < end; j++) out[(j - start) * count + t] = dotAt(q, data, j * d, d);
      }
      return out;
    }
    new Float32Array(k.memory.buffer, this.galleryAt, rows * d).set(data.subarray(start * d, end * d));
    let t = 0;
    for (; t + 4 <= count; t += 4) k.dots4(t * d * 8, d * 8, this.galleryAt, rows, d, this.outAt + t * 8, count * 8);
    for (; t < count; t++) k.dots1(t * d * 8, d * 8, this.galleryAt, rows, d, this.outAt + t * 8, count * 8);
    return this.result;
  }
}

/**
 * How far a pre-pass cosine can be from the search's float64 cosine of the same row, for width d:
 * |approx - exact| <= approxBound(d) whenever the pre-pass's dot is finite. With u = 2^-24 and
 * P = sum |q'_c x_c| <= (1 + u) ||q|| ||x|| (Cauchy-Schwarz, ||q|| = 1 within 1e-15):
 * - rounding the unit query to float32: |q'_c - q_c| <= u |q_c| (or 2^-150 below 2^-126),
 *   so the exact dots of q' and q differ by at most u ||x||;
 * - the float32 sum of d products in any order: at most gamma(d + 2) P, gamma(m) = m u / (1 - m u)
 *   (each term goes through one multiply and at most d + 1 additions), plus d 2^-149 where a
 *   product or sum falls below 2^-126;
 * - the float64 sums the search keeps (dotAt) are within 1e-13 ||x|| of the exact dot;
 * - both dots are divided by the same norm, max(||x||, 1e-12) as float64 (>= ||x|| (1 - 1e-15)),
 *   each quotient rounded once (2^-53 relative, |cosine| <= 1 + 1e-12).
 * So |approx - exact| <= (gamma(d + 2)(1 + u) + u)(1 + 1e-12) + 1e-12 (the float64 terms and the
 * subnormal ones, d 2^-149 / 1e-12 < 1e-30 for any d below 2^40, fit in the last 1e-12 many times
 * over). The search treats a pre-pass cosine as settled only beyond this distance of what it is
 * compared with, and scores every other row in float64.
 */
export function approxBound(d: number): number {
  const u = 2 ** -24;
  const m = d + 2;
  const gamma = (m * u) / (1 - m * u);
  return (gamma * (1 + u) + u) * (1 + 1e-12) + 1e-12;
}

/**
 * The float32 pre-pass over a block of query rows (approxKernel): construct once per block, then
 * dots() per tile of gallery rows: result[(j - start) * count + t] ~ q_t . row j, within the bound
 * of approxBound once divided by the row's norm, or not finite (a float32 overflow: the caller
 * rescores). null from create() where WebAssembly SIMD is missing (the caller scores in float64).
 */
export class ApproxScores {
  private readonly result: Float32Array;
  /** byte address of the copied tile (own memory), or -1 when reading a resident gallery in place */
  private readonly galleryAt: number;
  private readonly queriesAt: number;
  private readonly outAt: number;
  private readonly groups: number;
  private readonly bounds: Float64Array;
  private readonly plan: [number, number][] = [];

  private constructor(
    private readonly k: Kernel,
    private readonly resident: Resident | null,
    queries: Float64Array,
    readonly count: number,
    private readonly d: number,
    readonly maxRows: number,
  ) {
    const groups = Math.ceil(d / 4);
    this.groups = groups;
    // approxBound is for a unit query; a longer one scales every term but the last 1e-12
    this.bounds = new Float64Array(count);
    for (let t = 0; t < count; t++) {
      let sq = 0;
      for (let c = 0; c < d; c++) sq += (queries[t * d + c] as number) ** 2;
      this.bounds[t] = approxBound(d) * Math.max(1, Math.sqrt(sq) * (1 + 1e-12));
    }
    const qFloats = groups * 4 * count;
    this.queriesAt = resident ? resident.scratchAt : 0;
    const packed = new Float32Array(k.memory.buffer, this.queriesAt, qFloats);
    packed.fill(0);
    // blocks of four queries, then one, each interleaved by fours of columns: for each four
    // columns, the block's queries' four values; block t0 starts at float t0 * groups * 4.
    // (Blocks of eight ran at half the speed here: V8 spills the accumulators.)
    for (let t0 = 0; t0 < count;) {
      const size = count - t0 >= 4 ? 4 : 1;
      this.plan.push([t0, size]);
      for (let b = 0; b < size; b++)
        for (let c = 0; c < d; c++) packed[t0 * groups * 4 + (c >> 2) * 4 * size + b * 4 + (c & 3)] = queries[(t0 + b) * d + c] as number;
      t0 += size;
    }
    this.galleryAt = resident ? -1 : qFloats * 4;
    this.outAt = resident ? this.queriesAt + qFloats * 4 : this.galleryAt + (maxRows * d + 4) * 4;
    this.result = new Float32Array(k.memory.buffer, this.outAt, maxRows * count);
  }

  /**
   * The pre-pass for `count` queries (rows of `queries`), or null where WebAssembly SIMD is
   * missing or the pre-pass is switched off. `gallery`: the rows dots() will be asked for; when
   * they are resident (residentCopy) and its scratch is free, they are read in place until
   * release().
   */
  static create(queries: Float64Array, count: number, d: number, gallery?: Float32Array, maxRows = tileRowsFor(d)): ApproxScores | null {
    if (!neighborScoresSwitch.prePass || !wasmScores()) return null;
    const resident = gallery ? residents.get(gallery.buffer as ArrayBuffer) : undefined;
    if (resident && !resident.busy && approxScratchBytes(d, count, maxRows) <= resident.scratchBytes) {
      const k = instantiateOver(resident.memory);
      if (k) {
        resident.busy = true;
        return new ApproxScores(k, resident, queries, count, d, maxRows);
      }
    }
    const k = instantiate(approxScratchBytes(d, count, maxRows) + (maxRows * d + 4) * 4);
    return k ? new ApproxScores(k, null, queries, count, d, maxRows) : null;
  }

  /** lends a resident gallery's scratch to the next search (call once the search is done, also on failure) */
  release(): void {
    if (this.resident) this.resident.busy = false;
  }

  /** how far query t's pre-pass cosines can be from the float64 ones (approxBound, for its length) */
  bound(t: number): number {
    return this.bounds[t] as number;
  }

  /** pre-pass dots of every query with gallery rows start .. end - 1 (at most maxRows); valid until the next call */
  dots(data: Float32Array, start: number, end: number): Float32Array {
    const { d, count, k, groups } = this;
    const rows = end - start;
    if (rows > this.maxRows) throw new RangeError(`at most ${this.maxRows} rows per call, got ${rows}`);
    let g: number;
    if (this.resident) {
      if (data.buffer !== k.memory.buffer) throw new RangeError('the pre-pass was made for another gallery');
      g = data.byteOffset + start * d * 4;
    } else {
      g = this.galleryAt;
      new Float32Array(k.memory.buffer, g, rows * d).set(data.subarray(start * d, end * d));
      // the last row's last four may reach past it: zeros there (finite, so 0 x value adds nothing)
      new Float32Array(k.memory.buffer, g + rows * d * 4, 4).fill(0);
    }
    for (const [t0, size] of this.plan) {
      const run = size === 4 ? k.approx4 : k.approx1;
      run(this.queriesAt + t0 * groups * 16, g, rows, d, this.outAt + t0 * 4, count * 4);
    }
    return this.result;
  }
}

/** squaresAt of every row of an n x d float32 matrix (the kernel a tile at a time, or plain JS) */
export function rowSquares(data: Float32Array, d: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const tileRows = tileRowsFor(d);
  const outAt = Math.ceil((tileRows * d) / 2) * 8;
  const k = wasmScores() ? instantiate(outAt + tileRows * 8) : null;
  if (!k) {
    for (let j = 0; j < n; j++) out[j] = squaresAt(data, j * d, d);
    return out;
  }
  const tile = new Float32Array(k.memory.buffer, 0, tileRows * d);
  const result = new Float64Array(k.memory.buffer, outAt, tileRows);
  for (let start = 0; start < n; start += tileRows) {
    const rows = Math.min(tileRows, n - start);
    tile.set(data.subarray(start * d, (start + rows) * d));
    k.squares(0, rows, d, outAt);
    out.set(rows === tileRows ? result : result.subarray(0, rows), start);
  }
  return out;
}
