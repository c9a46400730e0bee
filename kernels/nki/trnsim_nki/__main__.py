"""trnsim nki KERNEL.py::FUNC --input NAME=FILE.npy[:DTYPE] ... [--out DIR] [run options]

Traces an unmodified NKI kernel and simulates it with `trnsim run`. Inputs are bound to the
kernel's parameters by name; `:DTYPE` (bfloat16, float8_e4m3, ...) sets the HBM dtype of an
input: float files are rounded into it, raw-bit files (uint16 for 16-bit floats, uint8 for
fp8) are taken bit for bit. Results go to DIR like `trnsim run` (outputs/<tensor>.npy,
stats.json, timeline.json, config.json) plus DIR/trace.json and DIR/compile.json (the
compiler's report: flow, per-tile address and live range, peaks, spill bytes), and the summary
table is printed. `--dump NAME@FILE.py:LINE` (repeatable) writes the values of kernel variable
NAME after that line to DIR/dumps/ (trnsim_nki.dump). Kernel warnings (reads of never-written
tiles, loop-carried dependencies in nl.affine_range) go to stderr with their kernel line.
`--compile-config allocation=linear,...` sets nki.compiler.CompileConfig
options (overriding the kernel's own). `python3 -m trnsim_nki --coverage [--write FILE]
[--suite DIR]` prints the API coverage table.
"""
import argparse
import importlib.util
import inspect
import os
import sys

import numpy as np

from . import device_print, dtypes, dump, json_text, kernel_checks
from .compiler.config import parse_compile_config
from .errors import NkiError, TrnsimRunError
from .gc_pause import gc_paused
from .runner import RunOptions, run_trace
from .tracer import Kernel, as_dtype, trace_kernel


class UsageError(Exception):
    """A bad command line: reported as `trnsim nki: error: ...`, exit code 2."""


def load_kernel(spec):
    if "::" not in spec:
        raise UsageError("expected KERNEL.py::FUNC, got %r" % spec)
    path, func = spec.rsplit("::", 1)
    if not os.path.exists(path):
        raise UsageError("no such file %s" % path)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    modspec = importlib.util.spec_from_file_location(
        os.path.splitext(os.path.basename(path))[0], path)
    mod = importlib.util.module_from_spec(modspec)
    modspec.loader.exec_module(mod)
    if not hasattr(mod, func):
        raise UsageError("%s has no function %s" % (path, func))
    return getattr(mod, func)


_RAW_BITS = {1: np.uint8, 2: np.uint16}


def _decode_raw_bits(bits, dt):
    """Float values of raw storage bits of a 16-bit or fp8 float dtype."""
    if dt.name == "bfloat16":
        return (bits.astype(np.uint32) << 16).view(np.float32)
    if dt.name == "float16":
        return bits.view(np.float16).astype(np.float32)
    table = np.array([_fp8_value(b, dt.name) for b in range(256)], dtype=np.float32)
    return table[bits]


def _fp8_value(b, name):
    """Value of fp8 byte `b`: OCP e4m3 (bias 7, no Inf, S.1111.111 is NaN) or e5m2 (bias 15,
    IEEE-like Inf/NaN)."""
    ebits, bias = (4, 7) if name == "float8_e4m3" else (5, 15)
    mbits = 7 - ebits
    sign = -1.0 if b & 0x80 else 1.0
    e = (b >> mbits) & ((1 << ebits) - 1)
    m = b & ((1 << mbits) - 1)
    if name == "float8_e4m3" and e == 15 and m == 7:
        return float("nan")
    if name == "float8_e5m2" and e == 31:
        return sign * float("inf") if m == 0 else float("nan")
    if e == 0:
        return sign * m * 2.0 ** (1 - bias - mbits)
    return sign * (1 + m / float(1 << mbits)) * 2.0 ** (e - bias)


def _load_npy(path):
    """The array of .npy file `path`, mapped when it can be (tracing needs shapes and dtypes
    only, so a --timing-only or --trace-only run of a large input reads none of its data), else
    read: a file system without mmap, or a damaged file, whose error is then numpy's reading
    one (a truncated file: the element count it holds) rather than the mapping's."""
    try:
        return np.load(path, mmap_mode="r")
    except (OSError, ValueError):
        return np.load(path)


def load_input(item):
    """(name, array or Typed) from NAME=FILE.npy[:DTYPE]."""
    if "=" not in item:
        raise UsageError("--input expects NAME=FILE.npy[:DTYPE], got %r" % item)
    name, path = item.split("=", 1)
    dt = None
    head, sep, tail = path.rpartition(":")
    if sep and not tail.endswith(".npy"):
        try:
            dt = dtypes.to_dtype(tail)
        except TypeError:
            raise UsageError("--input %s: unknown dtype %r (known: %s)" % (
                name, tail, ", ".join(d.name for d in dtypes.ALL)))
        path = head
    try:
        arr = _load_npy(path)
    except (OSError, ValueError) as e:
        raise UsageError("--input %s=%s: cannot read .npy: %s" % (name, path, e))
    if dt is None:
        return name, arr
    raw = _RAW_BITS.get(dt.itemsize)
    if dt.is_float and dt.name != "float32" and raw is not None and arr.dtype == raw:
        arr = _decode_raw_bits(arr, dt)
    elif arr.dtype.kind not in "fiub":
        raise UsageError("--input %s=%s: dtype %s cannot be read as %s" % (
            name, path, arr.dtype, dt.name))
    return name, as_dtype(arr, dt)


