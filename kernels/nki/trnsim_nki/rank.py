"""trnsim rank KERNELS.py::F1,F2 --ref REF.py::FUNC (--shape NAME=RxC[:DTYPE] | --input
NAME=FILE.npy[:DTYPE]) ... [--grid KW=v1,v2 ...] [--target trn1] [--out DIR]

Ranks an author's NKI kernel variants: every variant x grid point (grid values are the
kernel's integer keyword arguments; a variant takes the grid parameters it declares) is traced,
checked against the numpy reference (FAIL points are never ranked; --tolerance, default by
dtype), simulated and ranked. A kernel assert that rejects a point makes it SKIP with the
assert's message. The report is the library ranking's (one schema): DIR/rank.json, rank.csv,
the terminal table, `scripts/plot_rank.py DIR/rank.json`; shards join with `trnsim rank merge`.

Inputs are made once per sweep and saved in DIR/inputs (seeded random data for --shape), the
reference's outputs in DIR/reference; the reference gets the inputs (float64) by parameter
name, no grid values. Points run in fresh processes: --jobs N on this machine, or one Dask task
each with --executor dask --scheduler tcp://HOST:PORT (see trnsim_nki.rank_exec).
"""
import argparse
import inspect
import itertools
import json
import os
import subprocess
import sys

import numpy as np

from .rank_exec import ExecutorError, run_dask, run_local
from .rank_inputs import (InputError, call_reference, default_rtol, parse_shape_spec,
                          random_input, round_to)
from .rank_point import load_function
from .runner import find_binary
from .tracer import Kernel


class UsageError(Exception):
    """A bad command line: `trnsim rank: error: ...`, exit code 2."""


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="trnsim rank", description=__doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kernels", help="KERNELS.py::F1,F2 (the first variant is the baseline)")
    ap.add_argument("--ref", help="numpy reference REF.py::FUNC (required unless --no-check)")
    ap.add_argument("--shape", "-s", action="append", default=[], metavar="NAME=RxC[:DTYPE]")
    ap.add_argument("--input", "-i", action="append", default=[], metavar="NAME=FILE.npy[:DT]")
    ap.add_argument("--grid", "-g", action="append", default=[], metavar="KW=v1,v2,...")
    ap.add_argument("--tolerance", type=float, help="relative tolerance (default: by dtype)")
    ap.add_argument("--target", "-t", default="trn2")
    ap.add_argument("--hw", metavar="FILE.json")
    ap.add_argument("--set", action="append", default=[], metavar="key.path=value")
    ap.add_argument("--out", "-o", default="results/rank")
    ap.add_argument("--jobs", "-j", type=int, default=1)
    ap.add_argument("--executor", choices=("local", "dask"), default="local")
    ap.add_argument("--scheduler", metavar="tcp://HOST:PORT")
    ap.add_argument("--shard", metavar="I/N")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--quiet", "-q", action="store_true")
    a = ap.parse_args(argv)
    if a.executor == "dask" and not a.scheduler:
        raise UsageError("--executor dask needs --scheduler tcp://HOST:PORT")
    if a.scheduler and a.executor != "dask":
        raise UsageError("--scheduler is for --executor dask")
    if a.jobs < 1:
        raise UsageError("--jobs must be at least 1, got %d" % a.jobs)
    if not a.ref and not a.no_check:
        raise UsageError("name the numpy reference (--ref REF.py::FUNC) or pass --no-check")
    return a


def split_spec(spec, what):
    """'FILE.py::F1,F2' -> (absolute path, [F1, F2])."""
    path, sep, funcs = spec.rpartition("::")
    names = [f for f in funcs.split(",") if f]
    if not sep or not path or not names:
        raise UsageError("%s: expected FILE.py::FUNC[,FUNC...], got %r" % (what, spec))
    if not os.path.isfile(path):
        raise UsageError("%s: no such file %s" % (what, path))
    return os.path.abspath(path), names


