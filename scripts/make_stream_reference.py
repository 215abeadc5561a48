#!/usr/bin/env python3
"""Float64 numpy reference of the streamed moments (DESIGN.md section 2c) for
test/unit/stream-moments.test.ts.

Writes test/fixtures/stream/{a,b}.npy (seeded float32 data: a has an offset mean far from 0,
so a naive sum-of-squares formula would cancel; b is narrower and correlated with a) and
reference.json with: column means, the centered co-moment matrix C = (X - mu)^T (X - mu) and the
raw Gram X^T X of each, the cross co-moment (A - mu_a)^T (B[:, :da] - ...) used by CKA, and the
drift d_i = ||a^_i - b^_i||^2 of the first 16 columns with its numpy percentiles, all computed in
float64 in one pass over all rows (what a merge of blocks must reproduce).
Run: python3 scripts/make_stream_reference.py
"""
import json
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'stream')
N, DA, DB = 3001, 24, 16


def normalize(z):
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261130)
    a = (rng.standard_normal((N, DA)) * np.linspace(0.1, 3, DA) + 1000.0).astype(np.float32)
    b = (0.5 * a[:, :DB] - 500.0 + rng.standard_normal((N, DB))).astype(np.float32)
    np.save(os.path.join(OUT, 'a.npy'), a)
    np.save(os.path.join(OUT, 'b.npy'), b)
    A = a.astype(np.float64)
    B = b.astype(np.float64)
    ma, mb = A.mean(axis=0), B.mean(axis=0)
    ca, cb = A - ma, B - mb
    # drift between the first DB columns of a and b, both normalized (float32 data, float64 math)
    d = np.sum((normalize(A[:, :DB]) - normalize(B)) ** 2, axis=1)
    ref = {
        'n': N, 'da': DA, 'db': DB,
        'meanA': ma.tolist(), 'meanB': mb.tolist(),
        'comomentA': (ca.T @ ca).ravel().tolist(), 'comomentB': (cb.T @ cb).ravel().tolist(),
        'gramA': (A.T @ A).ravel().tolist(),
        'cross': (ca.T @ cb).ravel().tolist(),
        'drift': {
            'mean': float(d.mean()), 'max': float(d.max()),
            'median': float(np.percentile(d, 50)), 'p90': float(np.percentile(d, 90)), 'p99': float(np.percentile(d, 99)),
            'beyond05': int((d > 0.5).sum()),
        },
    }
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(ref, f)
    print('wrote', OUT, 'drift median', ref['drift']['median'])


if __name__ == '__main__':
    main()
