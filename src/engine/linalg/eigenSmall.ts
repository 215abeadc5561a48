/**
 * Eigenvalues of a small symmetric matrix (n <= SMALL_MAX) with all of eigen.ts's loops in
 * WebAssembly: the Householder reduction (its fused pass is eigenWasm.ts's SIMD kernel, called
 * from here; the reflectors and the O(n) vector work per column are ported beside it) and the
 * implicit QL sweeps. Why: a fresh process (the CLI) runs its first solves in V8's interpreter,
 * where the 44 64 x 64 problems of one report cost about 200 ms of CPU against 10 ms warm;
 * WebAssembly is compiled before it runs, so the first solve is as fast as a warm one.
 *
 * Same arithmetic as eigen.ts, operation for operation and in the same order (the port follows
 * its loops line by line, and the fused pass is the same kernel), so the eigenvalues are those of
 * symmetricEigenvalues bit for bit; the unit tests check that. The scaling (exact powers of two),
 * the deflation tests and the bisection fallback are eigen.ts's own (tridiagonalQL is called with
 * the wasm sweeps). Synchronous: a solve at n = 256 takes about 4 ms, at 512 about 20. Where
 * WebAssembly SIMD is missing smallEigenvalues returns undefined and the caller keeps its JS path.
 */
import { safeScaleExponent, tridiagonalQL } from './eigen';
import { EIGEN_SMALL_WASM } from './eigenSmallBytes';
import { rowsKernel, wasmSwitch } from './eigenWasm';
import { assemble, F64, FnBuilder, I32 } from './wasmAsm';
import { wasmApi } from './kernelMemory';

/**
 * Largest side solved here. Not a speed limit: warm, this path is as fast as eigen.ts's or a
 * little faster at every size measured (CPU ms per solve on the shared 2-core VM, this path vs
 * eigen.ts's with its SIMD pass: 128: 0.7 vs 0.9; 256: 3.4 vs 4.1; 384: 9.5 vs 10.8; 512: 21 vs
 * 23), and cold much faster (bench/eigen-small.ts). The limit is latency: the solve is synchronous
 * (eigen.ts's path yields every 50 ms), and at 512 it holds the event loop about 20 ms.
 */
export const SMALL_MAX = 512;

const EPS = Number.EPSILON;
const AND32 = 0x71;
const OR32 = 0x72;
const ABS = 0x99;
const NEG = 0x9a;
const SQRT = 0x9f;
const EQF = 0x61;
const NEF = 0x62;
const LEF = 0x65;
const GEF = 0x66;
const CALL = 0x10;
const RETURN = 0x0f;

/** structured control with named labels (br by name, not by depth), and counted loops */
class Ctl {
  private readonly labels: string[] = [];
  private serial = 0;
  constructor(readonly f: FnBuilder) {}
  private enter(opcode: number, type: number, name: string, body: () => void): void {
    this.f.op(opcode, type);
    this.labels.push(name);
    body();
    this.labels.pop();
    this.f.op(0x0b);
  }
  block(name: string, body: () => void): void {
    this.enter(0x02, 0x40, name, body);
  }
  loop(name: string, body: () => void): void {
    this.enter(0x03, 0x40, name, body);
  }
  /** if (condition on the stack) { then } */
  when(then: () => void): void {
    this.enter(0x04, 0x40, '', then);
  }
  /** if (condition) { then } else { els }, each leaving `type` (0x40: nothing) */
  ifElse(type: number, then: () => void, els: () => void): void {
    this.f.op(0x04, type);
    this.labels.push('');
    then();
    this.f.op(0x05);
    els();
    this.labels.pop();
    this.f.op(0x0b);
  }
  private depth(name: string): number {
    const i = this.labels.lastIndexOf(name);
    if (i < 0) throw new Error(`no label ${name}`);
    return this.labels.length - 1 - i;
  }
  br(name: string): void {
    this.f.br(this.depth(name));
  }
  brIf(name: string): void {
    this.f.brIf(this.depth(name));
  }
  /** for (i = from; i < to; i++) body(exit): from and to push an i32; br(exit) leaves the loop */
  forUp(i: number, from: () => void, to: () => void, body: (exit: string) => void): void {
    const exit = `for${this.serial++}`;
    const turn = `${exit}-turn`;
    from();
    this.f.set(i);
    this.block(exit, () =>
      this.loop(turn, () => {
        this.f.get(i);
        to();
        this.f.geS32();
        this.brIf(exit);
        body(exit);
        this.f.get(i).i32(1).add32().set(i);
        this.br(turn);
      }),
    );
  }
}

