"""nki.language functions that trnsim's instruction table has no single instruction for, lowered
to a short sequence of table instructions with the same values (NKI API reference,
nki.language.<name>).

APPROX (NKI API reference, activation functions): on hardware the activation-type functions
here (gelu_apprx_sigmoid, mish, the *_dx derivatives, tan) are one scalar-engine activation;
here they cost the few activation / vector instructions they are composed of.
"""
import math

from . import dtypes
from .core import NkiTensor
from .emit import check_same_shape, emit, fresh, new_tile, number, on_chip
from .errors import NkiError, NkiUnsupportedError
from .indexing import Pred, var_ranges

GELU_SIGMOID_SCALE = 1.702  # gelu(x) ~= x * sigmoid(1.702 x) (NKI reference, gelu_apprx_sigmoid)


def _act(dst, x, func, scale=None, bias=None, mask=None):
    return emit("activation", mask=mask, dst=dst, src=x, func=func, scale=scale, bias=bias)


def _ts(dst, x, op0, v0, op1=None, v1=None, mask=None, reverse0=None):
    return emit("tensor_scalar", mask=mask, dst=dst, src=x, op0=op0, operand0=v0, op1=op1,
                operand1=v1, reverse0=reverse0)


def _tt(dst, a, b, op, mask=None):
    return emit("tensor_tensor", mask=mask, dst=dst, src0=a, src1=b, op=op)


def _f32(x):
    return new_tile(x.shape, dtypes.float32)


def _out(call, x, dtype):
    on_chip(call, x)
    return new_tile(x.shape, dtype or x.dtype)


def gelu_apprx_sigmoid(x, dtype=None, mask=None, **kwargs):
    """x * sigmoid(1.702 x)."""
    dst = _out("nl.gelu_apprx_sigmoid", x, dtype)
    s = _f32(x)
    _act(s, x, "sigmoid", scale=GELU_SIGMOID_SCALE, mask=mask)
    return fresh(dst, _tt(dst, s, x, "multiply", mask))


def _sigmoid_dx_times(call, x, dtype, mask, k):
    """d/dx [x * sigmoid(k x)] = s + k x s (1 - s), s = sigmoid(k x)."""
    dst = _out(call, x, dtype)
    s, t = _f32(x), _f32(x)
    _act(s, x, "sigmoid", scale=float(k), mask=mask)
    _ts(t, s, "multiply", -1.0, "add", 1.0, mask=mask)      # 1 - s
    _tt(t, t, x, "multiply", mask)                           # x (1 - s)
    _ts(t, t, "multiply", float(k), "add", 1.0, mask=mask)   # 1 + k x (1 - s)
    return fresh(dst, _tt(dst, t, s, "multiply", mask))


def silu_dx(x, dtype=None, mask=None, **kwargs):
    return _sigmoid_dx_times("nl.silu_dx", x, dtype, mask, 1.0)


def gelu_apprx_sigmoid_dx(x, dtype=None, mask=None, **kwargs):
    return _sigmoid_dx_times("nl.gelu_apprx_sigmoid_dx", x, dtype, mask, GELU_SIGMOID_SCALE)


def _gauss(x, mask, coef, a):
    """coef * exp(-a x^2) as a new fp32 tile."""
    g = _f32(x)
    _act(g, x, "square", mask=mask)
    _act(g, g, "exp", scale=-float(a), mask=mask)
    _ts(g, g, "multiply", float(coef), mask=mask)
    return g


def erf_dx(x, dtype=None, mask=None, **kwargs):
    """2 / sqrt(pi) * exp(-x^2)."""
    dst = _out("nl.erf_dx", x, dtype)
    g = _gauss(x, mask, 2.0 / math.sqrt(math.pi), 1.0)
    return fresh(dst, emit("tensor_copy", mask=mask, dst=dst, src=g))


def gelu_dx(x, dtype=None, mask=None, **kwargs):
    """Phi(x) + x phi(x) for the exact (erf) gelu."""
    dst = _out("nl.gelu_dx", x, dtype)
    cdf = _f32(x)
    _act(cdf, x, "erf", scale=1.0 / math.sqrt(2.0), mask=mask)
    _ts(cdf, cdf, "multiply", 0.5, "add", 0.5, mask=mask)
    pdf = _gauss(x, mask, 1.0 / math.sqrt(2.0 * math.pi), 0.5)
    _tt(pdf, pdf, x, "multiply", mask)
    return fresh(dst, _tt(dst, cdf, pdf, "add", mask))


