#!/usr/bin/env python3
"""numpy float32 reference for `dagr inspect` (DESIGN.md section 2), used by bench/inspect-vs-numpy.ts.

Usage: reference_metrics.py A.npy B.npy [--t 2] [--tau 0.5] [--tile 2048]
Prints one JSON object: the metrics and the seconds spent (load, compute). Products run in
float32 (BLAS), reductions are accumulated in float64 per row tile, as the engine does; no N x N
matrix larger than a tile is formed.
"""
import json
import sys
import time

import numpy as np


def arg(name, default):
    return float(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def normalize(z):
    n = np.sqrt(np.einsum('ij,ij->i', z, z, dtype=np.float64))
    return (z / np.maximum(n, 1e-12)[:, None]).astype(np.float32)


def dispersive(zn, t, tile):
    n = zn.shape[0]
    sq = np.einsum('ij,ij->i', zn, zn).astype(np.float32)
    total = 0.0
    for s in range(0, n, tile):
        a = zn[s:s + tile]
        d = np.maximum(sq[s:s + tile, None] + sq[None, :] - 2 * (a @ zn.T), 0)
        k = np.exp(-t * d)
        idx = np.arange(a.shape[0])
        k[idx, s + idx] = 0  # off-diagonal pairs only
        total += k.sum(axis=1, dtype=np.float64).sum()
    return float(np.log(total / (n * (n - 1))))


def ranks(q, g, tile):
    """1 + number of gallery rows more similar to query i than its own pair i."""
    n = q.shape[0]
    pos = np.einsum('ij,ij->i', q, g)
    out = np.empty(n, dtype=np.int64)
    for s in range(0, n, tile):
        sim = q[s:s + tile] @ g.T
        idx = np.arange(sim.shape[0])
        sim[idx, s + idx] = -np.inf
        out[s:s + tile] = 1 + (sim > pos[s:s + tile, None]).sum(axis=1)
    return out


def retrieval(r):
    return {'r1': float((r <= 1).mean()), 'r5': float((r <= 5).mean()), 'r10': float((r <= 10).mean()),
            'medianRank': float(np.median(r))}


def spectrum(z):
    # Eigenvalues of the d x d Gram, as the engine does: sigma = sqrt(eig(Z^T Z)).
    z64 = z.astype(np.float64)
    ev = np.clip(np.linalg.eigvalsh(z64.T @ z64)[::-1], 0, None)
    sigma = np.sqrt(ev)
    zc = z64 - z64.mean(axis=0)
    evc = np.clip(np.linalg.eigvalsh(zc.T @ zc)[::-1], 0, None)
    return sigma, np.sqrt(evc), evc


def erank(sigma):
    p = sigma / sigma.sum() + 1e-7
    return float(np.exp(-(p * np.log(p)).sum()))


def modality(z, t, tile):
    zn = normalize(z)
    sigma, sigmac, evc = spectrum(z)
    n = z.shape[0]
    s = zn.sum(axis=0, dtype=np.float64)
    var = z.astype(np.float64).var(axis=0)
    return {
        'dim': z.shape[1],
        'effectiveRank': erank(sigma),
        'effectiveRankCentered': erank(sigmac),
        'stableRank': float((sigma ** 2).sum() / sigma[0] ** 2),
        'dispersiveLoss': dispersive(zn, t, tile),
        'meanCosine': float((s @ s - n) / (n * (n - 1))),
        'deadDimensionFraction': float((var < 1e-8).mean()),
        'explainedVarianceTop10': (np.cumsum(evc) / evc.sum())[:10].tolist(),
    }, zn


def cka(x, y):
    xc = (x - x.mean(axis=0)).astype(np.float32)
    yc = (y - y.mean(axis=0)).astype(np.float32)
    num = np.linalg.norm(xc.T @ yc) ** 2
    return float(num / (np.linalg.norm(xc.T @ xc) * np.linalg.norm(yc.T @ yc)))


def main():
    t, tau, tile = arg('--t', 2.0), arg('--tau', 0.5), int(arg('--tile', 2048))
    t0 = time.perf_counter()
    a = np.load(sys.argv[1]).astype(np.float32)
    b = np.load(sys.argv[2]).astype(np.float32)
    t1 = time.perf_counter()
    ma, an = modality(a, t, tile)
    mb, bn = modality(b, t, tile)
    d = ((an - bn).astype(np.float64) ** 2).sum(axis=1)
    pair = {
        'linearCka': cka(a, b),
        'anchoringLoss': float(np.maximum(d - tau, 0).mean()),
        'drift': {'mean': float(d.mean()), 'median': float(np.median(d)), 'p90': float(np.quantile(d, 0.9)),
                  'p99': float(np.quantile(d, 0.99)), 'max': float(d.max()), 'fractionBeyondTau': float((d > tau).mean())},
        'modalityGap': float(np.linalg.norm(an.mean(axis=0, dtype=np.float64) - bn.mean(axis=0, dtype=np.float64))),
        'retrieval': {'aToB': retrieval(ranks(an, bn, tile)), 'bToA': retrieval(ranks(bn, an, tile))},
    }
    t2 = time.perf_counter()
    print(json.dumps({'n': a.shape[0], 'modalities': {'a': ma, 'b': mb}, 'pair': pair,
                      'seconds': {'load': t1 - t0, 'compute': t2 - t1, 'total': t2 - t0},
                      'numpy': np.__version__}))


if __name__ == '__main__':
    main()
