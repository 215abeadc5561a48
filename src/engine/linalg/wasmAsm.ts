/**
 * A minimal WebAssembly assembler: just enough to write the kernels' hot loops (the
 * eigensolver's, the pairwise and per-row passes') as SIMD code without a toolchain. The project
 * uses no compiler for .wat: the kernels are written here as instruction lists in TypeScript and
 * compared against the plain-JS loops in the unit tests. What they assemble is kept as base64
 * (eigenSmallBytes.ts, kernelBytes.ts), since assembling in every fresh process cost more CPU
 * than compiling; a unit test per file checks the kept bytes against the builders, and rewrites
 * them on request.
 *
 * Only what the kernels use is here: i32, i64 and f64 scalars, f32 loads, v128 (f64x2 and f32x4)
 * loads, stores and arithmetic, locals, block / loop / if / br_if, and one imported memory
 * ("env" "memory").
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F64 | typeof V128;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** the body of one function: params are locals 0 .. params-1, further locals come from local() */
export class FnBuilder {
  readonly code: number[] = [];
  private readonly extra: ValType[] = [];
  constructor(
    readonly exportName: string,
    readonly params: ValType[],
    readonly results: ValType[] = [],
  ) {}

  /** a new local of type t; returns its index */
  local(t: ValType): number {
    this.extra.push(t);
    return this.params.length + this.extra.length - 1;
  }

  get(i: number): this {
    this.code.push(0x20, ...uleb(i));
    return this;
  }
  set(i: number): this {
    this.code.push(0x21, ...uleb(i));
    return this;
  }
  tee(i: number): this {
    this.code.push(0x22, ...uleb(i));
    return this;
  }
  i32(c: number): this {
    this.code.push(0x41, ...sleb(c | 0));
    return this;
  }
  f64(c: number): this {
    const b = new Uint8Array(new Float64Array([c]).buffer);
    this.code.push(0x44, ...b);
    return this;
  }
  i64(c: number): this {
    this.code.push(0x42, ...sleb(c));
    return this;
  }
  /** raw opcodes (the named helpers below cover the ones the kernels use) */
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  add32(): this {
    return this.op(0x6a);
  }
  sub32(): this {
    return this.op(0x6b);
  }
  mul32(): this {
    return this.op(0x6c);
  }
  /** i32.shl: `.i32(3).shl32()` turns an index into a float64 byte offset */
  shl32(): this {
    return this.op(0x74);
  }
  ltS32(): this {
    return this.op(0x48);
  }
  geS32(): this {
    return this.op(0x4e);
  }
  addF(): this {
    return this.op(0xa0);
  }
  subF(): this {
    return this.op(0xa1);
  }
  mulF(): this {
    return this.op(0xa2);
  }
  divF(): this {
    return this.op(0xa3);
  }
  minF(): this {
    return this.op(0xa4);
  }
  maxF(): this {
    return this.op(0xa5);
  }
  ltF(): this {
    return this.op(0x63);
  }
  gtF(): this {
    return this.op(0x64);
  }
  eq32(): this {
    return this.op(0x46);
  }
  /** f64.nearest: round to the nearest integer, ties to even */
  nearestF(): this {
    return this.op(0x9e);
  }
  /** 2^k for an integral f64 k in [-1022, 1023], through the exponent bits */
  pow2F(): this {
    // i64.trunc_f64_s, + 1023, << 52, f64.reinterpret_i64
    return this.op(0xb0).i64(1023).op(0x7c).i64(52).op(0x86, 0xbf);
  }
  /** select: stack holds a, b, condition; leaves a when the condition is nonzero, else b */
  select(): this {
    return this.op(0x1b);
  }
  /** f32.load at [address + offset], widened to f64 */
  loadF32AsF(offset = 0): this {
    return this.op(0x2a, 2, ...uleb(offset), 0xbb);
  }
  /** if (condition on the stack) { then } */
  when(then: () => void): this {
    this.code.push(0x04, 0x40);
    then();
    this.code.push(0x0b);
    return this;
  }
  /** f64.load at [address on the stack + offset] */
  loadF(offset = 0): this {
    return this.op(0x2b, 3, ...uleb(offset));
  }
  /** f64.store: stack holds address, value */
  storeF(offset = 0): this {
    return this.op(0x39, 3, ...uleb(offset));
  }
  private simd(opcode: number, ...rest: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...rest);
  }
  /** any SIMD instruction by its opcode (after the 0xfd prefix) and immediates, e.g. a lane index */
  simdOp(opcode: number, ...immediates: number[]): this {
    return this.simd(opcode, ...immediates);
  }
  /** v128.load (alignment hint 8 bytes: rows need not start on 16) */
  loadV(offset = 0): this {
    return this.simd(0x00, 3, ...uleb(offset));
  }
  storeV(offset = 0): this {
    return this.simd(0x0b, 3, ...uleb(offset));
  }
  splatF(): this {
    return this.simd(0x14);
  }
  /** v128.load64_splat: the f64 at [address on the stack + offset] in both lanes */
  loadSplatF(offset = 0): this {
    return this.simd(0x0a, 3, ...uleb(offset));
  }
  laneF(lane: 0 | 1): this {
    return this.simd(0x21, lane);
  }
  addV(): this {
    return this.simd(0xf0);
  }
  subV(): this {
    return this.simd(0xf1);
  }
  mulV(): this {
    return this.simd(0xf2);
  }
  /** f32x4 lane `lane` widened to f64 */
  laneF32AsF(lane: 0 | 1 | 2 | 3): this {
    return this.simd(0x1f, lane).op(0xbb);
  }
  addV4(): this {
    return this.simd(0xe4);
  }
  mulV4(): this {
    return this.simd(0xe6);
  }
  /** a zero v128 (f64x2 or f32x4 alike) */
  zeroV(): this {
    return this.f64(0).splatF();
  }
  /**
   * for (i = 0; i < limit; i += step) body, with i and limit i32 locals: the loop shape of every
   * kernel. Inside body, `br_if 0` in a block of its own skips to that block's end as usual.
   */
  forRange(i: number, limit: number, body: () => void, step = 1): this {
    this.i32(0).set(i);
    return this.block(() => {
      this.loop(() => {
        this.get(i).get(limit).geS32().brIf(1);
        body();
        this.get(i).i32(step).add32().set(i);
        this.br(0);
      });
    });
  }
  /** block ... end; `br 0` / `br_if 0` inside leaves it */
  block(body: () => void): this {
    this.code.push(0x02, 0x40);
    body();
    this.code.push(0x0b);
    return this;
  }
  /** loop ... end; `br 0` / `br_if 0` inside starts the next turn */
  loop(body: () => void): this {
    this.code.push(0x03, 0x40);
    body();
    this.code.push(0x0b);
    return this;
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }

  /** the code-section entry: size, locals, instructions, end */
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0] = (last[0] as number) + 1;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([c, t]) => [...uleb(c as number), t as number])), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** a module importing env.memory (min `pages`, no maximum) and exporting every function */
export function assemble(fns: FnBuilder[]): Uint8Array {
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const types = vec(fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]));
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]]);
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec(fns.map((f, i) => [...name(f.exportName), 0x00, ...uleb(i)]));
  const code = vec(fns.map((f) => f.encode()));
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
