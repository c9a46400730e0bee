"""One point of an NKI rank sweep: trace a kernel variant with one set of keyword arguments,
simulate it, check its outputs against the sweep's reference, and report its time.

A task is a JSON-able dict (made by trnsim_nki.rank.make_tasks):
    index, variant, kernel_path, function, kwargs {name: int}, inputs {name: [FILE.npy, dtype]},
    reference [FILE.npy, ...] (empty with check off), rtol, check, target, hw, sets, binary
The point is a dict in the trnsim-rank JSON schema (kernels/rank.h, RankPoint).

`python3 -m trnsim_nki.rank_point` reads a task on stdin and writes its point as one JSON line
on stdout (the kernel's own prints go to stderr): every point runs in a fresh process, because
the tracer keeps global state and SystemC runs one simulation per process.
"""
import contextlib
import json
import os
import sys
import tempfile
import traceback

import numpy as np

from . import dtypes
from .errors import NkiError, TrnsimRunError
from .rank_inputs import compare, flatten_outputs
from .runner import RunOptions, run_trace
from .tracer import Kernel, _restructure, as_dtype, trace_kernel

ENGINES = ("tensor", "vector", "scalar", "gpsimd", "dma")


def empty_point(task, status, message):
    return {"index": task["index"], "variant": task["variant"], "params": task["kwargs"],
            "status": status, "message": message, "time_ns": 0.0, "max_rel_err": 0.0,
            "rank": 0, "speedup_vs_slowest": 0.0, "speedup_vs_baseline": 0.0,
            "utilisation": {}, "bottleneck": "", "flops": 0.0, "min_hbm_bytes": 0.0,
            "fraction_of_peak": 0.0, "fraction_of_hbm": 0.0, "instructions": 0}


def load_function(path, name):
    """The function `name` of kernel file `path` (its folder goes on sys.path first, so that a
    kernel file can import its helper modules)."""
    import importlib.util
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    mod_name = "trnsim_rank_" + os.path.splitext(os.path.basename(path))[0]
    mod = sys.modules.get(mod_name)
    if mod is None or getattr(mod, "__file__", None) != path:
        spec = importlib.util.spec_from_file_location(mod_name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = mod
        spec.loader.exec_module(mod)
    if not hasattr(mod, name):
        raise AttributeError("%s has no function %s" % (os.path.basename(path), name))
    return getattr(mod, name)


def _kernel_inputs(task):
    out = {}
    for name, (path, dt_name) in task["inputs"].items():
        dt = dtypes.to_dtype(dt_name)
        arr = np.load(path)
        out[name] = as_dtype(arr, dt) if dt.is_float and dt.name != "float32" else arr
    return out


def _assert_location(exc):
    """'file.py:LINE' of the kernel line that raised `exc`, or None when it was raised inside
    the front end (then it is a front-end bug, not the kernel rejecting its arguments)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return None
    last = frames[-1]
    pkg = os.path.dirname(os.path.abspath(__file__)) + os.sep
    if os.path.abspath(last.filename).startswith(pkg):
        return None
    return "%s:%d" % (os.path.basename(last.filename), last.lineno)


def _min_hbm_bytes(trace):
    """Bytes of every input read once and every output written once."""
    total = 0
    for t in trace["tensors"]:
        if t["role"] in ("input", "output"):
            total += int(np.prod(t["shape"])) * dtypes.to_dtype(t["dtype"]).itemsize
    return float(total)


def _fill_timing(point, stats, config, all_fp32):
    """The RankPoint timing fields, defined as the library ranking defines them (rank.cc,
    fill_timing): utilisation and bottleneck from stats.json, fraction of the tensor-engine
    peak of the kernel's dtype (fp32 runs at 1/fp32_pass_factor) and of HBM bandwidth."""
    t = max(float(stats["total_ns"]), 1e-9)
    point["time_ns"] = float(stats["total_ns"])
    point["utilisation"] = {e: float(stats["engines"].get(e, {}).get("utilisation", 0.0))
                            for e in ENGINES}
    point["bottleneck"] = stats["bottleneck"]["engine"]
    point["flops"] = float(stats["flops"]["total"])
    point["instructions"] = int(stats["instructions"])
    tensor = config["tensor"]
    peak = 2.0 * tensor["rows"] * tensor["cols"] * config["clocks"]["tensor_ghz"]
    if all_fp32:
        peak /= max(1, tensor.get("fp32_pass_factor", 1))
    point["fraction_of_peak"] = point["flops"] / (t * peak) if peak > 0 else 0.0
    hbm = float(config["dma"].get("hbm_bytes_per_ns", 0))
    point["fraction_of_hbm"] = point["min_hbm_bytes"] / (t * hbm) if hbm > 0 else 0.0


def run_task(task):
    """The point of one task (never raises for a kernel's or simulator's failure)."""
    try:
        kernel = load_function(task["kernel_path"], task["function"])
    except Exception as e:  # the kernel file itself is broken: that is this point's error
        return empty_point(task, "ERROR", "%s: %s" % (type(e).__name__, e))
    func, grid, config = (kernel.func, kernel.grid, kernel.compile_config) \
        if isinstance(kernel, Kernel) else (kernel, (), None)
    kwargs = dict(_kernel_inputs(task), **task["kwargs"])
    try:
        traced = trace_kernel(func, (), kwargs, grid=grid, target=task["target"],
                              compile_config=config)
        trace = traced.trace()
    except AssertionError as e:
        where = _assert_location(e)
        if where is None:
            return empty_point(task, "ERROR", "front-end assertion: %s" % (e,))
        return empty_point(task, "SKIP", "%s: %s" % (where, str(e) or "assertion failed"))
    except NkiError as e:
        return empty_point(task, "ERROR", str(e))
    except Exception as e:  # the kernel's own Python error (TypeError, IndexError, ...)
        where = _assert_location(e) or "?"
        return empty_point(task, "ERROR", "%s: %s: %s" % (where, type(e).__name__, e))
    return _simulate(task, traced, trace)


def _simulate(task, traced, trace):
    point = empty_point(task, "ok", "")
    point["min_hbm_bytes"] = _min_hbm_bytes(trace)
    options = RunOptions(target=task["target"], hw=task["hw"], sets=task["sets"],
                         mode=None if task["check"] else "timing", timeline="none")
    os.environ["TRNSIM_BIN"] = task["binary"]
    with tempfile.TemporaryDirectory(prefix="trnsim_rank_point_") as run_dir:
        try:
            res = run_trace(trace, traced.inputs, out_dir=run_dir, options=options)
        except TrnsimRunError as e:
            return empty_point(task, "ERROR", str(e))
        with open(os.path.join(run_dir, "config.json")) as f:
            config = json.load(f)
    if task["check"]:
        outputs = flatten_outputs(_restructure(traced.out_struct, res.outputs), "kernel")
        reference = [np.load(p) for p in task["reference"]]
        ok, worst, message = compare(outputs, reference, task["rtol"])
        point["max_rel_err"] = worst
        if not ok:
            point.update(status="FAIL", message=message)
            return point
    all_fp32 = all(dt == "float32" for _, dt in task["inputs"].values())
    _fill_timing(point, res.stats, config, all_fp32)
    return point


def main():
    task = json.loads(sys.stdin.read())
    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        point = run_task(task)
    real_stdout.write(json.dumps(point) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
