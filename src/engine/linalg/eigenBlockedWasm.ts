/**
 * The WebAssembly kernels of the blocked Householder reduction (eigenBlocked.ts), f64x2 SIMD.
 * Why blocked: the one-stage pass (eigenWasm.ts) reads and writes the whole trailing block for
 * every column, and at d >= 768 that traffic, not arithmetic, set its speed. Here each column
 * only reads the block (symv), and the writes come once per panel of PANEL columns (syr2k),
 * register-tiled. Measured on the dev VM, all columns' share at d = 768: symv 23 ms + syr2k 14 ms
 * against 60 ms for the fused pass (d = 1024: 51 + 34 against 134).
 *
 * Matrix rows are `stride` bytes apart with stride >= 8 (n + 3): the syr2k tiles run up to three
 * columns past the diagonal (into the unused upper triangle, and past column n - 1 on the last
 * rows), which saves a scalar edge case per tile. Panels are row-major with PANEL f64 per row
 * (V[i][t] at 8 (PANEL i + t)); their transposes are rows of `tstride` bytes.
 */
import { F64, FnBuilder, I32, V128, assemble } from './wasmAsm';

/** columns per panel: the reflectors whose updates one syr2k applies */
export const PANEL = 24;

/** opcodes beyond wasmAsm.ts's named helpers */
const OP = {
  call: 0x10,
  select: 0x1b,
  return: 0x0f,
  abs: 0x99,
  neg: 0x9a,
  sqrt: 0x9f,
  eqF: 0x61,
  neF: 0x62,
  leF: 0x65,
  geF: 0x66,
  ne32: 0x47,
  or32: 0x72,
  gtS32: 0x4a,
  leS32: 0x4c,
  and32: 0x71,
  eqz32: 0x45,
};
/** function indices in the module (assembleBlockedModule's order) */
const SYMV4 = 0;
const SYMV1 = 1;
const SYR2K2 = 2;
const SYR2K1 = 3;

/**
 * symvR: rows i .. i+R-1 of the lower triangle, columns c0 .. i-1 (cnt = i - c0), read only:
 *   s_r += L[r][j] v[j];   p[j] += sum_r L[r][j] v[r]
 * params: a = &L[i][c0], stride, v = &v[c0], p = &p[c0], vR = &v[i], cnt, out (s_0 .. s_{R-1}).
 * The R x R diagonal block is the driver's.
 */
function symvKernel(R: number): FnBuilder {
  const f = new FnBuilder(`symv${R}`, [I32, I32, I32, I32, I32, I32, I32]);
  const [a, stride, v, p, vR, cnt, out] = [0, 1, 2, 3, 4, 5, 6] as const;
  const x = f.local(I32);
  const end2 = f.local(I32);
  const end1 = f.local(I32);
  const rowAt: number[] = [];
  const Vr: number[] = [];
  const Sr: number[] = [];
  const sr: number[] = [];
  for (let r = 0; r < R; r++) {
    rowAt.push(f.local(I32));
    Vr.push(f.local(V128));
    Sr.push(f.local(V128));
    sr.push(f.local(F64));
  }
  const V = f.local(V128);
  const P = f.local(V128);
  const Lv = f.local(V128);
  const vj = f.local(F64);
  const pj = f.local(F64);
  const lj = f.local(F64);
  const at = (base: number): void => void f.get(base).get(x).add32();
  const of = (list: number[], r: number): number => list[r] as number;

  f.get(cnt).i32(-2).op(OP.and32).i32(3).shl32().set(end2);
  f.get(cnt).i32(3).shl32().set(end1);
  for (let r = 0; r < R; r++) {
    f.get(a).get(stride).i32(r).mul32().add32().set(of(rowAt, r));
    f.get(vR)
      .loadSplatF(8 * r)
      .set(of(Vr, r));
    f.zeroV().set(of(Sr, r));
  }
  f.forRange(
    x,
    end2,
    () => {
      at(v);
      f.loadV().set(V);
      at(p);
      f.loadV().set(P);
      for (let r = 0; r < R; r++) {
        at(of(rowAt, r));
        f.loadV().set(Lv);
        f.get(of(Sr, r)).get(Lv).get(V).mulV().addV().set(of(Sr, r));
        f.get(P).get(Lv).get(of(Vr, r)).mulV().addV().set(P);
      }
      at(p);
      f.get(P).storeV();
    },
    16,
  );
  for (let r = 0; r < R; r++) f.get(of(Sr, r)).laneF(0).get(of(Sr, r)).laneF(1).addF().set(of(sr, r));
  // an odd column left over (x = end2)
  f.block(() => {
    f.get(x).get(end1).geS32().brIf(0);
    at(v);
    f.loadF().set(vj);
    at(p);
    f.loadF().set(pj);
    for (let r = 0; r < R; r++) {
      at(of(rowAt, r));
      f.loadF().set(lj);
      f.get(of(sr, r)).get(lj).get(vj).mulF().addF().set(of(sr, r));
      f.get(pj)
        .get(lj)
        .get(vR)
        .loadF(8 * r)
        .mulF()
        .addF()
        .set(pj);
    }
    at(p);
    f.get(pj).storeF();
  });
  for (let r = 0; r < R; r++)
    f.get(out)
      .get(of(sr, r))
      .storeF(8 * r);
  return f;
}

