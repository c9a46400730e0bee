"""nki.language (nl) for trnsim: buffers, allocation, loops, indexing, load/store and the nl.*
operations, each lowered to instructions of isa/instructions.def with the engine NKI picks:
one-tensor math and activation functions -> scalar engine `activation`; tensor-tensor
arithmetic -> vector `tensor_tensor`; tensor-scalar -> vector `tensor_scalar`; reductions ->
vector `tensor_reduce`; nl.matmul -> `nc_matmul` (plus `nc_transpose` when needed);
nl.transpose -> `nc_transpose`; nl.load/nl.store -> `dma_copy`.
"""
import numpy as np

from . import core, dtypes, isa_dynamic, kernel_checks
from .core import NkiTensor, Par
from .dtypes import (bfloat16, float16, float32, float8_e4m3, float8_e5m2, float8_e4m3fn,  # noqa
                     int8, int16, int32, uint8, uint16, uint32, tfloat32)
from .emit import check_same_shape, emit, free_size, fresh, masked_target, new_tile, on_chip
from .errors import NkiError, NkiUnsupportedAttribute, NkiUnsupportedError
from .indexing import arange, mgrid  # noqa: F401
from .language_memory import (_Buffer, empty_like, full, full_like, hbm, ndarray,  # noqa: F401
                              ones, ones_like, private_hbm, psum, sbuf, shared_constant,
                              shared_hbm, zeros, zeros_like)

bool_ = uint8


def par_dim(n):
    return Par(n)


class tile_size:  # noqa: N801 (NKI name)
    pmax = 128
    psum_fmax = 512
    gemm_stationary_fmax = 128
    gemm_moving_fmax = 512
    bn_stats_fmax = 512
    psum_partition_bytes = 16384
    total_available_sbuf_size = 192 * 1024
    # the SDK 2.30+ names (nki.language.tile_size reference), derived from the ones above:
    # 8 PSUM banks of 2 KiB per partition, a tile's free size bounded by one SBUF partition.
    # APPROX: trn2 sizes for every target, as for the names above.
    psum_num_banks = 8
    psum_bank_fmax = psum_fmax
    psum_fmax_bytes = psum_bank_fmax_bytes = psum_partition_bytes // psum_num_banks
    sbuf_fmax_bytes = total_available_sbuf_size
    sbuf_fmax = sbuf_fmax_bytes // 4
    sbuf_size_bytes = pmax * total_available_sbuf_size


# ---- loops and SPMD --------------------------------------------------------------------------
def _range(*args, **kwargs):
    kwargs.pop("multi_buffer", None)
    kwargs.pop("directives", None)
    return range(*[int(a) for a in args])


def affine_range(*args, **kwargs):
    """Unrolled at trace time (NKI's loop-carried-free parallel loop); its iterations are
    recorded for the loop-carried dependency warning (trnsim_nki.kernel_checks)."""
    return kernel_checks.AffineRange(_range(*args, **kwargs))


def sequential_range(*args, **kwargs):
    """Unrolled at trace time, in order."""
    return _range(*args, **kwargs)


static_range = sequential_range


def dynamic_range(*args, **kwargs):
    """A loop the hardware runs (not unrolled) over a range with integer bounds. APPROX (NKI
    reference, nl.dynamic_range): traced unrolled like sequential_range, so the loop's
    per-iteration branch overhead is not simulated; runtime (register) bounds are not
    supported."""
    for a in args:
        if not isinstance(a, (int, np.integer)):
            raise NkiUnsupportedError("nl.dynamic_range", "a runtime (register) bound %r; "
                                      "use integer bounds" % (a,))
    return _range(*args, **kwargs)


