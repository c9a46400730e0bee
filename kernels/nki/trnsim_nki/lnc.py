"""Logical NeuronCores: an SPMD launch grid with a NeuronCore dimension (NKI: nl.nc,
nl.spmd_dim) runs its programs on the two physical cores of an LNC=2 pair.

    kernel[nl.nc(2)](a)                    programs 0 and 1 on cores 0 and 1
    kernel[nl.nc(2), 2](a)                 core i runs kernel[i, 0] and kernel[i, 1]
    kernel[nl.spmd_dim(nl.nc(2), 2), 2](a) grid (4, 2); core i runs kernel[2i .. 2i+1, *]
    kernel[nl.spmd_dim(2, nl.nc(2))](a)    grid (4,); core i runs kernel[i], kernel[i + 2]
nl.program_id / nl.num_programs see the whole grid, as in NKI.

Each core's programs are traced and compiled as that core's program; the two run at the same
time in ONE simulation (a pair manifest, isa/PAIR_TRACE.md): two NeuronCores, each with its
engines, SBUF, PSUM and DMA queues, sharing one HBM image and the HBM stack's bandwidth
(pair_hbm_bytes_per_ns of sim/configs/links.json). nisa.core_barrier, nisa.sendrecv and
nl.all_reduce synchronise the two cores (isa_collective.py); the values follow the simulated
order, so accesses separated by a core_barrier see each other's writes. Without a barrier,
two cores racing on one HBM location get whichever order the simulation gives. The kernel's
time is the later core's end plus the end-of-kernel semaphore hand-off between the two cores
(lnc_barrier_ns). nl.nc(1) runs as one core.
"""
import json
import os
import shutil
import tempfile

import numpy as np

from .errors import NkiError, NkiUnsupportedError, TrnsimRunError

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
        self.launch = tuple(grid)  # as launched (its nl.nc dimension kept)
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


def max_lnc(target):
    """The largest LNC degree of `target` (links.json max_lnc; 1 for an unknown target, whose
    run reports the unknown target itself)."""
    try:
        return int(target_links(target)["max_lnc"])
    except (NkiError, KeyError, TypeError, ValueError):
        return 1


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
    """stats.json of a one-core nl.nc(1) kernel: its stats with total_ns + barrier, and the
    core's stats under "lnc" (the two-core run's stats.json has the same "lnc" layout)."""
    times = [float(s.get("total_ns", 0.0)) for s in core_stats]
    slow = max(range(len(times)), key=lambda i: times[i])
    stats = dict(core_stats[slow])
    stats["total_ns"] = times[slow] + barrier_ns
    stats["lnc"] = {"cores": len(core_stats), "core_total_ns": times,
                    "barrier_ns": barrier_ns, "slowest_core": slow,
                    "per_core": core_stats}
    return stats


def unify_tensors(traces):
    """Gives both cores' traces the same HBM tensor table (the union, in first-seen order), as
    the shared HBM image needs: a tensor only one core's programs declare (a device_print
    buffer, a per-program allocation) is declared, unused, by the other. Views name tensors,
    so the order of the table changes nothing else."""
    union, seen = [], {}
    for tr in traces:
        for t in tr["tensors"]:
            if t["name"] not in seen:
                seen[t["name"]] = t
                union.append(t)
            elif (t["shape"], t["dtype"]) != (seen[t["name"]]["shape"], seen[t["name"]]["dtype"]):
                raise NkiError("kernel[nl.nc(2)]", "HBM tensor %s is %s %s on one core and %s %s "
                               "on the other" % (t["name"], seen[t["name"]]["dtype"],
                                                 seen[t["name"]]["shape"], t["dtype"], t["shape"]))
    for tr in traces:
        tr["tensors"] = [dict(t) for t in union]
    return traces


