"""Writes test/fixtures/weights/: a small transformer-shaped model checkpoint and float64 numpy
reference values for the weights report (DESIGN.md section 2b, issue 9).

    pip install numpy safetensors torch
    python3 scripts/make_weights_fixtures.py

Files:
  base.safetensors        float32 model: tied word/lm_head embeddings, 2 encoder layers (q, k, v, o,
                          up, down, norms, biases), a conv kernel (8x3x3x3), a rank-1 (collapsed)
                          matrix, a NaN/Inf tensor, an int64 buffer
  base.pt                 the same state dict saved by torch.save (lm_head tied to the word
                          embeddings: one storage); absent when torch is not installed
  sharded/                base split in two safetensors shards with model.safetensors.index.json
  tuned.safetensors       float64 fine-tuned copy: every finite matrix of at least 4 x 4 gets an
                          update of exactly rank 4 (U V^T in float64, so dW = tuned - base is rank 4
                          to rounding); position embeddings change shape, the pooler is dropped and a
                          classifier added
  reference.json          per tensor: singular-value metrics from np.linalg.svd of the float64 matrix,
                          the power-law fit, summary statistics, NaN/Inf; per update: the metrics of dW

Committed, so `npm test` needs no Python. Deterministic: seeded generator.
"""
import json
import os
from collections import OrderedDict

import numpy as np
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'weights')
os.makedirs(os.path.join(OUT, 'sharded'), exist_ok=True)
rng = np.random.default_rng(20261130)

D, FF, VOCAB, POS = 32, 64, 100, 16


def mat(rows, cols, scale=None):
    s = scale if scale is not None else 1 / np.sqrt(cols)
    return (rng.standard_normal((rows, cols)) * s).astype(np.float32)


base = OrderedDict()
base['embeddings.word_embeddings.weight'] = mat(VOCAB, D, 0.5)
base['embeddings.position_embeddings.weight'] = mat(POS, D, 0.1)
base['embeddings.position_ids'] = np.arange(POS, dtype=np.int64).reshape(1, POS)
base['embeddings.LayerNorm.weight'] = (1 + 0.01 * rng.standard_normal(D)).astype(np.float32)
base['embeddings.LayerNorm.bias'] = (0.01 * rng.standard_normal(D)).astype(np.float32)
for i in range(2):
    p = f'encoder.layer.{i}.'
    for name in ('attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense'):
        base[p + name + '.weight'] = mat(D, D)
        base[p + name + '.bias'] = (0.02 * rng.standard_normal(D)).astype(np.float32)
    # heavy-tailed entries (Student t, 3 dof): a power-law-like spectrum tail
    base[p + 'intermediate.dense.weight'] = (rng.standard_t(3, (FF, D)) / np.sqrt(D)).astype(np.float32)
    base[p + 'intermediate.dense.bias'] = np.zeros(FF, dtype=np.float32)
    base[p + 'output.dense.weight'] = mat(D, FF)
    base[p + 'output.LayerNorm.weight'] = np.ones(D, dtype=np.float32)
base['encoder.layer.1.collapsed.weight'] = (np.outer(rng.standard_normal(48), rng.standard_normal(40)) * 0.1).astype(np.float32)
bad = mat(8, 8)
bad[2, 5] = np.nan
bad[6, 1] = np.inf
base['encoder.layer.1.broken.weight'] = bad
base['patch_embed.proj.weight'] = (rng.standard_normal((8, 3, 3, 3)) * 0.2).astype(np.float32)
base['pooler.dense.weight'] = mat(D, D)
base['lm_head.weight'] = base['embeddings.word_embeddings.weight'].copy()
save_file(dict(base), os.path.join(OUT, 'base.safetensors'))

# two shards and an index, as Hugging Face writes them
names = list(base.keys())
half = len(names) // 2
shard_names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']
for k, part in enumerate((names[:half], names[half:])):
    save_file({n: base[n] for n in part}, os.path.join(OUT, 'sharded', shard_names[k]))
index = {'metadata': {'total_size': int(sum(base[n].nbytes for n in names))},
         'weight_map': {n: shard_names[0 if j < half else 1] for j, n in enumerate(names)}}
with open(os.path.join(OUT, 'sharded', 'model.safetensors.index.json'), 'w') as f:
    json.dump(index, f, indent=2)

try:
    import torch
    sd = OrderedDict((n, torch.from_numpy(v.copy())) for n, v in base.items())
    sd['lm_head.weight'] = sd['embeddings.word_embeddings.weight']  # tied: one storage
    torch.save(sd, os.path.join(OUT, 'base.pt'))
    torch_version = torch.__version__
except ImportError:
    torch_version = None

