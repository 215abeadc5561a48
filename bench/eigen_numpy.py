"""numpy's eigvalsh on the d x d float64 matrices bench/eigen-vs-numpy.ts wrote (raw little-endian
float64, row-major): best-of-reps seconds and the eigenvalues (descending) for the comparison."""
import sys, time, json
import numpy as np

out = {}
for arg in sys.argv[1:]:
    path, d, reps = arg.split(':')
    d = int(d); reps = int(reps)
    a = np.fromfile(path, dtype='<f8').reshape(d, d)
    best = float('inf')
    for _ in range(reps):
        t = time.perf_counter()
        w = np.linalg.eigvalsh(a)
        best = min(best, time.perf_counter() - t)
    w[::-1].astype('<f8').tofile(path + '.numpy')
    out[str(d)] = best
print(json.dumps({'seconds': out, 'numpy': np.__version__}))
