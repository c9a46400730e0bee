"""nki.isa gpsimd index instructions, iota and affine_select, in their three call forms:
  - SDK 2.21-2.26: an affine expression / predicate of nl.arange indices, result returned;
  - the same with `dst` first;
  - SDK 2.27+: `pattern=[[step, num], ...]`, `offset`, `channel_multiplier` (and `cmp_op` for
    affine_select), the value of free element (i1..ik) of partition p being
    offset + channel_multiplier * p + sum_j step_j * i_j (NKI reference, nki.isa.iota).
"""
from .emit import emit, fresh, new_tile, number, on_chip
from .errors import NkiError, NkiUnsupportedError
from .indexing import Affine, Pred
from .isa import _REQ, M, _bind, _result, alu_name


def _grid_terms(call, expr, ndim):
    """(offset, channel_multiplier, pattern, shape) of an affine expression on a grid."""
    if isinstance(expr, Affine):
        coefs, shape = [0] * ndim, [None] * ndim
        for v, c in expr.terms.items():
            if v.axis is None or v.ndim != ndim:
                raise NkiUnsupportedError(call, "expression variables must be nl.arange "
                                          "on grid axes ([:, None] / [None, :]) or nl.mgrid")
            coefs[v.axis] = c
            shape[v.axis] = v.n
        return expr.const, coefs[0], coefs[1:], shape
    raise NkiUnsupportedError(call, "expression of type %s" % type(expr).__name__)


def _pattern_steps(call, pattern, dst):
    """Steps per physical free dim of `dst` for an NKI [[step, num], ...] pattern: the
    pattern's non-unit entries must walk dst's non-unit free dims in order."""
    try:
        pairs = [(int(s), int(n)) for s, n in pattern]
    except (TypeError, ValueError):
        raise NkiError(call, "pattern must be a list of [step, num] pairs, got %r" % (pattern,))
    walk = [(s, n) for s, n in pairs if n != 1]
    view = dst.straight()
    free = [(i, n) for i, n in enumerate(view.shape) if i > 0 and n != 1]
    if [n for _, n in walk] != [n for _, n in free]:
        raise NkiUnsupportedError(call, "pattern sizes %s do not match the free dims %s of dst"
                                  % ([n for _, n in pairs], tuple(dst.shape[1:])))
    steps = [0] * (len(dst.buf.phys_shape) - 1)
    for (i, _), (s, _) in zip(free, walk):
        steps[view.dims[i] - 1] = s
    return steps, view


def _is_pattern_form(args, kwargs, pos):
    return "pattern" in kwargs or (len(args) > pos and isinstance(args[pos], (list, tuple)))


def iota(*args, **kwargs):
    call = "nisa.iota"
    if _is_pattern_form(args, kwargs, 1):
        new = [("dst", _REQ), ("pattern", _REQ), ("offset", _REQ), ("channel_multiplier", 0),
               ("name", None)]
        _, p = _bind(call, args, kwargs, new, new, 0)
        dst = on_chip(call, p["dst"], "dst")
        steps, view = _pattern_steps(call, p["pattern"], dst)
        emit("iota", dst=view, offset=number(call, "offset", p["offset"]),
             channel_multiplier=int(p["channel_multiplier"]), pattern=steps)
        return dst
    old = [("expr", _REQ), ("dtype", _REQ), ("mask", None)]
    new = [("dst", _REQ), ("expr", _REQ), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 0)
    expr = p["expr"]
    ndim = p["dst"].ndim if is_new else max(
        [v.ndim for v in expr.terms] or [2]) if isinstance(expr, Affine) else 2
    off, cm, pattern, shape = _grid_terms(call, expr, ndim)
    if is_new:
        dst = on_chip(call, p["dst"], "dst")
    else:
        # an axis the expression has no variable on has the size of the expression's index
        # tensor there: the mgrid's size (grid.x of nl.mgrid[0:P, 0:F] is P x F), else 1
        # (nl.arange(F)[None, :] is 1 x F); the values do not vary along it
        grid = next((v.grid for v in expr.terms if v.grid is not None), None) \
            if isinstance(expr, Affine) else None
        shape = [s if s is not None else (grid[a] if grid else 1) for a, s in enumerate(shape)]
        dst = new_tile(shape, p["dtype"])
    ins = emit("iota", mask=p["mask"], dst=dst, offset=float(off), channel_multiplier=int(cm),
               pattern=[int(c) for c in pattern])
    return dst if is_new else fresh(dst, ins)


_CMP = {"<": "less", "<=": "less_equal", ">": "greater", ">=": "greater_equal", "==": "equal",
        "!=": "not_equal"}


def affine_select(*args, **kwargs):
    call = "nisa.affine_select"
    if _is_pattern_form(args, kwargs, 1):
        new = [("dst", _REQ), ("pattern", _REQ), ("offset", _REQ), ("channel_multiplier", _REQ),
               ("on_true_tile", _REQ), ("on_false_value", _REQ), ("cmp_op", "equal"),
               ("name", None)]
        _, p = _bind(call, args, kwargs, new, new, 0)
        dst = on_chip(call, p["dst"], "dst")
        x = on_chip(call, p["on_true_tile"], "on_true_tile")
        steps, view = _pattern_steps(call, p["pattern"], dst)
        emit("affine_select", dst=view, src=x.straight(),
             offset=number(call, "offset", p["offset"]),
             channel_multiplier=int(p["channel_multiplier"]), pattern=steps,
             cmp_op=alu_name(call, p["cmp_op"]),
             on_false_value=number(call, "on_false_value", p["on_false_value"]))
        return dst
    old = [("pred", _REQ), ("on_true_tile", _REQ), ("on_false_value", _REQ)] + M
    new = [("dst", _REQ), ("pred", _REQ), ("on_true_tile", _REQ), ("on_false_value", _REQ),
           ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 0)
    x = on_chip(call, p["on_true_tile"])
    pred = p["pred"]
    if not isinstance(pred, Pred):
        raise NkiUnsupportedError(call, "predicate of type %s" % type(pred).__name__)
    dst = _result(call, is_new, p, x.shape, x.dtype)
    src, ins = x, None
    for expr, op in pred.clauses:
        off, cm, pattern, _ = _grid_terms(call, expr, x.ndim)
        ins = emit("affine_select", mask=p["mask"], dst=dst, src=src, offset=float(off),
                   channel_multiplier=int(cm), pattern=[int(c) for c in pattern],
                   cmp_op=_CMP[op],
                   on_false_value=number(call, "on_false_value", p["on_false_value"]))
        src = dst
    return dst if is_new else fresh(dst, ins)


