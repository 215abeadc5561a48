#!/usr/bin/env python3
"""Float64 reference of the dispersive loss over a range of t, and of the anchoring loss at tau
near 0 and 4, for test/unit/engine-dispersive-t.test.ts.

Inputs are committed files only: test/fixtures/reference/{healthy_audio,collapsed_audio,
large_audio,healthy_visual}.npy (written by scripts/make_reference.py) and
examples/healthy.safetensors (the CLI check). Writes test/fixtures/reference/dispersive_t.json.

Definitions as in DESIGN.md section 2, in float64: rows normalized by max(||z||, 1e-12);
L_disp = log(mean over pairs of exp(-t ||z_i - z_j||^2)) evaluated as a log-sum-exp (per row
with the diagonal masked to -inf, then across rows), so large t neither underflows nor loses the
off-diagonal terms next to exp(0) = 1. With pairs 'all' the N diagonal terms are exactly 1 each.
Run: python3 scripts/make_dispersive_reference.py
"""
import json
import os
import struct

import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), '..')
REF = os.path.join(ROOT, 'test', 'fixtures', 'reference')
T_VALUES = [0.5, 2, 10, 20, 50, 200]
TAUS = [0, 1e-6, 0.01, 0.5, 2, 3.9, 3.99, 4]


def normalize(z):
    z = z.astype(np.float64)
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)


def lse(v):
    v = np.asarray(v, dtype=np.float64)
    m = v.max()
    if not np.isfinite(m):
        return float(m)
    return float(m + np.log(np.exp(v - m).sum()))


def dispersive(zn, t, pairs, block=1024):
    """log(mean exp(-t d_ij)); the off-diagonal part by a masked per-row log-sum-exp"""
    s = zn.shape[0]
    sq = (zn * zn).sum(1)
    rows = np.empty(s)
    for i0 in range(0, s, block):
        blk = zn[i0:i0 + block]
        d = np.maximum(sq[i0:i0 + block, None] + sq[None, :] - 2 * blk @ zn.T, 0)
        x = -t * d
        r = np.arange(blk.shape[0])
        x[r, i0 + r] = -np.inf
        m = x.max(1)
        rows[i0:i0 + block] = m + np.log(np.exp(x - m[:, None]).sum(1))
    off = lse(rows)
    if pairs == 'offdiag':
        return off - np.log(s * (s - 1))
    return float(np.logaddexp(off, np.log(s)) - np.log(s * s))


def anchoring(za, zb, tau, hinge):
    d = ((za - zb) ** 2).sum(1)
    h = np.maximum(d - tau, 0)
    return float((h * h if hinge == 'squared' else h).mean())


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    out = {}
    for name, e in header.items():
        if name == '__metadata__' or e['dtype'] != 'F32':
            continue
        a, b = e['data_offsets']
        out[name] = np.frombuffer(body[a:b], dtype='<f4').reshape(e['shape'])
    return out


def main():
    inputs = {
        'healthy_audio': np.load(os.path.join(REF, 'healthy_audio.npy')),
        'collapsed_audio': np.load(os.path.join(REF, 'collapsed_audio.npy')),
        'large_audio': np.load(os.path.join(REF, 'large_audio.npy')),
    }
    ex = read_safetensors(os.path.join(ROOT, 'examples', 'healthy.safetensors'))
    cases = []
    for name, z in inputs.items():
        zn = normalize(z)
        ts = T_VALUES if name != 'large_audio' else [0.5, 2, 10, 50, 200]
        for t in ts:
            for pairs in ('offdiag', 'all'):
                v = dispersive(zn, t, pairs)
                cases.append({'file': f'{name}.npy', 'rows': int(z.shape[0]), 't': t, 'pairs': pairs, 'dispersiveLoss': v})
                print(name, t, pairs, v)
    example = {}
    for name, z in ex.items():
        example[name] = {str(t): dispersive(normalize(z), t, 'offdiag') for t in (2, 20)}
    print('example', example)
    za = normalize(np.load(os.path.join(REF, 'healthy_audio.npy')))
    zb = normalize(np.load(os.path.join(REF, 'healthy_visual.npy')))
    drift = ((za - zb) ** 2).sum(1)
    anc = [{'tau': tau, 'hinge': h, 'anchoringLoss': anchoring(za, zb, tau, h)}
           for tau in TAUS + [float(np.median(drift)), float(drift.max()) - 1e-6] for h in ('linear', 'squared')]
    with open(os.path.join(REF, 'dispersive_t.json'), 'w') as f:
        json.dump({'dispersive': cases, 'example': {'file': 'examples/healthy.safetensors', 'dispersiveLoss': example},
                   'anchoring': {'files': ['healthy_audio.npy', 'healthy_visual.npy'], 'cases': anc}}, f, indent=1)


if __name__ == '__main__':
    main()
