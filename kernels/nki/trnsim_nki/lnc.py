"""Logical NeuronCores: an SPMD launch grid with a NeuronCore dimension (NKI: nl.nc,
nl.spmd_dim) runs its programs on the two physical cores of an LNC=2 pair.

    kernel[nl.nc(2)](a)                    programs 0 and 1 on cores 0 and 1
    kernel[nl.nc(2), 2](a)                 core i runs kernel[i, 0] and kernel[i, 1]
    kernel[nl.spmd_dim(nl.nc(2), 2), 2](a) grid (4, 2); core i runs kernel[2i .. 2i+1, *]
    kernel[nl.spmd_dim(2, nl.nc(2))](a)    grid (4,); core i runs kernel[i], kernel[i + 2]
nl.program_id / nl.num_programs see the whole grid, as in NKI.

Values: every program runs, in grid order, on one HBM image (the writes of both cores land in
the same tensors). Timing: the programs of each core are traced and simulated as that core's
program; the kernel's time is the slower core plus the pair's launch barrier
(lnc_barrier_ns of sim/configs/links.json). APPROX: each core is simulated with its per-core
share of the chip's HBM bandwidth (the target config's dma.hbm_bytes_per_ns), also while the
other core idles; values run the programs one after another, so a kernel whose cores race on
one HBM location (no nki.isa.core_barrier is modelled) gets the grid-order result.
"""
import json
import os
import shutil
import tempfile

from .errors import NkiError, NkiUnsupportedError

LINKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "sim", "configs", "links.json")


class NcDim(int):
    """nl.nc(n): a launch-grid dimension of n programs, program i on physical core i."""

    def __new__(cls, n):
        if isinstance(n, bool) or not isinstance(n, int) or n not in (1, 2):
            raise NkiUnsupportedError("nl.nc", "nl.nc(%r): the LNC degree is 1 or 2" % (n,))
        obj = super().__new__(cls, n)
        obj.factors = (n,)
        obj.nc_factor = 0
        return obj

    @property
    def cores(self):
        return self.factors[self.nc_factor]


class SpmdDim(NcDim):
    """nl.spmd_dim(*factors): one launch-grid dimension of prod(factors) programs; the index
    is mixed-radix over the factors (first most significant), and the digit of the nl.nc
    factor is the core."""

    def __new__(cls, *factors):
        if not factors:
            raise NkiUnsupportedError("nl.spmd_dim", "give the factors of the dimension, e.g. "
                                      "nl.spmd_dim(nl.nc(2), 4)")
        ncs = [i for i, f in enumerate(factors) if isinstance(f, NcDim)]
        for f in factors:
            if isinstance(f, bool) or not isinstance(f, int) or f < 1:
                raise NkiUnsupportedError("nl.spmd_dim", "factor %r is not a positive int or "
                                          "nl.nc(n)" % (f,))
        if len(ncs) > 1:
            raise NkiUnsupportedError("nl.spmd_dim", "at most one nl.nc factor per dimension")
        size = 1
        for f in factors:
            size *= int(f)
        obj = int.__new__(cls, size)
        obj.factors = tuple(int(f) for f in factors)
        obj.nc_factor = ncs[0] if ncs else None
        return obj

    @property
    def cores(self):
        return 1 if self.nc_factor is None else self.factors[self.nc_factor]


def core_of_index(dim, i):
    """Core of index i on an annotated grid dimension."""
    digits = []
    for f in reversed(dim.factors):
        digits.append(i % f)
        i //= f
    digits.reverse()
    return digits[dim.nc_factor]


class CoreSplit:
    """The physical cores of a launch grid: cores (1 or 2) and core(pid)."""

    def __init__(self, grid, axis):
        self.grid = tuple(int(g) for g in grid)
        self.axis = axis
        self.dim = grid[axis]
        self.cores = self.dim.cores

    def core(self, pid):
        return core_of_index(self.dim, pid[self.axis])

    def pids(self, core):
        import itertools
        return [p for p in itertools.product(*[range(g) for g in self.grid])
                if self.core(p) == core]


