"""nki.isa instructions trnsim's table has no single instruction for, lowered to a few table
instructions with the documented values (NKI API reference, nki.isa.<name>).

APPROX (NKI reference of each instruction): the hardware runs each of these as one instruction
on one engine; here they cost the copies / vector instructions they are composed of, and
arithmetic selects (x * c + y * (1 - c)) give NaN where the unselected operand is inf or NaN.
"""
import os
import sys
import types

from . import core, dtypes
from .core import NkiTensor
from .emit import emit, new_tile, number, on_chip
from .errors import _LIB_DIRS, NkiError, NkiUnsupportedError
from .isa import _REQ, _bind, _operand, alu_name

QUADRANT = 32      # nc_stream_shuffle moves data within groups of 32 partitions
SHUFFLE_KEEP = 255  # shuffle_mask value: leave that output partition unmodified


def kernel_uses_old_api():
    """True when the kernel's module imported `neuronxcc` (SDK 2.21-2.26 style). Used only
    where the two generations take the same positional arguments in a different order."""
    f = sys._getframe(1)
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_LIB_DIRS):
        f = f.f_back
    if f is None:
        return False
    return any(isinstance(v, types.ModuleType) and v.__name__.split(".")[0] == "neuronxcc"
               for v in f.f_globals.values())


def _select_into(call, dst, cond, on_true, on_false, reverse, mask):
    """dst = on_true where cond (or not cond when `reverse`), else on_false; on_false a
    number, a [P, 1] tile or a tile of dst's shape. Computed as on_true * c + on_false *
    (1 - c), exact for finite values however far apart (a -3e38 fill beside O(1) data)."""
    shape = tuple(on_true.shape)
    c = new_tile(shape, dtypes.float32)
    emit("tensor_scalar", mask=mask, dst=c, src=cond, op0="equal" if reverse else "not_equal",
         operand0=0.0)
    not_c = new_tile(shape, dtypes.float32)
    emit("tensor_scalar", mask=mask, dst=not_c, src=c, op0="multiply", operand0=-1.0,
         op1="add", operand1=1.0)
    picked_true, picked_false = new_tile(shape, dtypes.float32), new_tile(shape, dtypes.float32)
    emit("tensor_tensor", mask=mask, dst=picked_true, src0=on_true, src1=c, op="multiply")
    per_part = isinstance(on_false, NkiTensor) and tuple(on_false.shape) != shape
    if isinstance(on_false, NkiTensor) and not per_part:
        emit("tensor_tensor", mask=mask, dst=picked_false, src0=on_false, src1=not_c,
             op="multiply")
    else:
        f = on_false if per_part else float(on_false)
        emit("tensor_scalar", mask=mask, dst=picked_false, src=not_c, op0="multiply",
             operand0=f)
    emit("tensor_tensor", mask=mask, dst=dst, src0=picked_true, src1=picked_false, op="add")


def tensor_copy_predicated(*args, **kwargs):
    """dst = src where predicate (not predicate with reverse_pred), dst elsewhere."""
    call = "nisa.tensor_copy_predicated"
    sig = [("dst", _REQ), ("src", _REQ), ("predicate", _REQ), ("reverse_pred", False),
           ("mask", None), ("dtype", None), ("name", None)]
    if kernel_uses_old_api() and len(args) >= 2:
        sig[0], sig[1] = sig[1], sig[0]  # SDK 2.26: (src, dst, predicate)
    _, p = _bind(call, args, kwargs, sig, sig, 0)
    dst, src = on_chip(call, p["dst"], "dst"), on_chip(call, p["src"], "src")
    pred = on_chip(call, p["predicate"], "predicate")
    old = new_tile(dst.shape, dst.dtype)
    emit("tensor_copy", dst=old, src=dst)
    _select_into(call, dst, pred, src, old, bool(p["reverse_pred"]), p["mask"])
    return dst


