"""numpy side of bench/weights-vs-numpy.ts (not a test).

    python3 bench/weights_numpy.py OUT_DIR [--layers 12] [--skip-svd]

Writes OUT_DIR/bert-f32.safetensors and OUT_DIR/bert-f64.safetensors: the 74 matrices of a
BERT-base-shaped checkpoint (word embeddings 30522x768, position embeddings 512x768, and per layer
q, k, v, o 768x768, intermediate 3072x768, output 768x3072), random normal values (seeded), the
float64 file holding the float32 values exactly. One matrix is generated at a time; each file is
written header first, then tensor by tensor. For each matrix it times
np.linalg.svd(W, compute_uv=False) on the float32 array and on its float64 copy, and prints JSON:
per matrix the two times and the float64 reference metrics (DESIGN.md section 2b).
"""
import json
import os
import sys
import time

import numpy as np

out = sys.argv[1]
layers = int(sys.argv[sys.argv.index('--layers') + 1]) if '--layers' in sys.argv else 12
skip_svd = '--skip-svd' in sys.argv
os.makedirs(out, exist_ok=True)

shapes = [('bert.embeddings.word_embeddings.weight', (30522, 768)), ('bert.embeddings.position_embeddings.weight', (512, 768))]
for i in range(layers):
    p = f'bert.encoder.layer.{i}.'
    shapes += [(p + 'attention.self.query.weight', (768, 768)), (p + 'attention.self.key.weight', (768, 768)),
               (p + 'attention.self.value.weight', (768, 768)), (p + 'attention.output.dense.weight', (768, 768)),
               (p + 'intermediate.dense.weight', (3072, 768)), (p + 'output.dense.weight', (768, 3072))]


def header(dtype, size):
    h, at = {}, 0
    for name, (r, c) in shapes:
        h[name] = {'dtype': dtype, 'shape': [r, c], 'data_offsets': [at, at + r * c * size]}
        at += r * c * size
    b = json.dumps(h).encode()
    b += b' ' * (-len(b) % 8)
    return len(b).to_bytes(8, 'little') + b


def effective_rank(s):
    p = s / s.sum() + 1e-7
    return float(np.exp(-(p * np.log(p)).sum()))


paths = {'f32': os.path.join(out, 'bert-f32.safetensors'), 'f64': os.path.join(out, 'bert-f64.safetensors')}
fresh = not all(os.path.exists(p) for p in paths.values())
files = {k: open(p, 'wb') for k, p in paths.items()} if fresh else {}
if fresh:
    files['f32'].write(header('F32', 4))
    files['f64'].write(header('F64', 8))
rng = np.random.default_rng(9)
rows = []
for name, shape in shapes:
    w32 = (rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02))
    w64 = w32.astype(np.float64)
    if fresh:
        files['f32'].write(w32.tobytes())
        files['f64'].write(w64.tobytes())
    if skip_svd:
        continue
    t0 = time.perf_counter()
    np.linalg.svd(w32, compute_uv=False)
    t32 = time.perf_counter() - t0
    t0 = time.perf_counter()
    s = np.linalg.svd(w64, compute_uv=False)
    t64 = time.perf_counter() - t0
    rows.append({'name': name, 'shape': list(shape), 'secondsF32': t32, 'secondsF64': t64,
                 'spectralNorm': float(s[0]), 'effectiveRank': effective_rank(s),
                 'stableRank': float((w64 * w64).sum() / s[0] ** 2)})
for f in files.values():
    f.close()
cfg = np.__config__
print(json.dumps({'numpy': np.__version__, 'threads': os.environ.get('OMP_NUM_THREADS'), 'matrices': rows, 'files': paths}))