def parse_grid(items):
    """['KW=1,2,4', ...] -> {KW: [1, 2, 4]} (integers: they go into the report's params)."""
    grid = {}
    for item in items:
        name, sep, values = item.partition("=")
        try:
            parsed = [int(v) for v in values.split(",")]
        except ValueError:
            raise UsageError("--grid %r: expected KW=v1,v2,... with integer values" % item)
        if not sep or not name:
            raise UsageError("--grid %r: expected KW=v1,v2,..." % item)
        grid[name] = parsed
    return grid


def parse_shard(text):
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise UsageError("--shard %r: expected I/N with 0 <= I < N" % text)
    if n < 1 or not 0 <= i < n:
        raise UsageError("--shard %r: expected I/N with 0 <= I < N" % text)
    return i, n


def _load(path, name, what):
    """Function `name` of the author's file `path`; any failure to import it is a usage error
    naming the file (a syntax error in a kernel file is no trnsim traceback)."""
    try:
        return load_function(path, name)
    except Exception as e:
        raise UsageError("%s: cannot load %s from %s: %s: %s" % (
            what, name, os.path.basename(path), type(e).__name__, e))


def _signature(kernel):
    func = kernel.func if isinstance(kernel, Kernel) else kernel
    try:
        return inspect.signature(func).parameters
    except (TypeError, ValueError):
        raise UsageError("%r is not a kernel function" % (kernel,))


def enumerate_points(variants, grid):
    """[(variant, kwargs)] in a fixed order: variants as given, then the cartesian product (in
    name order) of the grid parameters each variant declares."""
    points = []
    for name, params in variants:
        keys = sorted(k for k in grid if k in params)
        for values in itertools.product(*(grid[k] for k in keys)):
            points.append((name, dict(zip(keys, values))))
    return points


def check_signatures(variants, grid, input_names, path):
    declared = set()
    for name, params in variants:
        declared |= set(params)
        listing = "%s(%s)" % (name, ", ".join(params))
        for i in input_names:
            if i not in params:
                raise UsageError("input %s: kernel %s has no parameter %r" % (i, listing, i))
        for p_name, p in params.items():
            if (p.default is inspect.Parameter.empty and p_name not in input_names
                    and p_name not in grid and p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                          p.KEYWORD_ONLY)):
                raise UsageError("kernel %s needs parameter %r: give it as --shape, --input "
                                 "or --grid" % (listing, p_name))
    for g in grid:
        if g not in declared:
            raise UsageError("--grid %s: no variant in %s has a parameter %r" % (
                g, os.path.basename(path), g))


def _add_input(specs, name, spec):
    if name in specs:
        raise UsageError("input %s is given twice (--shape / --input)" % name)
    specs[name] = spec


def make_inputs(a, folder):
    """{name: (float32/int array rounded to its dtype, DType)}, saved in folder."""
    from .__main__ import UsageError as NkiUsage, load_input
    specs = {}
    try:
        for text in a.shape:
            name, shape, dt = parse_shape_spec(text)
            _add_input(specs, name, ("shape", shape, dt))
        for item in a.input:
            name, value = load_input(item)
            _add_input(specs, name, ("file", value, None))
    except (InputError, NkiUsage) as e:
        raise UsageError(str(e))
    if not specs:
        raise UsageError("give the kernel's inputs: --shape NAME=RxC[:DTYPE] or --input "
                         "NAME=FILE.npy[:DTYPE]")
    os.makedirs(folder, exist_ok=True)
    inputs = {}
    for position, name in enumerate(sorted(specs)):
        kind, value, dt = specs[name]
        if kind == "shape":
            arr = random_input(value, dt, a.seed, position)
        else:
            from . import dtypes
            dt = value.dtype if hasattr(value, "array") else dtypes.to_dtype(value.dtype)
            arr = round_to(value.array if hasattr(value, "array") else value, dt)
        np.save(os.path.join(folder, name + ".npy"), arr)
        inputs[name] = (arr, dt)
    return inputs


