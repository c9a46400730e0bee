"""nki.isa (nisa) for trnsim: every instruction of isa/instructions.def with NKI's signatures,
in both API generations:
  - SDK 2.21-2.26: the instruction returns its result tile (`r = nisa.exp...(op, data)`),
    takes `mask=` and `dtype=`;
  - SDK 2.27+: the destination comes first (`nisa.activation(dst, op, data)` or `dst=`).
A call is read as the newer form when `dst=` is given or when it has one more leading tile
argument than the older form has.
"""

import numpy as np

from . import dtypes, tensor_engine_rules
from .core import NkiTensor
from .emit import axes_of, check_same_shape, emit, fresh, new_tile, number, on_chip
from .errors import NkiError, NkiUnsupportedAttribute, NkiUnsupportedError
from .isa_enums import (act_name, alu_name, constants, dge_mode, dma_engine,  # noqa: F401
                        engine, engine_name, get_nc_version, gpsimd_engine,
                        matmul_perf_mode, nc_version, oob_mode, reduce_cmd,
                        scalar_engine, tensor_engine, unknown_engine, vector_engine)


_REQ = object()


# ---- dual-signature binding ------------------------------------------------------------------
def _bind(call, args, kwargs, old, new, old_leading):
    """Returns (is_new, params) for a call in either API generation. `old`/`new` are lists
    of (name, default) with _REQ for required parameters."""
    lead = 0
    for a in args:
        if isinstance(a, (NkiTensor, DynamicView)):
            lead += 1
        else:
            break
    is_new = "dst" in kwargs or lead > old_leading
    sig = new if is_new else old
    if len(args) > len(sig):
        raise NkiError(call, "takes %d arguments, got %d" % (len(sig), len(args)))
    p = dict(sig)  # name -> default, then the arguments given
    for (n, _), a in zip(sig, args):
        p[n] = a
    for k, v in kwargs.items():
        if k not in p:
            raise NkiUnsupportedError(call, "keyword argument %r (%s API)"
                                      % (k, "dst-first" if is_new else "result-returning"))
        if args and any(n == k for n, _ in sig[:len(args)]):
            raise NkiError(call, "got multiple values for %r" % k)
        p[k] = v
    for n, d in sig:
        if d is _REQ and p[n] is _REQ:
            raise NkiError(call, "missing required argument %r" % n)
    for k in ("mask", "dtype", "engine", "name"):
        p.setdefault(k, None)
    p["engine"] = engine_name(call, p["engine"])
    return is_new, p


def _operand(x):
    """A tile view, or a float immediate."""
    if isinstance(x, NkiTensor):
        return x
    if isinstance(x, (int, float, np.number)):
        return float(x)
    raise NkiError("nki.isa", "operand must be a tile or a number, got %r" % (x,))


def _result(call, is_new, p, shape, dtype, memory="sbuf"):
    if is_new:
        return on_chip(call, p["dst"], "dst")
    return new_tile(shape, p.get("dtype") or dtype, memory)


M = [("mask", None), ("dtype", None)]
NEW_TAIL = [("name", None)]


# ---- tensor engine ---------------------------------------------------------------------------
def nc_matmul(*args, **kwargs):
    call = "nisa.nc_matmul"
    common = [("is_stationary_onezero", False), ("is_moving_onezero", False),
              ("is_transpose", False)]
    old = [("stationary", _REQ), ("moving", _REQ)] + common + [
        ("tile_position", ()), ("tile_size", ()), ("mask", None), ("perf_mode", None)]
    new = [("dst", _REQ), ("stationary", _REQ), ("moving", _REQ)] + common + [
        ("accumulate", None), ("tile_position", ()), ("tile_size", ()), ("perf_mode", None),
        ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 2)
    st, mv = on_chip(call, p["stationary"]), on_chip(call, p["moving"])
    # is_transpose=True (PE-array transpose, NKI reference nc_matmul): the tensor engine
    # passes `stationary` through to dst as stationary.T @ moving with moving an identity;
    # the same product is computed here, so the values are the transpose.
    if st.ndim != 2 or mv.ndim != 2:
        raise NkiError(call, "stationary %s and moving %s must be 2-D" % (st.shape, mv.shape))
    tensor_engine_rules.check_matmul_operands(call, st, mv)
    dst = _result(call, is_new, p, (st.shape[1], mv.shape[1]), dtypes.float32, "psum")
    acc = p.get("accumulate") if is_new else False
    if acc is None:
        acc = bool(dst.buf.written)  # APPROX: auto = accumulate unless first write of the tile
    ins = emit("nc_matmul", mask=p["mask"], dst=dst, stationary=st, moving=mv,
               accumulate=bool(acc))
    return dst if is_new else fresh(dst, ins)


