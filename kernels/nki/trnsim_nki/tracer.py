"""Tracing an NKI kernel into a trnsim program, and the NKI entry points (nki.jit,
nki.simulate_kernel, nki.baremetal, nki.benchmark) that run it on trnsim.

The kernel is executed as plain Python with numpy arrays replaced by HBM tensors: shapes are
static, loops unroll, every nl/nisa call appends instructions. Kernel parameters that receive
arrays become input tensors named after the parameter; tensors the kernel allocates in
nl.shared_hbm and returns become outputs. An SPMD grid (kernel[2, 2](...)) traces the body
once per program id; APPROX: all instances run one after another on one NeuronCore, except
on a grid with an nl.nc dimension, whose programs run on the two cores of an LNC pair (lnc.py).
"""
import inspect
import itertools
import linecache
import os
import shutil
import tempfile

import numpy as np

from . import core, device_print, dtypes, dump, hbm_alias, kernel_checks, lnc
from .core import NkiTensor
from .errors import NkiError, internal_error
from .gc_pause import gc_paused
from .compiler import compile_program
from .compiler.config import CompileConfig
from .runner import Results, RunOptions, run_trace


class Typed:
    """A host array tagged with an NKI dtype (e.g. bf16, which numpy lacks)."""

    def __init__(self, array, dtype):
        self.array = np.asarray(array, dtype=np.float32 if dtypes.to_dtype(dtype).is_float
                                else None)
        self.dtype = dtypes.to_dtype(dtype)
        self.shape = self.array.shape


def as_dtype(array, dtype):
    return Typed(array, dtype)


def _host(x):
    return isinstance(x, (np.ndarray, Typed))


class TraceResult:
    """A traced kernel: the NKI-level program, its inputs, and (after the first call of
    trace()) the compiled trace and the compiler's report."""

    def __init__(self, program, inputs, out_struct, out_names, compile_config=None,
                 target="trn2"):
        self.program = program
        self.inputs = inputs          # {tensor name: ndarray}
        self.out_struct = out_struct  # returned structure with tensor names in place of tensors
        self.out_names = out_names
        self.compile_config = compile_config
        self.target = target
        self.report = None
        self._trace = None
        self.warnings = []  # [(label, message)] of trnsim_nki.kernel_checks
        self.dumps = []     # trnsim_nki.dump.DumpSpec of each --dump request

    def trace(self):
        """The compiled program as trace JSON (compiled once)."""
        if self._trace is None:
            with gc_paused():
                self._trace, self.report = compile_program(self.program, self.compile_config,
                                                           self.target)
        return self._trace


def trace_kernel(func, args, kwargs=None, grid=(), target="trn2", compile_config=None,
                 pids=None, dumps=()):
    """Traces `func(*args, **kwargs)` with host arrays as HBM inputs. Returns TraceResult;
    its trace() compiles the program with `compile_config` (default: CompileConfig()).
    pids: the program ids of the grid to trace (default: all, in grid order).
    dumps: --dump requests "NAME@FILE.py:LINE" (trnsim_nki.dump), kept as .dumps; the kernel
    warnings (trnsim_nki.kernel_checks) are in .warnings, not yet issued."""
    specs = dump.parse_specs(dumps)
    with gc_paused():
        tr = _trace_kernel(func, args, kwargs, grid, target, compile_config, pids, specs)
    tr.dumps = specs
    return tr


def _host_dtype(func, pname, val):
    """NKI dtype of host array argument `pname`. No kernel line has run yet, so a dtype NKI lacks
    is reported at the kernel's def line, naming the argument."""
    try:
        return dtypes.to_dtype(val.dtype)
    except dtypes.NkiDtypeError as e:
        code = getattr(func, "__code__", None)
        path, line = (code.co_filename, code.co_firstlineno) if code else ("?", 0)
        name = getattr(func, "__name__", "kernel")
        raise dtypes.NkiDtypeError.at(path, line, "%s(%s)" % (name, pname),
                                      "argument %r: %s" % (pname, e.detail)) from None