def make_reference(a, inputs, folder):
    path, names = split_spec(a.ref, "--ref")
    if len(names) != 1:
        raise UsageError("--ref names one function, got %s" % ",".join(names))
    where = os.path.basename(path) + "::" + names[0]
    func = _load(path, names[0], "--ref")
    try:
        outputs = call_reference(func, {n: arr for n, (arr, _) in inputs.items()}, where)
    except InputError as e:
        raise UsageError(str(e))
    except Exception as e:  # the author's reference failed: name it, no traceback
        raise UsageError("reference %s raised %s: %s" % (where, type(e).__name__, e))
    os.makedirs(folder, exist_ok=True)
    files = []
    for i, out in enumerate(outputs):
        files.append(os.path.join(folder, "output%d.npy" % i))
        np.save(files[-1], np.asarray(out, dtype=np.float64))
    return where, files


def report_header(a, path, names, inputs, reference, shard):
    dts = sorted({dt.name for _, dt in inputs.values()})
    return {"format": "trnsim-rank", "version": 1, "kernel": os.path.basename(path),
            "dtype": "+".join(dts), "target": a.hw or a.target, "baseline": names[0],
            "shape": {}, "inputs": {n: "x".join(str(d) for d in arr.shape) + ":" + dt.name
                                    for n, (arr, dt) in inputs.items()},
            "reference": reference, "shard": list(shard), "points": []}


def run_sweep(a):
    path, names = split_spec(a.kernels, "kernels")
    variants = [(n, _signature(_load(path, n, "kernels"))) for n in names]
    grid = parse_grid(a.grid)
    shard = parse_shard(a.shard) if a.shard else (0, 1)
    inputs = make_inputs(a, os.path.join(a.out, "inputs"))
    check_signatures(variants, grid, set(inputs), path)
    binary = find_binary()
    if binary is None:
        raise UsageError("no trnsim binary: set TRNSIM_BIN or put trnsim on PATH")
    reference, ref_files = ("", [])
    if not a.no_check:
        reference, ref_files = make_reference(a, inputs, os.path.join(a.out, "reference"))
    rtol = a.tolerance if a.tolerance is not None else default_rtol(
        [dt for _, dt in inputs.values()])
    tasks = []
    for index, (variant, kwargs) in enumerate(enumerate_points(variants, grid)):
        if index % shard[1] != shard[0]:
            continue
        tasks.append({"index": index, "variant": variant, "kernel_path": path,
                      "function": variant, "kwargs": kwargs,
                      "inputs": {n: [os.path.abspath(os.path.join(a.out, "inputs", n + ".npy")),
                                     dt.name] for n, (_, dt) in inputs.items()},
                      "reference": [os.path.abspath(f) for f in ref_files], "rtol": rtol,
                      "check": not a.no_check, "target": a.target, "hw": a.hw,
                      "sets": a.set, "binary": os.path.abspath(binary)})
    progress = None if a.quiet or not sys.stderr.isatty() else _progress
    if a.executor == "dask":
        points = run_dask(tasks, a.scheduler, progress)
    else:
        points = run_local(tasks, a.jobs, progress)
    report = report_header(a, path, names, inputs, reference, shard)
    report["points"] = points
    return report, binary


def _progress(done, total):
    sys.stderr.write("\rrank: %d/%d points" % (done, total) + ("\n" if done == total else ""))
    sys.stderr.flush()


def write_and_rank(report, binary, out, quiet):
    """Writes out/rank.json and lets the C++ ranking (`trnsim rank merge` of this one report)
    rank it, write rank.csv and print the table: one implementation of the ranking, one
    schema."""
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "rank.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    cmd = [binary, "rank", "merge", path, "--out", out] + (["--quiet"] if quiet else [])
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError("trnsim rank merge failed: %s" % (proc.stderr.strip() or
                                                              proc.stdout.strip()))
    sys.stdout.write(proc.stdout)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        a = parse_args(argv)
        report, binary = run_sweep(a)
        write_and_rank(report, binary, a.out, a.quiet)
    except (UsageError, ExecutorError) as e:
        print("trnsim rank: error: %s" % e, file=sys.stderr)
        return 2
    except RuntimeError as e:
        print("trnsim rank: error: %s" % e, file=sys.stderr)
        return 1
    points = report["points"]
    if points and not any(p["status"] == "ok" for p in points):
        first = points[0]
        print("trnsim rank: error: %s: no point ran (%s: %s %s)" % (
            report["kernel"], first["variant"], first["status"], first["message"]),
            file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