def select_reduce(*args, **kwargs):
    """dst = where(predicate, on_true, on_false), optionally reduce_res = max(dst) per
    partition."""
    call = "nisa.select_reduce"
    sig = [("dst", _REQ), ("predicate", _REQ), ("on_true", _REQ), ("on_false", _REQ),
           ("reduce_res", None), ("reduce_cmd", "idle"), ("reduce_op", "maximum"),
           ("reverse_pred", False), ("mask", None), ("dtype", None), ("name", None)]
    _, p = _bind(call, args, kwargs, sig, sig, 0)
    dst = on_chip(call, p["dst"], "dst")
    on_true = on_chip(call, p["on_true"], "on_true")
    _select_into(call, dst, on_chip(call, p["predicate"], "predicate"), on_true,
                 p["on_false"], bool(p["reverse_pred"]), p["mask"])
    red = p["reduce_res"]
    if red is not None:
        if p["reduce_cmd"] not in ("idle", "reset_reduce", None):
            raise NkiUnsupportedError(call, "reduce_cmd=%s (accumulation across "
                                      "instructions)" % p["reduce_cmd"])
        if alu_name(call, p["reduce_op"]) != "maximum":
            raise NkiError(call, "reduce_op must be nl.maximum (the documented max reduction)")
        emit("tensor_reduce", mask=p["mask"], dst=on_chip(call, red, "reduce_res"), src=dst,
             op="maximum", axis=sorted(d for d in dst.dims[1:] if d is not None),
             keepdims=True)
    return dst


def nc_stream_shuffle(*args, **kwargs):
    """Within every quadrant of 32 partitions, dst partition i = src partition
    shuffle_mask[i] (255: dst partition i unmodified). Lowered to one vector tensor_copy per
    run of consecutive partitions."""
    call = "nisa.nc_stream_shuffle"
    sig = [("dst", _REQ), ("src", _REQ), ("shuffle_mask", _REQ), ("mask", None),
           ("dtype", None), ("name", None)]
    if kernel_uses_old_api() and len(args) >= 2:
        sig[0], sig[1] = sig[1], sig[0]  # SDK 2.26: (src, dst, shuffle_mask)
    _, p = _bind(call, args, kwargs, sig, sig, 0)
    dst, src = on_chip(call, p["dst"], "dst"), on_chip(call, p["src"], "src")
    perm = [int(m) for m in p["shuffle_mask"]]
    if len(perm) != QUADRANT or any(not (0 <= m < QUADRANT or m == SHUFFLE_KEEP)
                                    for m in perm):
        raise NkiError(call, "shuffle_mask must list 32 partitions in 0..31 or 255, got %r"
                       % (perm,))
    parts = dst.shape[0]
    if parts % QUADRANT or src.shape[0] != parts:
        raise NkiError(call, "src %s and dst %s must cover the same multiple of 32 partitions"
                       % (src.shape, dst.shape))
    if src.dtype != dst.dtype:
        raise NkiError(call, "dst dtype %s differs from src dtype %s"
                       % (dst.dtype.name, src.dtype.name))
    if src.buf is dst.buf:
        tmp = new_tile(src.shape, src.dtype)
        emit("tensor_copy", dst=tmp, src=src)
        src = tmp
    for q in range(0, parts, QUADRANT):
        i = 0
        while i < QUADRANT:
            if perm[i] == SHUFFLE_KEEP:
                i += 1
                continue
            n = 1
            while i + n < QUADRANT and perm[i + n] == perm[i] + n:
                n += 1
            emit("tensor_copy", mask=p["mask"], engine="vector",
                 dst=dst.narrow(0, q + i, q + i + n), src=src.narrow(0, q + perm[i],
                                                                     q + perm[i] + n))
            i += n
    return dst


# ---- scalar-engine reduce registers (nisa.activation reduce_cmd) -----------------------------
def activation_with_registers(call, p, x, dst, func, bias, scale):
    """nisa.activation with reduce_cmd reset / reduce / reset_reduce: the scalar engine's 128
    per-partition reduce registers hold a running sum of activated data across instructions
    (NKI reference, nki.isa.activation / reduce_cmd); reduce_res, when given, receives the
    registers after the instruction. The registers are modelled as an fp32 [P, 1] tile;
    APPROX: accumulating onto them costs an extra vector add here."""
    c = core.ctx()
    cmd = p["reduce_cmd"]
    regs = getattr(c, "act_reduce_regs", None)
    if regs is not None and regs.shape[0] != x.shape[0]:
        raise NkiUnsupportedError(call, "reduce registers accumulated over %d partitions, "
                                  "now used with %d" % (regs.shape[0], x.shape[0]))
    if cmd == "reset":
        regs = None
        emit("activation", mask=p["mask"], engine=p["engine"], dst=dst, src=x, func=func,
             bias=bias, scale=scale)
    else:
        part = new_tile((x.shape[0], 1), dtypes.float32)
        emit("activation", mask=p["mask"], engine=p["engine"], dst=dst, src=x, func=func,
             bias=bias, scale=scale, reduce_dst=part, reduce_op="add")
        if cmd == "reduce" and regs is not None:
            emit("tensor_tensor", dst=part, src0=part, src1=regs, op="add")
        regs = part
    c.act_reduce_regs = regs
    red = p["reduce_res"]
    if red is not None:
        red = on_chip(call, red, "reduce_res")
        if regs is None:
            emit("memset", dst=red, value=0.0)
        else:
            emit("tensor_copy", dst=red, src=regs)
    return dst