def _trace_kernel(func, args, kwargs, grid, target, compile_config, pids, specs=()):
    kwargs = dict(kwargs or {})
    sig = inspect.signature(func)
    bound = sig.bind(*args, **kwargs)
    c = core.begin_trace(getattr(func, "__name__", "kernel"))
    c.target = target
    try:
        inputs = {}
        call_args = {}
        for pname, val in bound.arguments.items():
            if _host(val):
                dt = val.dtype if isinstance(val, Typed) else _host_dtype(func, pname, val)
                arr = val.array if isinstance(val, Typed) else np.asarray(val)
                t = core.alloc(list(arr.shape), dt, "hbm", name=pname, role="input")
                # no copy when the array already has the dtype: inputs are only read
                inputs[t.buf.name] = np.asarray(arr, dt.np_dtype) if dt.is_float else arr
                call_args[pname] = t
            else:
                call_args[pname] = val
        c.lnc = lnc.core_split(grid)  # the cores of an nl.nc grid (isa_collective.py)
        grid = tuple(int(g) for g in (grid if isinstance(grid, tuple) else (grid,))) \
            if grid else ()
        c.grid = grid
        result = None
        if pids is None:
            pids = itertools.product(*[range(g) for g in grid]) if grid else [()]
        with dump.watching(specs):
            for pid in pids:
                c.pid = pid
                try:
                    result = func(**call_args)
                except NkiError:
                    raise
                except Exception as e:
                    internal = internal_error(e)
                    if internal is None:
                        raise
                    raise internal from e
        dump.check(specs)
        prog = c.program
        inputs.update(getattr(c, "constants", {}))  # nl.shared_constant data
        returned = []

        def conv(r):
            if isinstance(r, NkiTensor):
                if r.buf.memory != "hbm":
                    raise NkiError("return", "kernel returned an on-chip tile; return HBM "
                                   "tensors (nl.ndarray(..., buffer=nl.shared_hbm))")
                returned.append(r.buf.phys)
                if r.flat is not None and r.flat[0] == 0 and \
                        r.element_count() == _count(r.buf.phys_shape):
                    return _Reshaped((r.buf.name, tuple(r.flat[1])))  # t.reshape(...) returned
                return r.buf.name
            if isinstance(r, (tuple, list)):
                return type(r)(conv(x) for x in r)
            if isinstance(r, dict):
                return {k: conv(v) for k, v in r.items()}
            return r

        out_struct = conv(result)
        debug = device_print.debug_tensors(prog)
        written_names = {ins.get("dst", "").split("[", 1)[0] for ins in prog.instructions}
        for t in prog.tensors:
            if t.role == "input":
                if t.name in written_names:
                    t.role = "output"  # APPROX: an input the kernel writes starts zeroed
                    inputs.pop(t.name, None)
            elif t in returned or t.name in debug:
                t.role = "output"
            else:
                t.role = "scratch"
        out_struct = _alias_outputs(prog, hbm_alias.finish(prog, inputs, written_names),
                                    out_struct)
        found = kernel_checks.kernel_warnings(prog, preset=set(inputs))
        if out_struct is None:
            out_struct = {t.name: t.name for t in prog.tensors
                          if t.role == "output" and t.name not in debug}
        out_names = [t.name for t in prog.tensors if t.role == "output"]
        if not [n for n in out_names if n not in debug]:
            raise _no_outputs_error(func)
        tr = TraceResult(prog, inputs, out_struct, out_names, compile_config, target)
        tr.warnings = found
        return tr
    finally:
        core.end_trace()


def _def_line(code):
    """Line of the `def` of a function (co_firstlineno is its first decorator's line)."""
    for line in range(code.co_firstlineno, code.co_firstlineno + 50):
        text = linecache.getline(code.co_filename, line).lstrip()
        if text.startswith(("def ", "async def ")):
            return line
    return code.co_firstlineno


def _no_outputs_error(func):
    """The error for a kernel with no result: it returned no HBM tensor and wrote none of its
    inputs. Located at the kernel's `def` line."""
    code = getattr(func, "__code__", None)
    name = getattr(func, "__name__", "kernel")
    err = NkiError("return", "")
    if code is not None:
        err.path, err.line = code.co_filename, _def_line(code)
    msg = ("kernel %s returns nothing and writes no input tensor, so it has no outputs: "
           "return its result tensors (nl.ndarray(..., buffer=nl.shared_hbm))" % name)
    err.args = ("%s:%d: return: %s" % (os.path.basename(err.path), err.line, msg),)
    return err


class _Reshaped(tuple):
    """(buffer name, shape): a returned output seen in another shape (a reshape)."""


def _count(shape):
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _alias_outputs(prog, replaced, out_struct):
    """Output tensors the kernel reached only through a reshape alias (hbm_alias): the alias is
    the output, returned in the original tensor's shape."""
    if not replaced:
        return out_struct
    by_name = {t.name: t for t in prog.tensors}
    for src_name, (alias_name, shape) in replaced.items():
        if by_name[src_name].role == "output":
            by_name[src_name].role, by_name[alias_name].role = "scratch", "output"

    def sub(x):
        if isinstance(x, _Reshaped):
            name, shape = x
            return _Reshaped((replaced[name][0], shape)) if name in replaced else x
        if isinstance(x, str):
            return _Reshaped(replaced[x]) if x in replaced else x
        if isinstance(x, (tuple, list)):
            return type(x)(sub(v) for v in x)
        if isinstance(x, dict):
            return {k: sub(v) for k, v in x.items()}
        return x
    return sub(out_struct)