def _grid_axis(call, axis, grid):
    """`axis` checked against the launch grid. NKI (nl.program_id, nl.num_programs) defines only
    the axes of the grid: a non-integer or negative axis, or one at or beyond a grid's rank, is
    an error. APPROX (NKI reference, nl.program_ndim: "0 if no grid"): a launch without a grid
    is one program, and any axis of it reads as a grid dimension of 1 (program id 0), so a
    kernel written for a grid also runs as one program (the tensor_add example)."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise NkiError(call, "axis must be an integer, got %r" % (axis,))
    if axis < 0 or (grid and axis >= len(grid)):
        raise NkiError(call, "axis %d is not an axis of the launch grid %s (%d dimension%s)"
                       % (axis, tuple(grid), len(grid), "" if len(grid) == 1 else "s"))
    return int(axis)


def program_id(axis=0):
    c = core.ctx()
    axis = _grid_axis("nl.program_id", axis, c.grid)
    return c.pid[axis] if axis < len(c.pid) else 0


def num_programs(axes=None):
    c = core.ctx()
    if axes is None:
        return int(np.prod(c.grid)) if c.grid else 1
    if isinstance(axes, (tuple, list)):
        return tuple(num_programs(a) for a in axes)
    axis = _grid_axis("nl.num_programs", axes, c.grid)
    return c.grid[axis] if axis < len(c.grid) else 1


def program_ndim():
    return len(core.ctx().grid)


# ---- data movement ---------------------------------------------------------------------------
def load(src, mask=None, dtype=None, **kwargs):
    if isa_dynamic.is_runtime_view(src):  # t[nl.ds(tile, n)] or t[index_tile, ...]
        return isa_dynamic.load(src, mask, dtype)
    if not isinstance(src, NkiTensor) or src.buf.memory != "hbm":
        raise NkiError("nl.load", "source must be an HBM tensor view")
    if src.is_monotonic():
        t = new_tile(src.shape, dtype or src.dtype)
        return fresh(t, emit("dma_copy", mask=mask, dst=t, src=src))
    if len(src.shape) == 2:
        if len([c for _, c, _ in src.sl if c > 1]) > 2 or len(src.buf.phys_shape) != 2:
            raise NkiUnsupportedError("nl.load", "transposed load from the rank-%d tensor %s "
                                      "(dma_transpose reads a 2-D tensor)"
                                      % (len(src.buf.phys_shape), src.buf.name))
        straight = core.NkiTensor(src.buf, src.sl, sorted(src.dims), list(reversed(src.vars)))
        t = new_tile(src.shape, dtype or src.dtype)
        return fresh(t, emit("dma_transpose", mask=mask, dst=t, src=straight))
    raise NkiUnsupportedError("nl.load", "permuted access of a rank-%d tensor" % src.ndim)


def load_transpose2d(src, mask=None, dtype=None, **kwargs):
    if not isinstance(src, NkiTensor) or src.buf.memory != "hbm" or src.ndim != 2:
        raise NkiError("nl.load_transpose2d", "source must be a 2-D HBM tensor view")
    t = new_tile((src.shape[1], src.shape[0]), dtype or src.dtype)
    return fresh(t, emit("dma_transpose", mask=mask, dst=t, src=src))


def store(dst, value, mask=None, **kwargs):
    if isa_dynamic.is_runtime_view(dst):
        isa_dynamic.runtime_dma("nl.store", dst, on_chip("nl.store", value, "value"), mask)
        return
    if not isinstance(dst, NkiTensor) or dst.buf.memory != "hbm":
        raise NkiError("nl.store", "destination must be an HBM tensor view")
    if not isinstance(value, NkiTensor):
        raise NkiUnsupportedError("nl.store", "storing a Python value (store a tile)")
    check_same_shape("nl.store", dst, value) if dst.ndim == value.ndim else None
    if dst.element_count() != value.element_count() and mask is None:
        raise NkiError("nl.store", "destination %s and value %s have different sizes"
                       % (dst.shape, value.shape))
    if not dst.is_monotonic():
        if dst.ndim != 2 or value.ndim != 2:
            raise NkiUnsupportedError("nl.store", "permuted destination of rank %d (only 2-D "
                                      "transposed stores)" % dst.ndim)
        if len(dst.buf.phys_shape) != 2:
            raise NkiUnsupportedError("nl.store", "transposed store to the rank-%d tensor %s "
                                      "(dma_transpose writes a 2-D tensor)"
                                      % (len(dst.buf.phys_shape), dst.buf.name))
        # out[i_f, i_p] = tile: the straight view of out receives the tile transposed
        emit("dma_transpose", mask=mask, dst=dst.straight(), src=value)
        return
    emit("dma_copy", mask=mask, dst=dst, src=value)


def copy(x, dtype=None, mask=None, **kwargs):
    on_chip("nl.copy", x)
    t = new_tile(x.shape, dtype or x.dtype)
    return fresh(t, emit("tensor_copy", mask=mask, dst=t, src=x))


def assign(dst, value, refs):
    """`dst[...] = value` inside a kernel."""
    c = core.ctx()
    if isinstance(value, (int, float, np.number)):
        if dst.buf.memory == "hbm":
            raise NkiUnsupportedError("tensor[...] = number", "on an HBM tensor")
        emit("memset", dst=dst, value=float(value))
        return
    if not isinstance(value, NkiTensor):
        raise NkiUnsupportedError("tensor[...] = value", "value of type %s"
                                  % type(value).__name__)
    ins = value.fresh_ins
    if (ins is not None and c.program.instructions and c.program.instructions[-1] is ins
            and refs <= core.TEMP_REFS_SETITEM and dst.buf.memory != "hbm"
            and value.shape[0] == dst.shape[0]
            and value.element_count() == dst.element_count()
            and not (ins["op"] in ("nc_matmul", "nc_transpose") and dst.buf.memory != "psum")):
        # The value is a temporary just computed: write it straight into dst (no copy).
        ins["dst"] = masked_target(dst, value).view_text()
        if ins["op"] == "nc_matmul":
            ins["accumulate"] = False
        dst.buf.written = True
        return
    if dst.buf.memory == "hbm" or value.buf.memory == "hbm":
        emit("dma_copy", dst=dst, src=value)
        return
    value = _bcast_to(value, dst.shape, "tensor[...] = value")
    check_same_shape("tensor[...] = value", dst, value)
    emit("tensor_copy", mask=value.fresh_mask, dst=dst, src=value)


def accumulate(target, other, refs):
    """`target += other`; a fresh matmul result accumulates in PSUM directly."""
    c = core.ctx()
    if isinstance(other, NkiTensor):
        ins = other.fresh_ins
        if (ins is not None and ins["op"] == "nc_matmul" and c.program.instructions
                and c.program.instructions[-1] is ins and refs <= core.TEMP_REFS_IADD
                and target.buf.memory == "psum" and target.shape == other.shape):
            ins["dst"] = target.view_text()
            ins["accumulate"] = bool(target.buf.written)
            zero = getattr(target.buf, "zero_ins", None)
            if zero is not None and target.is_whole() and not target.buf.read:
                # nl.zeros(psum) then `+=`: the first matmul overwrites instead (as NKI does)
                c.program.instructions.remove(zero)
                ins["accumulate"] = False
            target.buf.zero_ins = None
            target.buf.written = True
            return target
    binary("add", target, other, out=target)
    return target


# ---- broadcasting ----------------------------------------------------------------------------
def _bcast_to(x, shape, call):
    shape = tuple(shape)
    if tuple(x.shape) == shape or not shape:
        return x
    if len(x.shape) != len(shape) or any(a != b and a != 1 for a, b in zip(x.shape, shape)):
        return x  # let the shape check report it
    return broadcast_to(x, shape)


def broadcast_to(x, shape, **kwargs):
    """Materialises a broadcast. [1, F] -> [P, F]: one dma_copy whose source repeats the row
    (a zero partition stride), as the DMA engines read it; [P, 1] -> [P, F]: one tensor_copy
    whose source repeats the element (a zero free stride)."""
    shape = tuple(int(s) for s in shape)
    on_chip("nl.broadcast_to", x)
    if tuple(x.shape) == shape:
        return x
    if len(x.shape) != len(shape) or any(a != b and a != 1 for a, b in zip(x.shape, shape)):
        raise NkiError("nl.broadcast_to", "cannot broadcast %s to %s" % (x.shape, shape))
    cur = x
    if x.shape[0] != shape[0]:
        rows = new_tile((shape[0],) + tuple(x.shape[1:]), x.dtype)
        ins = emit("dma_copy", dst=rows, src=_partition_broadcast_view(x, shape[0]))
        x.buf.read = True
        cur = fresh(rows, ins)
    if tuple(cur.shape) != shape:
        out = new_tile(shape, x.dtype)
        src = _free_broadcast_view(cur, shape)
        if src is not None:
            ins = emit("tensor_copy", dst=out, src=src)
            cur.buf.read = True
            return fresh(out, ins)
        emit("memset", dst=out, value=0.0)
        emit("tensor_scalar", dst=out, src=out, op0="add", operand0=cur)
        cur = out
    return cur


def _free_broadcast_view(x, shape):
    """View text of `x` read with each size-1 free dim repeated to `shape` (free step 0,
    isa/program.h Slice), or None when x is not a plain (unpermuted, unreshaped) view, where
    the memset + tensor_scalar lowering is used. One engine instruction, as the hardware access
    patterns broadcast (NKI "Access Patterns", NkiTensor.broadcast)."""
    if x.flat is not None or x.dims != list(range(len(x.sl))) or len(x.sl) != len(shape):
        return None
    parts = []
    for d, ((s, c, st), n) in enumerate(zip(x.sl, shape)):
        if d > 0 and c == 1 and n > 1:
            parts.append("%d:%d:0" % (s, s + n))
        else:
            parts.append("%d:%d" % (s, s + (c - 1) * st + 1) if st == 1 else
                         "%d:%d:%d" % (s, s + (c - 1) * st + 1, st))
    return "%s[%s]" % (x.buf.name, ", ".join(parts))


def _partition_broadcast_view(x, partitions):
    """View text of one-partition tile view `x` read `partitions` times (partition step 0,
    isa/program.h Slice)."""
    if x.dims[0] != 0 or not x.is_monotonic():
        raise NkiUnsupportedError("nl.broadcast_to", "broadcast of a permuted view")
    start = x.sl[0][0]
    parts = ["%d:%d:0" % (start, start + partitions)]
    for (s, c, st) in x.sl[1:]:
        parts.append("%d:%d" % (s, s + (c - 1) * st + 1) if st == 1 else
                     "%d:%d:%d" % (s, s + (c - 1) * st + 1, st))
    return "%s[%s]" % (x.buf.name, ", ".join(parts))


# ---- elementwise math ------------------------------------------------------------------------
def _is_num(x):
    return isinstance(x, (int, float, np.number, bool))


def binary(op, a, b, out=None, dtype=None, mask=None, engine=None):
    call = "nl." + op
    if _is_num(a) and _is_num(b):
        return getattr(np, op)(a, b) if hasattr(np, op) else None
    if _is_num(a) or _is_num(b):
        t, s, rev = (b, a, True) if _is_num(a) else (a, b, False)
        on_chip(call, t)
        dst = out if out is not None else new_tile(t.shape, dtype or t.dtype)
        ins = emit("tensor_scalar", mask=mask, engine=engine, dst=dst, src=t, op0=op,
                   operand0=float(s), reverse0=True if rev else None)
        return dst if out is not None else fresh(dst, ins)
    on_chip(call, a)
    on_chip(call, b)
    odt = dtype or dtypes.wider(a.dtype, b.dtype)
    sa, sb = tuple(a.shape), tuple(b.shape)
    if len(sa) == len(sb) and sa and sa[0] != sb[0] and 1 in (sa[0], sb[0]):
        if sa[0] == 1:
            a = broadcast_to(a, (sb[0],) + sa[1:])
        else:
            b = broadcast_to(b, (sa[0],) + sb[1:])
        sa, sb = tuple(a.shape), tuple(b.shape)
    fa, fb = free_size(sa), free_size(sb)
    if sa[0] == sb[0] and fa != fb and 1 in (fa, fb):
        # [P, F] op [P, 1]: per-partition scalar operand -> tensor_scalar
        t, s, rev = (a, b, False) if fb == 1 else (b, a, True)
        dst = out if out is not None else new_tile(t.shape, odt)
        ins = emit("tensor_scalar", mask=mask, engine=engine, dst=dst, src=t, op0=op,
                   operand0=s, reverse0=True if rev else None)
        return dst if out is not None else fresh(dst, ins)
    check_same_shape(call, a, b)
    dst = out if out is not None else new_tile(sa, odt)
    if engine is None and op == "power":
        engine = "gpsimd"
    ins = emit("tensor_tensor", mask=mask, engine=engine, dst=dst, src0=a, src1=b, op=op)
    return dst if out is not None else fresh(dst, ins)


def _binary_fn(op):
    def f(x, y, dtype=None, mask=None, **kwargs):
        return binary(op, x, y, dtype=dtype, mask=mask)
    f.__name__ = op
    f._alu = op
    return f


add = _binary_fn("add")
subtract = _binary_fn("subtract")
multiply = _binary_fn("multiply")
divide = _binary_fn("divide")
maximum = _binary_fn("maximum")
minimum = _binary_fn("minimum")
power = _binary_fn("power")
equal = _binary_fn("equal")
not_equal = _binary_fn("not_equal")
greater = _binary_fn("greater")
greater_equal = _binary_fn("greater_equal")
less = _binary_fn("less")
less_equal = _binary_fn("less_equal")
bitwise_and = _binary_fn("bitwise_and")
bitwise_or = _binary_fn("bitwise_or")
bitwise_xor = _binary_fn("bitwise_xor")
left_shift = _binary_fn("left_shift")
right_shift = _binary_fn("right_shift")
abs_max = _binary_fn("abs_max")


def _marker(name):
    def f(*args, **kwargs):
        raise NkiUnsupportedError("nl." + name, "only usable as an operator argument")
    f.__name__ = name
    f._alu = name
    return f


bypass = _marker("bypass")


def activation_unary(func, x, dtype=None, mask=None, scale=None, bias=None):
    call = "nl." + func
    on_chip(call, x)
    dst = new_tile(x.shape, dtype or x.dtype)
    ins = emit("activation", mask=mask, dst=dst, src=x, func=func, scale=scale, bias=bias)
    return fresh(dst, ins)


def _unary_fn(func, nl_name=None):
    def f(x, dtype=None, mask=None, **kwargs):
        if _is_num(x):
            raise NkiUnsupportedError("nl." + (nl_name or func), "on a Python number")
        return activation_unary(func, x, dtype=dtype, mask=mask)
    f.__name__ = nl_name or func
    f._act = func
    return f


exp = _unary_fn("exp")
log = _unary_fn("log")
silu = _unary_fn("silu")
gelu = _unary_fn("gelu")
gelu_apprx_tanh = _unary_fn("gelu_apprx_tanh")
sigmoid = _unary_fn("sigmoid")
tanh = _unary_fn("tanh")
relu = _unary_fn("relu")
square = _unary_fn("square")
sqrt = _unary_fn("sqrt")
rsqrt = _unary_fn("rsqrt")
reciprocal = _unary_fn("reciprocal")
sin = _unary_fn("sin")
cos = _unary_fn("cos")
abs = _unary_fn("abs")  # noqa: A001 (NKI name)
sign = _unary_fn("sign")
erf = _unary_fn("erf")
softplus = _unary_fn("softplus")
identity = _unary_fn("identity")


def negative(x, dtype=None, mask=None, **kwargs):
    on_chip("nl.negative", x)
    dst = new_tile(x.shape, dtype or x.dtype)
    return fresh(dst, emit("tensor_scalar", mask=mask, dst=dst, src=x, op0="multiply",
                           operand0=-1.0))


# ---- reductions ------------------------------------------------------------------------------
def reduce(op, x, axis, dtype=None, mask=None, keepdims=False, negate=False, call=None):
    call = call or "nl." + op
    on_chip(call, x)
    from .emit import axes_of
    axes = axes_of(call, axis, x.ndim)
    odt = dtype or x.dtype
    if 0 in axes:
        if axes == [0] and x.ndim == 2 and not negate:
            out_shape = (1, x.shape[1])
            dst = new_tile(out_shape, odt)
            return fresh(dst, emit("tensor_partition_reduce", mask=mask, dst=dst, src=x, op=op))
        raise NkiUnsupportedError(call, "reduction over the partition axis together with "
                                  "free axes")
    phys_axes = [x.dims[a] for a in axes if x.dims[a] is not None]
    if keepdims:
        out_shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    else:
        out_shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    dst = new_tile(out_shape, odt)
    ins = emit("tensor_reduce", mask=mask, dst=dst, src=x, op=op, axis=sorted(phys_axes),
               negate=True if negate else None, keepdims=True)
    return fresh(dst, ins)


def sum(x, axis, dtype=None, mask=None, keepdims=False, **kwargs):  # noqa: A001
    return reduce("add", x, axis, dtype, mask, keepdims, call="nl.sum")


def max(x, axis, dtype=None, mask=None, keepdims=False, **kwargs):  # noqa: A001
    return reduce("maximum", x, axis, dtype, mask, keepdims, call="nl.max")


def min(x, axis, dtype=None, mask=None, keepdims=False, **kwargs):  # noqa: A001
    return reduce("minimum", x, axis, dtype, mask, keepdims, call="nl.min")


def prod(x, axis, dtype=None, mask=None, keepdims=False, **kwargs):
    return reduce("multiply", x, axis, dtype, mask, keepdims, call="nl.prod")


def mean(x, axis, dtype=None, mask=None, keepdims=False, **kwargs):
    axes = [axis] if isinstance(axis, int) else list(axis)
    n = 1
    for a in axes:
        n *= x.shape[a]
    s = reduce("add", x, axis, dtype, mask, keepdims, call="nl.mean")
    emit("tensor_scalar", dst=s, src=s, op0="multiply", operand0=1.0 / n)
    return s


# ---- tensor engine ---------------------------------------------------------------------------
def transpose(x, dtype=None, mask=None, **kwargs):
    """nc_transpose on the tensor engine into PSUM, then a copy back to SBUF."""
    on_chip("nl.transpose", x)
    if x.ndim != 2 or x.shape[0] > 128 or x.shape[1] > 128:
        raise NkiError("nl.transpose", "needs a 2-D tile of at most [128, 128], got %s"
                       % (x.shape,))
    p = new_tile((x.shape[1], x.shape[0]), float32, memory="psum")
    emit("nc_transpose", mask=mask, dst=p, src=x)
    dst = new_tile(p.shape, dtype or x.dtype)
    return fresh(dst, emit("tensor_copy", dst=dst, src=p))


def matmul(x, y, transpose_x=False, mask=None, **kwargs):
    """x @ y (x given as [K, M] when transpose_x=True) into a fresh PSUM tile [M, N] fp32."""
    call = "nl.matmul"
    on_chip(call, x)
    on_chip(call, y)
    if x.ndim != 2 or y.ndim != 2:
        raise NkiError(call, "operands must be 2-D tiles, got %s and %s" % (x.shape, y.shape))
    stationary = x if transpose_x else transpose(x)
    k, m = stationary.shape
    k2, n = y.shape
    if k != k2:
        raise NkiError(call, "contraction sizes differ: %d and %d" % (k, k2))
    if k > 128 or m > 128 or n > 512:
        raise NkiError(call, "sizes K=%d M=%d N=%d exceed the tensor engine limits "
                       "(K, M <= 128, N <= 512)" % (k, m, n))
    dst = new_tile((m, n), float32, memory="psum")
    ins = emit("nc_matmul", mask=mask, dst=dst, stationary=stationary, moving=y,
               accumulate=False)
    return fresh(dst, ins)


# ---- everything else -------------------------------------------------------------------------
def device_print(prefix, x, mask=None, **kwargs):
    """Prints x's simulated values after the run (see device_print.py)."""
    from . import device_print as debug
    debug.record(prefix, x, mask)


from .isa_dynamic import atomic_rmw, gather_flattened  # noqa: E402,F401
from .language_views import (NKIObject, ds, expand_dims, is_hbm, is_on_chip,  # noqa: E402
                             is_psum, is_sbuf, nc, no_reorder, spmd_dim)
from .composite import (all, arctan, ceil, erf_dx, floor, gelu_apprx_sigmoid,  # noqa: E402
                        gelu_apprx_sigmoid_dx, gelu_dx, invert, logical_and, logical_not,
                        logical_or, logical_xor, loop_reduce, mish, rms_norm,
                        shared_identity_matrix, silu_dx, softmax, tan, trunc, var, where)
from .rng import nl_dropout as dropout, nl_rand as rand  # noqa: E402,F401
from .rng import nl_random_seed as random_seed  # noqa: E402,F401


from .isa_collective import all_reduce  # noqa: E402,F401


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    from .coverage import unsupported_reason
    raise NkiUnsupportedAttribute("nki.language." + name, unsupported_reason("nl." + name))

