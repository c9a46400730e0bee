"""Reshaped HBM views whose selection is not one block of the buffer's dimensions (NKI:
`t.reshape(shape)` of a DRAM tensor reinterprets its row-major elements, so any selection of
the reshaped view is valid, e.g. a column of `x.reshape((B * G, m))` or a window crossing rows
of `X.reshape((B, C, H * W))`).

The trace names a view as one slice per buffer dimension, so such a view gets its own HBM
tensor of the reshaped shape (an alias) and is indexed like any tensor:
- a reshape of a kernel input: the alias is an input holding the same elements (the input
  array reshaped on the host); the kernel must not write the input or the alias, unless it
  reaches the input only through the alias (then the alias is that written input);
- a reshape of a whole output / scratch tensor: the alias replaces it; the kernel must then
  reach that tensor only through the reshape. The outputs returned as the original tensor
  are the alias's values in the original shape.
APPROX (NKI programming model, HBM tensors): an alias is a separate simulated HBM tensor, so
the DMA costs are those of the same element pattern but HBM placement differs.
An HBM access pattern (`t.ap(...)`) whose entries do not each walk one dimension of t reads
an alias of t reshaped so that they do (steps in decreasing order dividing each other).
Breaking either rule is an NkiUnsupportedError at the reshape's kernel line, found at the end of
tracing.
"""
import math

from . import core
from .errors import NkiUnsupportedError, kernel_location


class Alias:
    def __init__(self, source, alias, start, shape, where):
        self.source, self.alias = source, alias    # program.HbmTensor
        self.start, self.shape = start, tuple(shape)
        self.where = where                         # (path, line) of the first use
        self.from_input = source.role == "input"   # roles change at the end of tracing



def alias_view(view, call):
    """The whole alias tensor (NkiTensor) standing for reshaped HBM view `view`."""
    c = core.ctx()
    start, shape = view.flat
    records = c.__dict__.setdefault("hbm_aliases", {})
    key = (view.buf.name, start, tuple(shape))
    rec = records.get(key)
    if rec is None:
        src = view.buf.phys
        whole = start == 0 and math.prod(map(int, shape)) == math.prod(map(int, src.shape))
        if src.role != "input" and not whole:
            raise NkiUnsupportedError(call, "this selection of a reshape of part of %s (not an "
                                      "input) is not one block of its dimensions; reshape the "
                                      "whole tensor" % view.buf.name)
        t = core.alloc(list(shape), view.buf.dtype, "hbm", name=view.buf.name + "_reshaped",
                       role="input" if src.role == "input" else "scratch")
        rec = records[key] = (Alias(src, t.buf.phys, start, shape, kernel_location()), t)
    t = rec[1]
    return core.NkiTensor(t.buf, [(0, s, 1) for s in shape], list(range(len(shape))))


def aliases():
    return [rec[0] for rec in core.ctx().__dict__.get("hbm_aliases", {}).values()]


def _referenced(program):
    names = set()
    for ins in program.instructions:
        for v in ins.values():
            if isinstance(v, str) and v.endswith("]") and "[" in v:
                names.add(v.split("[", 1)[0])
    return names


def _error(a, message):
    return NkiUnsupportedError.at(a.where[0], a.where[1], "tensor.reshape", message)


def finish(program, inputs, written_names):
    """After tracing: give input aliases their values, let output aliases stand for their
    tensors. Returns {source name: (alias name, source shape)} for the output aliases."""
    found = aliases()
    if not found:
        return {}
    used = _referenced(program)
    replaced = {}
    for a in found:
        src, al = a.source, a.alias
        if a.from_input:
            if (src.name in written_names or al.name in written_names) and src.name in used:
                raise _error(a, "the kernel writes input %s, which it also reads through a "
                             "reshape whose selections are not blocks of its dimensions; write "
                             "a separate output tensor" % src.name)
            if al.name in written_names:  # an input reached only through the alias, written
                replaced[src.name] = (al.name, tuple(src.shape))
                continue
            flat = inputs[src.name].reshape(-1)
            inputs[al.name] = flat[a.start:a.start + math.prod(map(int, a.shape))].reshape(a.shape)
            continue
        if src.name in used:
            raise _error(a, "%s is used both directly and through a reshape whose selections "
                         "are not blocks of its dimensions; use only the reshaped view" % src.name)
        replaced[src.name] = (al.name, tuple(src.shape))
    return replaced


def ap_shape(total, pattern):
    """A shape of `total` elements whose row-major dimensions the [step, count] entries of an
    access pattern each walk, or None: the distinct steps (count > 1, nonzero) in decreasing
    order, each dividing the previous and the first dividing `total`."""
    steps = sorted({int(st) for st, n in pattern if int(n) > 1 and int(st) > 0}, reverse=True)
    if not steps or total % steps[0]:
        return None
    shape = [total // steps[0]]
    for a, b in zip(steps, steps[1:]):
        if a % b:
            return None
        shape.append(a // b)
    if steps[-1] > 1:
        shape.append(steps[-1])
    return shape
