"""Instruction emission shared by nki.language and nki.isa: operand lowering, masks, shape
checks, result tiles."""
import numpy as np

from . import core
from .core import NkiTensor
from .errors import NkiError, NkiUnsupportedError, location_text
from .indexing import Pred, var_ranges
from .split_view import SplitView, emit_pieces

OUT_ROLES = ("dst", "reduce_dst")


_last_mask = [None]  # the mask of the instruction emitted last (see fresh)


def apply_mask(call, mask, views):
    """Restricts every view to the box a mask allows. Returns the new views, or None if the
    mask leaves nothing to do. Masks must be conjunctions of one-variable affine bounds."""
    if isinstance(mask, (bool, np.bool_)):
        # a Python condition is a compile-time constant predicate (NKI API Masking): True
        # masks nothing, False leaves nothing to do
        mask = None if mask else False
        if mask is False:
            _last_mask[0] = False  # `t[...] = <this>` is dropped too (fresh)
            return None
    _last_mask[0] = mask
    if mask is None:
        return views
    if not isinstance(mask, Pred):
        raise NkiUnsupportedError(call, "mask of type %s (use comparisons of nl.arange "
                                  "index expressions)" % type(mask).__name__)
    ranges = var_ranges(mask)
    if ranges is None:
        raise NkiUnsupportedError(call, "mask is not a box of one-variable bounds (e.g. "
                                  "i_f < i_p); use nisa.affine_select")
    out = []
    for v in views:
        if not isinstance(v, NkiTensor):
            out.append(v)
            continue
        for var, (lo, hi) in ranges.items():
            ldim = _mask_dim(v, var)
            if ldim is not None:
                v = v.narrow(ldim, lo, hi)
        if v.element_count() == 0:
            return None
        out.append(v)
    return out


def _mask_dim(view, var):
    """The logical dim of `view` a mask variable bounds: the dim indexed by that variable, else
    the dim indexed by a variable on the same grid axis (NKI matches mask and index variables
    by grid position, e.g. two `nl.arange(n)[:, None]` calls), else the dim at the variable's
    grid axis when it has no index variable and the same size."""
    for i, vv in enumerate(view.vars):
        if vv is var:
            return i
    if var.axis is None:
        # a bare nl.arange(n) indexes a 1-D tensor; the 1-D tile it was loaded into (or is
        # stored from) has the same single dim
        if view.ndim == 1 and view.vars[0] is None and view.shape[0] == var.n:
            return 0
        return None
    if var.ndim != view.ndim:
        return None
    for i, vv in enumerate(view.vars):
        if vv is not None and vv.axis == var.axis and vv.ndim == var.ndim and vv.n == var.n:
            return i
    if view.vars[var.axis] is None and view.shape[var.axis] == var.n:
        return var.axis
    return None


def emit(opcode_, mask=None, engine=None, **fields):
    """Emits one instruction. NkiTensor fields become view strings (after masking); numbers
    and strings are passed as they are; None fields are omitted. Returns the instruction
    dict, or None when the mask selects nothing."""
    c = core.ctx()
    keys = []
    for k, v in fields.items():
        if type(v) is NkiTensor:
            keys.append(k)
        elif isinstance(v, NkiTensor):
            if isinstance(v, SplitView):
                return emit_pieces(emit, opcode_, mask, engine, fields)
            keys.append(k)
    if mask is None:
        _last_mask[0] = None  # apply_mask without a mask, inlined (hot)
        views = [fields[k] for k in keys]
    else:
        views = apply_mask("nki." + opcode_, mask, [fields[k] for k in keys])
        if views is None:
            return None
    # view text -> box of every view emitted so far (spares kernel_checks parsing the texts).
    # The text names the buffer and its slices, so a text seen before was in bounds.
    boxes = c.program.view_boxes
    for k, v in zip(keys, views):
        text = fields[k] = v.view_text()
        if text not in boxes:
            oob = v.out_of_bounds()
            if oob:
                raise NkiError("nki." + opcode_, "operand %s %s" % (k, oob))
            boxes[text] = v.box()
        if len(v.dims) > 1 and not v.is_monotonic():
            raise NkiUnsupportedError("nki." + opcode_, "operand %s is a transposed (permuted) "
                                      "view; use a transpose instruction" % k)
        if k in OUT_ROLES:
            v.buf.written = True
        else:
            v.buf.read = True
    if engine is not None:
        fields["engine"] = engine
    return c.program.emit(opcode_, location_text(), fields)


def on_chip(call, t, what="operand"):
    if not isinstance(t, NkiTensor):
        hint = getattr(t, "operand_hint", "")
        raise NkiError(call, "%s must be a tile, got %s%s" % (what, type(t).__name__, hint))
    if t.buf.memory == "hbm":
        raise NkiError(call, "%s %s is in HBM; load it into SBUF first (nl.load)"
                       % (what, t.buf.name))
    return t


def number(call, what, v):
    """`v` as a float, or an NkiError naming the argument."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) and not hasattr(v, "__float__"):
        raise NkiError(call, "%s must be a tile or a number, got %s" % (what, type(v).__name__))
    return float(v)


def axes_of(call, axis, ndim):
    """The axes of an `axis=` argument (int or sequence of ints, negative from the end)."""
    items = [axis] if not isinstance(axis, (list, tuple)) else list(axis)
    if not items or any(isinstance(a, bool) or not hasattr(a, "__index__") for a in items):
        raise NkiError(call, "axis=%r must be an int or a tuple of ints" % (axis,))
    out = []
    for a in items:
        a = int(a)
        if not -ndim <= a < ndim:
            raise NkiError(call, "axis %d out of range for a rank-%d tile" % (a, ndim))
        out.append(a + ndim if a < 0 else a)
    return out


def free_size(shape):
    n = 1
    for s in shape[1:]:
        n *= s
    return n


def check_same_shape(call, a, b):
    sa, sb = tuple(a.shape), tuple(b.shape)
    if sa == sb:
        return
    if sa and sb and sa[0] == sb[0] and free_size(sa) == free_size(sb):
        return
    raise NkiError(call, "operand shapes %s and %s differ" % (sa, sb))


def new_tile(shape, dtype, memory="sbuf", name=None):
    return core.alloc(list(shape), dtype, memory, name=name)


def masked_target(dst, value):
    """`dst` narrowed by the mask `value` was computed under (the whole dst without one)."""
    mask = getattr(value, "fresh_mask", None)
    if mask is None:
        return dst
    views = apply_mask("tensor[...] = value", mask, [dst])
    return dst if views is None else views[0]


def fresh(t, ins):
    """Marks `t` as the whole-tile temporary result of instruction `ins`."""
    t.fresh_ins = ins
    # A masked result keeps its mask: `t[...] = nl.exp(x, mask=m)` writes only what m allows.
    t.fresh_mask = _last_mask[0] if ins is not None or _last_mask[0] is False else None
    return t