def mish(x, dtype=None, mask=None, **kwargs):
    """x * tanh(softplus(x))."""
    dst = _out("nl.mish", x, dtype)
    t = _f32(x)
    _act(t, x, "softplus", mask=mask)
    _act(t, t, "tanh", mask=mask)
    return fresh(dst, _tt(dst, t, x, "multiply", mask))


def tan(x, dtype=None, mask=None, **kwargs):
    """sin(x) / cos(x)."""
    dst = _out("nl.tan", x, dtype)
    s, c = _f32(x), _f32(x)
    _act(s, x, "sin", mask=mask)
    _act(c, x, "cos", mask=mask)
    return fresh(dst, _tt(dst, s, c, "divide", mask))


# ---- logical operations: nonzero is true; results are 0 / 1 ---------------------------------
def _truth(x, mask):
    t = new_tile(x.shape, dtypes.float32)
    _ts(t, x, "not_equal", 0.0, mask=mask)
    return t


def _logical(call, op, x, y, dtype, mask):
    on_chip(call, x)
    on_chip(call, y)
    if tuple(x.shape) != tuple(y.shape):
        raise NkiError(call, "operand shapes %s and %s differ" % (x.shape, y.shape))
    dst = new_tile(x.shape, dtype or dtypes.uint8)
    return fresh(dst, _tt(dst, _truth(x, mask), _truth(y, mask), op, mask))


def logical_and(x, y, dtype=None, mask=None, **kwargs):
    return _logical("nl.logical_and", "multiply", x, y, dtype, mask)


def logical_or(x, y, dtype=None, mask=None, **kwargs):
    return _logical("nl.logical_or", "maximum", x, y, dtype, mask)


def logical_xor(x, y, dtype=None, mask=None, **kwargs):
    return _logical("nl.logical_xor", "not_equal", x, y, dtype, mask)


def logical_not(x, dtype=None, mask=None, **kwargs):
    on_chip("nl.logical_not", x)
    dst = new_tile(x.shape, dtype or dtypes.uint8)
    return fresh(dst, _ts(dst, x, "equal", 0.0, mask=mask))


def invert(x, dtype=None, mask=None, **kwargs):
    """Bitwise NOT of an integer tile (x xor all-ones)."""
    on_chip("nl.invert", x)
    if x.dtype.is_float:
        raise NkiError("nl.invert", "needs an integer tile, got %s" % x.dtype.name)
    dst = new_tile(x.shape, dtype or x.dtype)
    ones = float(2 ** (8 * x.dtype.itemsize) - 1) if x.dtype.name.startswith("uint") else -1.0
    return fresh(dst, _ts(dst, x, "bitwise_xor", ones, mask=mask))


def where(condition, x, y, dtype=None, mask=None, **kwargs):
    """x where condition holds, else y. A tile condition selects where it is nonzero:
    x * c + y * (1 - c) with c = (condition != 0), exact for finite values however far apart
    (a -3e38 fill beside O(1) values); an index predicate (`i_p < n`, as in mask=) selects by
    position: y, then x copied under the predicate.
    APPROX (NKI API reference, nl.where): with a tile condition an inf or NaN in the unselected
    operand gives NaN instead of the selected value; hardware selects in one instruction."""
    call = "nl.where"
    for name, v in (("condition", condition), ("x", x), ("y", y)):
        if isinstance(v, NkiTensor):
            on_chip(call, v, name)
    if isinstance(condition, Pred):
        return _where_position(call, condition, x, y, dtype, mask)
    if isinstance(condition, bool):
        raise NkiUnsupportedError(call, "condition is a Python bool, a compile-time "
                                  "constant (use a tile, e.g. nl.equal(a, b), or an index "
                                  "predicate such as nl.arange(128)[:, None] < n)")
    if not isinstance(condition, NkiTensor):
        raise NkiUnsupportedError(call, "a Python condition (use a tile or an index predicate "
                                  "such as nl.arange(128)[:, None] < n)")
    x = x if isinstance(x, NkiTensor) else number(call, "x", x)
    y = y if isinstance(y, NkiTensor) else number(call, "y", y)
    shape = condition.shape
    ref = x if isinstance(x, NkiTensor) else y if isinstance(y, NkiTensor) else None
    odt = dtype or (ref.dtype if ref is not None else dtypes.float32)
    c = _truth(condition, mask)
    not_c = new_tile(shape, dtypes.float32)
    _ts(not_c, c, "multiply", -1.0, "add", 1.0, mask=mask)
    picked_x, picked_y = new_tile(shape, dtypes.float32), new_tile(shape, dtypes.float32)
    for picked, v, sel in ((picked_x, x, c), (picked_y, y, not_c)):
        if isinstance(v, NkiTensor):
            _tt(picked, v, sel, "multiply", mask)
        else:
            _ts(picked, sel, "multiply", v, mask=mask)
    dst = new_tile(shape, odt)
    return fresh(dst, _tt(dst, picked_x, picked_y, "add", mask))


