#!/usr/bin/env python3
"""PyTorch reference for `dagr inspect` on a GPU (DESIGN.md section 2), the CUDA counterpart of
reference_metrics.py: the same formulas and the same output, run by bench/gpu-check.sh beside the
engine's --device runs so a GPU time has a GPU reference next to it.

Usage: reference_metrics_torch.py A.npy B.npy [--t 2] [--tau 0.5] [--tile 8192] [--device cuda]
Products run in float32 with TF32 off (the engine's precision), row sums are accumulated in float64,
the d x d Grams and their eigenvalues in float64; no N x N matrix larger than a tile is formed.
"""
import json
import sys
import time

import numpy as np
import torch


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def sync(dev):
    if dev.type == 'cuda':
        torch.cuda.synchronize(dev)


def normalize(z):
    n = torch.sqrt((z.double() ** 2).sum(dim=1))
    return (z.double() / n.clamp_min(1e-12)[:, None]).float()


def dispersive(zn, t, tile):
    n = zn.shape[0]
    sq = (zn * zn).sum(dim=1)
    total = torch.zeros((), dtype=torch.float64, device=zn.device)
    for s in range(0, n, tile):
        a = zn[s:s + tile]
        d = (sq[s:s + tile, None] + sq[None, :] - 2 * (a @ zn.T)).clamp_min(0)
        k = torch.exp(-t * d)
        idx = torch.arange(a.shape[0], device=zn.device)
        k[idx, s + idx] = 0  # off-diagonal pairs only
        total += k.sum(dim=1, dtype=torch.float64).sum()
    return float(torch.log(total / (n * (n - 1))))


def ranks(q, g, tile):
    """1 + number of gallery rows more similar to query i than its own pair i."""
    n = q.shape[0]
    pos = (q * g).sum(dim=1)
    out = torch.empty(n, dtype=torch.int64, device=q.device)
    for s in range(0, n, tile):
        sim = q[s:s + tile] @ g.T
        idx = torch.arange(sim.shape[0], device=q.device)
        sim[idx, s + idx] = -torch.inf
        out[s:s + tile] = 1 + (sim > pos[s:s + tile, None]).sum(dim=1)
    return out


def retrieval(r):
    r = r.double()
    return {'r1': float((r <= 1).double().mean()), 'r5': float((r <= 5).double().mean()),
            'r10': float((r <= 10).double().mean()), 'medianRank': float(np.median(r.cpu().numpy()))}


def spectrum(z):
    z64 = z.double()
    sigma = torch.sqrt(torch.linalg.eigvalsh(z64.T @ z64).flip(0).clamp_min(0))
    zc = z64 - z64.mean(dim=0)
    evc = torch.linalg.eigvalsh(zc.T @ zc).flip(0).clamp_min(0)
    return sigma, torch.sqrt(evc), evc


def erank(sigma):
    p = sigma / sigma.sum() + 1e-7
    return float(torch.exp(-(p * torch.log(p)).sum()))


def modality(z, t, tile):
    zn = normalize(z)
    sigma, sigmac, evc = spectrum(z)
    n = z.shape[0]
    s = zn.double().sum(dim=0)
    var = z.double().var(dim=0, unbiased=False)
    return {
        'dim': z.shape[1],
        'effectiveRank': erank(sigma),
        'effectiveRankCentered': erank(sigmac),
        'stableRank': float((sigma ** 2).sum() / sigma[0] ** 2),
        'dispersiveLoss': dispersive(zn, t, tile),
        'meanCosine': float((s @ s - n) / (n * (n - 1))),
        'deadDimensionFraction': float((var < 1e-8).double().mean()),
        'explainedVarianceTop10': (torch.cumsum(evc, 0) / evc.sum())[:10].tolist(),
    }, zn


def cka(x, y):
    xc = x - x.mean(dim=0)
    yc = y - y.mean(dim=0)
    num = torch.linalg.norm(xc.T @ yc).double() ** 2
    return float(num / (torch.linalg.norm(xc.T @ xc).double() * torch.linalg.norm(yc.T @ yc).double()))


def main():
    t, tau, tile = float(arg('--t', 2.0)), float(arg('--tau', 0.5)), int(arg('--tile', 8192))
    dev = torch.device(arg('--device', 'cuda' if torch.cuda.is_available() else 'cpu'))
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    t0 = time.perf_counter()
    torch.zeros(1, device=dev)  # the CUDA context, counted apart from the work
    sync(dev)
    t1 = time.perf_counter()
    a = torch.from_numpy(np.load(sys.argv[1]).astype(np.float32)).to(dev)
    b = torch.from_numpy(np.load(sys.argv[2]).astype(np.float32)).to(dev)
    sync(dev)
    t2 = time.perf_counter()
    ma, an = modality(a, t, tile)
    mb, bn = modality(b, t, tile)
    d = ((an - bn).double() ** 2).sum(dim=1)
    pair = {
        'linearCka': cka(a, b),
        'anchoringLoss': float((d - tau).clamp_min(0).mean()),
        'drift': {'mean': float(d.mean()), 'median': float(np.median(d.cpu().numpy())),
                  'p90': float(np.quantile(d.cpu().numpy(), 0.9)), 'p99': float(np.quantile(d.cpu().numpy(), 0.99)),
                  'max': float(d.max()), 'fractionBeyondTau': float((d > tau).double().mean())},
        'modalityGap': float(torch.linalg.norm(an.double().mean(dim=0) - bn.double().mean(dim=0))),
        'retrieval': {'aToB': retrieval(ranks(an, bn, tile)), 'bToA': retrieval(ranks(bn, an, tile))},
    }
    sync(dev)
    t3 = time.perf_counter()
    name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'cpu'
    print(json.dumps({'n': a.shape[0], 'modalities': {'a': ma, 'b': mb}, 'pair': pair,
                      'seconds': {'context': t1 - t0, 'load': t2 - t1, 'compute': t3 - t2, 'total': t3 - t0},
                      'torch': torch.__version__, 'device': name}))


if __name__ == '__main__':
    main()