def nc_transpose(*args, **kwargs):
    call = "nisa.nc_transpose"
    old = [("data", _REQ), ("mask", None), ("dtype", None), ("engine", None)]
    new = [("dst", _REQ), ("data", _REQ), ("engine", None), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 1)
    x = on_chip(call, p["data"])
    eng = p["engine"]
    if eng is None:
        # engine unknown: the Tensor Engine writes only PSUM, the Vector Engine either memory
        # (NKI reference, nc_transpose: memory types), so a given SBUF dst means the Vector Engine
        dst_in_sbuf = is_new and getattr(getattr(p["dst"], "buf", None), "memory", "") == "sbuf"
        eng = "vector" if dst_in_sbuf else "tensor"
    mem = "psum" if eng == "tensor" else "sbuf"
    # NKI reference, nc_transpose: the free axes are flattened into one; dst has data's dtype
    free = 1
    for n in x.shape[1:]:
        free *= n
    dst = _result(call, is_new, p, (free, x.shape[0]), x.dtype, mem)
    ins = emit("nc_transpose", mask=p["mask"], engine=eng if eng != "tensor" else None,
               dst=dst, src=x)
    return dst if is_new else fresh(dst, ins)


# ---- scalar engine ---------------------------------------------------------------------------
def _bias_operand(call, bias, x):
    if bias is None or isinstance(bias, NkiTensor):
        return bias
    if float(bias) == 0.0:
        return None
    t = new_tile((x.shape[0], 1), dtypes.float32)
    emit("memset", dst=t, value=float(bias))
    return t


def activation(*args, **kwargs):
    call = "nisa.activation"
    rest = [("bias", None), ("scale", 1.0), ("reduce_op", None), ("reduce_res", None),
            ("reduce_cmd", "idle")]
    old = [("op", _REQ), ("data", _REQ)] + rest + M
    new = [("dst", _REQ), ("op", _REQ), ("data", _REQ)] + rest + [("engine", None),
                                                                    ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 0)
    x = on_chip(call, p["data"])
    dst = _result(call, is_new, p, x.shape, x.dtype)
    if getattr(p["op"], "_composite", False):
        from .isa_composite import composite_activation
        ins = composite_activation(call, p, x, dst, p["op"], _bias_operand(call, p["bias"], x),
                                   _operand(p["scale"]))
        return dst if is_new else fresh(dst, ins)
    func = act_name(call, p["op"])
    cmd = p["reduce_cmd"]
    if cmd in ("reset", "reduce", "reset_reduce"):
        if p["reduce_op"] is not None and alu_name(call, p["reduce_op"]) != "add":
            raise NkiError(call, "reduce_op must be nl.add (the scalar engine's reduce "
                           "registers only sum)")
        from .isa_composite import activation_with_registers
        activation_with_registers(call, p, x, dst, func, _bias_operand(call, p["bias"], x),
                                  _operand(p["scale"]))
        return dst if is_new else fresh(dst, None)
    if cmd not in ("idle", None):
        raise NkiUnsupportedError(call, "reduce_cmd=%r" % (cmd,))
    red = p["reduce_res"]
    ins = emit("activation", mask=p["mask"], engine=p["engine"], dst=dst, src=x, func=func,
               bias=_bias_operand(call, p["bias"], x), scale=_operand(p["scale"]),
               reduce_dst=red, reduce_op=alu_name(call, p["reduce_op"]) if red is not None
               else None)
    return dst if is_new else fresh(dst, ins)