/** pushes the byte address base + 8 idx (base a local holding a byte address) */
function at(f: FnBuilder, base: number, idx: () => void): void {
  f.get(base);
  idx();
  f.i32(3).shl32().add32();
}

/** f64 x - x is 0 exactly when x is finite */
function finite(f: FnBuilder, x: () => void): void {
  x();
  x();
  f.subF().f64(0).op(EQF);
}

/** hyp(a, b) of eigen.ts: m sqrt(1 + (s / m)^2), m the larger magnitude (function index HYP) */
function hypFn(): FnBuilder {
  const f = new FnBuilder('hyp', [F64, F64], [F64]);
  const x = f.local(F64);
  const y = f.local(F64);
  const m = f.local(F64);
  const r = f.local(F64);
  f.get(0).op(ABS).set(x);
  f.get(1).op(ABS).set(y);
  f.get(x).get(y).get(x).get(y).gtF().select().set(m);
  f.get(m).f64(0).op(EQF);
  f.when(() => void f.f64(0).op(RETURN));
  f.get(y).get(x).get(x).get(y).gtF().select().get(m).divF().set(r);
  f.get(m).f64(1).get(r).get(r).mulF().addF().op(SQRT).mulF();
  return f;
}

/** largest |entry| of the lower triangle of the n x n matrix at address 0 (f64.max: NaN wins) */
function lowerMaxFn(): FnBuilder {
  const f = new FnBuilder('lowerMax', [I32], [F64]);
  const c = new Ctl(f);
  const n = 0;
  const i = f.local(I32);
  const j = f.local(I32);
  const row = f.local(I32);
  const m = f.local(F64);
  f.f64(0).set(m);
  c.forUp(
    i,
    () => f.i32(0),
    () => f.get(n),
    () => {
      f.get(i).get(n).mul32().i32(3).shl32().set(row);
      c.forUp(
        j,
        () => f.i32(0),
        () => f.get(i).i32(1).add32(),
        () => {
          f.get(m);
          at(f, row, () => f.get(j));
          f.loadF().op(ABS).maxF().set(m);
        },
      );
    },
  );
  f.get(m);
  return f;
}

const ROWS4 = 0;
const ROWS1 = 1;
const HYP = 2;

/**
 * eigen.ts's reduce (with eigenWasm.ts's fused pass) on the matrix at address 0, times `scale`:
 * params n, scale, then byte addresses of the four vectors (n apart), p, out (4 slots), diag,
 * off and col.
 */
