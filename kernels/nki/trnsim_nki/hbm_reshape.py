"""General reshape of HBM tensors (NKI: `t.reshape(shape)` of a DRAM tensor reinterprets its
row-major elements). A reshaped view is a contiguous range [a, b) of the buffer's row-major
elements with a logical shape; the trace names it as the box of buffer dimensions holding
exactly that range, so DMA copies (element by element in C order) move the right elements.
Indexing a reshaped view that selects one contiguous range (leading integers, then one range,
then whole dimensions) that is a box of the buffer stays a view of the buffer; any other
selection goes through an alias tensor of the reshaped shape (hbm_alias).
"""
from .errors import NkiError, NkiUnsupportedError
from .indexing import Affine


def _strides(shape):
    out = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        out[d] = out[d + 1] * shape[d + 1]
    return out


def flat_range(view):
    """(a, b) if `view` covers buffer elements a..b-1 in row-major order, else None."""
    shape = view.buf.phys_shape
    strides = _strides(shape)
    first = next((d for d, (_, c, _) in enumerate(view.sl) if c > 1), len(shape))
    for d, (s, c, st) in enumerate(view.sl):
        if d == first and st != 1:
            return None
        if d > first and (s != 0 or c != shape[d] or st != 1):
            return None
    a = sum(s * strides[d] for d, (s, _, _) in enumerate(view.sl))
    return a, a + view.element_count()


def box(buf, a, b, call):
    """Per-dimension (start, count, 1) slices covering exactly elements [a, b), or error."""
    shape = buf.phys_shape
    strides = _strides(shape)
    for j in range(len(shape) - 1, -1, -1):
        inner, outer = strides[j], strides[j] * shape[j]
        if a % inner == 0 and b % inner == 0 and a // outer == (b - 1) // outer:
            sl = []
            for d in range(len(shape)):
                if d < j:
                    sl.append(((a // strides[d]) % shape[d], 1, 1))
                elif d == j:
                    sl.append(((a % outer) // inner, (b - a) // inner, 1))
                else:
                    sl.append((0, shape[d], 1))
            return sl
    raise NkiUnsupportedError(call, "elements [%d, %d) of %s (shape %s) are not one block of "
                              "its dimensions" % (a, b, buf.name, shape))


def reshaped(view, shape, call="tensor.reshape"):
    """The reshape of an HBM view to `shape` (same element count, contiguous source)."""
    from .core import NkiTensor
    rng = flat_range(view)
    if rng is None:
        raise NkiUnsupportedError(call, "reshape of a non-contiguous view of %s" % view.buf.name)
    n = 1
    for s in shape:
        n *= s
    if n != rng[1] - rng[0]:
        raise NkiError(call, "cannot reshape %s (%d elements) to %s" % (view.shape,
                                                                       rng[1] - rng[0], shape))
    t = NkiTensor(view.buf, box(view.buf, rng[0], rng[1], call), [])
    t.flat = (rng[0], tuple(shape))
    return t


def _as_range(ix, n, call):
    if isinstance(ix, slice):
        a, b, step = ix.indices(n)
        if step != 1:
            return None  # strided: an alias tensor (hbm_alias)
        return a, max(a, b)
    if isinstance(ix, Affine):
        one = ix.single
        if one is None or one[1] != 1:
            return None  # several or scaled terms: an alias tensor (hbm_alias)
        return ix.const, ix.const + one[0].n
    i = int(ix)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise NkiError(call, "index %d out of range for dimension of size %d" % (i, n))
    return i, None


def index(view, idx, call):
    """view[idx] of a reshaped HBM view."""
    start, shape = view.flat
    if not isinstance(idx, tuple):
        idx = (idx,)
    if any(i is Ellipsis for i in idx):
        k = idx.index(Ellipsis)
        idx = idx[:k] + (slice(None),) * (len(shape) - len(idx) + 1) + idx[k + 1:]
    if len(idx) > len(shape):
        raise NkiError(call, "%d indices for a tensor of rank %d" % (len(idx), len(shape)))
    idx = idx + (slice(None),) * (len(shape) - len(idx))
    strides = _strides(list(shape))
    a, out_shape, multi = 0, [], False
    for d, (ix, n) in enumerate(zip(idx, shape)):
        if isinstance(ix, Affine) and not ix.terms:
            ix = ix.const
        rng = _as_range(ix, n, call)
        if rng is None:
            from . import hbm_alias
            return hbm_alias.alias_view(view, call)[idx]
        lo, hi = rng
        if hi is not None and hi > n:
            raise NkiError(call, "index range [%d, %d) exceeds dimension %d of size %d"
                           % (lo, hi, d, n))
        if multi and not (hi is not None and lo == 0 and hi == n):
            from . import hbm_alias
            return hbm_alias.alias_view(view, call)[idx]
        a += lo * strides[d]
        if hi is not None:
            out_shape.append(hi - lo)
            multi = multi or hi - lo > 1
    count = 1
    for s in out_shape:
        count *= s
    from .core import NkiTensor
    t = NkiTensor(view.buf, box(view.buf, start + a, start + a + count, call), [])
    t.flat = (start + a, tuple(out_shape))
    return t