def _restructure(struct, outputs):
    if isinstance(struct, _Reshaped):
        return outputs[struct[0]].reshape(struct[1])
    if isinstance(struct, str):
        return outputs[struct]
    if isinstance(struct, (tuple, list)):
        return type(struct)(_restructure(x, outputs) for x in struct)
    if isinstance(struct, dict):
        return {k: _restructure(v, outputs) for k, v in struct.items()}
    return struct


def run(kernel, *arrays, target="trn2", grid=None, out_dir=None, options=None,
        compile_config=None, dumps=(), **kwargs):
    """Traces, compiles and runs `kernel` on trnsim. Returns Results, which unpacks as
    (outputs, stats): outputs in the structure the kernel returned (arrays in place of
    tensors), or {name: array} of the input tensors it wrote if it returned nothing (None in
    timing-only mode); stats is stats.json as a dict, with the compiler's report (addresses,
    live ranges, peaks, spills) under "compiler"; .results_dir is out_dir (None: a temporary
    folder, removed). options: RunOptions (mode, hw, sets, timeline, seed; its target wins
    over `target`). dumps: "NAME@FILE.py:LINE" requests (trnsim_nki.dump); their values are
    in .dumps ({request: [array per run of the line]}) and under out_dir/dumps/. Kernel
    warnings (trnsim_nki.kernel_checks) are issued as KernelWarning."""
    func, g = _unwrap(kernel)
    if compile_config is None and isinstance(kernel, Kernel):
        compile_config = kernel.compile_config
    options = options or RunOptions(target=target)
    if not options.target:
        options.target = target
    if dumps and options.mode == "timing":
        raise dump.DumpError(list(dumps)[0], "needs the values; a timing-only run has none")
    if grid is None and getattr(kernel, "bracket_lnc", False) and \
            lnc.max_lnc(options.target) >= 2:
        g = (lnc.NcDim(2),)
    split = lnc.core_split(grid or g)
    if split is not None:
        if dumps:
            raise dump.DumpError(list(dumps)[0], "not supported for LNC=2 launch grids (nl.nc)")
        return lnc.run_lnc(func, arrays, kwargs, split, options, compile_config, out_dir)
    tr = trace_kernel(func, arrays, kwargs, grid=grid or g, target=options.target,
                      compile_config=compile_config, dumps=dumps)
    kernel_checks.issue(tr.warnings, getattr(getattr(func, "__code__", None), "co_filename",
                                             None))
    dumped = {}
    # nl.device_print reads the timeline: keep a temporary results folder until printed
    run_dir = out_dir or (tempfile.mkdtemp(prefix="trnsim_nki_print_")
                          if device_print.debug_tensors(tr.program) else None)
    try:
        res = run_trace(tr.trace(), tr.inputs, out_dir=run_dir, options=options)
        res.stats["compiler"] = tr.report.to_json()
        outputs = None if options.mode == "timing" else _restructure(tr.out_struct,
                                                                     res.outputs)
        if options.mode != "timing":
            device_print.report(tr.program, res.outputs, run_dir)
            dumped, _ = dump.write(tr.dumps, res.outputs, out_dir)
    finally:
        if run_dir and not out_dir:
            shutil.rmtree(run_dir, ignore_errors=True)
    result = Results(outputs, res.stats, out_dir)
    result.dumps = dumped
    return result


def _unwrap(kernel):
    if isinstance(kernel, Kernel):
        return kernel.func, kernel.grid
    return kernel, ()


class Kernel:
    """What nki.jit / nki.baremetal / nki.simulate_kernel wrap a kernel function in. Called
    inside a trace it is a plain function call; called with host arrays it traces and runs on
    trnsim and returns the outputs (stats in .last_stats)."""

    def __init__(self, func, grid=(), target=None, mode="auto", compile_config=None):
        if compile_config is not None and not isinstance(compile_config, CompileConfig):
            raise TypeError("compile_config must be an nki.compiler.CompileConfig, got %r"
                            % (compile_config,))
        self.func = func
        self.compile_config = compile_config
        self.grid = grid
        self.target = target
        self.mode = mode
        self.last_stats = None
        self.benchmark_result = None
        self.lnc_brackets = False  # kernel[2] launches on 2 cores (_mark_bracket_lnc)
        self.bracket_lnc = False
        self.__name__ = getattr(func, "__name__", "kernel")
        self.__doc__ = getattr(func, "__doc__", None)
        self.__wrapped__ = func

    def __getitem__(self, grid):
        k = Kernel(self.func, _grid_tuple(grid), self.target, self.mode, self.compile_config)
        return _mark_bracket_lnc(self, k, grid)

    def __call__(self, *args, **kwargs):
        if core.tracing():
            return self.func(*args, **kwargs)
        target = kwargs.pop("target", None) or self.target or os.environ.get(
            "TRNSIM_TARGET", "trn2")
        out, stats = run(self, *args, target=target, **kwargs)
        self.last_stats = stats
        return out