/**
 * syr2kR: rows i .. i+R-1, columns c0 .. c0+cols-1 (cols a multiple of 4):
 *   L[r][c] -= sum_{t < nb} V[r][t] W[c][t] + W[r][t] V[c][t]
 * params: a = &L[i][c0], stride, vr = &V[i][0], wr = &W[i][0], vt = &Vt[0][c0], wt = &Wt[0][c0],
 * tstride, nb, cols. Each 1 x 4 piece of a row keeps its sums in two registers over all t, so L
 * is read and written once per panel.
 */
function syr2kKernel(R: number): FnBuilder {
  const f = new FnBuilder(`syr2k${R}`, [I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, stride, vr, wr, vt, wt, tstride, nb, cols] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;
  const c = f.local(I32);
  const cEnd = f.local(I32);
  const tv = f.local(I32);
  const tEnd = f.local(I32);
  const tOff = f.local(I32);
  const rowAt: number[] = [];
  for (let r = 0; r < R; r++) rowAt.push(f.local(I32));
  const acc: number[] = [];
  for (let q = 0; q < 2 * R; q++) acc.push(f.local(V128));
  const W0 = f.local(V128);
  const W1 = f.local(V128);
  const V0 = f.local(V128);
  const V1 = f.local(V128);
  const S = f.local(V128);
  const of = (list: number[], r: number): number => list[r] as number;
  /** acc += S * X */
  const madd = (q: number, X: number): void => void f.get(of(acc, q)).get(S).get(X).mulV().addV().set(of(acc, q));

  for (let r = 0; r < R; r++) f.get(a).get(stride).i32(r).mul32().add32().set(of(rowAt, r));
  f.get(cols).i32(3).shl32().set(cEnd);
  f.get(nb).i32(3).shl32().set(tEnd);
  f.forRange(
    c,
    cEnd,
    () => {
      for (let q = 0; q < 2 * R; q++) f.zeroV().set(of(acc, q));
      f.get(c).set(tOff);
      f.forRange(
        tv,
        tEnd,
        () => {
          f.get(wt).get(tOff).add32().loadV(0).set(W0);
          f.get(wt).get(tOff).add32().loadV(16).set(W1);
          f.get(vt).get(tOff).add32().loadV(0).set(V0);
          f.get(vt).get(tOff).add32().loadV(16).set(V1);
          for (let r = 0; r < R; r++) {
            f.get(vr)
              .get(tv)
              .add32()
              .loadSplatF(8 * PANEL * r)
              .set(S);
            madd(2 * r, W0);
            madd(2 * r + 1, W1);
            f.get(wr)
              .get(tv)
              .add32()
              .loadSplatF(8 * PANEL * r)
              .set(S);
            madd(2 * r, V0);
            madd(2 * r + 1, V1);
          }
          f.get(tOff).get(tstride).add32().set(tOff);
        },
        8,
      );
      for (let r = 0; r < R; r++) {
        for (const half of [0, 1]) {
          f.get(of(rowAt, r)).get(c).add32();
          f.get(of(rowAt, r))
            .get(c)
            .add32()
            .loadV(16 * half)
            .get(of(acc, 2 * r + half))
            .subV()
            .storeV(16 * half);
        }
      }
    },
    32,
  );
  return f;
}

/**
 * rowDots: for rows i < rows, dst[i] -= sum_{t < 2 pairs} A[i][t] x[t] + B[i][t] y[t]
 * params: A = &A[i0][0], B = &B[i0][0] (PANEL f64 per row), x, y, pairs, dst = &dst[i0], rows.
 * The panel's corrections of one column: its entries from the reflectors before it, and theirs in
 * the product A v (entries t >= the column's index are zero, so pairs may round up).
 */
function rowDotsKernel(): FnBuilder {
  const f = new FnBuilder('rowDots', [I32, I32, I32, I32, I32, I32, I32]);
  const [A, B, xs, ys, pairs, dst, rows] = [0, 1, 2, 3, 4, 5, 6] as const;
  const i = f.local(I32);
  const rowOff = f.local(I32);
  const t = f.local(I32);
  const tEnd = f.local(I32);
  const S = f.local(V128);
  const out = f.local(I32);
  f.get(pairs).i32(4).shl32().set(tEnd);
  f.i32(0).set(rowOff);
  f.forRange(i, rows, () => {
    f.zeroV().set(S);
    f.forRange(
      t,
      tEnd,
      () => {
        f.get(S);
        f.get(A).get(rowOff).add32().get(t).add32().loadV();
        f.get(xs).get(t).add32().loadV();
        f.mulV().addV();
        f.get(B).get(rowOff).add32().get(t).add32().loadV();
        f.get(ys).get(t).add32().loadV();
        f.mulV().addV().set(S);
      },
      16,
    );
    f.get(dst).get(i).i32(3).shl32().add32().tee(out);
    f.get(out).loadF().get(S).laneF(0).get(S).laneF(1).addF().subF().storeF();
    f.get(rowOff)
      .i32(8 * PANEL)
      .add32()
      .set(rowOff);
  });
  return f;
}

/**
 * colDots: x[t] = sum_{i < rows} W[i][t] v[i], y[t] = sum_i V[i][t] v[i], t < 8 groups
 * params: V = &V[i0][0], W = &W[i0][0], v = &v[i0], groups (of 8 columns), x, y, rows.
 * Eight columns at a time keep eight sums in registers over the rows.
 */
function colDotsKernel(): FnBuilder {
  const f = new FnBuilder('colDots', [I32, I32, I32, I32, I32, I32, I32]);
  const [Vp, Wp, vs, groups, xs, ys, rows] = [0, 1, 2, 3, 4, 5, 6] as const;
  const g = f.local(I32);
  const gOff = f.local(I32);
  const i = f.local(I32);
  const rowOff = f.local(I32);
  const S = f.local(V128);
  const X: number[] = [];
  const Y: number[] = [];
  for (let q = 0; q < 4; q++) {
    X.push(f.local(V128));
    Y.push(f.local(V128));
  }
  const of = (list: number[], q: number): number => list[q] as number;
  f.forRange(g, groups, () => {
    f.get(g).i32(6).shl32().set(gOff);
    for (let q = 0; q < 4; q++) {
      f.zeroV().set(of(X, q));
      f.zeroV().set(of(Y, q));
    }
    f.get(gOff).set(rowOff);
    f.forRange(i, rows, () => {
      f.get(vs).get(i).i32(3).shl32().add32().loadSplatF().set(S);
      for (let q = 0; q < 4; q++) {
        f.get(of(X, q))
          .get(Wp)
          .get(rowOff)
          .add32()
          .loadV(16 * q)
          .get(S)
          .mulV()
          .addV()
          .set(of(X, q));
        f.get(of(Y, q))
          .get(Vp)
          .get(rowOff)
          .add32()
          .loadV(16 * q)
          .get(S)
          .mulV()
          .addV()
          .set(of(Y, q));
      }
      f.get(rowOff)
        .i32(8 * PANEL)
        .add32()
        .set(rowOff);
    });
    for (let q = 0; q < 4; q++) {
      f.get(xs)
        .get(gOff)
        .add32()
        .get(of(X, q))
        .storeV(16 * q);
      f.get(ys)
        .get(gOff)
        .add32()
        .get(of(Y, q))
        .storeV(16 * q);
    }
  });
  return f;
}

/**
 * symv: p[k1 ..] += A[k1.., k1..] v over the lower triangle, whole: symv4 / symv1 for the part left
 * of each diagonal block, then the block itself, in the order of operations of a plain loop
 * (row r of a block: its sum, then p of the columns before it, then its diagonal). One call per
 * column instead of one per four rows: the calls from JavaScript were as dear as the block.
 * params: L (byte address of row 0, column 0), stride, v, p (of index 0), k1, n, out (4 slots)
 */
function symvAllKernel(): FnBuilder {
  const f = new FnBuilder('symv', [I32, I32, I32, I32, I32, I32, I32]);
  const [L, stride, v, p, k1, n, out] = [0, 1, 2, 3, 4, 5, 6] as const;
  const i = f.local(I32);
  const base = f.local(I32); // &L[i][i]
  const vi = f.local(I32); // &v[i]
  const pi = f.local(I32); // &p[i]
  const row: number[] = [0, 1, 2, 3].map(() => f.local(I32));
  const sr = f.local(F64);
  const l = f.local(F64);
  const of = (list: number[], r: number): number => list[r] as number;
  const kernelArgs = (): void => {
    f.get(L).get(i).get(stride).mul32().add32().get(k1).i32(3).shl32().add32(); // &L[i][k1]
    f.get(stride);
    f.get(v).get(k1).i32(3).shl32().add32();
    f.get(p).get(k1).i32(3).shl32().add32();
    f.get(v).get(i).i32(3).shl32().add32();
    f.get(i).get(k1).sub32();
    f.get(out);
  };
  /** the R x R diagonal block at row i */
  const block = (R: number): void => {
    f.get(L).get(i).get(stride).mul32().add32().get(i).i32(3).shl32().add32().set(base);
    f.get(v).get(i).i32(3).shl32().add32().set(vi);
    f.get(p).get(i).i32(3).shl32().add32().set(pi);
    for (let r = 0; r < R; r++) {
      f.get(base).get(stride).i32(r).mul32().add32().set(of(row, r));
      f.get(out)
        .loadF(8 * r)
        .set(sr);
      for (let c = 0; c < r; c++) {
        f.get(of(row, r))
          .loadF(8 * c)
          .set(l);
        // sr += l v[i + c]
        f.get(sr)
          .get(l)
          .get(vi)
          .loadF(8 * c)
          .mulF()
          .addF()
          .set(sr);
        // p[i + c] += l v[i + r]
        f.get(pi);
        f.get(pi)
          .loadF(8 * c)
          .get(l)
          .get(vi)
          .loadF(8 * r)
          .mulF()
          .addF()
          .storeF(8 * c);
      }
      // p[i + r] += sr + L[i + r][i + r] v[i + r]
      f.get(pi);
      f.get(pi)
        .loadF(8 * r)
        .get(sr)
        .get(of(row, r))
        .loadF(8 * r)
        .get(vi)
        .loadF(8 * r)
        .mulF()
        .addF()
        .addF()
        .storeF(8 * r);
    }
  };
  f.get(k1).set(i);
  f.block(() =>
    f.loop(() => {
      f.get(i).i32(4).add32().get(n).op(OP.gtS32).brIf(1); // i + 4 > n: leave
      kernelArgs();
      f.op(OP.call, SYMV4);
      block(4);
      f.get(i).i32(4).add32().set(i);
      f.br(0);
    }),
  );
  f.block(() =>
    f.loop(() => {
      f.get(i).get(n).geS32().brIf(1);
      kernelArgs();
      f.op(OP.call, SYMV1);
      block(1);
      f.get(i).i32(1).add32().set(i);
      f.br(0);
    }),
  );
  return f;
}

/**
 * syr2k: the panel's update of the whole trailing block (rows and columns from k1), two rows per
 * syr2k2 call, the last odd row by syr2k1; each row's tiles run to the first multiple of four
 * columns that covers its diagonal.
 * params: L (row 0, column 0), stride, V, W (row 0), Vt, Wt (column 0), tstride, nb, k1, n
 */
function syr2kAllKernel(): FnBuilder {
  const f = new FnBuilder('syr2k', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [L, stride, V, W, Vt, Wt, tstride, nb, k1, n] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
  const i = f.local(I32);
  const args = (R: number): void => {
    f.get(L).get(i).get(stride).mul32().add32().get(k1).i32(3).shl32().add32();
    f.get(stride);
    f.get(V)
      .get(i)
      .i32(8 * PANEL)
      .mul32()
      .add32();
    f.get(W)
      .get(i)
      .i32(8 * PANEL)
      .mul32()
      .add32();
    f.get(Vt).get(k1).i32(3).shl32().add32();
    f.get(Wt).get(k1).i32(3).shl32().add32();
    f.get(tstride).get(nb);
    // cols = (i + R - k1 + 3) & ~3
    f.get(i)
      .i32(R + 3)
      .add32()
      .get(k1)
      .sub32()
      .i32(-4)
      .op(OP.and32);
  };
  f.get(k1).set(i);
  f.block(() =>
    f.loop(() => {
      f.get(i).i32(2).add32().get(n).op(OP.gtS32).brIf(1); // i + 2 > n: leave
      args(2);
      f.op(OP.call, SYR2K2);
      f.get(i).i32(2).add32().set(i);
      f.br(0);
    }),
  );
  f.block(() => {
    f.get(i).get(n).geS32().brIf(0);
    args(1);
    f.op(OP.call, SYR2K1);
  });
  return f;
}

/**
 * partner: the reflector's partner w = beta p - (beta^2 / 2)(v.p) v, written with v into the
 * panel's column j (rows V[i][j], W[i][j], PANEL apart) and its transposes (Vt[j][i], Wt[j][i]).
 * params: v, p (of the first row), count, beta, V, W, Vt, Wt (of the first row)
 */
function partnerKernel(): FnBuilder {
  const f = new FnBuilder('partner', [I32, I32, I32, F64, I32, I32, I32, I32]);
  const [v, p, count, beta, V, W, Vt, Wt] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
  const x = f.local(I32);
  const end = f.local(I32);
  const vp = f.local(F64);
  const kk = f.local(F64);
  const vi = f.local(F64);
  const wi = f.local(F64);
  const rowOff = f.local(I32);
  f.get(count).i32(3).shl32().set(end);
  f.f64(0).set(vp);
  f.forRange(
    x,
    end,
    () => {
      f.get(vp).get(v).get(x).add32().loadF().get(p).get(x).add32().loadF().mulF().addF().set(vp);
    },
    8,
  );
  f.f64(0.5).get(beta).mulF().get(beta).mulF().get(vp).mulF().set(kk);
  f.i32(0).set(rowOff);
  f.forRange(
    x,
    end,
    () => {
      f.get(v).get(x).add32().loadF().set(vi);
      f.get(beta).get(p).get(x).add32().loadF().mulF().get(kk).get(vi).mulF().subF().set(wi);
      f.get(V).get(rowOff).add32().get(vi).storeF();
      f.get(W).get(rowOff).add32().get(wi).storeF();
      f.get(Vt).get(x).add32().get(vi).storeF();
      f.get(Wt).get(x).add32().get(wi).storeF();
      f.get(rowOff)
        .i32(8 * PANEL)
        .add32()
        .set(rowOff);
    },
    8,
  );
  return f;
}

/** column: dst[i] = a[i stride] for i < rows (a column of the matrix, gathered). params: a, stride, dst, rows */
function columnKernel(): FnBuilder {
  const f = new FnBuilder('column', [I32, I32, I32, I32]);
  const [a, stride, dst, rows] = [0, 1, 2, 3] as const;
  const i = f.local(I32);
  const src = f.local(I32);
  f.get(a).set(src);
  f.forRange(i, rows, () => {
    f.get(dst).get(i).i32(3).shl32().add32().get(src).loadF().storeF();
    f.get(src).get(stride).add32().set(src);
  });
  return f;
}

/** absMax: the largest |a[i]|, i < count, as `if (x > m) m = x` has it (a NaN is passed over). params: a, count */
function absMaxKernel(): FnBuilder {
  const f = new FnBuilder('absMax', [I32, I32], [F64]);
  const [a, count] = [0, 1] as const;
  const x = f.local(I32);
  const end = f.local(I32);
  const m = f.local(F64);
  const y = f.local(F64);
  f.get(count).i32(3).shl32().set(end);
  f.f64(0).set(m);
  f.forRange(
    x,
    end,
    () => {
      f.get(a).get(x).add32().loadF().op(OP.abs).set(y);
      f.get(y).get(m).get(y).get(m).gtF().op(OP.select).set(m);
    },
    8,
  );
  f.get(m);
  return f;
}

/**
 * rootFree: eigenRootFree.ts's rootFreeSweeps, operation for operation (the unit test checks the
 * eigenvalues bit for bit). Compiled before it runs, so a fresh process's first solves do not pay
 * for the JIT: the JavaScript sweeps took 35 and 22 ms on the first two d = 768 solves, 8 warm.
 * params: n, tol2 (eps ||T|| squared), eps2, budget (sweeps), d, e (byte addresses); returns 1, or
 * 0 where the budget ran out or a value stopped being finite.
 */
function rootFreeKernel(): FnBuilder {
  const f = new FnBuilder('rootFree', [I32, F64, F64, I32, I32, I32], [I32]);
  const [n, tol2, eps2, budget, dA, eA] = [0, 1, 2, 3, 4, 5] as const;
  const i = f.local(I32);
  const lo = f.local(I32);
  const m = f.local(I32);
  const em = f.local(F64);
  const a = f.local(F64);
  const b = f.local(F64);
  const c2 = f.local(F64);
  const sm = f.local(F64);
  const df = f.local(F64);
  const adf = f.local(F64);
  const ab = f.local(F64);
  const acmx = f.local(F64);
  const acmn = f.local(F64);
  const rt = f.local(F64);
  const q = f.local(F64);
  const rt1 = f.local(F64);
  const rt2 = f.local(F64);
  const rte = f.local(F64);
  const sigma = f.local(F64);
  const r0 = f.local(F64);
  const c = f.local(F64);
  const s = f.local(F64);
  const gamma = f.local(F64);
  const p = f.local(F64);
  const bb = f.local(F64);
  const r = f.local(F64);
  const oldc = f.local(F64);
  const oldgam = f.local(F64);
  const alpha = f.local(F64);
  const at = (base: number, idx: () => void, off = 0): void => {
    f.get(base);
    idx();
    f.i32(3).shl32().add32();
    if (off !== 0) f.i32(off).add32();
  };
  const D = (idx: number, off = 0): void => at(dA, () => void f.get(idx), 8 * off);
  const E = (idx: number, off = 0): void => at(eA, () => void f.get(idx), 8 * off);
  const notFinite = (x: () => void): void => {
    x();
    x();
    f.subF().f64(0).op(OP.eqF).op(OP.eqz32); // i32.eqz
  };
  const fail = (): void => void f.i32(0).op(OP.return);
  const ifElse = (then: () => void, els: () => void): void => {
    f.op(0x04, 0x40);
    then();
    f.op(0x05);
    els();
    f.op(0x0b);
  };
  const sel = (x: number, y: number, cond: () => void): void => {
    f.get(x).get(y);
    cond();
    f.op(OP.select);
  };

  // the squares of the off-diagonal entries; e[n - 1] = 0
  f.i32(0).set(i);
  f.block(() =>
    f.loop(() => {
      f.get(i).i32(1).add32().get(n).geS32().brIf(1);
      E(i);
      E(i);
      f.loadF();
      E(i);
      f.loadF().mulF().storeF();
      f.get(i).i32(1).add32().set(i);
      f.br(0);
    }),
  );
  at(eA, () => void f.get(n).i32(1).sub32());
  f.f64(0).storeF();

  f.i32(0).set(lo);
  f.block(() =>
    f.loop(() => {
      // while lo < n
      f.get(lo).get(n).geS32().brIf(1);
      // m: the first negligible e[m] from lo (set to zero), or n - 1
      f.get(lo).set(m);
      f.block(() =>
        f.loop(() => {
          f.get(m).get(n).i32(1).sub32().geS32().brIf(1);
          E(m);
          f.loadF().set(em);
          f.get(em).get(tol2).op(OP.leF);
          f.get(em).get(eps2);
          D(m);
          f.loadF();
          D(m, 1);
          f.loadF().mulF().op(OP.abs).mulF().op(OP.leF);
          f.op(OP.or32);
          f.when(() => {
            E(m);
            f.f64(0).storeF();
            f.br(2);
          });
          f.get(m).i32(1).add32().set(m);
          f.br(0);
        }),
      );
      // m == lo: converged
      f.get(m).get(lo).eq32();
      f.when(() => {
        f.get(lo).i32(1).add32().set(lo);
        f.br(1);
      });
      // m == lo + 1: a 2 x 2 block (eigen2x2)
      f.get(m).get(lo).i32(1).add32().eq32();
      f.when(() => {
        D(lo);
        f.loadF().set(a);
        E(lo);
        f.loadF().op(OP.sqrt).set(b);
        D(lo, 1);
        f.loadF().set(c2);
        f.get(a).get(c2).addF().set(sm);
        f.get(a).get(c2).subF().set(df);
        f.get(df).op(OP.abs).set(adf);
        f.get(b).get(b).addF().op(OP.abs).set(ab);
        const aBig = (): void => void f.get(a).op(OP.abs).get(c2).op(OP.abs).gtF();
        sel(a, c2, aBig);
        f.set(acmx);
        sel(c2, a, aBig);
        f.set(acmn);
        f.get(adf).get(ab).gtF();
        ifElse(
          () => {
            f.get(ab).get(adf).divF().set(q);
            f.get(adf).f64(1).get(q).get(q).mulF().addF().op(OP.sqrt).mulF().set(rt);
          },
          () => {
            f.get(adf).get(ab).ltF();
            ifElse(
              () => {
                f.get(adf).get(ab).divF().set(q);
                f.get(ab).f64(1).get(q).get(q).mulF().addF().op(OP.sqrt).mulF().set(rt);
              },
              () => void f.get(ab).f64(Math.SQRT2).mulF().set(rt),
            );
          },
        );
        f.get(sm).f64(0).op(OP.eqF);
        ifElse(
          () => {
            f.f64(0.5).get(rt).mulF().set(rt1);
            f.f64(-0.5).get(rt).mulF().set(rt2);
          },
          () => {
            f.f64(0.5).get(sm);
            f.get(rt).op(OP.neg).get(rt).get(sm).f64(0).ltF().op(OP.select);
            f.addF().mulF().set(rt1);
            f.get(acmx).get(rt1).divF().get(acmn).mulF().get(b).get(rt1).divF().get(b).mulF().subF().set(rt2);
          },
        );
        // d[lo], d[lo + 1] = the larger, the smaller
        D(lo);
        sel(rt1, rt2, () => void f.get(rt1).get(rt2).gtF());
        f.storeF();
        D(lo, 1);
        sel(rt2, rt1, () => void f.get(rt1).get(rt2).gtF());
        f.storeF();
        E(lo);
        f.f64(0).storeF();
        f.get(lo).i32(2).add32().set(lo);
        f.br(1);
      });
      f.get(budget).i32(0).op(OP.leS32); // budget <= 0
      f.when(fail);
      f.get(budget).i32(1).sub32().set(budget);

      // the shift from the leading 2 x 2 block
      E(lo);
      f.loadF().op(OP.sqrt).set(rte);
      D(lo, 1);
      f.loadF();
      D(lo);
      f.loadF().subF().f64(2).get(rte).mulF().divF().set(sigma);
      f.get(sigma).op(OP.abs).f64(1).gtF();
      ifElse(
        () => void f.get(sigma).op(OP.abs).f64(1).f64(1).get(sigma).get(sigma).mulF().divF().addF().op(OP.sqrt).mulF().set(r0),
        () => void f.f64(1).get(sigma).get(sigma).mulF().addF().op(OP.sqrt).set(r0),
      );
      D(lo);
      f.loadF().get(rte).get(sigma);
      f.get(r0).get(r0).op(OP.neg).get(sigma).f64(0).op(OP.geF).op(OP.select);
      f.addF().divF().subF().set(sigma);

      f.f64(1).set(c);
      f.f64(0).set(s);
      D(m);
      f.loadF().get(sigma).subF().set(gamma);
      f.get(gamma).get(gamma).mulF().set(p);
      f.get(m).i32(1).sub32().set(i);
      f.block(() =>
        f.loop(() => {
          f.get(i).get(lo).ltS32().brIf(1);
          E(i);
          f.loadF().set(bb);
          f.get(p).get(bb).addF().set(r);
          f.get(i).get(m).i32(1).sub32().op(OP.ne32);
          f.when(() => {
            E(i, 1);
            f.get(s).get(r).mulF().storeF();
          });
          f.get(c).set(oldc);
          f.get(p).get(r).divF().set(c);
          f.get(bb).get(r).divF().set(s);
          f.get(gamma).set(oldgam);
          D(i);
          f.loadF().set(alpha);
          f.get(c).get(alpha).get(sigma).subF().mulF().get(s).get(oldgam).mulF().subF().set(gamma);
          D(i, 1);
          f.get(oldgam).get(alpha).get(gamma).subF().addF().storeF();
          f.get(gamma).get(gamma).mulF().get(c).divF();
          f.get(oldc).get(bb).mulF();
          f.get(c).f64(0).op(OP.neF); // c != 0
          f.op(OP.select).set(p);
          f.get(i).i32(1).sub32().set(i);
          f.br(0);
        }),
      );
      E(lo);
      f.get(s).get(p).mulF().storeF();
      D(lo);
      f.get(sigma).get(gamma).addF().storeF();
      notFinite(() => {
        D(lo);
        f.loadF();
      });
      notFinite(() => {
        E(lo);
        f.loadF();
      });
      f.op(OP.or32);
      f.when(fail);
      f.br(0);
    }),
  );
  f.i32(0).set(i);
  f.block(() =>
    f.loop(() => {
      f.get(i).get(n).geS32().brIf(1);
      notFinite(() => {
        D(i);
        f.loadF();
      });
      f.when(fail);
      f.get(i).i32(1).add32().set(i);
      f.br(0);
    }),
  );
  f.i32(1);
  return f;
}

/** the module's bytes (kernelBytes.ts keeps them pre-assembled; the unit test compares) */
export function assembleBlockedModule(): Uint8Array {
  return assemble([
    symvKernel(4),
    symvKernel(1),
    syr2kKernel(2),
    syr2kKernel(1),
    rowDotsKernel(),
    colDotsKernel(),
    symvAllKernel(),
    syr2kAllKernel(),
    partnerKernel(),
    columnKernel(),
    absMaxKernel(),
    rootFreeKernel(),
  ]);
}
