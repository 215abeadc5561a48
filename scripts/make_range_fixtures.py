#!/usr/bin/env python3
"""Arrays at the edges of float range, and numpy's float64 metrics of them (issue "Hardening" 2).

The same paired data is saved at scales 1, 1e39, 1e300, 1e-300 (float64: beyond float32's range
or below its subnormals) and 1e-42 (float32 subnormals), plus the arange-built arrays of numpy's
own tests that rank-deficient spectra come from. The expected values are computed in float64 from
the stored values: scale-free metrics (effective rank, stable rank, cosine-based ones) must come
out the same at every scale; singular values scale with the data.
Writes test/fixtures/range/*.npz|*.npy and expected.json. Run: python3 scripts/make_range_fixtures.py
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'range')


def effective_rank(s):
    total = s.sum()
    if not total > 0:
        return 0.0
    p = s / total + 1e-7
    return float(np.exp(-(p * np.log(p)).sum()))


def unit_rows(z):
    # scale-free: each row divided by its own norm (a zero row stays zero); dividing by the
    # largest magnitude first keeps squares of 1e300 or 1e-300 from overflowing or underflowing
    big = np.abs(z).max()
    z = z / big if big > 0 else z
    n = np.linalg.norm(z, axis=1, keepdims=True)
    return np.divide(z, n, out=np.zeros_like(z), where=n > 0)


def modality(z):
    z = np.asarray(z, dtype=np.float64)
    big = np.abs(z).max()
    s = np.linalg.svd(z / big, compute_uv=False) * big  # same reason
    c = z / big - (z / big).mean(axis=0)
    sc = np.linalg.svd(c, compute_uv=False)
    u = unit_rows(z)
    n = len(u)
    tot = u.sum(axis=0)
    mean_cos = (tot @ tot - (u * u).sum()) / (n * (n - 1))
    return {
        'effectiveRank': effective_rank(s),
        'effectiveRankCentered': effective_rank(sc),
        'stableRank': float(((z / s[0]) ** 2).sum()) if s[0] > 0 else 0.0,
        'sigmaMax': float(s[0]),
        'meanCosine': float(mean_cos),
    }


def pair(a, b):
    ua, ub = unit_rows(np.asarray(a, np.float64)), unit_rows(np.asarray(b, np.float64))
    drift = ((ua - ub) ** 2).sum(axis=1)
    gap = np.linalg.norm(ua.mean(axis=0) - ub.mean(axis=0))
    ca = np.asarray(a, np.float64) - np.asarray(a, np.float64).mean(axis=0)
    cb = np.asarray(b, np.float64) - np.asarray(b, np.float64).mean(axis=0)
    # linear CKA is scale-free: normalize each side first so that 1e300 squared stays finite
    ca /= np.abs(ca).max()
    cb /= np.abs(cb).max()
    cka = np.linalg.norm(ca.T @ cb) ** 2 / (np.linalg.norm(ca.T @ ca) * np.linalg.norm(cb.T @ cb))
    return {'driftMean': float(drift.mean()), 'modalityGap': float(gap), 'linearCka': float(cka)}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261130)
    x = rng.standard_normal((64, 8)) @ rng.standard_normal((8, 8))
    y = x + 0.5 * rng.standard_normal((64, 8))
    expected = {}

    def paired(name, a, b):
        np.savez(os.path.join(OUT, name + '.npz'), a=a, b=b)
        expected[name + '.npz'] = {
            'modalities': {'a': modality(a), 'b': modality(b)},
            'pair': pair(a, b),
        }

    for label, s in [('1', 1.0), ('1e39', 1e39), ('1e300', 1e300), ('1e-300', 1e-300)]:
        paired(f'paired_f8_x{label}', x * s, y * s)
    # float32 subnormals: the stored values themselves are the reference (they kept few bits)
    paired('paired_f4_x1e-42', (x * 1e-42).astype(np.float32), (y * 1e-42).astype(np.float32))

    def single(name, z):
        np.save(os.path.join(OUT, name + '.npy'), z)
        expected[name + '.npy'] = {'modalities': {name: modality(z)}}

    single('arange_30x25', np.arange(750.).reshape(30, 25))
    single('arange_30x50_rev_step2', np.arange(1500.).reshape(30, 50)[::-1, ::2])
    single('arange_30x50_rev_step2_be', np.arange(1500.).reshape(30, 50)[::-1, ::2].astype('>f8'))
    single('arange_200x64', np.arange(12800.).reshape(200, 64))
    single('arange_30x25_x1e-300', np.arange(750.).reshape(30, 25) * 1e-300)

    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