function reduceFn(): FnBuilder {
  const f = new FnBuilder('reduce', [I32, F64, I32, I32, I32, I32, I32, I32]);
  const c = new Ctl(f);
  const [n, scale, vec0, pA, outA, dA, eA, cA] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
  const i = f.local(I32);
  const j = f.local(I32);
  const k = f.local(I32);
  const k0 = f.local(I32);
  const r = f.local(I32);
  const row = f.local(I32); // byte address of row (i + r)
  const R = f.local(I32);
  const ipv = f.local(I32);
  const ipw = f.local(I32);
  const iv = f.local(I32);
  const iw = f.local(I32);
  const tmp = f.local(I32);
  const s0 = f.local(I32);
  const x = f.local(F64);
  const amax = f.local(F64);
  const pvk = f.local(F64);
  const pwk = f.local(F64);
  const sigma = f.local(F64);
  const x0 = f.local(F64);
  const y0 = f.local(F64);
  const norm = f.local(F64);
  const alpha = f.local(F64);
  const v0 = f.local(F64);
  const beta = f.local(F64);
  const vp = f.local(F64);
  const kk = f.local(F64);
  const pvr = f.local(F64);
  const pwr = f.local(F64);
  const vr = f.local(F64);
  const sr = f.local(F64);
  const l = f.local(F64);
  const ld = (base: number, idx: () => void): void => {
    at(f, base, idx);
    f.loadF();
  };
  const zeroVec = (base: number): void =>
    c.forUp(
      i,
      () => f.i32(0),
      () => f.get(n),
      () => {
        at(f, base, () => f.get(i));
        f.f64(0).storeF();
      },
    );
  // row i's byte address, into `row`
  const rowOf = (idx: () => void): void => {
    idx();
    f.get(n).mul32().i32(3).shl32().set(row);
  };

  // the lower triangle times scale (the copy itself was made by the caller)
  f.get(scale).f64(1).op(NEF);
  c.when(() =>
    c.forUp(
      i,
      () => f.i32(0),
      () => f.get(n),
      () => {
        rowOf(() => f.get(i));
        c.forUp(
          j,
          () => f.i32(0),
          () => f.get(i).i32(1).add32(),
          () => {
            at(f, row, () => f.get(j));
            ld(row, () => f.get(j));
            f.get(scale).mulF().storeF();
          },
        );
      },
    ),
  );
  // the four vectors and p start at zero
  c.forUp(
    i,
    () => f.i32(0),
    () => f.get(n).i32(5).mul32(),
    () => {
      at(f, vec0, () => f.get(i));
      f.f64(0).storeF();
    },
  );
  f.get(vec0).set(ipv);
  f.get(vec0).get(n).i32(8).mul32().add32().set(ipw);
  f.get(ipw).get(n).i32(8).mul32().add32().set(iv);
  f.get(iv).get(n).i32(8).mul32().add32().set(iw);
  // col[i] = L[i][0]
  c.forUp(
    i,
    () => f.i32(0),
    () => f.get(n),
    () => {
      at(f, cA, () => f.get(i));
      f.get(i).get(n).mul32().i32(3).shl32().loadF().storeF();
    },
  );

  c.forUp(
    k,
    () => f.i32(0),
    () => f.get(n).i32(2).sub32(),
    () => {
      ld(ipv, () => f.get(k));
      f.set(pvk);
      ld(ipw, () => f.get(k));
      f.set(pwk);
      f.f64(0).set(amax);
      // bring column k up to date with the pending update; amax over rows > k
      c.forUp(
        i,
        () => f.get(k),
        () => f.get(n),
        () => {
          ld(cA, () => f.get(i));
          ld(ipv, () => f.get(i));
          f.get(pwk).mulF();
          ld(ipw, () => f.get(i));
          f.get(pvk).mulF().addF().subF().set(x);
          at(f, cA, () => f.get(i));
          f.get(x).storeF();
          f.get(i).get(k).op(0x4a); // i32.gt_s
          c.when(() => {
            // if (|x| > amax) amax = |x|
            f.get(x).op(ABS).get(amax).get(x).op(ABS).get(amax).gtF().select().set(amax);
          });
        },
      );
      at(f, dA, () => f.get(k));
      ld(cA, () => f.get(k));
      f.storeF();
      ld(cA, () => f.get(k).i32(1).add32());
      f.set(x0);
      zeroVec(iv);
      f.f64(0).set(beta);
      f.get(amax).f64(0).gtF();
      c.ifElse(
        0x40,
        () => {
          f.f64(0).set(sigma);
          c.forUp(
            i,
            () => f.get(k).i32(2).add32(),
            () => f.get(n),
            () => {
              ld(cA, () => f.get(i));
              f.get(amax).divF().set(x);
              at(f, iv, () => f.get(i));
              f.get(x).storeF();
              f.get(sigma).get(x).get(x).mulF().addF().set(sigma);
            },
          );
          f.get(sigma).f64(0).op(EQF);
          c.ifElse(
            0x40,
            () => {
              at(f, eA, () => f.get(k));
              f.get(x0).storeF();
              zeroVec(iv);
            },
            () => {
              f.get(x0).get(amax).divF().set(y0);
              f.get(y0).get(y0).mulF().get(sigma).addF().op(SQRT).set(norm);
              f.get(norm).op(NEG).get(norm).get(y0).f64(0).op(GEF).select().set(alpha);
              at(f, eA, () => f.get(k));
              f.get(alpha).get(amax).mulF().storeF();
              f.get(y0).get(alpha).subF().set(v0);
              at(f, iv, () => f.get(k).i32(1).add32());
              f.get(v0).storeF();
              f.f64(2).get(sigma).get(v0).get(v0).mulF().addF().divF().set(beta);
            },
          );
        },
        () => {
          at(f, eA, () => f.get(k));
          f.f64(0).storeF();
        },
      );

      // the fused pass from row and column k0 = k + 1
      zeroVec(pA);
      f.get(k).i32(1).add32().set(k0);
      f.get(k0).set(i);
      c.block('rows', () =>
        c.loop('rows-turn', () => {
          f.get(i).get(n).geS32();
          c.brIf('rows');
          f.i32(4).i32(1).get(i).i32(4).add32().get(n).op(0x4c).select().set(R); // i + 4 <= n ? 4 : 1
          // the kernel's arguments (see eigenWasm.ts's rowsKernel), for either kernel
          const args = (): void => {
            f.get(i).get(n).mul32().get(k0).add32().i32(3).shl32();
            f.get(n).i32(8).mul32();
            at(f, ipv, () => f.get(k0));
            at(f, ipw, () => f.get(k0));
            at(f, iv, () => f.get(k0));
            at(f, pA, () => f.get(k0));
            at(f, ipv, () => f.get(i));
            at(f, ipw, () => f.get(i));
            at(f, iv, () => f.get(i));
            f.get(i).get(k0).sub32();
            f.get(outA);
          };
          f.get(R).i32(4).eq32();
          c.ifElse(
            0x40,
            () => {
              args();
              f.op(CALL, ROWS4);
            },
            () => {
              args();
              f.op(CALL, ROWS1);
            },
          );
          // the R x R diagonal block, in the order of eigenWasm.ts's fused()
          c.forUp(
            r,
            () => f.i32(0),
            () => f.get(R),
            () => {
              rowOf(() => f.get(i).get(r).add32());
              ld(ipv, () => f.get(i).get(r).add32());
              f.set(pvr);
              ld(ipw, () => f.get(i).get(r).add32());
              f.set(pwr);
              ld(iv, () => f.get(i).get(r).add32());
              f.set(vr);
              ld(outA, () => f.get(r));
              f.set(sr);
              c.forUp(
                j,
                () => f.get(i),
                () => f.get(i).get(r).add32(),
                () => {
                  ld(row, () => f.get(j));
                  f.get(pvr);
                  ld(ipw, () => f.get(j));
                  f.mulF().get(pwr);
                  ld(ipv, () => f.get(j));
                  f.mulF().addF().subF().set(l);
                  at(f, row, () => f.get(j));
                  f.get(l).storeF();
                  f.get(sr).get(l);
                  ld(iv, () => f.get(j));
                  f.mulF().addF().set(sr);
                  at(f, pA, () => f.get(j));
                  ld(pA, () => f.get(j));
                  f.get(l).get(vr).mulF().addF().storeF();
                },
              );
              // the diagonal entry: l = L[r][r] - 2 pvr pwr; p[r] += s_r + l v_r
              f.get(i).get(r).add32().set(j);
              ld(row, () => f.get(j));
              f.f64(2).get(pvr).mulF().get(pwr).mulF().subF().set(l);
              at(f, row, () => f.get(j));
              f.get(l).storeF();
              at(f, pA, () => f.get(j));
              ld(pA, () => f.get(j));
              f.get(sr).addF().get(l).get(vr).mulF().addF().storeF();
              at(f, cA, () => f.get(j));
              ld(row, () => f.get(k0));
              f.storeF();
            },
          );
          f.get(i).get(R).add32().set(i);
          c.br('rows-turn');
        }),
      );

      // w = beta p - (beta^2 / 2)(v.p) v
      f.f64(0).set(vp);
      c.forUp(
        i,
        () => f.get(k0),
        () => f.get(n),
        () => {
          f.get(vp);
          ld(iv, () => f.get(i));
          ld(pA, () => f.get(i));
          f.mulF().addF().set(vp);
        },
      );
      f.f64(0.5).get(beta).mulF().get(beta).mulF().get(vp).mulF().set(kk);
      c.forUp(
        i,
        () => f.get(k0),
        () => f.get(n),
        () => {
          at(f, iw, () => f.get(i));
          f.get(beta);
          ld(pA, () => f.get(i));
          f.mulF().get(kk);
          ld(iv, () => f.get(i));
          f.mulF().subF().storeF();
        },
      );
      c.forUp(
        i,
        () => f.i32(0),
        () => f.get(k0),
        () => {
          at(f, iw, () => f.get(i));
          f.f64(0).storeF();
        },
      );
      // the new reflector becomes the pending update
      f.get(ipv).set(tmp).get(iv).set(ipv).get(tmp).set(iv);
      f.get(ipw).set(tmp).get(iw).set(ipw).get(tmp).set(iw);
    },
  );

  // the last 2 x 2 block owes the final pending update
  f.get(n).i32(2).sub32().set(s0);
  c.forUp(
    i,
    () => f.get(s0),
    () => f.get(n),
    () => {
      rowOf(() => f.get(i));
      c.forUp(
        j,
        () => f.get(s0),
        () => f.get(i).i32(1).add32(),
        () => {
          at(f, row, () => f.get(j));
          ld(row, () => f.get(j));
          ld(ipv, () => f.get(i));
          ld(ipw, () => f.get(j));
          f.mulF();
          ld(ipw, () => f.get(i));
          ld(ipv, () => f.get(j));
          f.mulF().addF().subF().storeF();
        },
      );
      at(f, dA, () => f.get(i));
      ld(row, () => f.get(i));
      f.storeF();
    },
  );
  at(f, eA, () => f.get(n).i32(2).sub32());
  rowOf(() => f.get(n).i32(1).sub32());
  ld(row, () => f.get(n).i32(2).sub32());
  f.storeF();
  at(f, eA, () => f.get(n).i32(1).sub32());
  f.f64(0).storeF();
  return f;
}