def _mark_bracket_lnc(parent, k, grid):
    """SDK 2.27+ (`import nki`): `kernel[2]`, one number in the brackets, is the number of
    cores to launch on (NKI docs, "Using Logical Neuron Cores"); run() makes it an nl.nc(2)
    grid where the target has an LNC=2 pair. The older `neuronxcc.nki` reads it as an SPMD
    grid of 2 programs on one core. APPROX: on a target with no pair (trn1) and for other
    bracket forms (kernel[4], kernel[2, 2]) the new API stays an SPMD grid on one core, where
    NKI allows only a core count in the brackets."""
    k.lnc_brackets = parent.lnc_brackets
    k.bracket_lnc = parent.lnc_brackets and type(grid) is int and grid == 2
    return k


def _grid_tuple(grid):
    if grid is None or grid == ():
        return ()
    g = grid if isinstance(grid, (tuple, list)) else (grid,)
    try:
        return tuple(x if isinstance(x, lnc.NcDim) else int(x) for x in g)
    except (TypeError, ValueError):
        raise NkiError("nki.jit", "grid=%r must be an int or a tuple of ints" % (grid,))


def jit(func=None, mode="auto", grid=None, target=None, compile_config=None,
        lnc_brackets=False, **kwargs):
    """@nki.jit / @nki.jit(grid=(2, 2), compile_config=...): other keywords (platform_target,
    debug options) do not change the simulation. lnc_brackets: the SDK 2.27+ shim's jit, whose
    kernels read kernel[2] as two cores (_mark_bracket_lnc)."""
    g = _grid_tuple(grid)

    def make(f):
        k = Kernel(f, grid=g, target=target, mode=mode, compile_config=compile_config)
        k.lnc_brackets = lnc_brackets
        return k
    return make if func is None else make(func)


def simulate(kernel=None, **kwargs):
    """nki.simulate(kernel)(*arrays): runs the kernel on trnsim and returns its outputs."""
    if kernel is None:
        return lambda k: simulate(k, **kwargs)
    func, grid = _unwrap(kernel)
    return Kernel(func, grid, kwargs.get("target"),
                  compile_config=getattr(kernel, "compile_config", None))


def profile(func=None, **kwargs):
    """nki.profile: one trnsim run; profiling options (working_directory, save_neff_name,
    ...) name hardware profile files and are ignored; stats are in .last_stats and the
    timeline in the run's results when out_dir= is given."""
    return benchmark(func, **kwargs)


def baremetal(func=None, **kwargs):
    return jit(func, **kwargs)


def simulate_kernel(kernel, *args, **kwargs):
    func, grid = _unwrap(kernel)
    k = Kernel(func, grid, compile_config=getattr(kernel, "compile_config", None))
    return k(*args, **kwargs)


class _Latency:
    def __init__(self, us):
        self.us = us

    def get_latency_percentile(self, p):
        return self.us


class _BenchResult:
    def __init__(self, stats):
        self.stats = stats
        ns = float(stats.get("total_time_ns", stats.get("total_ns", 0.0)) or 0.0)
        self.nc_latency = _Latency(ns / 1000.0)  # microseconds, like NKI's benchmark


def benchmark(func=None, warmup=None, iters=None, **kwargs):
    """nki.benchmark: one trnsim run; .benchmark_result.nc_latency gives the simulated time
    (APPROX: every percentile is the single simulated latency)."""
    def wrap(f):
        k = BenchKernel(f)
        return k
    return wrap if func is None else wrap(func)


class BenchKernel(Kernel):
    def __call__(self, *args, **kwargs):
        out = Kernel.__call__(self, *args, **kwargs)
        if self.last_stats is not None:
            self.benchmark_result = _BenchResult(self.last_stats)
        return out

    def __getitem__(self, grid):
        k = BenchKernel(self.func, _grid_tuple(grid), self.target, self.mode,
                        self.compile_config)
        return _mark_bracket_lnc(self, k, grid)