def core_split(grid):
    """CoreSplit of a grid with an nl.nc dimension, None for a plain grid."""
    if not grid:
        return None
    g = grid if isinstance(grid, tuple) else (grid,)
    axes = [i for i, d in enumerate(g) if isinstance(d, NcDim) and d.nc_factor is not None]
    if not axes:
        return None
    if len(axes) > 1:
        raise NkiUnsupportedError("kernel[grid]", "grid %r has %d nl.nc dimensions; one "
                                  "logical NeuronCore has one core dimension"
                                  % (tuple(int(x) for x in g), len(axes)))
    return CoreSplit(g, axes[0])


def target_links(target):
    """The target's entry of sim/configs/links.json."""
    try:
        with open(LINKS) as f:
            links = json.load(f)
    except (OSError, ValueError) as e:
        raise NkiError("kernel[nl.nc(2)]", "cannot read %s: %s" % (LINKS, e))
    if target not in links:
        raise NkiError("kernel[nl.nc(2)]", "%s has no entry for target %r" % (LINKS, target))
    return links[target]


def check_target(split, target):
    links = target_links(target)
    if split.cores > links["max_lnc"]:
        raise NkiUnsupportedError("nl.nc", "nl.nc(%d) on %s: this target has LNC %d only "
                                  "(LNC=2 needs trn2 or trn3)"
                                  % (split.cores, target, links["max_lnc"]))
    return links


def combine_stats(core_stats, barrier_ns):
    """stats.json of an LNC kernel: core 0's stats with total_ns = slowest core + barrier,
    and every core's stats under "lnc"."""
    times = [float(s.get("total_ns", 0.0)) for s in core_stats]
    slow = max(range(len(times)), key=lambda i: times[i])
    stats = dict(core_stats[slow])
    stats["total_ns"] = times[slow] + barrier_ns
    stats["lnc"] = {"cores": len(core_stats), "core_total_ns": times,
                    "barrier_ns": barrier_ns, "slowest_core": slow,
                    "per_core": core_stats}
    return stats


def run_lnc(func, arrays, kwargs, split, options, compile_config, out_dir):
    """Runs a kernel launched on the cores of `split` (see the module docstring). Returns
    Results: outputs of the values run (None in timing-only mode) and the combined stats;
    with out_dir, each core's timing results are in out_dir/core<i>/."""
    from . import device_print
    from .runner import Results, RunOptions, run_trace
    from .tracer import _restructure, trace_kernel
    links = check_target(split, options.target)
    outputs, stats = None, {}

    def trace_core(c):
        return trace_kernel(func, arrays, kwargs, grid=split.grid, target=options.target,
                            compile_config=compile_config, pids=split.pids(c))

    traced = None
    if getattr(compile_config, "barrier_check", False):
        from .compiler import barrier
        traced = [trace_core(c) for c in range(split.cores)]
        barrier.check([tc.program for tc in traced])
    if options.mode != "timing":
        tr = trace_kernel(func, arrays, kwargs, grid=split.grid, target=options.target,
                          compile_config=compile_config)
        vopts = RunOptions(options.target, options.hw, options.sets, "values", None,
                           options.seed)
        printing = device_print.debug_tensors(tr.program)
        vdir = out_dir or (tempfile.mkdtemp(prefix="trnsim_nki_print_") if printing else None)
        try:
            res = run_trace(tr.trace(), tr.inputs, out_dir=vdir, options=vopts)
            if printing:  # APPROX: printed without simulated times (a values-only run)
                device_print.report(tr.program, res.outputs, vdir)
        finally:
            if vdir and not out_dir:
                shutil.rmtree(vdir, ignore_errors=True)
        outputs, stats = _restructure(tr.out_struct, res.outputs), res.stats
        if options.mode == "values":
            return Results(outputs, stats, out_dir)
    core_stats = []
    traced = traced or [trace_core(c) for c in range(split.cores)]
    for c, tc in enumerate(traced):
        topts = RunOptions(options.target, options.hw, options.sets, "timing",
                           options.timeline, options.seed)
        sub = os.path.join(out_dir, "core%d" % c) if out_dir else None
        s = run_trace(tc.trace(), tc.inputs, out_dir=sub, options=topts).stats
        s["compiler"] = tc.report.to_json()
        core_stats.append(s)
    stats = combine_stats(core_stats, float(links["lnc_barrier_ns"]))
    if out_dir:
        with open(os.path.join(out_dir, "stats.json"), "w") as f:
            json.dump(stats, f, indent=1)
    return Results(outputs, stats, out_dir)
