"""--dump NAME@FILE.py:LINE: the simulated values of the kernel variable NAME (a tile or an HBM
tensor) right after kernel line LINE of FILE.py ran, written as .npy files.

While the kernel is traced a line tracer (sys.settrace, only in frames of FILE.py) watches LINE;
when the next line of the same frame starts (or the frame returns) the tile NAME is copied into
a debug HBM tensor, as nl.device_print does (trnsim_nki.device_print): a DMA transfer, so it
costs simulated time like a store, placed in program order right after that line. A line that
runs several times (a loop, an SPMD grid) gives one dump per run, numbered in trace order.
Files: DIR/dumps/NAME@FILE.py-LINE.npy, or NAME@FILE.py-LINE.K.npy (K = 0, 1, ...) when the
line ran more than once. Values are as `trnsim run` writes outputs (bf16 / fp8 as float32).
"""
import os
import re
import sys

import numpy as np

from . import core
from .core import NkiTensor
from .emit import emit
from .errors import NkiError

_SPEC_RE = re.compile(r"^([A-Za-z_]\w*)@(.+\.py):(\d+)$")


class DumpError(NkiError):
    """A --dump request that cannot be met; the message names the request."""

    def __init__(self, spec_text, message):
        Exception.__init__(self, "--dump %s: %s" % (spec_text, message))
        self.call, self.path, self.line = "--dump", "?", 0


class DumpSpec:
    """One --dump request and what tracing found for it."""

    def __init__(self, text):
        m = _SPEC_RE.match(str(text))
        if not m:
            raise DumpError(text, "expected NAME@FILE.py:LINE (a kernel variable, and the kernel "
                            "line after which to write its values)")
        self.text = str(text)
        self.name, self.file, self.line = m.group(1), m.group(2), int(m.group(3))
        self.runs = 0            # times the line ran while tracing
        self.tensors = []        # debug HBM tensor of each run
        self.not_a_tile = None   # description of the value when NAME was not a tile

    def in_file(self, co_filename):
        """Whether code of `co_filename` is FILE (a base name, or a path)."""
        if os.sep in self.file:
            return os.path.abspath(co_filename) == os.path.abspath(self.file)
        return os.path.basename(co_filename) == self.file

    def file_names(self):
        base = "%s@%s-%d" % (self.name, os.path.basename(self.file), self.line)
        if len(self.tensors) == 1:
            return [base + ".npy"]
        return ["%s.%d.npy" % (base, k) for k in range(len(self.tensors))]


def parse_specs(texts):
    return [DumpSpec(t) for t in texts or ()]


def _snapshot(spec, frame):
    spec.runs += 1
    value = frame.f_locals.get(spec.name, frame.f_globals.get(spec.name))
    if not isinstance(value, NkiTensor):
        spec.not_a_tile = "undefined" if value is None and spec.name not in frame.f_locals \
            else "a %s" % type(value).__name__
        return
    t = core.alloc(list(value.shape), value.dtype, "hbm", name="dump_" + spec.name,
                   role="scratch")
    emit("dma_copy", dst=t, src=value)
    spec.tensors.append(t.buf.name)
    c = core.ctx()
    c.program.__dict__.setdefault("dump_tensors", []).append(t.buf.name)


class watching:
    """Context manager: while active, takes the snapshots `specs` ask for (no-op if none)."""

    def __init__(self, specs):
        self.specs = list(specs)

    def __enter__(self):
        self._previous = sys.gettrace()
        if self.specs:
            sys.settrace(self._on_call)
        return self

    def __exit__(self, *exc):
        if self.specs:
            sys.settrace(self._previous)
        return False

    def _on_call(self, frame, event, arg):
        specs = [s for s in self.specs if s.in_file(frame.f_code.co_filename)]
        if not specs:
            return None
        previous = [None]  # line of this frame that ran last

        def on_event(frame, event, arg):
            done = previous[0]
            if done is not None and event in ("line", "return"):
                for s in specs:
                    if s.line == done:
                        _snapshot(s, frame)
            previous[0] = frame.f_lineno if event == "line" else None
            return on_event

        return on_event


def check(specs):
    """Raises DumpError for a request whose line never ran or whose NAME was not a tile."""
    for s in specs:
        if s.not_a_tile:
            raise DumpError(s.text, "after %s:%d, %s is %s, not a tile or tensor" % (
                os.path.basename(s.file), s.line, s.name, s.not_a_tile))
        if not s.runs:
            raise DumpError(s.text, "line %d of %s never ran while the kernel was traced (give "
                            "a line of the kernel's body)" % (s.line, s.file))


def debug_tensors(program):
    return set(getattr(program, "dump_tensors", []))


def write(specs, outputs, results_dir):
    """{spec text: [array per run]} from the run's outputs; also written under
    results_dir/dumps/ when results_dir is given. Returns the dict and the paths written."""
    arrays, paths = {}, []
    for s in specs:
        arrays[s.text] = [np.asarray(outputs[name]) for name in s.tensors]
        if results_dir:
            folder = os.path.join(results_dir, "dumps")
            os.makedirs(folder, exist_ok=True)
            for fname, arr in zip(s.file_names(), arrays[s.text]):
                paths.append(os.path.join(folder, fname))
                np.save(paths[-1], arr)
    return arrays, paths
