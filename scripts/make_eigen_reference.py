#!/usr/bin/env python3
"""Reference eigenvalues for the eigensolver tests (test/unit/engine-eigen-hard.test.ts).

Each case is a symmetric matrix given by a small spec (a formula, or a seed of the project's
mulberry32 generator) that test/unit/engine-eigen-hard.test.ts rebuilds bit for bit: integer
data, exact power-of-two scalings, single IEEE multiplications and sums taken in one fixed order,
so both languages make the same doubles. The fixture stores the spec, the SHA-256 of the matrix
(float64 little-endian, row-major; the test checks it, so a drift between the two generators is
caught rather than read as a solver error) and numpy's eigenvalues (np.linalg.eigvalsh, LAPACK
dsyevd, descending). For data matrices it also stores numpy's effective rank from the SVD of the
data (DESIGN.md section 2: p = s / sum(s) + 1e-7).

    python3 scripts/make_eigen_reference.py   # writes test/fixtures/eigen/reference.json
"""
import hashlib
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'eigen', 'reference.json')

# src/engine/random.ts's generator, bit for bit: the one make_reference.py mirrors
from make_reference import mulberry32  # noqa: E402


def randint(rand, lo, hi):
    return lo + int(np.floor(rand() * (hi - lo + 1)))


# ---- data matrices (rows x cols) --------------------------------------------------------------

def make_data(spec):
    k = spec['kind']
    if k == 'arange':
        # np.arange(rows_total * full).reshape(-1, full)[::-1 if rev][:rows, ::step] * factor
        rows, cols, full, step = spec['rows'], spec['cols'], spec['full'], spec['step']
        z = np.empty((rows, cols))
        for i in range(rows):
            r = rows - 1 - i if spec['rev'] else i
            for j in range(cols):
                z[i, j] = float(r * full + j * step)
    elif k == 'randint':
        rand = mulberry32(spec['seed'])
        z = np.empty((spec['rows'], spec['cols']))
        for i in range(spec['rows']):
            for j in range(spec['cols']):
                z[i, j] = randint(rand, spec['lo'], spec['hi'])
        for j in spec['zeroCols']:
            z[:, j] = 0.0
    elif k == 'onehot':
        rand = mulberry32(spec['seed'])
        z = np.zeros((spec['rows'], spec['cats']))
        for i in range(spec['rows']):
            z[i, int(np.floor(rand() * spec['cats']))] = 1.0
    elif k == 'lowrank':
        rand = mulberry32(spec['seed'])
        u = np.array([[randint(rand, spec['lo'], spec['hi']) for _ in range(spec['rank'])] for _ in range(spec['rows'])], dtype=np.float64)
        v = np.array([[randint(rand, spec['lo'], spec['hi']) for _ in range(spec['cols'])] for _ in range(spec['rank'])], dtype=np.float64)
        z = u @ v  # small integers: exact in any order
    else:
        raise ValueError(k)
    f = spec.get('factor', 1)
    if f != 1:
        z = z * f
    return z


def gram(z, center, side):
    """Sum of outer products in a fixed order (row k = 0, 1, ...), as the test does."""
    if center:
        mean = np.add.accumulate(z, axis=0)[-1] / z.shape[0]  # sequential sum, then one division
        z = z - mean
    # Z^T Z (side 'cols'), Z Z^T ('rows'), or the smaller of the two ('small', as spectrum.ts)
    if side == 'rows' or (side == 'small' and z.shape[0] < z.shape[1]):
        z = z.T.copy()  # Z Z^T: the rows of Z^T are the columns of Z
    n = z.shape[1]
    g = np.zeros((n, n))
    for k in range(z.shape[0]):
        g += np.outer(z[k], z[k])
    return g


# ---- symmetric matrices -----------------------------------------------------------------------

def randsym_values(n, seed, lo, hi):
    rand = mulberry32(seed)
    a = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1):
            a[i, j] = a[j, i] = randint(rand, lo, hi)
    return a


