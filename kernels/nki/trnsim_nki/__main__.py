"""python3 -m trnsim_nki KERNEL.py::FUNC --input NAME=FILE.npy ... --out DIR [--target T]
                                          [--grid 2,2] [--trace-only]
                                          [--compile-config allocation=linear,...]
   python3 -m trnsim_nki --coverage [--write FILE] [--suite DIR]

Inputs are bound to the kernel's parameters by name. Results go to DIR like `trnsim run`
(outputs/<tensor>.npy, stats.json, timeline.json) plus DIR/trace.json and DIR/compile.json
(the compiler's report: flow, per-tile address and live range, peaks, spill bytes).
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np

from .errors import NkiError, TrnsimRunError
from .compiler.config import parse_compile_config
from .runner import run_trace
from .tracer import Kernel, trace_kernel


def load_kernel(spec):
    if "::" not in spec:
        raise SystemExit("trnsim_nki: expected KERNEL.py::FUNC, got %r" % spec)
    path, func = spec.rsplit("::", 1)
    if not os.path.exists(path):
        raise SystemExit("trnsim_nki: no such file %s" % path)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    modspec = importlib.util.spec_from_file_location(
        os.path.splitext(os.path.basename(path))[0], path)
    mod = importlib.util.module_from_spec(modspec)
    modspec.loader.exec_module(mod)
    if not hasattr(mod, func):
        raise SystemExit("trnsim_nki: %s has no function %s" % (path, func))
    return getattr(mod, func)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--coverage" in argv:
        from .coverage import main as coverage_main
        return coverage_main(argv)
    ap = argparse.ArgumentParser(prog="trnsim nki", description=__doc__.splitlines()[0])
    ap.add_argument("kernel", help="KERNEL.py::FUNC")
    ap.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    ap.add_argument("--out", required=True, metavar="DIR")
    ap.add_argument("--target", default="trn2")
    ap.add_argument("--grid", default="", help="SPMD grid, e.g. 2,2")
    ap.add_argument("--trace-only", action="store_true", help="write DIR/trace.json only")
    ap.add_argument("--compile-config", default="", metavar="K=V,...",
                    help="nki.compiler.CompileConfig options, e.g. allocation=linear,"
                    "allocation_mode=ring,tensor_copy_elim=1 (overrides the kernel's own)")
    a = ap.parse_args(argv)
    try:
        config = parse_compile_config(a.compile_config) if a.compile_config else None
    except (ValueError, TypeError) as e:
        print("trnsim nki: error: %s" % e, file=sys.stderr)
        return 2
    k = load_kernel(a.kernel)
    func, grid = (k.func, k.grid) if isinstance(k, Kernel) else (k, ())
    if config is None and isinstance(k, Kernel):
        config = k.compile_config
    if a.grid:
        grid = tuple(int(x) for x in a.grid.split(","))
    kwargs = {}
    for item in a.input:
        if "=" not in item:
            raise SystemExit("trnsim_nki: --input expects NAME=FILE.npy, got %r" % item)
        name, path = item.split("=", 1)
        kwargs[name] = np.load(path)
    try:
        tr = trace_kernel(func, (), kwargs, grid=grid, target=a.target, compile_config=config)
        os.makedirs(a.out, exist_ok=True)
        trace = tr.trace()
        with open(os.path.join(a.out, "trace.json"), "w") as f:
            json.dump(trace, f, indent=1)
        with open(os.path.join(a.out, "compile.json"), "w") as f:
            json.dump(tr.report.to_json(), f, indent=1)
        if a.trace_only:
            return 0
        run_trace(trace, tr.inputs, out_dir=a.out, target=a.target)
    except (NkiError, TrnsimRunError) as e:
        print("trnsim nki: error: %s" % e, file=sys.stderr)
        return 1
    except TypeError as e:
        print("trnsim nki: error: %s" % e, file=sys.stderr)
        return 1
    print("trnsim nki: results in %s" % a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
