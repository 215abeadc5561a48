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

  f.get(cnt).i32(-2).op(0x71).i32(3).shl32().set(end2);
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

/** the module's bytes (kernelBytes.ts keeps them pre-assembled; the unit test compares) */
export function assembleBlockedModule(): Uint8Array {
  return assemble([symvKernel(4), symvKernel(1), syr2kKernel(2), syr2kKernel(1), rowDotsKernel(), colDotsKernel()]);
}
