"""nki.language names that make index ranges and views or describe buffers, rather than
emitting instructions: nl.ds, nl.expand_dims, nl.is_psum / is_sbuf / is_hbm / is_on_chip,
nl.no_reorder, nl.NKIObject, and the LNC launch-grid dimensions nl.nc and nl.spmd_dim (lnc.py)."""
from .core import NkiTensor
from .errors import NkiError


# ---- indexing helpers and views --------------------------------------------------------------
def ds(start, size):
    """nl.ds(start, size): the index range [start, start + size) of one dimension. A runtime
    start (a (1, 1) SBUF tile) makes a window that slides at execution time (isa_dynamic)."""
    if isinstance(start, NkiTensor) or hasattr(start, "register_tile"):
        from .isa_dynamic import dynamic_ds
        return dynamic_ds(start, size)
    start, size = int(start), int(size)
    if start < 0 or size <= 0:
        raise NkiError("nl.ds", "needs start >= 0 and size > 0, got (%d, %d)" % (start, size))
    return slice(start, start + size)


def expand_dims(data, axis):
    """A view of `data` with a unit dimension inserted at each position in `axis`."""
    if not isinstance(data, NkiTensor):
        raise NkiError("nl.expand_dims", "data must be a tensor, got %s" % type(data).__name__)
    axes = [axis] if isinstance(axis, int) else list(axis)
    shape = list(data.shape)
    rank = len(shape) + len(axes)
    for a in sorted(a + rank if a < 0 else a for a in axes):
        if not 0 <= a <= len(shape):
            raise NkiError("nl.expand_dims", "axis %s out of range for shape %s"
                           % (axis, data.shape))
        shape.insert(a, 1)
    return data.reshape(shape)


def is_psum(buffer):
    from .language import psum
    return buffer is psum


def is_sbuf(buffer):
    from .language import sbuf
    return buffer is sbuf


def is_hbm(buffer):
    return getattr(buffer, "memory", None) == "hbm"


def is_on_chip(buffer):
    return is_psum(buffer) or is_sbuf(buffer)


class no_reorder:  # noqa: N801 (NKI name)
    """`with nl.no_reorder():` keeps the enclosed instructions in program order. The trace is
    already in program order and trnsim issues each engine's queue in order, so this only
    marks the block."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class NKIObject:
    """Base class of kernel helper objects (NKI Library style): plain Python objects whose
    fields are read at trace time."""


from .lnc import NcDim as nc, SpmdDim as spmd_dim  # noqa: E402,F401  (LNC grid dims)
