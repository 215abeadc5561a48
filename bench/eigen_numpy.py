"""numpy's eigvalsh on the d x d float64 matrices bench/eigen-vs-numpy.ts wrote (raw little-endian
float64, row-major): best-of-reps wall and CPU seconds and the eigenvalues (descending) for the
comparison. Threads: whatever OPENBLAS_NUM_THREADS says (the caller sets it)."""
import sys, time, json
import numpy as np

out = {}
cpu = {}
for arg in sys.argv[1:]:
    path, d, reps = arg.split(':')
    d = int(d); reps = int(reps)
    a = np.fromfile(path, dtype='<f8').reshape(d, d)
    best = float('inf')
    best_cpu = float('inf')
    for _ in range(reps):
        c = time.process_time()
        t = time.perf_counter()
        w = np.linalg.eigvalsh(a)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    w[::-1].astype('<f8').tofile(path + '.numpy')
    out[str(d)] = best
    cpu[str(d)] = best_cpu
print(json.dumps({'seconds': out, 'cpu': cpu, 'numpy': np.__version__}))
