#!/usr/bin/env python3
"""NKI front-end tracing speed: traces the tensor_add example over a grid (4 instructions per
program instance) and prints instructions traced per second of CPU time, median of --repeat.
Figures only, no assertion. Usage: scripts/bench_nki_trace.py [--blocks N] [--repeat R]"""
import argparse
import importlib.util
import os
import statistics
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "kernels", "nki"))
import trnsim_nki  # noqa: E402


def load_tensor_add():
    path = os.path.join(REPO, "kernels", "nki", "examples", "tensor_add.py")
    spec = importlib.util.spec_from_file_location("bench_tensor_add", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.tensor_add


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=4096, help="[128, 512] blocks (grid size)")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    kernel = load_tensor_add()
    cols = 8
    rows = max(1, a.blocks // cols)
    x = np.zeros((rows * 128, cols * 512), np.float32)
    times, n = [], 0
    for _ in range(a.repeat):
        t0 = time.process_time()
        trace = trnsim_nki.trace(kernel[rows, cols], x, x)
        times.append(time.process_time() - t0)
        n = len(trace["instructions"])
    t = statistics.median(times)
    print("nki trace:    %d instructions in %.3f s CPU (median of %d): %.3f M instructions/s"
          % (n, t, a.repeat, n / t / 1e6))


if __name__ == "__main__":
    main()
