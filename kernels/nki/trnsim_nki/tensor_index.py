"""The general path of NkiTensor indexing (core.NkiTensor._index): integers, slices, nl.ds,
affine arange expressions (one or several variables per dimension) and Ellipsis, giving a new
view of the same buffer (a SplitView when one dimension is indexed by several variables).
"""
from .errors import NkiError, NkiUnsupportedError
from .indexing import Affine


def norm_index(i, n, call):
    i = int(i)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise NkiError(call, "index %d out of range for dimension of size %d" % (i, n))
    return i


def check_slice_bounds(ix, n, pos, call):
    """A slice bound beyond the dimension is an error, as in NKI (Python would clamp it and
    the kernel would silently read or write fewer elements)."""
    for bound in (ix.start, ix.stop):
        if bound is None or not hasattr(bound, "__index__"):
            continue
        b = int(bound)
        if b > n or b < -n:
            raise NkiError(call, "slice %s:%s of dimension %d is out of bounds for its size %d"
                           % (ix.start, ix.stop, pos, n))


def general_index(t, idx, call):
    """t[idx] for every index form the fast path (NkiTensor._sliced) does not take."""
    from .core import NkiTensor
    if not isinstance(idx, tuple):
        idx = (idx,)
    if any(i is Ellipsis for i in idx):
        k = idx.index(Ellipsis)
        fill = t.ndim - (len(idx) - 1)
        idx = idx[:k] + (slice(None),) * fill + idx[k + 1:]
    if len(idx) > t.ndim:
        raise NkiError(call, "%d indices for a tensor of rank %d" % (len(idx), t.ndim))
    idx = idx + (slice(None),) * (t.ndim - len(idx))
    sl = list(t.sl)
    kept = []  # (sort key, phys dim, var)
    splits = []  # (var, phys dim, buffer elements per step) of split variables
    for pos, (ix, d) in enumerate(zip(idx, t.dims)):
        n = 1 if d is None else sl[d][1]
        s, c, st = (0, 1, 1) if d is None else sl[d]
        if isinstance(ix, Affine) and not ix.terms:
            ix = ix.const
        if isinstance(ix, NkiTensor):
            raise NkiUnsupportedError(call, "a tile as index of a dimension after the first "
                                      "(only the rows, t[index_tile, ...], are selected "
                                      "indirectly)")
        if isinstance(ix, slice):
            check_slice_bounds(ix, n, pos, call)
            if ix.step is not None and (not hasattr(ix.step, "__index__") or
                                        int(ix.step) == 0):
                raise NkiError(call, "slice step %r of dimension %d must be a non-zero "
                               "integer" % (ix.step, pos))
            for bound in (ix.start, ix.stop):
                if bound is not None and not hasattr(bound, "__index__"):
                    raise NkiError(call, "slice bound %r of dimension %d is not an integer"
                                   % (bound, pos))
            a, b, step = ix.indices(n)
            if step <= 0:
                raise NkiUnsupportedError(call, "negative slice steps are not supported")
            cnt = max(0, (b - a + step - 1) // step)
            if d is not None:
                sl[d] = (s + a * st, cnt, st * step)
            kept.append(((0, pos), d, None))
        elif isinstance(ix, Affine) and len(ix.terms) > 1 and d is not None:
            # several arange terms in one dimension: one logical dim per variable; the
            # variable with the most values walks the buffer dim, the others split
            terms = sorted(ix.terms.items(), key=lambda vc: -vc[0].n)
            if any(c <= 0 for _, c in terms) or ix.const < 0:
                raise NkiUnsupportedError(call, "index expression %r needs positive "
                                          "coefficients and a start >= 0" % (ix,))
            sl[d] = (s + ix.const * st, terms[0][0].n, st * terms[0][1])
            for k, (v, coef) in enumerate(terms):
                key = (0, v.axis) if v.axis is not None else (0, pos)
                kept.append((key, d if k == 0 else None, v))
                if k:
                    splits.append((v, d, st * coef))
        elif isinstance(ix, Affine):
            one = ix.single
            if one is None or one[1] <= 0:
                raise NkiUnsupportedError(call, "index expressions must be c*arange + k "
                                          "with one arange and c > 0")
            v, coef = one
            if ix.const < 0:
                raise NkiError(call, "index expression starts at %d" % ix.const)
            # The upper end may exceed the dimension when a mask cuts it (checked at
            # emission, after masking).
            if d is None:
                # a unit dimension added by reshape: only index 0 exists (arange(1))
                if ix.const != 0 or v.n != 1:
                    raise NkiError(call, "index expression covers [%d, %d] of a dimension "
                                   "of size 1" % (ix.const, ix.const + coef * (v.n - 1)))
                key = (0, v.axis) if v.axis is not None else (0, pos)
                kept.append((key, None, v))
                continue
            sl[d] = (s + ix.const * st, v.n, st * coef)
            key = (0, v.axis) if v.axis is not None else (0, pos)
            kept.append((key, d, v))
        elif hasattr(ix, "__index__"):
            i = norm_index(ix, n, call)
            if d is not None:
                sl[d] = (s + i * st, 1, st)
        else:
            raise NkiUnsupportedError(call, "index of type %s" % type(ix).__name__)
    if any(v is not None and v.axis is not None for _, _, v in kept):
        kept.sort(key=lambda k: k[0])
    if splits:
        from .split_view import SplitView
        return SplitView(t.buf, sl, [k[1] for k in kept], [k[2] for k in kept], splits)
    return NkiTensor(t.buf, sl, [k[1] for k in kept], [k[2] for k in kept])