# ---- vector-engine accumulator registers -----------------------------------------------------
_IDENTITY = {"add": 0.0, "subtract": 0.0, "multiply": 1.0, "maximum": float("-inf"),
             "minimum": float("inf")}


def _vector_regs(call, parts):
    regs = getattr(core.ctx(), "vec_reduce_regs", None)
    if regs is not None and regs.shape[0] != parts:
        raise NkiUnsupportedError(call, "vector reduce registers hold %d partitions, now used "
                                  "with %d" % (regs.shape[0], parts))
    return regs


def _keep_vector_regs(src_column):
    regs = new_tile((src_column.shape[0], 1), dtypes.float32)
    emit("tensor_copy", dst=regs, src=src_column)
    core.ctx().vec_reduce_regs = regs
    return regs


def tensor_scalar_cumulative(*args, **kwargs):
    """dst[:, i] = reg = op1(src[:, i] op0 imm0, reg) along the free elements, reg starting at
    op1's identity (reset_reduce), imm1 (load_reduce) or the running registers (reduce). Lowered
    to (src op0 imm0) then a tensor_tensor_scan with op1 and bypass."""
    call = "nisa.tensor_scalar_cumulative"
    sig = [("dst", _REQ), ("src", _REQ), ("op0", _REQ), ("op1", _REQ), ("imm0", _REQ),
           ("imm1", None), ("reduce_cmd", "reset_reduce"), ("reverse0", False), ("name", None)]
    _, p = _bind(call, args, kwargs, sig, sig, 0)
    dst, src = on_chip(call, p["dst"], "dst"), on_chip(call, p["src"], "src")
    op0, op1 = alu_name(call, p["op0"]), alu_name(call, p["op1"])
    if op1 not in _IDENTITY:
        raise NkiError(call, "op1 must be add, subtract, multiply, maximum or minimum, got %s"
                       % op1)
    cmd = p["reduce_cmd"] or "reset_reduce"
    if cmd == "reset_reduce":
        initial = _IDENTITY[op1]
    elif cmd == "load_reduce":
        if p["imm1"] is None:
            raise NkiError(call, "reduce_cmd=load_reduce needs imm1")
        initial = p["imm1"] if isinstance(p["imm1"], NkiTensor) else \
            number(call, "imm1", p["imm1"])
    elif cmd == "reduce":
        initial = _vector_regs(call, src.shape[0])
        if initial is None:
            initial = _IDENTITY[op1]
    else:
        raise NkiUnsupportedError(call, "reduce_cmd=%r" % (cmd,))
    v = new_tile(src.shape, dtypes.float32)
    emit("tensor_scalar", dst=v, src=src, op0=op0, operand0=p["imm0"] if isinstance(
        p["imm0"], NkiTensor) else number(call, "imm0", p["imm0"]), reverse0=bool(p["reverse0"]))
    emit("tensor_tensor_scan", dst=dst, src0=v, src1=v, initial=initial, op0=op1, op1="bypass")
    last = dst.straight()
    _keep_vector_regs(last.narrow(last.ndim - 1, last.shape[-1] - 1, last.shape[-1]))
    return dst