def check_parameters(func, kwargs):
    """Every --input names a parameter and every required parameter has an --input."""
    params = inspect.signature(func).parameters
    listing = "%s(%s)" % (func.__name__, ", ".join(params))
    for name in kwargs:
        if name not in params:
            raise UsageError("--input %s: kernel %s has no parameter %r" % (name, listing, name))
    for name, p in params.items():
        if p.default is inspect.Parameter.empty and name not in kwargs and p.kind in (
                p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            raise UsageError("no --input for parameter %r of kernel %s" % (name, listing))


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="trnsim nki", description=__doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kernel", help="KERNEL.py::FUNC")
    ap.add_argument("--input", "-i", action="append", default=[], metavar="NAME=FILE.npy[:DTYPE]",
                    help="input for kernel parameter NAME (repeatable)")
    ap.add_argument("--out", "-o", metavar="DIR", help="results folder (default: results/FUNC)")
    ap.add_argument("--target", "-t", default="trn2", help="trn1, trn2 or trn3 (default trn2)")
    ap.add_argument("--hw", metavar="FILE.json", help="hardware config file (replaces --target)")
    ap.add_argument("--set", action="append", default=[], metavar="key.path=value",
                    help="override a hardware config number (repeatable)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--timing-only", action="store_true", help="timing only, no values")
    mode.add_argument("--values-only", action="store_true", help="values only, no timing")
    ap.add_argument("--timeline", metavar="none|json|json.gz",
                    help="timeline format, passed to `trnsim run --timeline`")
    ap.add_argument("--seed", type=int, help="seed of random data for inputs not given")
    ap.add_argument("--grid", default="", help="SPMD grid, e.g. 2,2")
    ap.add_argument("--trace-only", action="store_true", help="write DIR/trace.json only")
    ap.add_argument("--compile-config", default="", metavar="K=V,...",
                    help="nki.compiler.CompileConfig options, e.g. allocation=linear,"
                    "allocation_mode=ring,tensor_copy_elim=1 (overrides the kernel's own)")
    ap.add_argument("--dump", action="append", default=[], metavar="NAME@FILE.py:LINE",
                    help="write the values of kernel variable NAME after line LINE of FILE.py "
                    "to DIR/dumps/ (repeatable)")
    ap.add_argument("--quiet", "-q", action="store_true",
                    help="print nothing on success (no summary, no warnings)")
    return ap.parse_args(argv)


def run_options(a):
    mode = "timing" if a.timing_only else "values" if a.values_only else None
    return RunOptions(target=a.target, hw=a.hw, sets=a.set, mode=mode, timeline=a.timeline,
                      seed=a.seed)


def run_command(a):
    k = load_kernel(a.kernel)
    func, grid = (k.func, k.grid) if isinstance(k, Kernel) else (k, ())
    try:
        config = parse_compile_config(a.compile_config) if a.compile_config else None
    except (ValueError, TypeError) as e:
        raise UsageError(str(e))
    if config is None and isinstance(k, Kernel):
        config = k.compile_config
    if a.grid:
        try:
            grid = tuple(int(x) for x in a.grid.split(","))
        except ValueError:
            raise UsageError("--grid expects integers like 2,2, got %r" % a.grid)
    kwargs = dict(load_input(item) for item in a.input)
    check_parameters(func, kwargs)
    if a.dump and a.timing_only:
        raise UsageError("--dump needs the values; it cannot be used with --timing-only")
    out = a.out or os.path.join("results", func.__name__)
    tr = trace_kernel(func, (), kwargs, grid=grid, target=a.target, compile_config=config,
                      dumps=a.dump)
    if not a.quiet:
        kernel_checks.issue(tr.warnings, func.__code__.co_filename)
    os.makedirs(out, exist_ok=True)
    trace = tr.trace()

    def write_trace_files():
        json_text.write(trace, os.path.join(out, "trace.json"))
        json_text.write(tr.report.to_json(), os.path.join(out, "compile.json"))

    if a.trace_only:
        write_trace_files()
    else:  # the files are written while the simulator runs
        res = run_trace(trace, tr.inputs, out_dir=out, options=run_options(a), echo=not a.quiet,
                        while_running=write_trace_files)
        if not a.timing_only:
            if not a.quiet:
                device_print.report(tr.program, res.outputs, out)
            for path in dump.write(tr.dumps, res.outputs, out)[1]:
                if not a.quiet:
                    print("dump: %s" % path)
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--coverage" in argv:
        from .coverage import main as coverage_main
        return coverage_main(argv)
    a = parse_args(argv)
    try:
        # one command per process: what the traced kernel allocates stays alive to the end,
        # so the cyclic collector would only rescan it (0.6 s of a 100k-instruction kernel)
        with gc_paused():
            out = run_command(a)
    except UsageError as e:
        print("trnsim nki: error: %s" % e, file=sys.stderr)
        return 2
    except (NkiError, TrnsimRunError, TypeError) as e:
        print("trnsim nki: error: %s" % e, file=sys.stderr)
        return 1
    if not a.quiet and a.trace_only:
        print("trace: %s" % os.path.join(out, "trace.json"))
    return 0


def console_main():
    sys.exit(main())


if __name__ == "__main__":
    console_main()