def activation_reduce(*args, **kwargs):
    call = "nisa.activation_reduce"
    old = [("op", _REQ), ("data", _REQ), ("reduce_op", _REQ), ("reduce_res", _REQ),
           ("bias", None), ("scale", 1.0)] + M
    new = [("dst", _REQ), ("op", _REQ), ("data", _REQ), ("reduce_op", _REQ),
           ("reduce_res", _REQ), ("bias", None), ("scale", 1.0), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 0)
    x = on_chip(call, p["data"])
    dst = _result(call, is_new, p, x.shape, x.dtype)
    if getattr(p["op"], "_composite", False):
        from .isa_composite import composite_activation
        ins = composite_activation(call, p, x, dst, p["op"], _bias_operand(call, p["bias"], x),
                                   _operand(p["scale"]))
        return dst if is_new else fresh(dst, ins)
    ins = emit("activation_reduce", mask=p["mask"], dst=dst, src=x,
               func=act_name(call, p["op"]), reduce_dst=on_chip(call, p["reduce_res"]),
               reduce_op=alu_name(call, p["reduce_op"]),
               bias=_bias_operand(call, p["bias"], x), scale=_operand(p["scale"]))
    return dst if is_new else fresh(dst, ins)


# ---- vector / gpsimd elementwise -------------------------------------------------------------
def tensor_tensor(*args, **kwargs):
    call = "nisa.tensor_tensor"
    old = [("data1", _REQ), ("data2", _REQ), ("op", _REQ), ("dtype", None), ("mask", None),
           ("engine", None)]
    new = [("dst", _REQ), ("data1", _REQ), ("data2", _REQ), ("op", _REQ), ("engine", None),
           ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 2)
    a, b = on_chip(call, p["data1"]), on_chip(call, p["data2"])
    check_same_shape(call, a, b)
    op = alu_name(call, p["op"])
    dst = _result(call, is_new, p, a.shape, dtypes.wider(a.dtype, b.dtype))
    eng = p["engine"] or ("gpsimd" if op == "power" else None)
    ins = emit("tensor_tensor", mask=p["mask"], engine=eng, dst=dst, src0=a, src1=b, op=op)
    return dst if is_new else fresh(dst, ins)


def tensor_scalar(*args, **kwargs):
    call = "nisa.tensor_scalar"
    rest = [("op0", _REQ), ("operand0", _REQ), ("reverse0", False), ("op1", None),
            ("operand1", None), ("reverse1", False)]
    old = [("data", _REQ)] + rest + [("dtype", None), ("mask", None), ("engine", None)]
    new = [("dst", _REQ), ("data", _REQ)] + rest + [("engine", None), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 1)
    x = on_chip(call, p["data"])
    dst = _result(call, is_new, p, x.shape, x.dtype)
    has1 = p["op1"] is not None
    ins = emit("tensor_scalar", mask=p["mask"], engine=p["engine"], dst=dst, src=x,
               op0=alu_name(call, p["op0"]), operand0=_operand(p["operand0"]),
               reverse0=bool(p["reverse0"]),
               op1=alu_name(call, p["op1"]) if has1 else None,
               operand1=_operand(p["operand1"]) if has1 else None,
               reverse1=bool(p["reverse1"]) if has1 else None)
    return dst if is_new else fresh(dst, ins)