tuned = OrderedDict()
for n, v in base.items():
    if n == 'pooler.dense.weight':
        continue
    if n == 'embeddings.position_embeddings.weight':
        tuned[n] = np.concatenate([v, mat(4, D, 0.1)]).astype(np.float64)
        continue
    if v.dtype != np.float32:
        tuned[n] = v
        continue
    w = v.astype(np.float64)
    if v.ndim >= 2 and np.all(np.isfinite(v)):
        m = w.reshape(v.shape[0], -1)
        if min(m.shape) >= 4:
            u = rng.standard_normal((m.shape[0], 4))
            vt = rng.standard_normal((4, m.shape[1]))
            m = m + 0.01 * (u @ vt) / np.sqrt(m.shape[1])
            w = m.reshape(v.shape)
    tuned[n] = w
tuned['classifier.weight'] = mat(3, D).astype(np.float64)
save_file(dict(tuned), os.path.join(OUT, 'tuned.safetensors'))


# ---- reference values (float64 throughout) ----

def effective_rank(s):
    total = s.sum()
    if not total > 0:
        return 0.0
    p = s / total + 1e-7
    return float(np.exp(-(p * np.log(p)).sum()))


def power_law(lam):
    """Clauset et al. 2009 continuous fit; KS as in plfit: max |(i-1)/n - P(x_i)| over the ascending tail.
    Eigenvalues at or below min(m, n) * eps * lambda_max are rounding noise of a Gram (the engine's
    route) and count as zero, as in src/engine/weights/matrix.ts."""
    floor = lam.size * np.finfo(np.float64).eps * lam.max()
    x = np.sort(lam[(lam > floor) & np.isfinite(lam)])[::-1]
    best = None
    for xmin in sorted(set(x.tolist()), reverse=True):
        tail = x[x >= xmin]
        n = tail.size
        if n < 10:
            continue
        s = np.log(tail / xmin).sum()
        if not s > 0:
            continue
        alpha = 1 + n / s
        asc = np.sort(tail)
        cdf = 1 - (asc / xmin) ** (1 - alpha)
        ks = float(np.max(np.abs(np.arange(n) / n - cdf)))
        if best is None or ks < best['ks']:
            best = {'value': float(alpha), 'xmin': float(xmin), 'ks': ks, 'tailCount': int(n)}
    return best


def summary(a):
    f = a[np.isfinite(a)]
    return {'count': int(f.size), 'mean': float(f.mean()), 'std': float(f.std()), 'min': float(f.min()), 'max': float(f.max())}


def spectral(m):
    s = np.linalg.svd(m, compute_uv=False)
    return {
        'effectiveRank': effective_rank(s),
        'stableRank': float((m * m).sum() / s[0] ** 2),
        'spectralNorm': float(s[0]),
        'frobeniusNorm': float(np.sqrt((m * m).sum())),
        'alpha': power_law(s ** 2),
        'spectrum': [float(v) for v in s],
    }


def tensor_ref(v):
    a = v.astype(np.float64)
    bad = ~np.isfinite(a)
    out = {'shape': list(v.shape), 'summary': summary(a), 'nonFinite': int(bad.sum())}
    if bad.any():
        flat = int(np.flatnonzero(bad.reshape(-1))[0])
        out['firstNonFinite'] = {'flatIndex': flat, 'index': [int(i) for i in np.unravel_index(flat, v.shape)]}
        return out
    if v.ndim >= 2 and v.shape[0] >= 2 and int(np.prod(v.shape[1:])) >= 2:
        out.update(spectral(a.reshape(v.shape[0], -1)))
    return out


ref = {'numpy': np.__version__, 'torch': torch_version, 'tensors': {}, 'updates': {}}
for n, v in base.items():
    if v.dtype.kind == 'f':
        ref['tensors'][n] = tensor_ref(v)
for n, v in base.items():
    if n not in tuned or v.dtype.kind != 'f' or tuned[n].shape != v.shape:
        continue
    a = v.astype(np.float64).reshape(v.shape[0], -1) if v.ndim >= 2 else v.astype(np.float64)
    b = tuned[n].astype(np.float64).reshape(a.shape)
    dw = b - a
    if not np.all(np.isfinite(dw)):
        ref['updates'][n] = {'nonFinite': True}
        continue
    fro = float(np.sqrt((dw * dw).sum()))
    na = float(np.sqrt((a * a).sum()))
    u = {'deltaFrobenius': fro, 'relativeChange': 0.0 if fro == 0 else (fro / na if na > 0 else None)}
    if dw.ndim == 2 and min(dw.shape) >= 2 and fro > 0:
        s = np.linalg.svd(dw, compute_uv=False)
        u.update({'deltaEffectiveRank': effective_rank(s), 'deltaStableRank': float((dw * dw).sum() / s[0] ** 2),
                  'deltaSpectralNorm': float(s[0]), 'numericalRank': int((s > s[0] * 1e-10).sum())})
    ref['updates'][n] = u
ref['onlyInA'] = [n for n in base if n not in tuned]
ref['onlyInB'] = [n for n in tuned if n not in base]
ref['shapeChanged'] = [n for n in base if n in tuned and tuned[n].shape != base[n].shape]
with open(os.path.join(OUT, 'reference.json'), 'w') as f:
    json.dump(ref, f, indent=1)
print('wrote', OUT)