/**
 * eigen.ts's qlSweeps on (diag, off) at byte addresses dA, eA: params n, tol, small2, big2,
 * maxSweeps, dA, eA; returns 1, or 0 when the budget ran out or a value stopped being finite.
 */
function qlFn(): FnBuilder {
  const f = new FnBuilder('ql', [I32, F64, F64, F64, I32, I32, I32], [I32]);
  const c = new Ctl(f);
  const [n, tol, small2, big2, maxSweeps, dA, eA] = [0, 1, 2, 3, 4, 5, 6] as const;
  const budget = f.local(I32);
  const lo = f.local(I32);
  const m = f.local(I32);
  const i = f.local(I32);
  const e = f.local(F64);
  const dl = f.local(F64);
  const el = f.local(F64);
  const g = f.local(F64);
  const r = f.local(F64);
  const s = f.local(F64);
  const cc = f.local(F64);
  const shift = f.local(F64);
  const fv = f.local(F64);
  const b = f.local(F64);
  const r2 = f.local(F64);
  const inv = f.local(F64);
  const ld = (base: number, idx: () => void): void => {
    at(f, base, idx);
    f.loadF();
  };
  const plus1 = (x: number) => (): void => void f.get(x).i32(1).add32();
  const fail = (): void => void f.i32(0).op(RETURN);

  f.get(maxSweeps).set(budget);
  c.forUp(
    lo,
    () => f.i32(0),
    () => f.get(n),
    () => {
      c.block('next-lo', () =>
        c.loop('sweep', () => {
          // the first negligible off[m], m >= lo, set to zero
          f.get(lo).set(m);
          c.block('found', () =>
            c.loop('scan', () => {
              f.get(m).get(n).i32(1).sub32().geS32();
              c.brIf('found');
              ld(eA, () => f.get(m));
              f.op(ABS).set(e);
              f.get(e).get(tol).op(LEF);
              f.get(e).f64(EPS);
              ld(dA, () => f.get(m));
              f.op(ABS);
              ld(dA, plus1(m));
              f.op(ABS).addF().mulF().op(LEF).op(OR32);
              c.when(() => {
                at(f, eA, () => f.get(m));
                f.f64(0).storeF();
                c.br('found');
              });
              f.get(m).i32(1).add32().set(m);
              c.br('scan');
            }),
          );
          f.get(m).get(lo).eq32();
          c.brIf('next-lo');
          f.get(budget).i32(0).op(0x4c); // i32.le_s
          c.when(fail);
          f.get(budget).i32(1).sub32().set(budget);

          // the shift from the leading 2 x 2 block
          ld(dA, () => f.get(lo));
          f.set(dl);
          ld(eA, () => f.get(lo));
          f.set(el);
          ld(dA, plus1(lo));
          f.get(dl).subF().f64(2).get(el).mulF().divF().set(g);
          f.get(g).f64(1).op(CALL, HYP).set(r);
          ld(dA, () => f.get(m));
          f.get(dl).subF().get(el).get(g).get(r).get(r).op(NEG).get(g).f64(0).op(GEF).select().addF().divF().addF().set(g);

          f.f64(1).set(s);
          f.f64(1).set(cc);
          f.f64(0).set(shift);
          f.get(m).i32(1).sub32().set(i);
          c.block('rotated', () =>
            c.loop('rotate', () => {
              f.get(i).get(lo).ltS32();
              c.brIf('rotated');
              f.get(s);
              ld(eA, () => f.get(i));
              f.mulF().set(fv);
              f.get(cc);
              ld(eA, () => f.get(i));
              f.mulF().set(b);
              f.get(fv).get(fv).mulF().get(g).get(g).mulF().addF().set(r2);
              f.get(r2).get(small2).gtF().get(r2).get(big2).ltF().op(AND32);
              c.ifElse(
                F64,
                () => void f.get(r2).op(SQRT),
                () => void f.get(fv).get(g).op(CALL, HYP),
              );
              f.set(r);
              at(f, eA, plus1(i));
              f.get(r).storeF();
              f.get(r).f64(0).op(EQF);
              c.when(() => {
                // the matrix split at i + 1: drop this sweep's remainder
                at(f, dA, plus1(i));
                ld(dA, plus1(i));
                f.get(shift).subF().storeF();
                at(f, eA, () => f.get(m));
                f.f64(0).storeF();
                c.br('sweep');
              });
              f.f64(1).get(r).divF().set(inv);
              f.get(fv).get(inv).mulF().set(s);
              f.get(g).get(inv).mulF().set(cc);
              ld(dA, plus1(i));
              f.get(shift).subF().set(g);
              ld(dA, () => f.get(i));
              f.get(g).subF().get(s).mulF().f64(2).get(cc).mulF().get(b).mulF().addF().set(r);
              f.get(s).get(r).mulF().set(shift);
              at(f, dA, plus1(i));
              f.get(g).get(shift).addF().storeF();
              f.get(cc).get(r).mulF().get(b).subF().set(g);
              f.get(i).i32(1).sub32().set(i);
              c.br('rotate');
            }),
          );
          at(f, dA, () => f.get(lo));
          ld(dA, () => f.get(lo));
          f.get(shift).subF().storeF();
          at(f, eA, () => f.get(lo));
          f.get(g).storeF();
          at(f, eA, () => f.get(m));
          f.f64(0).storeF();
          // a NaN never deflates: stop at once
          finite(f, () => void f.get(g));
          ld(dA, () => f.get(lo));
          f.set(e);
          finite(f, () => void f.get(e));
          f.op(AND32).i32(0).eq32();
          c.when(fail);
          c.br('sweep');
        }),
      );
    },
  );
  c.forUp(
    i,
    () => f.i32(0),
    () => f.get(n),
    () => {
      ld(dA, () => f.get(i));
      f.set(e);
      finite(f, () => void f.get(e));
      f.i32(0).eq32();
      c.when(fail);
    },
  );
  f.i32(1);
  return f;
}