def scalar_tensor_tensor(*args, **kwargs):
    call = "nisa.scalar_tensor_tensor"
    rest = [("op0", _REQ), ("operand0", _REQ), ("op1", _REQ), ("operand1", _REQ),
            ("reverse0", False), ("reverse1", False)]
    old = [("data", _REQ)] + rest + M
    new = [("dst", _REQ), ("data", _REQ)] + rest + [("engine", None), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 1)
    x = on_chip(call, p["data"])
    other = on_chip(call, p["operand1"], "operand1")
    dst = _result(call, is_new, p, x.shape, x.dtype)
    ins = emit("scalar_tensor_tensor", mask=p["mask"], engine=p["engine"], dst=dst, src0=x,
               operand0=_operand(p["operand0"]), src1=other, op0=alu_name(call, p["op0"]),
               op1=alu_name(call, p["op1"]), reverse0=bool(p["reverse0"]),
               reverse1=bool(p["reverse1"]))
    return dst if is_new else fresh(dst, ins)


def tensor_scalar_reduce(*args, **kwargs):
    call = "nisa.tensor_scalar_reduce"
    rest = [("op0", _REQ), ("operand0", _REQ), ("reduce_op", _REQ), ("reduce_res", _REQ),
            ("reverse0", False)]
    old = [("data", _REQ)] + rest + M
    new = [("dst", _REQ), ("data", _REQ)] + rest[:3] + [("reduce_res", None)] + rest[4:] + [
        ("reduce_cmd", "reset_reduce"), ("reduce_init", None), ("reduce_res_negate", False),
        ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 1)
    x = on_chip(call, p["data"])
    dst = _result(call, is_new, p, x.shape, x.dtype)
    if is_new and (p["reduce_cmd"] not in ("idle", "reset_reduce", None)
                   or p["reduce_res_negate"] or p["reduce_res"] is None):
        from .isa_composite import tensor_scalar_reduce_with_registers
        return tensor_scalar_reduce_with_registers(call, p, x, dst)
    ins = emit("tensor_scalar_reduce", mask=p["mask"], dst=dst, src=x,
               operand0=_operand(p["operand0"]), reduce_dst=on_chip(call, p["reduce_res"]),
               op0=alu_name(call, p["op0"]), reverse0=bool(p["reverse0"]),
               reduce_op=alu_name(call, p["reduce_op"]))
    return dst if is_new else fresh(dst, ins)


def tensor_copy(*args, **kwargs):
    call = "nisa.tensor_copy"
    old = [("src", _REQ), ("mask", None), ("dtype", None), ("engine", None)]
    new = [("dst", _REQ), ("src", _REQ), ("engine", None), ("dtype", None), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 1)
    x = on_chip(call, p["src"])
    if is_new and p["dtype"] is not None and dtypes.to_dtype(p["dtype"]) != p["dst"].dtype:
        raise NkiError(call, "dtype=%s differs from the dtype %s of dst"
                       % (dtypes.to_dtype(p["dtype"]).name, p["dst"].dtype.name))
    dst = _result(call, is_new, p, x.shape, x.dtype)
    if p["engine"] == "dma":  # a copy on the DMA engines (nisa.dma_engine) is a DMA transfer
        ins = emit("dma_copy", mask=p["mask"], dst=dst, src=x)
    else:
        ins = emit("tensor_copy", mask=p["mask"], engine=p["engine"], dst=dst, src=x)
    return dst if is_new else fresh(dst, ins)


def reciprocal(*args, **kwargs):
    call = "nisa.reciprocal"
    old = [("data", _REQ), ("dtype", None), ("mask", None)]
    new = [("dst", _REQ), ("data", _REQ), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 1)
    x = on_chip(call, p["data"])
    dst = _result(call, is_new, p, x.shape, x.dtype)
    ins = emit("reciprocal", mask=p["mask"], dst=dst, src=x)
    return dst if is_new else fresh(dst, ins)


def memset(*args, **kwargs):
    call = "nisa.memset"
    old = [("shape", _REQ), ("value", _REQ), ("dtype", _REQ), ("mask", None), ("engine", None)]
    new = [("dst", _REQ), ("value", _REQ), ("engine", None), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 0)
    dst = p["dst"] if is_new else new_tile(p["shape"], p["dtype"])
    if is_new:
        dst = on_chip(call, dst, "dst").straight()  # one value: the element order is moot
    ins = emit("memset", mask=p["mask"], engine=p["engine"], dst=dst,
               value=number(call, "value", p["value"]))
    return dst if is_new else fresh(dst, ins)


