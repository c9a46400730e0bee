"""nki.language buffers (nl.sbuf, nl.psum, nl.hbm, nl.private_hbm, nl.shared_hbm) and
allocation (nl.ndarray, nl.zeros / ones / full and their *_like forms, nl.shared_constant), as
language.py re-exports them. Allocation only records the tile; trnsim_nki.compiler places it."""
import numpy as np

from . import core, dtypes
from .dtypes import float32
from .emit import emit
from .errors import NkiError, NkiUnsupportedError


# ---- buffers ---------------------------------------------------------------------------------
class _Buffer:
    def __init__(self, name, memory, role):
        self.name, self.memory, self.role = name, memory, role

    def __repr__(self):
        return "nl." + self.name

    def view(self, dtype, shape, name=None):
        return ndarray(shape, dtype, buffer=self, name=name)


sbuf = _Buffer("sbuf", "sbuf", None)
psum = _Buffer("psum", "psum", None)
hbm = _Buffer("hbm", "hbm", "scratch")
private_hbm = _Buffer("private_hbm", "hbm", "scratch")
shared_hbm = _Buffer("shared_hbm", "hbm", "output")


# ---- allocation ------------------------------------------------------------------------------
def _memory(call, buffer):
    if buffer is None:
        return "sbuf", None
    if isinstance(buffer, _Buffer):
        return buffer.memory, buffer.role
    raise NkiUnsupportedError(call, "buffer %r" % (buffer,))


def ndarray(shape, dtype, buffer=None, name="", address=None, **kwargs):
    """`address=` (a byte address, or (start partition, byte address)) fixes the tile's place
    in every partition; buffer= may be a direct-allocation rule (nki.compiler.sbuf.alloc)."""
    mem, role = _memory("nl.ndarray", buffer)
    placement = getattr(buffer, "placement", None)
    if address is not None:
        placement = _fixed_address_rule(address)
    return core.alloc(shape, dtype, mem, name=name or None, role=role or "scratch",
                      placement=placement)


def _fixed_address_rule(address):
    a = tuple(address) if isinstance(address, (tuple, list)) else (0, address)
    if len(a) != 2 or a[0] != 0:
        raise NkiUnsupportedError("nl.ndarray", "address=%r (give a byte address, or (0, "
                                  "byte address): trnsim tiles start at partition 0)"
                                  % (address,))
    if int(a[1]) < 0:
        raise NkiError("nl.ndarray", "negative address %d" % int(a[1]))
    return lambda block, parts, nbytes: int(a[1])


def shared_constant(constant, dtype=None, **kwargs):
    """An HBM tensor holding `constant` (a host array) as kernel input data."""
    arr = np.asarray(constant)
    try:
        dt = dtypes.to_dtype(dtype if dtype is not None else arr.dtype)
    except TypeError as e:
        raise NkiError("nl.shared_constant", str(e))
    if arr.ndim == 0 or arr.size == 0:
        raise NkiError("nl.shared_constant", "constant must be a non-empty array, got shape %s"
                       % (arr.shape,))
    c = core.ctx()
    t = core.alloc(list(arr.shape), dt, "hbm", name=core.assigned_name("constant"),
                   role="input")
    data = arr.astype(dt.np_dtype)
    if not hasattr(c, "constants"):
        c.constants = {}
    c.constants[t.buf.name] = data
    return t


def empty_like(a, dtype=None, buffer=None, name="", **kwargs):
    return ndarray(a.shape, dtype or a.dtype, buffer=buffer, name=name)


def full(shape, fill_value, dtype=float32, buffer=None, name="", **kwargs):
    t = ndarray(shape, dtype, buffer=buffer, name=name)
    tiles = t.all_blocks() if isinstance(t, core.TileArray) else [t]
    if tiles[0].buf.memory == "hbm":
        raise NkiUnsupportedError("nl.full", "initialised HBM tensors")
    for x in tiles:
        ins = emit("memset", dst=x, value=float(fill_value))
        if fill_value == 0 and x.buf.memory == "psum":
            x.buf.zero_ins = ins  # a following `x += matmul` may fold it into accumulate=False
    return t


def zeros(shape, dtype=float32, buffer=None, name="", **kwargs):
    return full(shape, 0.0, dtype, buffer=buffer, name=name)


def ones(shape, dtype=float32, buffer=None, name="", **kwargs):
    return full(shape, 1.0, dtype, buffer=buffer, name=name)


def zeros_like(a, dtype=None, buffer=None, name="", **kwargs):
    return zeros(a.shape, dtype or a.dtype, buffer=buffer, name=name)


def ones_like(a, dtype=None, buffer=None, name="", **kwargs):
    return ones(a.shape, dtype or a.dtype, buffer=buffer, name=name)


def full_like(a, fill_value, dtype=None, buffer=None, name="", **kwargs):
    return full(a.shape, fill_value, dtype or a.dtype, buffer=buffer, name=name)