def _where_position(call, pred, x, y, dtype, mask):
    """nl.where with an index predicate: dst = y everywhere, then x where the predicate (and
    the mask) allow. The predicate's variables bound the dims they index by grid axis, as a
    mask's do."""
    ref = x if isinstance(x, NkiTensor) else y if isinstance(y, NkiTensor) else None
    if ref is None:
        raise NkiError(call, "with an index predicate as condition, x or y must be a tile "
                       "(its shape is the result's)")
    if var_ranges(pred) is None:
        raise NkiUnsupportedError(call, "an index predicate that is not a box of one-variable "
                                  "bounds; use nisa.affine_select")
    dst = new_tile(ref.shape, dtype or ref.dtype)
    if isinstance(y, NkiTensor):
        check_same_shape(call, dst, y)
        emit("tensor_copy", mask=mask, dst=dst, src=y)
    else:
        emit("memset", mask=mask, dst=dst, value=number(call, "y", y))
    both = pred if mask is None else pred & mask
    if isinstance(x, NkiTensor):
        check_same_shape(call, dst, x)
        emit("tensor_copy", mask=both, dst=dst, src=x)
    else:
        emit("memset", mask=both, dst=dst, value=number(call, "x", x))
    return dst


# ---- reductions and normalisations -----------------------------------------------------------
def _free_axes(call, x, axis):
    from .emit import axes_of
    axes = axes_of(call, axis, x.ndim)
    if 0 in axes:
        raise NkiUnsupportedError(call, "axis %s (only free axes 1..%d)" % (axis, x.ndim - 1))
    return axes


def _reduce(x, axes, op, dtype=dtypes.float32, mask=None):
    shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    dst = new_tile(shape, dtype)
    emit("tensor_reduce", mask=mask, dst=dst, src=x, op=op,
         axis=sorted(x.dims[a] for a in axes if x.dims[a] is not None), keepdims=True)
    return dst


def _squeezed(t, axes, keepdims):
    if keepdims:
        return t
    return t.reshape([s for i, s in enumerate(t.shape) if i not in axes])


def var(x, axis, dtype=None, mask=None, keepdims=False, **kwargs):
    """Population variance along free axes: mean((x - mean(x))^2)."""
    call = "nl.var"
    on_chip(call, x)
    axes = _free_axes(call, x, axis)
    n = 1
    for a in axes:
        n *= x.shape[a]
    m = _reduce(x, axes, "add", mask=mask)
    _ts(m, m, "multiply", 1.0 / n, mask=mask)
    d = _f32(x)
    emit("tensor_scalar", mask=mask, dst=d, src=x, op0="subtract", operand0=m)
    _act(d, d, "square", mask=mask)
    v = _reduce(d, axes, "add", dtype or x.dtype, mask=mask)
    _ts(v, v, "multiply", 1.0 / n, mask=mask)
    return _squeezed(v, axes, keepdims)


def all(x, axis, dtype=None, mask=None, keepdims=False, **kwargs):  # noqa: A001 (NKI name)
    """1 where every element along the axes is nonzero, else 0."""
    call = "nl.all"
    on_chip(call, x)
    axes = _free_axes(call, x, axis)
    r = _reduce(_truth(x, mask), axes, "minimum", dtype or dtypes.uint8, mask=mask)
    return _squeezed(r, axes, keepdims)