type ReduceFn = (n: number, scale: number, vec0: number, p: number, out: number, d: number, e: number, col: number) => void;
type QlFn = (n: number, tol: number, small2: number, big2: number, maxSweeps: number, d: number, e: number) => number;

interface Small {
  memory: { buffer: ArrayBuffer };
  lowerMax: (n: number) => number;
  reduce: ReduceFn;
  ql: QlFn;
}

let small: Small | null | undefined;

/**
 * The module's bytes from the builders above: what eigenSmallBytes.ts holds, assembled ahead of
 * time since running the assembler costs a fresh process 15-30 ms of interpreted JS (more than
 * the 44 solves of a report); the unit test keeps the two equal byte for byte.
 */
export function assembleSmallModule(): Uint8Array {
  return assemble([rowsKernel(4), rowsKernel(1), hypFn(), lowerMaxFn(), reduceFn(), qlFn()]);
}

/**
 * The module and one instance with memory for SMALL_MAX, made on first use and kept (2.1 MB,
 * touched as used). Outside Node (no Buffer) or without SIMD: null, and the JS path runs.
 */
function instance(): Small | null {
  if (small === undefined) {
    small = null;
    const api = wasmApi;
    try {
      const bytes = Buffer.from(EIGEN_SMALL_WASM, 'base64');
      if (api?.validate(bytes)) {
        const memory = new api.Memory({ initial: Math.ceil((8 * (SMALL_MAX * SMALL_MAX + 8 * SMALL_MAX + 4)) / 65536) });
        const ex = new api.Instance(new api.Module(bytes), { env: { memory } }).exports;
        small = { memory, lowerMax: ex.lowerMax as Small['lowerMax'], reduce: ex.reduce as ReduceFn, ql: ex.ql as QlFn };
      }
    } catch {
      small = null;
    }
  }
  return small;
}

