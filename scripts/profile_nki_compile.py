"""Times in CPU seconds (and optionally cProfiles) tracing and compiling matmul_tiled from
kernels/nki/examples/calibration/matmul_variants.py.

    python3 scripts/profile_nki_compile.py 2048 1024 2048 [--profile] [--kernel matmul_tiled]
"""
import argparse
import cProfile
import os
import pstats
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "kernels", "nki"))
sys.path.insert(0, os.path.join(ROOT, "kernels", "nki", "examples"))
sys.path.insert(0, os.path.join(ROOT, "kernels", "nki", "examples", "calibration"))

import numpy as np  # noqa: E402

import trnsim_nki  # noqa: E402
import matmul_variants  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("K", type=int)
    ap.add_argument("M", type=int)
    ap.add_argument("N", type=int)
    ap.add_argument("--kernel", default="matmul_tiled")
    ap.add_argument("--target", default="trn1")
    ap.add_argument("--dtype", default="bfloat16")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    kernel = getattr(matmul_variants, a.kernel)
    lhsT = trnsim_nki.as_dtype(np.zeros((a.K, a.M), np.float32), a.dtype)
    rhs = trnsim_nki.as_dtype(np.zeros((a.K, a.N), np.float32), a.dtype)
    func = kernel.func if isinstance(kernel, trnsim_nki.Kernel) else kernel
    prof = cProfile.Profile() if a.profile else None
    if prof:
        prof.enable()
    t0 = time.process_time()
    tr = trnsim_nki.trace_kernel(func, (lhsT, rhs), target=a.target)
    t1 = time.process_time()
    n = len(tr.program.instructions)
    ntiles = len(tr.program.tiles)
    trace = tr.trace()
    t2 = time.process_time()
    if prof:
        prof.disable()
    print("%s K=%d M=%d N=%d: %d instructions, %d tiles; trace %.2f s, compile %.2f s, "
          "total %.2f s, %.0f instructions/s"
          % (a.kernel, a.K, a.M, a.N, n, ntiles, t1 - t0, t2 - t1, t2 - t0, n / (t2 - t0)))
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(a.top)
    return trace


if __name__ == "__main__":
    main()
