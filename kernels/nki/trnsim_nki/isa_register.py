"""Virtual registers (nki.isa.register_alloc / register_move / register_load / register_store,
SDK 2.27+): one 32-bit integer per register, set from a constant, another register or a
one-element tensor, and stored back to a one-element tensor. A register can start a runtime
window, t[..., nl.ds(reg, n)] (NKI reference, nl.ds), like a (1, 1) SBUF index tile.

APPROX: a register is modelled as a (1, 1) int32 SBUF tile, and its instructions as one-element
memset / tensor_copy on the Vector engine (HBM: a one-element dma_copy). The hardware keeps
registers in the engine sequencers (64 per engine, NKI reference register_alloc); their
instruction cost is undocumented. Python control flow on a register (if / while / int() /
range()) and nl.dynamic_range over one need the runtime value while tracing: refused, as the
NKI tracer refuses them (NKI reference, VirtualRegister).
"""
from . import dtypes
from .core import NkiTensor
from .emit import emit, new_tile
from .errors import NkiError, NkiUnsupportedError

_RUNTIME = ("its value is known only at run time, so Python control flow on it (if / while / "
            "int() / range()) cannot be traced; trnsim programs have no runtime branches")


class VirtualRegister:
    """A virtual register: `tile` is its (1, 1) int32 SBUF image."""

    def __init__(self, tile):
        self.tile = tile

    @property
    def register_tile(self):  # what nl.ds reads a runtime start from
        return self.tile

    def __repr__(self):
        return "VirtualRegister(%s)" % self.tile.buf.name

    def _refuse(self, *_):
        raise NkiUnsupportedError("nisa.VirtualRegister", _RUNTIME)

    __bool__ = __int__ = __index__ = __iter__ = __float__ = _refuse


def _register(call, r, what):
    if not isinstance(r, VirtualRegister):
        raise NkiError(call, "%s must be a register from nisa.register_alloc, got %s"
                       % (what, type(r).__name__))
    return r


def _one_element(call, t, what):
    if not isinstance(t, NkiTensor):
        raise NkiError(call, "%s must be a tensor, got %s" % (what, type(t).__name__))
    if t.element_count() != 1:
        raise NkiError(call, "%s must have exactly one element (shape [1] or [1, 1]), got %s"
                       % (what, tuple(t.shape)))
    return t


def _int_value(call, x):
    if isinstance(x, bool) or not hasattr(x, "__index__"):
        raise NkiError(call, "the value must be a compile-time integer or a register, got %r"
                       % (x,))
    v = int(x)
    if not -2 ** 31 <= v < 2 ** 32:
        raise NkiError(call, "%d does not fit in a 32-bit register" % v)
    return v


def _copy(dst, src):
    """One-element copy: DMA when either side is in HBM, else a Vector tensor_copy."""
    if dst.buf.memory == "hbm" or src.buf.memory == "hbm":
        emit("dma_copy", dst=dst, src=src)
    else:
        emit("tensor_copy", engine="vector", dst=dst, src=src)


def register_move(dst, src=None, imm=None):
    """dst = src: a compile-time integer (2.27+: `imm`) or another register (2.29+)."""
    call = "nisa.register_move"
    value = src if src is not None else imm
    if value is None:
        raise NkiError(call, "missing the value to move (src / imm)")
    reg = _register(call, dst, "dst")
    if isinstance(value, VirtualRegister):
        _copy(reg.tile, value.tile)
    else:
        emit("memset", engine="vector", dst=reg.tile, value=float(_int_value(call, value)))


def register_alloc(x=None):
    """A new register, set to x (an integer or a register) when given."""
    reg = VirtualRegister(new_tile((1, 1), dtypes.int32))
    if x is not None:
        register_move(reg, x)
    return reg


def register_load(dst, src):
    """dst = the one element of src (HBM or SBUF), converted to int32."""
    call = "nisa.register_load"
    _copy(_register(call, dst, "dst").tile, _one_element(call, src, "src"))


def register_store(dst, src):
    """The one element of dst (HBM or SBUF) = the register src."""
    call = "nisa.register_store"
    _copy(_one_element(call, dst, "dst"), _register(call, src, "src").tile)
