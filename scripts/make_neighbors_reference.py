#!/usr/bin/env python3
"""Reference numbers for neighbours, movers and per-class geometry (issue 12), from numpy.

Writes test/fixtures/neighbors/:
  a.npz, b.npz     two checkpoints of the same 240 rows: audio (16 wide), visual (16), text (12),
                   labels (6 classes of 40; class 5 of audio collapsed onto 2 directions). b moves
                   class 0's audio rows, so their neighbourhoods change and the rest stay put.
                   Exact ties: audio row 7 == row 3, audio row 11 == 2 x row 3 (same cosine).
  expected.json    neighbour lists (own and paired modality, partner rank) of a, movers Jaccard
                   per row from a to b (all rows, and a seeded sample of 100), per-class numbers of b.

Similarities are exactly rounded float64 sums (math.fsum) of the float32 values, so identical
rows give identical similarities and ties are real ties; ties go to the smaller row index.
Run: python3 scripts/make_neighbors_reference.py
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import PAIRWISE_SEED, erank, sample_rows  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'neighbors')
N, CLASSES = 240, 6


def make():
    rng = np.random.default_rng(12)
    labels = np.repeat(np.arange(CLASSES), N // CLASSES).astype(np.int64)
    centers = rng.normal(size=(CLASSES, 16)) * 1.5
    audio = centers[labels] + rng.normal(size=(N, 16))
    # class 5 of audio: every row on two directions (its effective rank near 2)
    c5 = labels == 5
    basis = rng.normal(size=(2, 16))
    audio[c5] = rng.normal(size=(c5.sum(), 2)) @ basis
    visual = audio + 0.6 * rng.normal(size=(N, 16))
    text = rng.normal(size=(N, 12)) + centers[labels][:, :12]
    audio = audio.astype(np.float32)
    audio[7] = audio[3]
    audio[11] = audio[3] * np.float32(2)
    visual = visual.astype(np.float32)
    text = text.astype(np.float32)
    # checkpoint b: class 0's audio rows shuffled among themselves plus noise; everything else the same
    audio_b = audio.copy()
    c0 = np.where(labels == 0)[0]
    audio_b[c0] = (audio[rng.permutation(c0)] + rng.normal(size=(len(c0), 16)) * 2).astype(np.float32)
    visual_b = visual.copy()
    return labels, audio, visual, text, audio_b, visual_b


def norm(v):
    return math.sqrt(math.fsum(float(x) * float(x) for x in v))


def cosines(q, g):
    """cosine of row q (float32) with every row of g, as src/engine/neighbors.ts defines it"""
    q64 = q.astype(np.float64)
    qn = q64 / max(norm(q64), 1e-12)
    g64 = g.astype(np.float64)
    return np.array([math.fsum(qn * row) / max(norm(row), 1e-12) for row in g64])


def top_k(sims, k, exclude=None):
    rows = np.arange(len(sims))
    keep = rows != exclude if exclude is not None else np.ones(len(sims), bool)
    order = np.lexsort((rows[keep], -sims[keep]))
    return [int(r) for r in rows[keep][order][:k]]


def partner_rank(sims, partner):
    return 1 + int(np.sum(sims > sims[partner]))


def neighbour_case(mods, labels, modality, row, k):
    q = mods[modality][row]
    lists = []
    own = cosines(q, mods[modality])
    rows = top_k(own, k, exclude=row)
    lists.append({'modality': modality, 'rows': rows, 'similarities': [float(own[r]) for r in rows],
                  'labels': [int(labels[r]) for r in rows], 'partnerRank': None})
    for name, m in mods.items():
        if name == modality or m.shape[1] != mods[modality].shape[1]:
            continue
        sims = cosines(q, m)
        rows = top_k(sims, k)
        lists.append({'modality': name, 'rows': rows, 'similarities': [float(sims[r]) for r in rows],
                      'labels': [int(labels[r]) for r in rows], 'partnerRank': partner_rank(sims, row)})
    return {'modality': modality, 'row': row, 'k': k, 'label': int(labels[row]), 'lists': lists}


def unit_rows(z):
    z64 = z.astype(np.float64)
    return np.array([r / max(norm(r), 1e-12) for r in z64])


def knn_all(z, k):
    u = unit_rows(z)
    s = len(u)
    out = []
    for i in range(s):
        sims = np.array([math.fsum(u[i] * u[j]) for j in range(s)])
        out.append(top_k(sims, k, exclude=i))
    return out


def jaccard(a, b):
    return [len(set(x) & set(y)) / len(set(x) | set(y)) for x, y in zip(a, b)]


def histogram(values, bins=20):
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(math.floor(v * bins))))] += 1
    return counts


def movers(za, zb, k, max_rows):
    rows = sample_rows(len(za), max_rows, PAIRWISE_SEED) if max_rows else np.arange(len(za))
    kk = min(k, len(rows) - 1)
    j = jaccard(knn_all(za[rows], kk), knn_all(zb[rows], kk))
    return {'k': kk, 'maxRows': max_rows, 'rows': [int(r) for r in rows], 'jaccard': j, 'histogram': histogram(j)}


def class_numbers(mods, labels):
    out = []
    for c in sorted(set(labels.tolist())):
        idx = np.where(labels == c)[0]
        entry = {'label': int(c), 'count': int(len(idx)), 'modalities': {}, 'pairs': []}
        for name, m in mods.items():
            z = m[idx].astype(np.float64)
            s = np.linalg.svd(z, compute_uv=False)
            sc = np.linalg.svd(z - z.mean(0), compute_uv=False)
            u = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
            g = u @ u.T
            n = len(idx)
            mc = float((g.sum() - np.trace(g)) / (n * (n - 1)))
            entry['modalities'][name] = {'effectiveRank': erank(s), 'effectiveRankCentered': erank(sc), 'meanCosine': mc}
        for a, b in [('audio', 'visual')]:
            ua = mods[a].astype(np.float64)
            ub = mods[b].astype(np.float64)
            ua /= np.maximum(np.linalg.norm(ua, axis=1, keepdims=True), 1e-12)
            ub /= np.maximum(np.linalg.norm(ub, axis=1, keepdims=True), 1e-12)
            drift = ((ua - ub) ** 2).sum(1)
            sim = ua @ ub.T
            pos = np.diag(sim)
            r_ab = 1 + (sim > pos[:, None]).sum(1)
            r_ba = 1 + (sim > pos[None, :]).sum(0)
            entry['pairs'].append({'a': a, 'b': b, 'driftMean': float(drift[idx].mean()),
                                   'r1': float((r_ab[idx] <= 1).mean()), 'r1BToA': float((r_ba[idx] <= 1).mean()),
                                   'retrievalRows': int(len(idx))})
        out.append(entry)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    labels, audio, visual, text, audio_b, visual_b = make()
    np.savez(os.path.join(OUT, 'a.npz'), audio=audio, visual=visual, text=text, labels=labels)
    np.savez(os.path.join(OUT, 'b.npz'), audio=audio_b, visual=visual_b, text=text, labels=labels)
    mods = {'audio': audio, 'visual': visual, 'text': text}
    cases = [neighbour_case(mods, labels, 'audio', 3, 5), neighbour_case(mods, labels, 'audio', 0, 10),
             neighbour_case(mods, labels, 'visual', 100, 7), neighbour_case(mods, labels, 'text', 239, 4),
             neighbour_case(mods, labels, 'audio', 200, 239)]
    expected = {
        'neighbors': cases,
        'movers': {'audio': movers(audio, audio_b, 10, 0), 'visual': movers(visual, visual_b, 10, 0),
                   'audioSampled': movers(audio, audio_b, 5, 100)},
        # per-class numbers of b: its class 0 has no exact duplicate rows (a's rows 3, 7, 11 of audio are
        # one direction), whose retrieval ties a float32 kernel cannot resolve in the partner's favour
        'classes': class_numbers({'audio': audio_b, 'visual': visual_b, 'text': text}, labels),
    }
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
    print('wrote', OUT)


if __name__ == '__main__':
    main()
