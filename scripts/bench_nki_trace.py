#!/usr/bin/env python3
"""NKI front-end speed per stage: instructions per second of CPU time (process time, user +
system, median of --repeat) of
  trace    - running the kernel as Python (trnsim_nki.tracer.trace_kernel: the NKI-level
             program, input arrays bound, kernel warnings checked),
  passes   - the compiler passes (compile_program without emission: dce, copy elimination,
             liveness, allocation, ...),
  emission - building the trace dict (compiler.emit_trace),
  handoff  - encoding that dict as the runner hands it to trnsim: a binary trace
             (trace_binary.encode), or JSON (json.dumps) for a trace the binary writer
             leaves to the JSON reader,
and the sum of trace + passes + emission. "instructions" is the length of the emitted trace.
--simulate also times `trnsim run --timing-only --timeline none` on the handed-over trace (whole
process, CPU time of the child, median of --repeat) with its peak RSS per instruction: real
kernels' traces, unlike the synthetic program of `trnsim bench`, declare a tile per loop
iteration and spread most instructions over 16 DMA queues.
--cli also times the whole command an author runs, `trnsim nki FILE.py::KERNEL -i NAME=FILE.npy
--timing-only` (default timeline; the inputs saved as .npy files first): wall and CPU seconds of
the process and the `trnsim run` it starts, median of --repeat, and their peak RSS.
--floor also runs each kernel's own Python with every NKI object replaced by a stub whose calls,
indexing and arithmetic do nothing (loops, index arithmetic, slicing and call overhead only):
the rate no per-instruction tracer written in Python can beat ("n/a" where the kernel needs
more of NKI than the stub gives).
Kernels: tensor_add over an SPMD grid (4 instructions per program instance; --blocks sets
the grid), the calibration set's four matmul schedules and LayerNorm pair at their full
calibration shapes (--small: the calibration smoke-test shapes). Figures only, no assertion.
Usage: scripts/bench_nki_trace.py [--kernel NAME ...] [--blocks N] [--small] [--repeat R]
                                  [--floor] [--simulate] [--cli]
"""
import argparse
import contextlib
import importlib
import importlib.util
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, "kernels", "nki", "examples")
sys.path.insert(0, os.path.join(REPO, "kernels", "nki"))
sys.path.insert(0, EXAMPLES)
from trnsim_nki import compiler, runner, trace_binary  # noqa: E402
from trnsim_nki.tracer import trace_kernel  # noqa: E402

STAGES = ("trace", "passes", "emission", "handoff")


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


class _Stub:
    """A tensor of a floor run: indexing and arithmetic do nothing and return it."""

    def __init__(self, shape=(1, 1)):
        self.shape = tuple(shape)
        self.dtype = None

    def __getitem__(self, idx):
        return self

    def __setitem__(self, idx, value):
        pass

    def _self(self, *args):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _self
    __lt__ = __le__ = __gt__ = __ge__ = __and__ = __iadd__ = __neg__ = _self


class _StubModule:
    """nl / nisa / nki of a floor run: every function does nothing and returns a _Stub
    (nl.affine_range stays a range); attributes are made on first use and then kept, so a
    lookup costs what a module attribute does."""

    def __getattr__(self, name):
        if name in ("affine_range", "sequential_range", "static_range"):
            value = range
        elif name in ("ndarray", "zeros"):
            value = lambda shape, *a, **k: _Stub(shape)  # noqa: E731
        else:
            value = _StubModule()
        setattr(self, name, value)
        return value

    def __call__(self, *args, **kwargs):
        return _Stub()


def _floor_function(func):
    """`func` and the functions of its module rebuilt with stubs for nl / nisa / nki."""
    g = dict(func.__globals__)
    for name in ("nl", "nisa", "nki"):
        g[name] = _StubModule()
    for name, v in list(g.items()):
        v = getattr(v, "func", v)  # nki.jit-wrapped kernels
        if isinstance(v, types.FunctionType) and v.__globals__ is func.__globals__:
            g[name] = types.FunctionType(v.__code__, g, v.__name__, v.__defaults__,
                                         v.__closure__)
    return g[func.__name__]


def floor_seconds(kernel, arrays, grid, repeat):
    """Median CPU seconds of the kernel's own Python over its grid with stubbed NKI, or the
    reason it cannot run that way."""
    func = _floor_function(getattr(kernel, "func", kernel))
    args = [_Stub(np.shape(getattr(a, "array", a))) for a in arrays]
    pids = max(1, int(np.prod(grid))) if grid else 1
    times = []
    try:
        for _ in range(repeat):
            t0 = time.process_time()
            for _ in range(pids):
                func(*args)
            times.append(time.process_time() - t0)
    except Exception as e:  # the kernel needs more of NKI than the stub offers
        return "n/a (%s: %s)" % (type(e).__name__, e)
    return statistics.median(times)


def measure_once(kernel, arrays, grid):
    """({stage: CPU seconds}, instructions emitted, handed-over bytes, their file suffix) of one
    trace + compile + handoff encoding."""
    func = getattr(kernel, "func", kernel)
    emission = []
    t0 = time.process_time()
    tr = trace_kernel(func, arrays, grid=grid, target="trn2")
    t1 = time.process_time()
    with _timed_emission(emission):
        trace = tr.trace()
    t2 = time.process_time()
    try:
        data, suffix = trace_binary.encode(trace), ".trnb"
    except trace_binary.EncodeError:
        data, suffix = json.dumps(trace), ".json"
    t3 = time.process_time()
    return ({"trace": t1 - t0, "passes": t2 - t1 - emission[0], "emission": emission[0],
             "handoff": t3 - t2}, len(trace["instructions"]), data, suffix)