def exponential(*args, **kwargs):
    """dst = exp(src - max_value); with reduce_cmd the vector engine's registers keep a running
    per-partition sum of dst, written to reduce_res (NKI reference, nki.isa.exponential;
    NeuronCore-v4 and newer). APPROX: computed by a scalar-engine activation (trnsim's vector
    engine has no exp), plus a vector add when accumulating."""
    call = "nisa.exponential"
    sig = [("dst", _REQ), ("src", _REQ), ("max_value", 0.0), ("reduce_res", None),
           ("reduce_cmd", "idle"), ("reduce_init", 0.0), ("name", None)]
    _, p = _bind(call, args, kwargs, sig, sig, 0)
    if getattr(core.ctx(), "target", "trn2") in ("trn1", "trn2"):
        raise NkiError(call, "needs NeuronCore-v4 or newer (target trn3), not %s"
                       % core.ctx().target)
    dst, src = on_chip(call, p["dst"], "dst"), on_chip(call, p["src"], "src")
    mx = p["max_value"]
    if isinstance(mx, NkiTensor):
        bias = new_tile((src.shape[0], 1), dtypes.float32)
        emit("tensor_scalar", dst=bias, src=mx, op0="multiply", operand0=-1.0)
    elif float(mx) != 0.0:
        bias = new_tile((src.shape[0], 1), dtypes.float32)
        emit("memset", dst=bias, value=-float(mx))
    else:
        bias = None
    cmd = p["reduce_cmd"] or "idle"
    if cmd == "idle":
        emit("activation", dst=dst, src=src, func="exp", bias=bias)
        regs = _vector_regs(call, src.shape[0])
    elif cmd == "reset":
        emit("activation", dst=dst, src=src, func="exp", bias=bias)
        regs = new_tile((src.shape[0], 1), dtypes.float32)
        emit("memset", dst=regs, value=0.0)
        core.ctx().vec_reduce_regs = regs
    elif cmd in ("reduce", "reset_reduce", "load_reduce"):
        part = new_tile((src.shape[0], 1), dtypes.float32)
        emit("activation", dst=dst, src=src, func="exp", bias=bias, reduce_dst=part,
             reduce_op="add")
        base = _vector_regs(call, src.shape[0]) if cmd == "reduce" else None
        init = p["reduce_init"]
        if cmd == "load_reduce":
            if isinstance(init, NkiTensor):
                base = init
            elif float(init) != 0.0:
                emit("tensor_scalar", dst=part, src=part, op0="add", operand0=float(init))
        if base is not None:
            emit("tensor_tensor", dst=part, src0=part, src1=base, op="add")
        core.ctx().vec_reduce_regs = regs = part
    else:
        raise NkiUnsupportedError(call, "reduce_cmd=%r" % (cmd,))
    if p["reduce_res"] is not None:
        if regs is None:
            raise NkiError(call, "reduce_res given but the reduce registers were never set")
        emit("tensor_copy", dst=on_chip(call, p["reduce_res"], "reduce_res"), src=regs)
    return dst


def tensor_scalar_reduce_with_registers(call, p, x, dst):
    """nisa.tensor_scalar_reduce (SDK 2.30+) with reduce_cmd reset / reduce / load_reduce,
    reduce_res_negate or no reduce_res: the reduction goes through the vector engine's
    registers (reset: op identity; load_reduce: reduce_init; reduce: running value).
    APPROX: combining with the registers costs an extra vector instruction here."""
    op = alu_name(call, p["reduce_op"])
    if op not in _IDENTITY:
        raise NkiError(call, "reduce_op must be add, multiply, maximum or minimum, got %s" % op)
    cmd = p["reduce_cmd"] or "reset_reduce"
    part = new_tile((x.shape[0], 1), dtypes.float32)
    emit("tensor_scalar_reduce", dst=dst, src=x, operand0=_operand(p["operand0"]),
         reduce_dst=part, op0=alu_name(call, p["op0"]), reverse0=bool(p["reverse0"]),
         reduce_op=op)
    if cmd == "reset":
        regs = new_tile((x.shape[0], 1), dtypes.float32)
        emit("memset", dst=regs, value=_IDENTITY[op])
        core.ctx().vec_reduce_regs = regs
        base = None
    elif cmd == "reduce":
        base = _vector_regs(call, x.shape[0])
    elif cmd == "load_reduce":
        init = p["reduce_init"]
        if init is None:
            raise NkiError(call, "reduce_cmd=load_reduce needs reduce_init")
        base = init if isinstance(init, NkiTensor) else None
        if base is None:
            emit("tensor_scalar", dst=part, src=part, op0=op, operand0=float(init))
    elif cmd in ("reset_reduce", "idle"):
        base = None
    else:
        raise NkiUnsupportedError(call, "reduce_cmd=%r" % (cmd,))
    if cmd != "reset":
        if base is not None:
            emit("tensor_tensor", dst=part, src0=part, src1=base, op=op)
        core.ctx().vec_reduce_regs = part
    red = p["reduce_res"]
    if red is not None:
        regs = core.ctx().vec_reduce_regs
        if p["reduce_res_negate"]:
            emit("tensor_scalar", dst=on_chip(call, red, "reduce_res"), src=regs,
                 op0="multiply", operand0=-1.0)
        else:
            emit("tensor_copy", dst=on_chip(call, red, "reduce_res"), src=regs)
    return dst