def softmax(x, axis, dtype=None, mask=None, **kwargs):
    """exp(x - max(x)) / sum(exp(x - max(x))) along free axes."""
    call = "nl.softmax"
    on_chip(call, x)
    axes = _free_axes(call, x, axis)
    neg_max = _reduce(x, axes, "maximum", mask=mask)
    _ts(neg_max, neg_max, "multiply", -1.0, mask=mask)
    e = _f32(x)
    ssum = new_tile((x.shape[0], 1), dtypes.float32)
    if x.ndim == 2 and axes == [1]:
        emit("activation", mask=mask, dst=e, src=x, func="exp", bias=neg_max, reduce_dst=ssum,
             reduce_op="add")
    else:
        emit("tensor_scalar", mask=mask, dst=e, src=x, op0="add", operand0=neg_max.reshape(
            (x.shape[0], 1)))
        _act(e, e, "exp", mask=mask)
        ssum = _reduce(e, axes, "add", mask=mask).reshape((x.shape[0], 1))
    emit("reciprocal", mask=mask, dst=ssum, src=ssum)
    dst = new_tile(x.shape, dtype or x.dtype)
    return fresh(dst, emit("tensor_scalar", mask=mask, dst=dst, src=e, op0="multiply",
                           operand0=ssum))


def rms_norm(x, w, axis, n, epsilon=1e-6, dtype=None, compute_dtype=None, mask=None, **kwargs):
    """x / sqrt(sum(x^2) / n + epsilon) * w, w broadcast along the partition axis."""
    call = "nl.rms_norm"
    on_chip(call, x)
    on_chip(call, w, "w")
    axes = _free_axes(call, x, axis)
    if x.ndim != 2 or axes != [1]:
        raise NkiUnsupportedError(call, "only a 2-D tile normalised along axis 1")
    sq = _f32(x)
    ss = new_tile((x.shape[0], 1), dtypes.float32)
    emit("activation", mask=mask, dst=sq, src=x, func="square", reduce_dst=ss, reduce_op="add")
    _ts(ss, ss, "multiply", 1.0 / float(n), "add", float(epsilon), mask=mask)
    _act(ss, ss, "rsqrt", mask=mask)
    y = _f32(x)
    emit("tensor_scalar", mask=mask, dst=y, src=x, op0="multiply", operand0=ss)
    from .language import broadcast_to
    wb = broadcast_to(w, x.shape) if tuple(w.shape) != tuple(x.shape) else w
    dst = new_tile(x.shape, dtype or x.dtype)
    return fresh(dst, _tt(dst, y, wb, "multiply", mask))


def shared_identity_matrix(n, dtype=dtypes.uint8, **kwargs):
    """An [n, n] identity tile in SBUF: ones, then 0 where partition != column."""
    if not 0 < int(n) <= 128:
        raise NkiError("nl.shared_identity_matrix", "n must be in 1..128, got %s" % (n,))
    n = int(n)
    t = new_tile((n, n), dtype)
    emit("memset", dst=t, value=1.0)
    emit("affine_select", dst=t, src=t, offset=0.0, channel_multiplier=1, pattern=[-1],
         cmp_op="equal", on_false_value=0.0)
    return t


# ---- rounding: floor / ceil / trunc ----------------------------------------------------------
# A float written as int32 rounds to nearest even (isa/dtype.cc); floats of magnitude >= 2^23
# are integers already, and are passed through (the int32 round trip would saturate them).
INTEGRAL_FROM = float(2 ** 23)


def _rounded(call, x, mask, direction, dtype):
    """floor (direction -1) or ceil (+1) of x. APPROX (NKI reference, nl.floor / nl.ceil):
    an inf or NaN element gives NaN (arithmetic select)."""
    on_chip(call, x)
    r_int = new_tile(x.shape, dtypes.int32)
    emit("tensor_copy", mask=mask, dst=r_int, src=x)
    r = _f32(x)
    emit("tensor_copy", mask=mask, dst=r, src=r_int)
    fix = _f32(x)
    _tt(fix, r, x, "greater" if direction < 0 else "less", mask)      # rint overshot x
    _tt(r, r, fix, "subtract" if direction < 0 else "add", mask)
    small = _f32(x)
    _act(small, x, "abs", mask=mask)
    _ts(small, small, "less", INTEGRAL_FROM, mask=mask)
    diff = _f32(x)
    _tt(diff, r, x, "subtract", mask)
    _tt(diff, diff, small, "multiply", mask)
    dst = new_tile(x.shape, dtype or x.dtype)
    return fresh(dst, _tt(dst, diff, x, "add", mask))


def floor(x, dtype=None, mask=None, **kwargs):
    return _rounded("nl.floor", x, mask, -1, dtype)