/** where the vectors, diag, off and col of an n x n solve lie in wasm memory (f64 indices) */
function layout(n: number): { vec0: number; pAt: number; outAt: number; dAt: number; eAt: number; colAt: number } {
  const vec0 = n * n;
  const pAt = vec0 + 4 * n;
  const outAt = pAt + n;
  const dAt = outAt + 4;
  const eAt = dAt + n;
  return { vec0, pAt, outAt, dAt, eAt, colAt: eAt + n };
}

/**
 * eigen.ts's qlSweeps in WebAssembly (a QlSweeps for tridiagonalQL), for n <= SMALL_MAX where
 * smallWorks(n): diag and off are copied into wasm memory (where smallEigenvalues already has
 * them) and the results back.
 */
export function smallQlSweeps(diag: Float64Array, off: Float64Array, n: number, tol: number, maxSweeps: number): boolean {
  if (!smallWorks(n)) throw new RangeError(`smallQlSweeps: no WebAssembly solver for n = ${n}`);
  const w = small as Small;
  const { dAt, eAt } = layout(n);
  const d = new Float64Array(w.memory.buffer, 8 * dAt, n);
  const e = new Float64Array(w.memory.buffer, 8 * eAt, n);
  d.set(diag.subarray(0, n));
  e.set(off.subarray(0, n));
  const norm = tol / EPS;
  const small2 = norm * 2 ** -200 * (norm * 2 ** -200);
  const big2 = norm * 2 ** 60 * (norm * 2 ** 60);
  const ok = w.ql(n, tol, small2, big2, maxSweeps, 8 * dAt, 8 * eAt) === 1;
  diag.set(d);
  off.set(e);
  return ok;
}

