#!/usr/bin/env python3
"""Seeded inputs and a float64 numpy reference of every geometry metric, for the engine tests.

Writes test/fixtures/reference/<case>_<modality>.npy (float32) and reference.json. The
definitions follow DESIGN.md section 2 literally, in float64, with no tiling or sampling tricks
beyond the seeded row sample that src/engine/sample.ts draws with src/engine/random.ts
(mirrored below), so a disagreement points at the engine. Run: python3 scripts/make_reference.py
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'reference')
MASK = 0xFFFFFFFF
PAIRWISE_SEED = 0x5EED


def mulberry32(seed):
    """The generator of src/engine/random.ts, bit for bit (Math.imul = product mod 2^32)."""
    s = seed & MASK

    def rand():
        nonlocal s
        s = (s + 0x6D2B79F5) & MASK
        z = s
        z = ((z ^ (z >> 15)) * (z | 1)) & MASK
        z = (z ^ ((z + ((z ^ (z >> 7)) * (z | 61))) & MASK)) & MASK
        return ((z ^ (z >> 14)) & MASK) / 4294967296.0
    return rand


def sample_rows(n, size, seed):
    if size <= 0 or size >= n:
        return np.arange(n)
    rand = mulberry32(seed)
    idx = list(range(n))
    for k in range(size):
        j = k + int(np.floor(rand() * (n - k)))
        idx[k], idx[j] = idx[j], idx[k]
    return np.sort(np.array(idx[:size]))


def normalize(z):
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)


def erank(s):
    if s.sum() <= 0:
        return 0.0
    p = s / s.sum() + 1e-7
    return float(np.exp(-(p * np.log(p)).sum()))


def dispersive(zn, t, pairs):
    s = zn.shape[0]
    sq = (zn * zn).sum(1)
    total = 0.0
    for i0 in range(0, s, 512):
        blk = zn[i0:i0 + 512]
        d = np.maximum(sq[i0:i0 + 512, None] + sq[None, :] - 2 * blk @ zn.T, 0)
        e = np.exp(-t * d)
        if pairs == 'offdiag':
            r = np.arange(blk.shape[0])
            e[r, i0 + r] = 0
        total += e.sum()
    return float(np.log(total / (s * (s - 1) if pairs == 'offdiag' else s * s)))


def modality(z, t, pairs, sample, dead_var=1e-8):
    n, d = z.shape
    s = np.linalg.svd(z, compute_uv=False)
    zc = z - z.mean(0)
    sc = np.linalg.svd(zc, compute_uv=False)
    ev = sc ** 2
    zn = normalize(z)
    tot = zn.sum(0)
    return {
        'dim': d,
        'effectiveRank': erank(s),
        'effectiveRankCentered': erank(sc),
        'stableRank': float((z * z).sum() / s[0] ** 2),
        'dispersiveLoss': dispersive(zn[sample], t, pairs),
        'spectrum': s.tolist(),
        'explainedVariance': (np.cumsum(ev) / ev.sum()).tolist(),
        'meanCosine': float((tot @ tot - (zn * zn).sum()) / (n * (n - 1))),
        'deadDimensionFraction': float((z.var(0) < dead_var).mean()),
        'pairwiseRows': int(len(sample)),
    }


def ranks(q, g):
    sim = q @ g.T
    pos = np.diag(sim)
    beat = sim > pos[:, None]
    np.fill_diagonal(beat, False)
    return 1 + beat.sum(1)


def rsummary(r):
    return {'r1': float((r <= 1).mean()), 'r5': float((r <= 5).mean()), 'r10': float((r <= 10).mean()),
            'medianRank': float(np.median(r))}


def cka(a, b):
    x = a - a.mean(0)
    y = b - b.mean(0)
    return float(np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))


def pair(na, a, nb, b, opts, sample):
    out = {'a': na, 'b': nb, 'linearCka': cka(a, b)}
    if a.shape[1] != b.shape[1]:
        out.update(anchoringLoss=None, drift=None, modalityGap=None, retrieval=None)
        return out
    za, zb = normalize(a), normalize(b)
    d = ((za - zb) ** 2).sum(1)
    h = np.maximum(d - opts['tau'], 0)
    counts, edges = np.histogram(np.clip(d, 0, 4), bins=40, range=(0, 4))
    out['anchoringLoss'] = float((h ** 2 if opts['hinge'] == 'squared' else h).mean())
    out['drift'] = {
        'mean': float(d.mean()), 'median': float(np.median(d)), 'p90': float(np.percentile(d, 90)),
        'p99': float(np.percentile(d, 99)), 'max': float(d.max()),
        'fractionBeyondTau': float((d > opts['tau']).mean()),
        'histogram': {'edges': edges.tolist(), 'counts': counts.tolist()},
    }
    out['modalityGap'] = float(np.linalg.norm(za.mean(0) - zb.mean(0)))
    qa, qb = za[sample], zb[sample]
    out['retrieval'] = {'aToB': rsummary(ranks(qa, qb)), 'bToA': rsummary(ranks(qb, qa)),
                        'galleryRows': int(len(sample))}
    return out


def warnings(mods, pairs, n, th):
    codes = []
    for name, m in mods.items():
        if m['effectiveRank'] < th['dimensionalCollapse'] * min(n, m['dim']):
            codes.append(['dimensional-collapse', name])
        if m['meanCosine'] > th['completeCollapse']:
            codes.append(['complete-collapse', name])
        if m['deadDimensionFraction'] > th['deadDimensions']:
            codes.append(['dead-dimensions', name])
    for p in pairs:
        key = p['a'] + '/' + p['b']
        if p['drift'] is not None and p['drift']['fractionBeyondTau'] > th['excessDrift']:
            codes.append(['excess-drift', key])
        if p['modalityGap'] is not None and p['modalityGap'] > th['modalityGap']:
            codes.append(['modality-gap', key])
    return codes


THRESHOLDS = {'dimensionalCollapse': 0.1, 'completeCollapse': 0.9, 'excessDrift': 0.5,
              'deadDimensions': 0.2, 'deadVariance': 1e-8, 'modalityGap': 0.5}
DEFAULTS = {'t': 2, 'tau': 0.5, 'pairs': 'offdiag', 'hinge': 'linear', 'maxPairwiseRows': 16384}


def datasets():
    rng = np.random.default_rng(20260601)
    # healthy: a shared 24-d latent seen by three encoders, with noise; widths 64, 64, 48
    n = 1000
    lat = rng.standard_normal((n, 24))
    audio = lat @ rng.standard_normal((24, 64)) + 0.6 * rng.standard_normal((n, 64))
    visual = audio + 3.0 * rng.standard_normal((n, 64))
    text = lat @ rng.standard_normal((24, 48)) + 0.8 * rng.standard_normal((n, 48))
    healthy = {'audio': audio, 'visual': visual, 'text': text}
    # collapsed: audio is one direction plus a faint rank-2 wobble; visual has 30% dead dimensions
    # and is unrelated to audio (large drift and gap)
    n = 600
    c = rng.standard_normal(64) * 3
    audio = c[None, :] + 0.4 * rng.standard_normal((n, 2)) @ rng.standard_normal((2, 64))
    visual = rng.standard_normal((n, 64)) + 1.5
    visual[:, :20] = 0.25
    collapsed = {'audio': audio, 'visual': visual}
    # wide: fewer rows than dimensions (the N x N Gram path)
    n = 40
    a = rng.standard_normal((n, 96))
    wide = {'left': a, 'right': a + 1.0 * rng.standard_normal((n, 96))}
    # large: N = 8192 for the dispersive loss, where one float32 reduction over N^2 values drifts
    large = {'audio': rng.standard_normal((8192, 32))}
    return {k: {m: v.astype(np.float32) for m, v in d.items()} for k, d in
            {'healthy': healthy, 'collapsed': collapsed, 'wide': wide, 'large': large}.items()}


CASES = [
    ('healthy', 'healthy', {}),
    ('healthy_variant', 'healthy', {'t': 1, 'tau': 0.3, 'pairs': 'all', 'hinge': 'squared'}),
    ('healthy_sampled', 'healthy', {'maxPairwiseRows': 300}),
    ('collapsed', 'collapsed', {}),
    ('wide', 'wide', {'hinge': 'squared'}),
    ('large', 'large', {}),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    data = datasets()
    files = {}
    for ds, mods in data.items():
        for name, z in mods.items():
            fn = f'{ds}_{name}.npy'
            np.save(os.path.join(OUT, fn), z)
            files.setdefault(ds, []).append([name, fn])
    cases = []
    for case, ds, over in CASES:
        opts = dict(DEFAULTS, **over)
        mods32 = data[ds]
        z64 = {k: v.astype(np.float64) for k, v in mods32.items()}
        n = next(iter(z64.values())).shape[0]
        size = opts['maxPairwiseRows'] if 0 < opts['maxPairwiseRows'] < n else n
        sample = sample_rows(n, size, PAIRWISE_SEED)
        mods = {k: modality(v, opts['t'], opts['pairs'], sample) for k, v in z64.items()}
        names = list(z64)
        prs = [pair(names[i], z64[names[i]], names[j], z64[names[j]], opts, sample)
               for i in range(len(names)) for j in range(i + 1, len(names))]
        cases.append({'case': case, 'files': files[ds], 'n': n, 'options': opts, 'sample': sample[:20].tolist(),
                      'modalities': mods, 'pairs': prs, 'warnings': warnings(mods, prs, n, THRESHOLDS)})
        print(case, 'warnings:', cases[-1]['warnings'],
              {k: round(m['dispersiveLoss'], 5) for k, m in mods.items()})
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump({'thresholds': THRESHOLDS, 'cases': cases}, f, indent=1)


if __name__ == '__main__':
    main()
