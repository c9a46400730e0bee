"""nl.device_print: the tile's simulated values, printed after the run with the simulated time
at which they were read (as nki.simulate prints them on the host). The trace copies the tile
into a debug HBM tensor (a DMA transfer, so printing costs simulated time like a store); after
the run the values of that tensor are printed with the end time of that transfer, taken from
the run's timeline.
"""
import gzip
import json
import os
import sys

from . import core
from .core import NkiTensor
from .emit import emit
from .errors import NkiError, location_text


def record(prefix, x, mask=None):
    call = "nl.device_print"
    if not isinstance(x, NkiTensor):
        raise NkiError(call, "x must be a tile or tensor, got %s" % type(x).__name__)
    c = core.ctx()
    split = getattr(c, "lnc", None)  # the two cores of a pair share HBM: a buffer per core
    name = "device_print_core%d" % split.core(c.pid) if split else "device_print"
    t = core.alloc(list(x.shape), x.dtype, "hbm", name=name, role="scratch")
    emit("dma_copy", mask=mask, dst=t, src=x)
    prints = c.program.__dict__.setdefault("device_prints", [])
    prints.append((str(prefix), t.buf.name, location_text(), tuple(c.pid)))


def debug_tensors(program):
    """Names of the debug tensors of a traced program (outputs, but not kernel results): those
    of nl.device_print and of --dump (trnsim_nki.dump)."""
    return {name for _, name, _, _ in getattr(program, "device_prints", [])} | set(
        getattr(program, "dump_tensors", []))


def _end_times_ns(results_dir):
    path = os.path.join(results_dir or "", "timeline.json")
    if os.path.exists(path):
        with open(path) as f:
            tl = json.load(f)
    elif os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz", "rt") as f:
            tl = json.load(f)
    else:
        return {}  # run without a timeline: times print as "t=?"
    events = tl.get("traceEvents", []) if isinstance(tl, dict) else tl
    out = {}
    for e in events:
        args = e.get("args") or {}
        dst = str(args.get("dst", "")).split("[", 1)[0]
        if dst and "end_ns" in args:
            out[dst] = max(out.get(dst, 0), args["end_ns"])
    return out


def report(program, outputs, results_dir, stream=None):
    """Prints every nl.device_print of `program` from the run's outputs and timeline."""
    prints = getattr(program, "device_prints", [])
    if not prints:
        return
    stream = stream or sys.stdout
    times = _end_times_ns(results_dir)
    for prefix, name, label, pid in prints:
        when = times.get(name)
        at = "t=%s ns" % when if when is not None else "t=?"
        who = " program %s" % (pid,) if pid else ""
        stream.write("%s [%s, %s%s]\n%s\n" % (prefix, at, label, who, outputs[name]))