/** whether smallEigenvalues solves an n x n problem here (WebAssembly SIMD present, 2 <= n <= SMALL_MAX) */
export function smallWorks(n: number): boolean {
  return wasmSwitch.enabled && n >= 2 && n <= SMALL_MAX && instance() !== null;
}

/**
 * Eigenvalues of the symmetric n x n row-major `a` (not modified; only its lower triangle is
 * read), descending, as symmetricEigenvalues gives them; undefined where !smallWorks(n).
 */
export function smallEigenvalues(a: Float64Array, n: number): Float64Array | undefined {
  if (!Number.isInteger(n) || n < 0 || a.length < n * n) {
    throw new RangeError(`symmetricEigenvalues: expected a ${n} x ${n} matrix, got ${a.length} values`);
  }
  if (!smallWorks(n)) return undefined;
  const w = small as Small;
  const all = new Float64Array(w.memory.buffer, 0, n * n + 8 * n + 4);
  all.set(a.subarray(0, n * n));
  const amax = w.lowerMax(n);
  if (!Number.isFinite(amax)) return new Float64Array(n).fill(NaN);
  if (amax === 0) return new Float64Array(n);
  const s = safeScaleExponent(amax);
  const { vec0, pAt, outAt, dAt, eAt, colAt } = layout(n);
  w.reduce(n, 2 ** s, 8 * vec0, 8 * pAt, 8 * outAt, 8 * dAt, 8 * eAt, 8 * colAt);
  const diag = all.subarray(dAt, dAt + n);
  const off = all.subarray(eAt, eAt + n);
  tridiagonalQL(diag, off, n, 30 * n, smallQlSweeps);
  const out = diag.slice();
  if (s !== 0) {
    const back = 2 ** -s;
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) * back;
  }
  return out.sort().reverse();
}
