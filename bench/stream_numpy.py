#!/usr/bin/env python3
"""Helpers of bench/stream-memory.ts (issue 10 part 2).

write ROOT N D SHARD_ROWS SEED: a seeded LAION-style shard folder, ROOT/img_emb/img_emb_0000.npy and
  ROOT/text_emb/text_emb_0000.npy ..., float16, N rows of width D in shards of SHARD_ROWS rows
  (rows: a rank-64 signal plus noise; text = 0.8 * image + noise), written in chunks so the writer
  itself needs little memory.
sums ROOT: the same one-pass sums the streaming engine does, with np.load(mmap_mode="r") over
  every shard in blocks: float64 column means and centered co-moments merged by Chan, Golub &
  LeVeque, the cross co-moment of the pair, the normalized row sums and the drift moments. Prints
  JSON: seconds, peak RSS (ru_maxrss, which counts the mapped file pages the process touched), rows.
drop ROOT: asks the kernel to drop the cached pages of the shard files (posix_fadvise DONTNEED), so
  the next reader reads the disk rather than the page cache; other processes' caches are untouched.
"""
import glob
import json
import os
import resource
import sys
import time

import numpy as np

BLOCK = 8192


def write(root, n, d, shard_rows, seed):
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((64, d)).astype(np.float32) / 8
    for mod in ('img_emb', 'text_emb'):
        os.makedirs(os.path.join(root, mod), exist_ok=True)
    k = 0
    for s in range(0, n, shard_rows):
        rows = min(shard_rows, n - s)
        name = f'{k:04d}'
        a = np.lib.format.open_memmap(os.path.join(root, 'img_emb', f'img_emb_{name}.npy'), 'w+', np.float16, (rows, d))
        b = np.lib.format.open_memmap(os.path.join(root, 'text_emb', f'text_emb_{name}.npy'), 'w+', np.float16, (rows, d))
        for c in range(0, rows, 65536):
            e = min(rows, c + 65536)
            sig = rng.standard_normal((e - c, 64), dtype=np.float32) @ basis
            x = sig + 0.05 * rng.standard_normal((e - c, d), dtype=np.float32)
            a[c:e] = x
            b[c:e] = 0.8 * x + 0.05 * rng.standard_normal((e - c, d), dtype=np.float32)
        a.flush()
        b.flush()
        del a, b
        k += 1


def shards(root):
    a = sorted(glob.glob(os.path.join(root, 'img_emb', '*.npy')))
    b = sorted(glob.glob(os.path.join(root, 'text_emb', '*.npy')))
    return list(zip(a, b))


def chan(acc, n_b, mean_b, c_b):
    n_a, mean_a, c_a = acc
    if n_a == 0:
        return n_b, mean_b, c_b
    n = n_a + n_b
    delta = mean_b - mean_a
    return n, mean_a + delta * (n_b / n), c_a + c_b + np.outer(delta, delta) * (n_a * n_b / n)


def sums(root):
    t0 = time.perf_counter()
    d = None
    rows = 0
    for fa, fb in shards(root):
        ma = np.load(fa, mmap_mode='r')
        mb = np.load(fb, mmap_mode='r')
        if d is None:
            d = ma.shape[1]
            acc_a = (0, np.zeros(d), np.zeros((d, d)))
            acc_b = (0, np.zeros(d), np.zeros((d, d)))
            cross = np.zeros((d, d))
            norm_a = np.zeros(d)
            norm_b = np.zeros(d)
            drift_sum = 0.0
        for s in range(0, ma.shape[0], BLOCK):
            xa = np.asarray(ma[s:s + BLOCK], dtype=np.float64)
            xb = np.asarray(mb[s:s + BLOCK], dtype=np.float64)
            nb = xa.shape[0]
            mean_a, mean_b = xa.mean(axis=0), xb.mean(axis=0)
            ca, cb = xa - mean_a, xb - mean_b
            # the cross term's Chan update needs both old means
            if acc_a[0] > 0:
                w = acc_a[0] * nb / (acc_a[0] + nb)
                cross += ca.T @ cb + np.outer(mean_a - acc_a[1], mean_b - acc_b[1]) * w
            else:
                cross = ca.T @ cb
            acc_a = chan(acc_a, nb, mean_a, ca.T @ ca)
            acc_b = chan(acc_b, nb, mean_b, cb.T @ cb)
            za = xa / np.maximum(np.linalg.norm(xa, axis=1, keepdims=True), 1e-12)
            zb = xb / np.maximum(np.linalg.norm(xb, axis=1, keepdims=True), 1e-12)
            norm_a += za.sum(axis=0)
            norm_b += zb.sum(axis=0)
            drift_sum += float(np.sum((za - zb) ** 2))
            rows += nb
        del ma, mb
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({'seconds': secs, 'peakRss': peak, 'rows': rows, 'driftMean': drift_sum / rows,
                      'trace': float(np.trace(acc_a[2]))}))


def drop(root):
    for pair in shards(root):
        for f in pair:
            fd = os.open(f, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'write':
        write(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    elif cmd == 'sums':
        sums(sys.argv[2])
    elif cmd == 'drop':
        drop(sys.argv[2])
    else:
        raise SystemExit(f'unknown command {cmd}')