# Runs argv[1:] and prints "status cpu_seconds max_rss_kib wall_seconds" of it (CPU and peak
# include the children it waited for). A child's ru_maxrss counts
# the memory of the process it was forked from (Linux keeps the high-water mark across exec),
# so the run is started from this small interpreter, not from the bench process holding the
# traced kernels.
_MEASURE_CHILD = """
import os, subprocess, sys, time
t0 = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = child.stderr.read()
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - t0
sys.stderr.buffer.write(err)
print(status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, wall)
"""


def _measured(argv, what):
    """(CPU seconds, peak RSS KiB, wall seconds) of one whole-process run of argv."""
    run = subprocess.run(["/usr/bin/python3", "-c", _MEASURE_CHILD] + argv,
                         capture_output=True, text=True)
    status, cpu, rss, wall = run.stdout.split() if run.returncode == 0 else ("-1", 0, 0, 0)
    if status != "0":
        raise SystemExit("%s failed: %s" % (what, run.stderr.strip()))
    return float(cpu), int(rss), float(wall)


def simulate_seconds(data, suffix, repeat):
    """(median CPU seconds, peak RSS in KiB) of `trnsim run --timing-only --timeline none` on
    the trace `data`, whole child process."""
    binary = runner.find_binary()
    if binary is None:
        raise SystemExit("--simulate: no trnsim binary (set TRNSIM_BIN or build)")
    with tempfile.TemporaryDirectory(prefix="trnsim_bench_") as tmp:
        path = os.path.join(tmp, "trace" + suffix)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        runs = [_measured([binary, "run", "--timing-only", "--timeline", "none", "-q", "-o",
                           os.path.join(tmp, "results"), path], "--simulate: trnsim run")
                for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def cli_seconds(kernel, arrays, grid, repeat):
    """(median wall seconds, median CPU seconds, peak RSS in KiB) of `trnsim nki FILE::KERNEL
    -i ... --timing-only` on the kernel's inputs."""
    binary = runner.find_binary()
    if binary is None:
        raise SystemExit("--cli: no trnsim binary (set TRNSIM_BIN or build)")
    func = getattr(kernel, "func", kernel)
    with tempfile.TemporaryDirectory(prefix="trnsim_bench_") as tmp:
        argv = [binary, "nki", "%s::%s" % (func.__code__.co_filename, func.__name__),
                "--timing-only", "-q", "-o", os.path.join(tmp, "out")]
        for name, a in zip(inspect.signature(func).parameters, arrays):
            path = os.path.join(tmp, name + ".npy")
            np.save(path, getattr(a, "array", a))
            typed = ":" + a.dtype.name if hasattr(a, "array") else ""  # trnsim_nki.as_dtype
            argv += ["-i", "%s=%s%s" % (name, path, typed)]
        if grid:
            argv += ["--grid", ",".join(str(g) for g in grid)]
        runs = [_measured(argv, "--cli: trnsim nki") for _ in range(repeat)]
    return (statistics.median(r[2] for r in runs), statistics.median(r[0] for r in runs),
            max(r[1] for r in runs))


def report(name, kernel, arrays, grid, repeat, floor=False, simulate=False, cli=False):
    runs = [measure_once(kernel, arrays, grid) for _ in range(repeat)]
    data, suffix = runs[0][2], runs[0][3]
    runs = [r[:2] for r in runs]
    n = runs[0][1]
    med = {s: statistics.median(r[0][s] for r in runs) for s in STAGES}
    total = statistics.median(sum(r[0][s] for s in STAGES[:3]) for r in runs)
    rate = lambda t: n / t / 1e6 if t > 0 else float("inf")  # noqa: E731
    cells = " ".join("%s %7.3f s %6.3f M/s" % (s, med[s], rate(med[s])) for s in STAGES)
    line = ("%-17s %7d instr | %s | trace+passes+emission %7.3f s %6.3f M instr/s"
            % (name, n, cells, total, rate(total)))
    if simulate:
        s, peak_kib = simulate_seconds(data, suffix, repeat)
        line += (" | run --timing-only %7.3f s %6.3f M instr/s, peak %7.1f MiB (%d B/instr)"
                 % (s, rate(s), peak_kib / 1024, peak_kib * 1024 // max(1, n)))
    del data
    if cli:
        wall, cpu, peak_kib = cli_seconds(kernel, arrays, grid, repeat)
        line += (" | trnsim nki --timing-only %7.3f s wall, %7.3f s CPU, peak %7.1f MiB"
                 % (wall, cpu, peak_kib / 1024))
    if floor:
        f = floor_seconds(kernel, arrays, grid, repeat)
        line += (" | floor %s" % f if isinstance(f, str) else
                 " | floor %7.3f s %6.3f M instr/s" % (f, rate(f)))
    print(line, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", action="append", default=[],
                    help="only this kernel (repeatable): tensor_add or a calibration case")
    ap.add_argument("--blocks", type=int, default=4096,
                    help="tensor_add: [128, 512] blocks (grid size)")
    ap.add_argument("--small", action="store_true", help="calibration smoke-test shapes")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--floor", action="store_true",
                    help="also time the kernels' own Python with no-op NKI stubs")
    ap.add_argument("--simulate", action="store_true",
                    help="also time `trnsim run --timing-only` on each handed-over trace")
    ap.add_argument("--cli", action="store_true",
                    help="also time the whole `trnsim nki ... --timing-only` command")
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
            report(name, kernel, arrays, grid, a.repeat, a.floor, a.simulate, a.cli)


if __name__ == "__main__":
    main()