def ceil(x, dtype=None, mask=None, **kwargs):
    return _rounded("nl.ceil", x, mask, +1, dtype)


def trunc(x, dtype=None, mask=None, **kwargs):
    """sign(x) * floor(|x|)."""
    on_chip("nl.trunc", x)
    a = _f32(x)
    _act(a, x, "abs", mask=mask)
    f = _rounded("nl.trunc", a, mask, -1, dtypes.float32)
    s = _f32(x)
    _act(s, x, "sign", mask=mask)
    dst = new_tile(x.shape, dtype or x.dtype)
    return fresh(dst, _tt(dst, f, s, "multiply", mask))


# ---- nl.loop_reduce ---------------------------------------------------------------------------
def _kernel_frame():
    import os
    import sys
    from .errors import _LIB_DIRS
    f = sys._getframe(1)
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_LIB_DIRS):
        f = f.f_back
    return f


def loop_reduce(x, op, loop_indices, dtype=None, mask=None, **kwargs):
    """`b = nl.loop_reduce(a, op, loop_indices=[i])` is `b = op(b, a)` into b itself (NKI
    reference, nl.loop_reduce: the destination tile is also the right-hand input): the tile b
    is the kernel variable the call is assigned to, which must already hold a tile."""
    from .core import assigned_name
    from .isa import alu_name
    call = "nl.loop_reduce"
    on_chip(call, x)
    name = assigned_name(None)
    frame = _kernel_frame()
    acc = frame.f_locals.get(name) if (name and frame is not None) else None
    if not isinstance(acc, NkiTensor):
        raise NkiError(call, "assign the result to a variable that already holds the "
                       "accumulator tile (b = nl.zeros(...); b = nl.loop_reduce(a, ...))")
    on_chip(call, acc, "accumulator %s" % name)
    if tuple(acc.shape) != tuple(x.shape):
        raise NkiError(call, "accumulator %s has shape %s, x has %s" % (name, acc.shape,
                                                                       x.shape))
    emit("tensor_tensor", mask=mask, dst=acc, src0=acc, src1=x, op=alu_name(call, op))
    return acc


# ---- nl.arctan ---------------------------------------------------------------------------------
ARCTAN_HALVINGS = 3   # atan(x) = 2 atan(x / (1 + sqrt(1 + x^2))): |t| <= tan(pi/16) after 3
ARCTAN_TERMS = 5      # t - t^3/3 + ... + t^9/9: truncation error < 2e-9 for |t| <= 0.2


def arctan(x, dtype=None, mask=None, **kwargs):
    """Argument halving then the odd Taylor polynomial. APPROX (NKI reference, nl.arctan): one
    activation on hardware; here about 25 instructions, values within ~1e-7 of float64 for
    |x| < 1e19 (x^2 overflows beyond)."""
    on_chip("nl.arctan", x)
    t = _f32(x)
    emit("tensor_copy", mask=mask, dst=t, src=x)
    d = _f32(x)
    for _ in range(ARCTAN_HALVINGS):
        _act(d, t, "square", mask=mask)
        _ts(d, d, "add", 1.0, mask=mask)
        _act(d, d, "sqrt", mask=mask)
        _ts(d, d, "add", 1.0, mask=mask)
        _tt(t, t, d, "divide", mask)
    t2 = _f32(x)
    _act(t2, t, "square", mask=mask)
    acc = _f32(x)
    coefs = [(-1.0) ** k / (2 * k + 1) for k in range(ARCTAN_TERMS)]  # 1, -1/3, 1/5, ...
    _ts(acc, t2, "multiply", coefs[-1], "add", coefs[-2], mask=mask)
    for c in reversed(coefs[:-2]):
        _tt(acc, acc, t2, "multiply", mask)
        _ts(acc, acc, "add", c, mask=mask)
    _tt(acc, acc, t, "multiply", mask)
    dst = new_tile(x.shape, dtype or x.dtype)
    return fresh(dst, _ts(dst, acc, "multiply", float(2 ** ARCTAN_HALVINGS), mask=mask))


# Functions nisa.activation also takes as `op` (NKI reference, activation functions table).
for _f in (gelu_apprx_sigmoid, silu_dx, gelu_apprx_sigmoid_dx, erf_dx, gelu_dx, mish, tan,
           arctan):
    _f._composite = True
del _f
