"""Allocation of NKI tensors and tiles (nl.ndarray and every result tile): the shape rules
(integer dims, at most one nl.par_dim, at most 128 partitions), one HBM tensor per shared_hbm
allocation site across SPMD program instances, and one logical tile per on-chip allocation
(trnsim_nki.core describes the model). Imported through trnsim_nki.core, which re-exports
it (this module needs core's classes first)."""
import math

from . import dtypes
from .core import Buffer, NkiTensor, assigned_name, ctx
from .errors import NkiError, kernel_site, location_text, site_location, site_text
from .tile_array import TileArray


class Par:
    """nl.par_dim(n): marks the partition dimension of a tile shape."""

    def __init__(self, n):
        self.n = int(n)

    def __index__(self):
        return self.n

    def __int__(self):
        return self.n


_INT_TYPES = frozenset((int,))


def _site_key(memory, shape, dtype, site):
    path, line = site_location(site)
    return (path, line, memory, tuple(shape), dtype.name)


def int_shape(call, shape):
    """`shape` as a list of ints, or an NkiError naming `call`."""
    if isinstance(shape, (int, Par)) or hasattr(shape, "__index__"):
        shape = [shape]
    try:
        dims = [int(s) for s in shape]
    except (TypeError, ValueError):
        raise NkiError(call, "shape must be a tuple of integers, got %r" % (shape,))
    if any(isinstance(s, float) for s in shape):
        raise NkiError(call, "shape must be a tuple of integers, got %r" % (shape,))
    return dims


def _split_shape(shape):
    """(block dims, partitions, free dims) of an on-chip shape that may hold one nl.par_dim."""
    par_axis = 0
    for i, s in enumerate(shape):
        if isinstance(s, Par):
            par_axis = i
    dims = int_shape("nl.ndarray", shape)
    if any(s <= 0 for s in dims):
        raise NkiError("nl.ndarray", "shape %s has a non-positive dimension" % dims)
    if not dims:
        return [], 1, [1]
    return dims[:par_axis], dims[par_axis], dims[par_axis + 1:]


def alloc(shape, dtype, memory, name=None, role="scratch", placement=None):
    """A new NKI tensor/tile of logical `shape` in `memory`. On chip, dimensions before an
    nl.par_dim are block dimensions and make a TileArray. `placement` is a direct-allocation
    rule (trnsim_nki.compiler.direct): callable(block index tuple, partitions, bytes per
    partition) -> byte address in the partition."""
    c = ctx()
    try:
        dtype = dtypes.to_dtype(dtype)
    except dtypes.NkiDtypeError:
        raise
    except TypeError as e:  # a host dtype with no NKI type (int64): the kernel line's error
        raise dtypes.NkiDtypeError("dtype", str(e)) from None
    if isinstance(shape, str) or not hasattr(shape, "__iter__"):
        shape = int_shape("nl.ndarray", shape)
    shape = list(shape)
    site = kernel_site()
    if memory == "hbm":
        return _alloc_hbm(c, shape, dtype, name or assigned_name("t", site), role, site)
    if placement is None and _INT_TYPES.issuperset(map(type, shape)):
        key = (site, tuple(shape), dtype, memory, name)
        made = c.tile_sites.get(key)
        if made is None:
            blocks, parts, free = _split_shape(shape)  # no blocks: int dims have no par_dim
            if parts > 128:
                return _alloc_on_chip(shape, dtype, memory, name, placement, site)  # raises
            made = c.tile_sites[key] = (parts, free, name or assigned_name("t", site),
                                        site_text(site))
        parts, free, hint, source = made
        return new_logical_tile(parts, free, dtype, memory, hint, source=source)
    return _alloc_on_chip(shape, dtype, memory, name, placement, site)


def _alloc_hbm(c, shape, dtype, hint, role, site):
    shape = int_shape("nl.ndarray", shape)
    if any(s <= 0 for s in shape):
        raise NkiError("nl.ndarray", "shape %s has a non-positive dimension" % shape)
    key = _site_key("hbm", shape, dtype, site)
    prev = c.shared.get(key)
    if role == "output" and prev is not None and prev[0] != c.pid:
        t = prev[1]  # one shared_hbm tensor for all SPMD program instances
    else:
        t = c.program.add_tensor(hint, shape, dtype, role)
        t.shared_hbm = role in ("input", "output")  # kept when tracing rewrites the role
        c.shared[key] = (c.pid, t)
    buf = Buffer("hbm", t, dtype, t.name)
    return NkiTensor(buf, [(0, s, 1) for s in shape], list(range(len(shape))))


def _alloc_on_chip(shape, dtype, memory, name, placement, site):
    hint = name or assigned_name("t", site)
    blocks, parts, free = _split_shape(shape)
    if parts > 128:
        raise NkiError("nl.ndarray", "partition dimension %d of tile shape %s exceeds 128"
                       % (parts, [int(s) for s in shape]))
    if blocks:
        return TileArray(blocks, parts, free, dtype, memory, hint, placement)
    return new_logical_tile(parts, free, dtype, memory, hint, placement, (), site)


def new_logical_tile(parts, free, dtype, memory, hint, placement=None, block=(), site=None,
                     source=None):
    """One logical (P, F) tile as an NkiTensor; a 1-D tile (no free dims) hides its physical
    free dim [1]. `site`: kernel_site() of the allocating line if known; `source`: its text
    (site_text) if known."""
    c = ctx()
    logical = [0] + [i + 1 for i in range(len(free))]
    free = list(free) or [1]
    address = None
    if placement is not None:
        address = placement(block, parts, dtype.itemsize * math.prod(map(int, free)))
    if source is None:
        source = location_text() if site is None else site_text(site)
    phys = c.program.add_tile(hint, memory, parts, free, dtype, source, address)
    buf = Buffer(memory, phys, dtype, phys.name)
    return NkiTensor(buf, [(0, parts, 1)] + [(0, s, 1) for s in free], logical)
