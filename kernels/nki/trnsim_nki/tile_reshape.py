"""Whole on-chip tiles seen in another shape with the same partition dim (NKI: `t.reshape(s)`
of an SBUF/PSUM tile reinterprets each partition's row-major free elements; an access pattern
`t.ap([[F, P], [1, F]])` walks a tile's whole free space as one dimension).

The trace names a view as one slice per buffer dimension, so such a view names the whole tile
and carries its new shape (NkiTensor.flat = (0, shape)); the simulator checks on-chip operands
as partitions x free elements, which a whole tile has in either shape. Only the whole view is
usable: indexing, masking or permuting it is an NkiUnsupportedError (index the tile before the
reshape)."""
import math

from .errors import NkiUnsupportedError



def _is_whole(view):
    phys = view.buf.phys_shape
    return view.dims == list(range(len(phys))) and \
        view.sl == [(0, int(n), 1) for n in phys]


def whole_tile_as(view, shape):
    """`view` (a whole on-chip tile, possibly already reshaped) in `shape`, or None when it is
    not a whole tile or `shape` changes the partition dim or the free element count."""
    from .core import NkiTensor
    phys = view.buf.phys_shape
    shape = tuple(int(s) for s in shape)
    if view.buf.memory == "hbm" or not _is_whole(view) or not shape:
        return None
    if shape[0] != phys[0] or math.prod(map(int, shape[1:])) != math.prod(map(int, phys[1:])):
        return None
    t = NkiTensor(view.buf, view.sl, view.dims)
    t.flat = (0, shape)
    return t


def whole_tile_pattern(view, pattern, offset):
    """For `view.ap(pattern, offset)` on an on-chip tile: the whole tile in the pattern's shape
    when the pattern walks all of it in row-major order (partition entry [F, P] with F the free
    elements per partition, then entries walking the F elements contiguously), else None."""
    phys = view.buf.phys_shape
    if view.buf.memory == "hbm" or int(offset) != 0 or len(pattern) < 2:
        return None
    free = math.prod(map(int, phys[1:]))
    pairs = [(int(a), int(b)) for a, b in pattern]
    if pairs[0] != (free, phys[0]):
        return None
    stride = 1
    for step, count in reversed(pairs[1:]):
        if step != stride and count != 1:
            return None
        stride *= count
    if stride != free:
        return None
    from .core import NkiTensor
    whole = NkiTensor(view.buf, [(0, int(n), 1) for n in phys], list(range(len(phys))))
    return whole_tile_as(whole, [c for _, c in pairs])


def index(view, idx):
    """`view[idx]` of a reshaped whole tile: itself when idx selects everything."""
    items = idx if isinstance(idx, tuple) else (idx,)
    if all(i is Ellipsis or i == slice(None) for i in items if not isinstance(i, int)) and \
            not any(isinstance(i, int) for i in items):
        return view
    raise NkiUnsupportedError("tensor[...]", "indexing a reshaped on-chip tile %s (shape %s); "
                              "index the tile before reshaping it" % (view.buf.name, view.shape))