def run_pair_traces(traces, inputs, out_dir, options):
    """Runs two cores' traces (same tensor tables, unify_tensors) as one pair
    (isa/PAIR_TRACE.md), writing the results folder to out_dir when given. Returns (outputs by
    tensor name, stats)."""
    from . import runner
    binary = runner.find_binary()
    if binary is None:
        raise TrnsimRunError("no trnsim binary: set TRNSIM_BIN, put trnsim on PATH or build "
                             "build/trnsim in the source tree")
    work = tempfile.mkdtemp(prefix="trnsim_nki_pair_")
    try:
        names = []
        for c, tr in enumerate(traces):
            sub = os.path.join(work, "core%d" % c)
            os.mkdir(sub)
            names.append(os.path.relpath(runner._write_handoff(tr, sub), work))
        manifest = os.path.join(work, "pair.json")
        with open(manifest, "w") as f:
            json.dump({"trnsim_pair": 1, "cores": names}, f)
        run_dir = out_dir or os.path.join(work, "results")
        cmd = [binary, "run", manifest]
        if options.mode != "timing":
            for name, arr in inputs.items():
                p = os.path.join(work, name + ".npy")
                np.save(p, np.ascontiguousarray(arr))
                cmd += ["--input", "%s=%s" % (name, p)]
        cmd += ["--out", run_dir, "--quiet"] + options.args()
        error = runner._invoke(cmd, binary, False)
        if error is not None:
            raise TrnsimRunError("two-core run of %s: %s" % (traces[0]["name"], error))
        outputs = {} if options.mode == "timing" else runner._read_outputs(traces[0], run_dir)
        return outputs, runner._read_stats(run_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_lnc(func, arrays, kwargs, split, options, compile_config, out_dir):
    """Runs a kernel launched on the cores of `split` (see the module docstring). Returns
    Results: outputs (None in timing-only mode) and the stats; with out_dir, the results
    folder of the run (two cores: core0/, core1/, the pair's stats.json and timeline.json)."""
    from . import device_print
    from .runner import Results, run_trace
    from .tracer import _restructure, trace_kernel
    links = check_target(split, options.target)
    traced = [trace_kernel(func, arrays, kwargs, grid=split.launch, target=options.target,
                           compile_config=compile_config, pids=split.pids(c))
              for c in range(split.cores)]
    if getattr(compile_config, "barrier_check", False):
        from .compiler import barrier
        barrier.check([tc.program for tc in traced])
    printing = any(device_print.debug_tensors(tc.program) for tc in traced)
    run_dir = out_dir or (tempfile.mkdtemp(prefix="trnsim_nki_print_") if printing else None)
    try:
        if split.cores == 1:
            res = run_trace(traced[0].trace(), traced[0].inputs, out_dir=run_dir, options=options)
            raw, stats = res.outputs, res.stats
            stats["compiler"] = traced[0].report.to_json()
            if stats.get("total_ns"):
                stats = combine_stats([stats], float(links["lnc_barrier_ns"]))
            core_dirs = [run_dir]
        else:
            traces = unify_tensors([tc.trace() for tc in traced])
            raw, stats = run_pair_traces(traces, traced[0].inputs, run_dir, options)
            for c, tc in enumerate(traced):
                if "lnc" in stats:
                    stats["lnc"]["per_core"][c]["compiler"] = tc.report.to_json()
            if out_dir and stats:  # the pair's stats.json with each core's compiler report
                with open(os.path.join(out_dir, "stats.json"), "w") as f:
                    json.dump(stats, f, indent=1)
            core_dirs = [os.path.join(run_dir, "core%d" % c) if run_dir else None
                         for c in range(2)]
        if printing:
            for tc, d in zip(traced, core_dirs):
                device_print.report(tc.program, raw, d)
    finally:
        if run_dir and not out_dir:
            shutil.rmtree(run_dir, ignore_errors=True)
    outputs = None if options.mode == "timing" else _restructure(traced[0].out_struct, raw)
    return Results(outputs, stats, out_dir)
