#!/usr/bin/env python3
"""Files nobody on this team wrote, and what numpy makes of them (issue "Hardening": the property).

- numpy-data/: numpy's own test data files (numpy/lib/tests/data of the installed numpy), copied.
- format/: every array of numpy's test_format.py (basic_arrays, record_arrays), saved by np.save:
  every dtype, both byte orders, C and Fortran order, 0-d, empty, object and structured arrays.
- npz/: each 2-D float array of format/ beside members no embedding reader can use (file names as
  strings, pickled objects, a structured array, complex numbers), by np.savez and np.savez_compressed.

expected.json says, per file, what `dagr inspect` must do: for every 2-D float member with at least
2 rows and 2 columns, numpy's float64 metrics (effective rank, stable rank, mean cosine, largest
singular value); for every member of a dtype that is not a plain number (object, string, bytes,
structured, complex, datetime), that it is named as skipped. Run: python3 scripts/make_foreign_corpus.py
"""
import json
import os
import shutil
import warnings

import numpy as np
import numpy.lib.tests.test_format as tf

from make_range_fixtures import effective_rank

ROOT = os.path.join(os.path.dirname(__file__), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'foreign')
UNREADABLE_KINDS = set('OUSVcMm')


def metrics(z):
    z = np.asarray(z, dtype=np.float64)
    s = np.linalg.svd(z, compute_uv=False)
    n = np.linalg.norm(z, axis=1, keepdims=True)
    u = np.divide(z, np.maximum(n, 1e-12))
    tot = u.sum(axis=0)
    rows = len(u)
    return {
        'effectiveRank': effective_rank(s),
        'stableRank': float((z * z).sum() / s[0] ** 2) if s[0] > 0 else 0.0,
        'sigmaMax': float(s[0]),
        'meanCosine': float((tot @ tot - (u * u).sum()) / (rows * (rows - 1))),
    }


def describe(members):
    """members: name -> array as numpy loads it."""
    out = {'modalities': {}, 'skipped': [], 'other': []}
    for name, a in members.items():
        kind = a.dtype.kind
        if kind in UNREADABLE_KINDS:
            out['skipped'].append(name)
        elif kind == 'f' and a.ndim == 2 and a.shape[0] >= 2 and a.shape[1] >= 2 and np.isfinite(a).all() and (a != 0).any():
            out['modalities'][name] = metrics(a)
        else:
            out['other'].append(name)
    return out


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    expected = {}

    src = os.path.join(os.path.dirname(np.__file__), 'lib', 'tests', 'data')
    os.makedirs(os.path.join(OUT, 'numpy-data'))
    for f in sorted(os.listdir(src)):
        if not f.endswith(('.npy', '.npz')):
            continue
        dst = os.path.join(OUT, 'numpy-data', f)
        shutil.copyfile(os.path.join(src, f), dst)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            loaded = np.load(dst, allow_pickle=True, encoding='latin1')
            members = {k: loaded[k] for k in loaded.files} if hasattr(loaded, 'files') else {f[:-4]: loaded}
        expected['numpy-data/' + f] = describe(members)

    os.makedirs(os.path.join(OUT, 'format'))
    floats = []
    for i, a in enumerate(tf.basic_arrays + tf.record_arrays):
        order = 'F' if a.ndim > 1 and a.flags.f_contiguous and not a.flags.c_contiguous else 'C'
        shape = 'x'.join(str(s) for s in a.shape) or 'scalar'
        code = a.dtype.str.replace('|', '').replace('<', 'le').replace('>', 'be') if a.dtype.names is None else 'record'
        name = f'{i:03d}_{code}_{shape}_{order}'
        np.save(os.path.join(OUT, 'format', name + '.npy'), a, allow_pickle=True)
        expected['format/' + name + '.npy'] = describe({name: a})
        if a.dtype.kind == 'f' and a.ndim == 2:
            floats.append((name, a))

    os.makedirs(os.path.join(OUT, 'npz'))
    for j, (name, a) in enumerate(floats):
        n = a.shape[0]
        members = {
            'emb': a,
            'ids': np.array([f'img_{k:04d}.png' for k in range(n)]),
            'keys': np.array([f'k{k}'.encode() for k in range(n)]),
            'meta': np.array([{'row': k} for k in range(n)], dtype=object),
            'rec': np.zeros(n, dtype=[('id', '<i4'), ('score', '<f8')]),
            'phase': np.exp(1j * np.arange(n * 2.0)).reshape(n, 2),
            'labels': np.arange(n) % 3,
        }
        save = np.savez_compressed if j % 2 else np.savez
        fname = f'{name}_with_strings_objects.npz'
        save(os.path.join(OUT, 'npz', fname), **members)
        expected['npz/' + fname] = describe(members)

    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f'{len(expected)} files, {total / 1e6:.2f} MB')


if __name__ == '__main__':
    main()