_COMMUTATIVE = ("add", "multiply", "maximum", "minimum", "equal", "not_equal", "bitwise_and",
                "bitwise_or", "bitwise_xor", "abs_max")


def tensor_tensor_scan(*args, **kwargs):
    call = "nisa.tensor_tensor_scan"
    rest = [("initial", _REQ), ("op0", _REQ), ("op1", _REQ), ("reverse0", False),
            ("reverse1", False)]
    old = [("data0", _REQ), ("data1", _REQ)] + rest + M
    new = [("dst", _REQ), ("data0", _REQ), ("data1", _REQ)] + rest + [("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 2)
    for flag, op in (("reverse0", "op0"), ("reverse1", "op1")):
        # a reversed commutative operator computes the same values
        if p[flag] and alu_name(call, p[op]) not in _COMMUTATIVE:
            raise NkiUnsupportedError(call, "%s=True with the non-commutative %s=%s"
                                      % (flag, op, alu_name(call, p[op])))
    a, b = on_chip(call, p["data0"]), on_chip(call, p["data1"])
    dst = _result(call, is_new, p, a.shape, a.dtype)
    ins = emit("tensor_tensor_scan", mask=p["mask"], dst=dst, src0=a, src1=b,
               initial=_operand(p["initial"]), op0=alu_name(call, p["op0"]),
               op1=alu_name(call, p["op1"]))
    return dst if is_new else fresh(dst, ins)


def range_select(*args, **kwargs):
    call = "nisa.range_select"
    rest = [("comp_op0", _REQ), ("comp_op1", _REQ), ("bound0", _REQ), ("bound1", _REQ),
            ("reduce_cmd", "idle"), ("reduce_res", None), ("reduce_op", "maximum"),
            ("range_start", 0), ("on_false_value", -3.4028234663852886e38)]
    old = [("on_true_tile", _REQ)] + rest + M
    new = [("dst", _REQ), ("on_true_tile", _REQ)] + rest + [("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 1)
    x = on_chip(call, p["on_true_tile"])
    dst = _result(call, is_new, p, x.shape, x.dtype)
    red = p["reduce_res"]
    ins = emit("range_select", mask=p["mask"], dst=dst, src=x, bound0=p["bound0"],
               bound1=p["bound1"], reduce_dst=red, comp_op0=alu_name(call, p["comp_op0"]),
               comp_op1=alu_name(call, p["comp_op1"]),
               on_false_value=number(call, "on_false_value", p["on_false_value"]),
               reduce_op=alu_name(call, p["reduce_op"]) if red is not None else None,
               range_start=number(call, "range_start", p["range_start"]))
    return dst if is_new else fresh(dst, ins)


# ---- reductions and statistics ---------------------------------------------------------------
def tensor_reduce(*args, **kwargs):
    call = "nisa.tensor_reduce"
    rest = [("axis", _REQ)]
    old = [("op", _REQ), ("data", _REQ)] + rest + [("mask", None), ("dtype", None),
                                                   ("negate", False), ("keepdims", False)]
    new = [("dst", _REQ), ("op", _REQ), ("data", _REQ)] + rest + [
        ("negate", False), ("keepdims", False), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 0)
    x = on_chip(call, p["data"])
    axes = axes_of(call, p["axis"], x.ndim)
    if 0 in axes:
        raise NkiError(call, "cannot reduce the partition axis (use "
                       "nisa.tensor_partition_reduce)")
    if p["keepdims"]:
        shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    else:
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    dst = _result(call, is_new, p, shape, x.dtype)
    ins = emit("tensor_reduce", mask=p["mask"], dst=dst, src=x, op=alu_name(call, p["op"]),
               axis=sorted(x.dims[a] for a in axes if x.dims[a] is not None),
               negate=bool(p["negate"]), keepdims=True)
    return dst if is_new else fresh(dst, ins)


def tensor_partition_reduce(*args, **kwargs):
    call = "nisa.tensor_partition_reduce"
    old = [("op", _REQ), ("data", _REQ)] + M
    new = [("dst", _REQ), ("op", _REQ), ("data", _REQ), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 0)
    x = on_chip(call, p["data"])
    dst = _result(call, is_new, p, (1,) + tuple(x.shape[1:]), x.dtype)
    ins = emit("tensor_partition_reduce", mask=p["mask"], dst=dst, src=x,
               op=alu_name(call, p["op"]))
    return dst if is_new else fresh(dst, ins)


def _simple(opname, out_cols, n_tiles=1, out_dtype=None, names=("data",)):
    def f(*args, **kwargs):
        call = "nisa." + opname
        old = [(n, _REQ) for n in names] + M
        new = [("dst", _REQ)] + [(n, _REQ) for n in names] + [("name", None)]
        is_new, p = _bind(call, args, kwargs, old, new, len(names))
        x = on_chip(call, p[names[0]])
        dt = out_dtype or x.dtype
        dst = _result(call, is_new, p, (x.shape[0], out_cols), dt)
        fields = {"src": x}
        if len(names) > 1:
            fields["vals"] = on_chip(call, p[names[1]])
        ins = emit(opname, mask=p["mask"], dst=dst, **fields)
        return dst if is_new else fresh(dst, ins)
    f.__name__ = opname
    return f


bn_stats = _simple("bn_stats", 6, out_dtype=dtypes.float32)
bn_aggr = _simple("bn_aggr", 2, out_dtype=dtypes.float32)
max8 = _simple("max8", 8, names=("src",))
nc_find_index8 = _simple("nc_find_index8", 8, out_dtype=dtypes.uint32, names=("data", "vals"))


def nc_match_replace8(*args, **kwargs):
    call = "nisa.nc_match_replace8"
    old = [("data", _REQ), ("vals", _REQ), ("imm", _REQ), ("dst_idx", None)] + M
    new = [("dst", _REQ), ("data", _REQ), ("vals", _REQ), ("imm", _REQ), ("dst_idx", None),
           ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 2)
    x = on_chip(call, p["data"])
    vals = on_chip(call, p["vals"], "vals")
    if p["dst_idx"] is not None:
        # dst_idx = positions of the matched values (NKI reference, nc_match_replace8).
        # APPROX: duplicate values in vals pair with their positions in ascending order (the
        # nc_find_index8 order); the hardware fills the duplicates' slots in descending order.
        emit("nc_find_index8", mask=p["mask"], dst=on_chip(call, p["dst_idx"], "dst_idx"),
             src=x, vals=vals)
    dst = _result(call, is_new, p, x.shape, x.dtype)
    ins = emit("nc_match_replace8", mask=p["mask"], dst=dst, src=x, vals=vals,
               imm_value=number(call, "imm", p["imm"]))
    return dst if is_new else fresh(dst, ins)


# ---- DMA -------------------------------------------------------------------------------------
def dma_copy(*args, **kwargs):
    call = "nisa.dma_copy"
    old = [("dst", _REQ), ("src", _REQ), ("mask", None), ("dst_rmw_op", None),
           ("oob_mode", None), ("dge_mode", None)]
    new = [("dst", _REQ), ("src", _REQ), ("dst_rmw_op", None), ("oob_mode", None),
           ("dge_mode", None), ("name", None)]
    _, p = _bind(call, args, kwargs, old, new, 2)
    if is_runtime_view(p["dst"]) or is_runtime_view(p["src"]):
        acc = p["dst_rmw_op"] is not None and alu_name(call, p["dst_rmw_op"]) == "add"
        if p["dst_rmw_op"] is not None and not acc:
            raise NkiUnsupportedError(call, "dst_rmw_op=%r (only nl.add)" % (p["dst_rmw_op"],))
        runtime_dma(call, p["dst"], p["src"], p["mask"], accumulate=acc,
                    oob_skip=p["oob_mode"] == oob_mode.skip)
        return p["dst"]
    if p["dst_rmw_op"] is not None:
        _dma_rmw(call, p)
    elif _is_transposed_hbm_read(p["src"], p["dst"]):
        # a 2-D HBM access pattern walking the tensor's rows across partitions (x.ap([[s, P],
        # [row, n]])): the transposed read nl.load lowers the same way. APPROX (NKI reference,
        # dma_copy / dma_transpose): timed as a DMA transpose, not a strided element copy.
        src = p["src"]
        straight = NkiTensor(src.buf, src.sl, sorted(src.dims), list(reversed(src.vars)))
        emit("dma_transpose", mask=p["mask"], dst=p["dst"], src=straight)
    else:
        emit("dma_copy", mask=p["mask"], dst=p["dst"], src=p["src"])
    return p["dst"]


def _is_transposed_hbm_read(src, dst):
    return isinstance(src, NkiTensor) and isinstance(dst, NkiTensor) and \
        src.buf.memory == "hbm" and dst.buf.memory != "hbm" and src.flat is None and \
        src.dims == [1, 0] and len(src.buf.phys.shape) == 2


def _dma_rmw(call, p):
    """dst = dst <dst_rmw_op> src. APPROX (NKI reference, dma_copy dst_rmw_op): the DMA engine
    combines in flight; here on-chip copies of both sides are combined by a vector
    tensor_tensor and the result is copied back, so the DMA traffic and engine time differ."""
    dst, src = p["dst"], p["src"]
    if not isinstance(dst, NkiTensor) or not isinstance(src, NkiTensor):
        raise NkiError(call, "dst and src must be tensors")
    op = alu_name(call, p["dst_rmw_op"])
    shape = dst.shape if dst.buf.memory != "hbm" else src.shape if src.buf.memory != "hbm" \
        else None
    if shape is None:
        raise NkiUnsupportedError(call, "dst_rmw_op between two HBM tensors")
    cur = new_tile(shape, dtypes.float32)
    emit("dma_copy", mask=p["mask"], dst=cur, src=dst)
    val = new_tile(shape, dtypes.float32)
    emit("dma_copy", mask=p["mask"], dst=val, src=src)
    emit("tensor_tensor", mask=p["mask"], dst=cur, src0=cur, src1=val, op=op)
    emit("dma_copy", mask=p["mask"], dst=dst, src=cur)


from .isa_index import affine_select, iota  # noqa: E402,F401
from .isa_gpsimd import local_gather, sequence_bounds  # noqa: E402,F401
from .isa_dma_transpose import dma_transpose  # noqa: E402,F401
from .isa_collective import core_barrier, sendrecv  # noqa: E402,F401
from .isa_dynamic import (DynamicView, is_runtime_view, nc_n_gather,  # noqa: E402,F401
                          nonzero_with_count, runtime_dma, tensor_copy_dynamic_dst,
                          tensor_copy_dynamic_src)
from .isa_register import (VirtualRegister, register_alloc, register_load,  # noqa: E402,F401
                           register_move, register_store)
from .isa_composite import (dma_compute, exponential, nc_stream_shuffle,  # noqa: E402,F401
                            select_reduce, tensor_copy_predicated, tensor_scalar_cumulative)
from .rng import isa_dropout as dropout, isa_rand2 as rand2  # noqa: E402,F401
from .rng import isa_rand_get_state as rand_get_state  # noqa: E402,F401
from .rng import isa_rand_set_state as rand_set_state  # noqa: E402,F401
from .rng import isa_rng as rng, isa_set_rng_seed as set_rng_seed  # noqa: E402,F401


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    from .coverage import unsupported_reason
    raise NkiUnsupportedAttribute("nki.isa." + name, unsupported_reason("nisa." + name))