def make_matrix(spec):
    k = spec['kind']
    if k == 'explicit':
        n = spec['n']
        return np.array(spec['a'], dtype=np.float64).reshape(n, n)
    if k == 'zero':
        return np.zeros((spec['n'], spec['n']))
    if k == 'ones':  # c I + j J
        n = spec['n']
        return spec['c'] * np.eye(n) + spec['j'] * np.ones((n, n))
    if k == 'blockOnes':  # block diagonal of c J_m, blocks in order
        n = sum(m for m, _ in spec['blocks'])
        a = np.zeros((n, n))
        o = 0
        for m, c in spec['blocks']:
            a[o:o + m, o:o + m] = c
            o += m
        return a
    if k == 'wilkinson':  # W_n^+: diagonal |(n-1)/2 - i|, off-diagonal 1
        n = spec['n']
        a = np.zeros((n, n))
        for i in range(n):
            a[i, i] = abs((n - 1) // 2 - i)
            if i + 1 < n:
                a[i, i + 1] = a[i + 1, i] = 1.0
        return a
    if k == 'randsym':
        return randsym_values(spec['n'], spec['seed'], spec['lo'], spec['hi'])
    if k == 'tridiag':  # random integer tridiagonal
        n = spec['n']
        rand = mulberry32(spec['seed'])
        a = np.zeros((n, n))
        for i in range(n):
            a[i, i] = randint(rand, spec['lo'], spec['hi'])
            if i + 1 < n:
                a[i, i + 1] = a[i + 1, i] = randint(rand, spec['lo'], spec['hi'])
        return a
    if k == 'graded':  # B_ij 2^(e_i + e_j), e_i from emin to emax
        n, emin, emax = spec['n'], spec['emin'], spec['emax']
        e = [emin + (i * (emax - emin)) // max(n - 1, 1) for i in range(n)]
        b = randsym_values(n, spec['seed'], 1, 9)
        if spec['diagonal']:
            b = np.diag(np.diag(b))
        a = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                a[i, j] = b[i, j] * 2.0 ** (e[i] + e[j])
        return a
    if k == 'gram':
        return gram(make_data(spec['data']), spec['center'], spec['side'])
    if k == 'scaled':
        return make_matrix(spec['of']) * spec['factor']
    raise ValueError(k)


def erank(s):
    p = s / s.sum() + 1e-7
    return float(np.exp(-(p * np.log(p)).sum()))


def arange(rows, cols, full=None, step=1, rev=False, factor=1):
    return {'kind': 'arange', 'rows': rows, 'cols': cols, 'full': full or cols, 'step': step, 'rev': rev, 'factor': factor}


def g(data, center=False, side='small'):
    return {'kind': 'gram', 'data': data, 'center': center, 'side': side}


def rs(n, seed, lo=-8, hi=8):
    return {'kind': 'randsym', 'n': n, 'seed': seed, 'lo': lo, 'hi': hi}


def sc(of, factor):
    return {'kind': 'scaled', 'of': of, 'factor': factor}


CASES = [
    # sizes 1, 2, 3
    ('n1', {'kind': 'explicit', 'n': 1, 'a': [3.5]}),
    ('n1-zero', {'kind': 'zero', 'n': 1}),
    ('n1-subnormal', {'kind': 'explicit', 'n': 1, 'a': [-1e-310]}),
    ('n1-huge', {'kind': 'explicit', 'n': 1, 'a': [1e300]}),
    ('n2', {'kind': 'explicit', 'n': 2, 'a': [2, 1, 1, 2]}),
    ('n2-equal-diag-tiny-off', {'kind': 'explicit', 'n': 2, 'a': [1, 1e-300, 1e-300, 1]}),
    ('n2-zero-diag', {'kind': 'explicit', 'n': 2, 'a': [0, 1e-200, 1e-200, 0]}),
    ('n2-graded', {'kind': 'explicit', 'n': 2, 'a': [1e300, 1e-10, 1e-10, 1e-300]}),
    ('n2-subnormal', {'kind': 'explicit', 'n': 2, 'a': [3e-310, -1e-310, -1e-310, 2e-310]}),
    ('n3-path', {'kind': 'explicit', 'n': 3, 'a': [0, 1, 0, 1, 0, 1, 0, 1, 0]}),
    ('n3-rank1', {'kind': 'ones', 'n': 3, 'c': 0, 'j': 7}),
    ('n3-random', rs(3, 3)),
    ('n3-huge', sc(rs(3, 4), 1e300)),
    # zero, identity, repeated eigenvalues
    ('zero-50', {'kind': 'zero', 'n': 50}),
    ('identity-40', {'kind': 'ones', 'n': 40, 'c': 1, 'j': 0}),
    ('3I-plus-J-60', {'kind': 'ones', 'n': 60, 'c': 3, 'j': 1}),
    ('J-64', {'kind': 'ones', 'n': 64, 'c': 0, 'j': 1}),
    ('block-ones', {'kind': 'blockOnes', 'blocks': [[5, 2], [7, 2], [1, 0], [12, 1], [5, 2], [10, -3]]}),
    # Wilkinson matrices: pairs of eigenvalues that agree to many digits
    ('wilkinson-21', {'kind': 'wilkinson', 'n': 21}),
    ('wilkinson-41', {'kind': 'wilkinson', 'n': 41}),
    ('wilkinson-101', {'kind': 'wilkinson', 'n': 101}),
    # random
    ('random-10', rs(10, 10)),
    ('random-57', rs(57, 57)),
    ('random-200', rs(200, 200, -1000, 1000)),
    ('tridiagonal-150', {'kind': 'tridiag', 'n': 150, 'seed': 150, 'lo': -3, 'hi': 3}),
    # graded 1e-300 .. 1e300
    ('graded-diagonal-61', {'kind': 'graded', 'n': 61, 'seed': 61, 'emin': -498, 'emax': 498, 'diagonal': True}),
    ('graded-40', {'kind': 'graded', 'n': 40, 'seed': 40, 'emin': -498, 'emax': 498, 'diagonal': False}),
    ('graded-mild-50', {'kind': 'graded', 'n': 50, 'seed': 50, 'emin': -40, 'emax': 40, 'diagonal': False}),
    # scaled far from 1
    ('random-30-x1e-42', sc(rs(30, 30), 1e-42)),
    ('random-30-x1e-310', sc(rs(30, 31), 1e-310)),
    ('random-30-x2^-1070', sc(rs(30, 32, 0, 15), 2.0 ** -1070)),
    ('random-30-x1e150', sc(rs(30, 33), 1e150)),
    ('random-20-x1e300', sc(rs(20, 34), 1e300)),
    # Grams of arange-built data (the issue's reports) and their centered versions
    ('arange-30x25', g(arange(30, 25))),
    ('arange-30x25-centered', g(arange(30, 25), center=True)),
    ('arange-30x50-rev-step2', g(arange(30, 25, full=50, step=2, rev=True))),
    ('arange-30x50-rev-step2-centered', g(arange(30, 25, full=50, step=2, rev=True), center=True)),
    ('arange-200x64', g(arange(200, 64))),
    ('arange-200x64-centered', g(arange(200, 64), center=True)),
    ('arange-30x25-x1e-42', g(arange(30, 25, factor=1e-42))),
    ('arange-30x25-x1e-42-centered', g(arange(30, 25, factor=1e-42), center=True)),
    ('arange-25x30-wide', g(arange(25, 30))),
    ('arange-30x25-x1e140', g(arange(30, 25, factor=1e140))),
    # Grams of one-hot features, zero columns, low rank
    ('onehot-120x10-rows', g({'kind': 'onehot', 'rows': 120, 'cats': 10, 'seed': 120}, side='rows')),
    ('onehot-200x40-cols', g({'kind': 'onehot', 'rows': 200, 'cats': 40, 'seed': 200}, side='cols')),
    ('onehot-200x40-centered', g({'kind': 'onehot', 'rows': 200, 'cats': 40, 'seed': 201}, center=True)),
    ('zero-columns-60x40', g({'kind': 'randint', 'rows': 60, 'cols': 40, 'seed': 60, 'lo': -5, 'hi': 5,
                             'zeroCols': [0, 3, 7] + list(range(20, 30)), 'factor': 1})),
    ('lowrank-80x60-r5', g({'kind': 'lowrank', 'rows': 80, 'cols': 60, 'rank': 5, 'seed': 80, 'lo': -4, 'hi': 4})),
    ('lowrank-80x60-r5-x1e-42', g({'kind': 'lowrank', 'rows': 80, 'cols': 60, 'rank': 5, 'seed': 81, 'lo': -4, 'hi': 4,
                                  'factor': 1e-42})),
    # around and above 640 (the two-stage path's first threshold; both paths are tested on every case)
    ('random-639', rs(639, 639)),
    ('arange-100x640-cols', g(arange(100, 640), side='cols')),
    ('lowrank-120x656-r40-cols-x1e-42', g({'kind': 'lowrank', 'rows': 120, 'cols': 656, 'rank': 40, 'seed': 656, 'lo': -4, 'hi': 4,
                                          'factor': 1e-42}, side='cols')),
    ('onehot-400x660-cols', g({'kind': 'onehot', 'rows': 400, 'cats': 660, 'seed': 660}, side='cols')),
    # around TWO_STAGE_MIN = 1280, where symmetricEigenvaluesFast switches to the two-stage path
    ('random-1279', rs(1279, 1279)),
    ('arange-100x1280-cols', g(arange(100, 1280), side='cols')),
    # the SIMD reduction (src/engine/linalg/eigenWasm.ts) at the benchmark's sizes: graded,
    # clustered (3 I + J: one eigenvalue 3 of multiplicity n - 1), rank-deficient, and d = 4096
    ('graded-mild-768', {'kind': 'graded', 'n': 768, 'seed': 768, 'emin': -40, 'emax': 40, 'diagonal': False}),
    ('3I-plus-J-1024', {'kind': 'ones', 'n': 1024, 'c': 3, 'j': 1}),
    ('lowrank-40x1024-r8-cols', g({'kind': 'lowrank', 'rows': 40, 'cols': 1024, 'rank': 8, 'seed': 1024, 'lo': -4, 'hi': 4},
                                  side='cols')),
    ('lowrank-24x4096-r6-cols', g({'kind': 'lowrank', 'rows': 24, 'cols': 4096, 'rank': 6, 'seed': 4096, 'lo': -4, 'hi': 4},
                                  side='cols')),
]


def main():
    cases = []
    for name, spec in CASES:
        a = make_matrix(spec)
        assert np.array_equal(a, a.T), name
        a = np.ascontiguousarray(a, dtype='<f8')
        eig = np.linalg.eigvalsh(a)[::-1]
        case = {
            'name': name,
            'n': a.shape[0],
            'sha256': hashlib.sha256(a.tobytes()).hexdigest(),
            'spec': spec,
            'eig': [float(x) for x in eig],
        }
        if spec['kind'] == 'gram' and not spec['center']:
            z = make_data(spec['data'])
            case['erankSvd'] = erank(np.linalg.svd(z, compute_uv=False))
        cases.append(case)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump({'generator': 'scripts/make_eigen_reference.py', 'numpy': np.__version__, 'cases': cases}, f,
                  separators=(',', ':'))
        f.write('\n')
    print(f'{OUT}: {len(cases)} cases, {os.path.getsize(OUT)} bytes')


if __name__ == '__main__':
    main()
