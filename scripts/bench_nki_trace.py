#!/usr/bin/env python3
"""NKI front-end speed per stage: instructions per second of CPU time (process time, user +
system, median of --repeat) of
  trace    - running the kernel as Python (trnsim_nki.tracer.trace_kernel: the NKI-level
             program, input arrays bound, kernel warnings checked),
  passes   - the compiler passes (compile_program without emission: dce, copy elimination,
             liveness, allocation, ...),
  emission - building the trace dict (compiler.emit_trace),
  json     - serialising that dict as the runner's JSON handoff (json.dumps),
and the sum of trace + passes + emission. "instructions" is the length of the emitted trace.
Kernels: tensor_add over an SPMD grid (4 instructions per program instance; --blocks sets
the grid), the calibration set's four matmul schedules and LayerNorm pair at their full
calibration shapes (--small: the calibration smoke-test shapes). Figures only, no assertion.
Usage: scripts/bench_nki_trace.py [--kernel NAME ...] [--blocks N] [--small] [--repeat R]
"""
import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import statistics
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, "kernels", "nki", "examples")
sys.path.insert(0, os.path.join(REPO, "kernels", "nki"))
sys.path.insert(0, EXAMPLES)
import trnsim_nki  # noqa: E402
from trnsim_nki import compiler  # noqa: E402
from trnsim_nki.tracer import trace_kernel  # noqa: E402

STAGES = ("trace", "passes", "emission", "json")


def _load_example(file_name, func_name):
    spec = importlib.util.spec_from_file_location("bench_" + func_name,
                                                  os.path.join(EXAMPLES, file_name))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, func_name)


def _tensor_add_case(blocks):
    cols = 8
    rows = max(1, blocks // cols)
    x = np.zeros((rows * 128, cols * 512), np.float32)
    return _load_example("tensor_add.py", "tensor_add"), (x, x), (rows, cols)


def _calibration_cases(small):
    """{name: (kernel, arrays, grid)} of the calibration set (calibrate.py's shapes/inputs)."""
    calibrate = importlib.import_module("calibration.calibrate")
    shapes = calibrate.SMALL if small else calibrate.FULL
    return {name: (kernel, calibrate.inputs(name.split("_")[0], shapes), ())
            for name, kernel in calibrate.KERNELS.items()}


@contextlib.contextmanager
def _timed_emission(sink):
    """Times compiler.emit_trace (looked up by compile_program in the compiler package)."""
    original = compiler.emit_trace

    def timed(*args, **kwargs):
        t0 = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            sink.append(time.process_time() - t0)

    compiler.emit_trace = timed
    try:
        yield
    finally:
        compiler.emit_trace = original


def measure_once(kernel, arrays, grid):
    """({stage: CPU seconds}, instructions emitted) of one trace + compile + JSON dump."""
    func = getattr(kernel, "func", kernel)
    emission = []
    t0 = time.process_time()
    tr = trace_kernel(func, arrays, grid=grid, target="trn2")
    t1 = time.process_time()
    with _timed_emission(emission):
        trace = tr.trace()
    t2 = time.process_time()
    text = json.dumps(trace)
    t3 = time.process_time()
    del text
    return ({"trace": t1 - t0, "passes": t2 - t1 - emission[0], "emission": emission[0],
             "json": t3 - t2}, len(trace["instructions"]))


def report(name, kernel, arrays, grid, repeat):
    runs = [measure_once(kernel, arrays, grid) for _ in range(repeat)]
    n = runs[0][1]
    med = {s: statistics.median(r[0][s] for r in runs) for s in STAGES}
    total = statistics.median(sum(r[0][s] for s in STAGES[:3]) for r in runs)
    rate = lambda t: n / t / 1e6 if t > 0 else float("inf")  # noqa: E731
    cells = " ".join("%s %7.3f s %6.3f M/s" % (s, med[s], rate(med[s])) for s in STAGES)
    print("%-17s %7d instr | %s | trace+passes+emission %7.3f s %6.3f M instr/s"
          % (name, n, cells, total, rate(total)), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", action="append", default=[],
                    help="only this kernel (repeatable): tensor_add or a calibration case")
    ap.add_argument("--blocks", type=int, default=4096,
                    help="tensor_add: [128, 512] blocks (grid size)")
    ap.add_argument("--small", action="store_true", help="calibration smoke-test shapes")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    if a.repeat < 1 or a.blocks < 1:
        ap.error("--repeat and --blocks must be >= 1")
    cases = {"tensor_add": _tensor_add_case(a.blocks)}
    cases.update(_calibration_cases(a.small))
    unknown = [k for k in a.kernel if k not in cases]
    if unknown:
        ap.error("unknown --kernel %s (choose from %s)" % (", ".join(unknown),
                                                          ", ".join(cases)))
    print("NKI front end, CPU seconds and M instructions/s per stage (median of %d)" % a.repeat)
    for name, (kernel, arrays, grid) in cases.items():
        if not a.kernel or name in a.kernel:
            report(name, kernel, arrays, grid, a.repeat)


if __name__ == "__main__":
    main()
