"""numpy's f32 GEMM (OpenBLAS sgemm) on the same cases as `examples/gemm.rs`, same output format.

Run (OpenBLAS reads its thread count at start-up, hence one process per count):
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 python3 numpy_gemm.py 2
Not used by any test.
"""
import sys
import time

import numpy as np

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1


def median_seconds(f, budget=1.0):
    f()
    start = time.perf_counter()
    f()
    once = max(time.perf_counter() - start, 1e-6)
    reps = min(max(int(budget / once), 3), 200)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return sorted(times)[reps // 2]


cases = [(s, s, s) for s in (256, 512, 1024, 2048)]
cases += [(32, 128 * 26 * 26, 9), (64, 128 * 11 * 11, 32 * 9), (64, 128 * 3 * 3, 64 * 9)]
for m, n, k in cases:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    secs = median_seconds(lambda: np.matmul(a, b, out=c))
    print(f"gemm m={m} n={n} k={k} threads={threads} gflops={2 * m * n * k / secs / 1e9:.1f}")