def composite_activation(call, p, x, dst, fn, bias, scale):
    """nisa.activation / activation_reduce whose op is a composed nl function (e.g.
    nl.gelu_apprx_sigmoid): op(data * scale + bias) into dst, with the optional per-partition
    sum into reduce_res. APPROX: one activation on hardware, the composed instructions here."""
    if p.get("reduce_cmd") not in ("idle", None):
        raise NkiUnsupportedError(call, "reduce_cmd=%s with the composed activation %s"
                                  % (p["reduce_cmd"], fn.__name__))
    y = x
    if bias is not None or not (isinstance(scale, float) and scale == 1.0):
        y = new_tile(x.shape, dtypes.float32)
        emit("activation", mask=p["mask"], dst=y, src=x, func="identity", bias=bias,
             scale=scale)
    r = fn(y, mask=p["mask"])
    red = p.get("reduce_res")
    if red is not None and p.get("reduce_op") is not None and \
            alu_name(call, p["reduce_op"]) != "add":
        raise NkiError(call, "reduce_op must be nl.add")
    return emit("activation", mask=p["mask"], dst=dst, src=r, func="identity",
                reduce_dst=on_chip(call, red, "reduce_res") if red is not None else None,
                reduce_op="add" if red is not None else None)


def dma_compute(*args, **kwargs):
    """dst = reduce_op(srcs[0] * scales[0], srcs[1] * scales[1], ...) in fp32 (NKI reference,
    nki.isa.dma_compute; reduce_op nl.add). APPROX: the DMA engines compute in flight; here each
    source is copied to SBUF, combined by vector instructions and copied to dst."""
    call = "nisa.dma_compute"
    if len(args) >= 3 and isinstance(args[2], (list, tuple)):   # (dst, srcs, scales, op)
        sig = [("dst", _REQ), ("srcs", _REQ), ("scales", None), ("reduce_op", _REQ)]
    else:                                                      # (dst, srcs, op, scales)
        sig = [("dst", _REQ), ("srcs", _REQ), ("reduce_op", _REQ), ("scales", None)]
    sig += [("unique_indices", True), ("oob_mode", None), ("name", None)]
    _, p = _bind(call, args, kwargs, sig, sig, 0)
    dst, srcs = p["dst"], list(p["srcs"])
    if not isinstance(dst, NkiTensor) or not srcs or \
            not all(isinstance(s, NkiTensor) for s in srcs):
        raise NkiError(call, "dst and every src must be tensors")
    if alu_name(call, p["reduce_op"]) != "add":
        raise NkiError(call, "reduce_op must be nl.add (the only DMA compute operator)")
    scales = [1.0] * len(srcs) if p["scales"] is None else [float(v) for v in p["scales"]]
    if len(scales) != len(srcs):
        raise NkiError(call, "%d scales for %d srcs" % (len(scales), len(srcs)))
    shape = tuple(dst.shape)
    if shape[0] > 128:
        raise NkiUnsupportedError(call, "dst %s with more than 128 rows" % (shape,))
    acc = new_tile(shape, dtypes.float32)
    for i, (s, k) in enumerate(zip(srcs, scales)):
        if s.element_count() != dst.element_count():
            raise NkiError(call, "src %d has %d elements, dst %d" % (i, s.element_count(),
                                                                    dst.element_count()))
        t = acc if i == 0 else new_tile(shape, dtypes.float32)
        emit("dma_copy", dst=t, src=s)
        if k != 1.0:
            emit("tensor_scalar", dst=t, src=t, op0="multiply", operand0=k)
        if i:
            emit("tensor_tensor", dst=acc, src0=acc, src1=t, op="add")
    emit("dma_copy", dst=dst, src=acc)
    return dst
