"""Conformance: nki.isa instructions in both API generations: SDK 2.21-2.26 calls return their
result tile (`neuronxcc.nki.isa`), SDK 2.27+ calls take `dst` first (`nki.isa`)."""
import numpy as np

import neuronxcc.nki as onki
import neuronxcc.nki.isa as oisa
import neuronxcc.nki.language as onl
import nki
import nki.isa as nisa
import nki.language as nl
from isa_case_helpers import both, k1, named  # noqa: F401
from trnsim_nki.coverage import case

RNG = np.random.default_rng(99)


def r(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


# ---- scalar engine ---------------------------------------------------------------------------
def _activation(gen):
    a = r(128, 64)
    k = k1(lambda t: oisa.activation(onl.exp, t, scale=0.5, bias=None),
           lambda d, t: nisa.activation(dst=d, op=nl.exp, data=t, scale=0.5), gen)
    return k, (a,), np.exp(0.5 * a.astype(np.float64)), 1e-5


both("nisa.activation", _activation)


def _activation_reduce(gen):
    a = r(128, 64)
    if gen == "old":
        @onki.jit
        def k(x):
            out = onl.ndarray((128, 1), dtype=x.dtype, buffer=onl.shared_hbm)
            s = onl.ndarray((128, 1), dtype=onl.float32, buffer=onl.sbuf)
            oisa.activation_reduce(op=onl.square, data=onl.load(x), reduce_op=onl.add,
                                   reduce_res=s)
            onl.store(out, s)
            return out
    else:
        @nki.jit
        def k(x):
            out = nl.ndarray((128, 1), dtype=x.dtype, buffer=nl.shared_hbm)
            t = nl.load(x)
            d = nl.ndarray(t.shape, dtype=nl.float32, buffer=nl.sbuf)
            s = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
            nisa.activation_reduce(dst=d, op=nl.square, data=t, reduce_op=nl.add,
                                   reduce_res=s)
            nl.store(out, s)
            return out
    return k, (a,), np.sum(a.astype(np.float64) ** 2, axis=1, keepdims=True), 1e-4


both("nisa.activation_reduce", _activation_reduce)


# ---- vector engine ---------------------------------------------------------------------------
def _tensor_scalar(gen):
    a = r(128, 64)
    k = k1(lambda t: oisa.tensor_scalar(t, onl.multiply, 3.0, op1=onl.add, operand1=1.0,
                                        engine=oisa.vector_engine),
           lambda d, t: nisa.tensor_scalar(d, t, nl.multiply, 3.0, op1=nl.add, operand1=1.0,
                                           engine=nisa.engine.vector), gen)
    return k, (a,), a * 3.0 + 1.0, 1e-6


both("nisa.tensor_scalar", _tensor_scalar)


def _tensor_copy(gen):
    a = r(128, 64)
    k = k1(lambda t: oisa.tensor_copy(t, engine=oisa.scalar_engine),
           lambda d, t: nisa.tensor_copy(dst=d, src=t, engine=nisa.engine.gpsimd), gen)
    return k, (a,), a, 0


both("nisa.tensor_copy", _tensor_copy)


def _reciprocal(gen):
    a = r(128, 64, lo=0.5, hi=3)
    k = k1(lambda t: oisa.reciprocal(t), lambda d, t: nisa.reciprocal(d, t), gen)
    return k, (a,), 1.0 / a, 1e-6


both("nisa.reciprocal", _reciprocal)


def _tensor_reduce(gen):
    a = r(128, 64)
    k = k1(lambda t: oisa.tensor_reduce(onl.maximum, t, axis=[1], keepdims=True),
           lambda d, t: nisa.tensor_reduce(d, nl.maximum, t, axis=[1], keepdims=True), gen,
           out_shape=(128, 1))
    return k, (a,), a.max(axis=1, keepdims=True), 0


both("nisa.tensor_reduce", _tensor_reduce)


def _tensor_partition_reduce(gen):
    a = r(128, 64)
    k = k1(lambda t: oisa.tensor_partition_reduce(onl.add, t),
           lambda d, t: nisa.tensor_partition_reduce(d, nl.add, t), gen, out_shape=(1, 64))
    return k, (a,), a.astype(np.float64).sum(axis=0, keepdims=True), 1e-4


both("nisa.tensor_partition_reduce", _tensor_partition_reduce)


def _memset(gen):
    a = r(128, 64)
    k = k1(lambda t: onl.add(t, oisa.memset((128, 64), 1.5, onl.float32)),
           lambda d, t: (nisa.memset(d, 1.5), nisa.tensor_tensor(d, d, t, nl.add)), gen)
    return k, (a,), a + 1.5, 1e-6


both("nisa.memset", _memset)


def _iota(gen):
    a = np.zeros((128, 64), np.float32)
    exp = np.arange(128)[:, None] * 2.0 + np.arange(64)[None, :] + 3.0
    if gen == "old":
        @onki.jit
        def k(x):
            out = onl.ndarray(x.shape, dtype=onl.float32, buffer=onl.shared_hbm)
            i_p, i_f = onl.arange(128)[:, None], onl.arange(64)[None, :]
            onl.store(out, oisa.iota(2 * i_p + i_f + 3, dtype=onl.float32))
            return out
    else:
        @nki.jit
        def k(x):
            out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
            d = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.sbuf)
            i_p, i_f = nl.arange(128)[:, None], nl.arange(64)[None, :]
            nisa.iota(d, 2 * i_p + i_f + 3)
            nl.store(out, d)
            return out
    return k, (a,), exp, 0


both("nisa.iota", _iota)


def _affine_select(gen):
    a = r(128, 128)
    exp = np.where(np.arange(128)[:, None] >= np.arange(128)[None, :], a, -9.0)
    if gen == "old":
        @onki.jit
        def k(x):
            out = onl.ndarray(x.shape, dtype=x.dtype, buffer=onl.shared_hbm)
            i_p, i_f = onl.arange(128)[:, None], onl.arange(128)[None, :]
            onl.store(out, oisa.affine_select(i_p - i_f >= 0, onl.load(x), -9.0))
            return out
    else:
        @nki.jit
        def k(x):
            out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
            d = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
            i_p, i_f = nl.arange(128)[:, None], nl.arange(128)[None, :]
            nisa.affine_select(d, i_p - i_f >= 0, nl.load(x), -9.0)
            nl.store(out, d)
            return out
    return k, (a,), exp, 0


both("nisa.affine_select", _affine_select)


def _tensor_tensor(gen):
    a = r(128, 64)
    k = k1(lambda t: oisa.tensor_tensor(t, t, onl.multiply, engine=oisa.gpsimd_engine),
           lambda d, t: nisa.tensor_tensor(d, t, t, nl.multiply, engine=nisa.engine.vector),
           gen)
    return k, (a,), a.astype(np.float64) ** 2, 1e-6


both("nisa.tensor_tensor", _tensor_tensor)


def _scalar_tensor_tensor(gen):
    a = r(128, 64)
    k = k1(lambda t: oisa.scalar_tensor_tensor(data=t, op0=onl.multiply, operand0=2.0,
                                               op1=onl.add, operand1=t),
           lambda d, t: nisa.scalar_tensor_tensor(dst=d, data=t, op0=nl.multiply,
                                                  operand0=2.0, op1=nl.add, operand1=t), gen)
    return k, (a,), 3.0 * a, 1e-6


both("nisa.scalar_tensor_tensor", _scalar_tensor_tensor)


def _tensor_scalar_reduce(gen):
    a = r(128, 64)
    if gen == "old":
        @onki.jit
        def k(x):
            out = onl.ndarray((128, 1), dtype=x.dtype, buffer=onl.shared_hbm)
            s = onl.ndarray((128, 1), dtype=onl.float32, buffer=onl.sbuf)
            oisa.tensor_scalar_reduce(data=onl.load(x), op0=onl.add, operand0=1.0,
                                      reduce_op=onl.add, reduce_res=s)
            onl.store(out, s)
            return out
    else:
        @nki.jit
        def k(x):
            out = nl.ndarray((128, 1), dtype=x.dtype, buffer=nl.shared_hbm)
            t = nl.load(x)
            d = nl.ndarray(t.shape, dtype=nl.float32, buffer=nl.sbuf)
            s = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_scalar_reduce(dst=d, data=t, op0=nl.add, operand0=1.0,
                                      reduce_op=nl.add, reduce_res=s)
            nl.store(out, s)
            return out
    return k, (a,), np.sum(a.astype(np.float64) + 1.0, axis=1, keepdims=True), 1e-4


both("nisa.tensor_scalar_reduce", _tensor_scalar_reduce)


def _tensor_tensor_scan(gen):
    a, b = r(128, 32, lo=0.5, hi=1.0), r(128, 32)
    exp = np.zeros((128, 32))
    prev = np.zeros(128)
    for j in range(32):
        prev = prev * a[:, j] + b[:, j]
        exp[:, j] = prev
    if gen == "old":
        @onki.jit
        def k(x, y):
            out = onl.ndarray(x.shape, dtype=x.dtype, buffer=onl.shared_hbm)
            onl.store(out, oisa.tensor_tensor_scan(onl.load(x), onl.load(y), initial=0.0,
                                                   op0=onl.multiply, op1=onl.add))
            return out
    else:
        @nki.jit
        def k(x, y):
            out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
            d = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
            nisa.tensor_tensor_scan(d, nl.load(x), nl.load(y), 0.0, nl.multiply, nl.add)
            nl.store(out, d)
            return out
    return k, (a, b), exp, 1e-4


both("nisa.tensor_tensor_scan", _tensor_tensor_scan)


def _bn(gen):
    a = r(128, 256)
    if gen == "old":
        @onki.jit
        def k(x):
            out = onl.ndarray((128, 2), dtype=onl.float32, buffer=onl.shared_hbm)
            st = oisa.bn_stats(onl.load(x))
            onl.store(out, oisa.bn_aggr(st))
            return out
    else:
        @nki.jit
        def k(x):
            out = nl.ndarray((128, 2), dtype=nl.float32, buffer=nl.shared_hbm)
            st = nl.ndarray((128, 6), dtype=nl.float32, buffer=nl.sbuf)
            ag = nl.ndarray((128, 2), dtype=nl.float32, buffer=nl.sbuf)
            nisa.bn_stats(st, nl.load(x))
            nisa.bn_aggr(ag, st)
            nl.store(out, ag)
            return out
    x = a.astype(np.float64)
    return k, (a,), np.stack([x.mean(axis=1), x.var(axis=1)], axis=1), 1e-4


for _g in ("old", "new"):
    case("nisa.bn_stats", "nisa.bn_aggr", gens=_g)(named(_bn, "bn_stats_aggr", _g))


def _max8(gen):
    a = r(128, 64)
    exp = -np.sort(-a, axis=1)[:, :8]
    k = k1(lambda t: oisa.max8(src=t), lambda d, t: nisa.max8(dst=d, src=t), gen,
           out_shape=(128, 8))
    return k, (a,), exp, 0


both("nisa.max8", _max8)


def _find_index8(gen):
    a = r(128, 64)
    idx = np.argsort(-a, axis=1, kind="stable")[:, :8]
    if gen == "old":
        @onki.jit
        def k(x):
            out = onl.ndarray((128, 8), dtype=onl.uint32, buffer=onl.shared_hbm)
            t = onl.load(x)
            onl.store(out, oisa.nc_find_index8(data=t, vals=oisa.max8(src=t)))
            return out
    else:
        @nki.jit
        def k(x):
            out = nl.ndarray((128, 8), dtype=nl.uint32, buffer=nl.shared_hbm)
            t = nl.load(x)
            m = nl.ndarray((128, 8), dtype=x.dtype, buffer=nl.sbuf)
            d = nl.ndarray((128, 8), dtype=nl.uint32, buffer=nl.sbuf)
            nisa.max8(dst=m, src=t)
            nisa.nc_find_index8(dst=d, data=t, vals=m)
            nl.store(out, d)
            return out
    return k, (a,), idx, 0


both("nisa.nc_find_index8", _find_index8)


def _match_replace8(gen):
    a = r(128, 64)
    exp = a.copy()
    top = np.argsort(-a, axis=1, kind="stable")[:, :8]
    np.put_along_axis(exp, top, -5.0, axis=1)
    if gen == "old":
        @onki.jit
        def k(x):
            out = onl.ndarray(x.shape, dtype=x.dtype, buffer=onl.shared_hbm)
            t = onl.load(x)
            onl.store(out, oisa.nc_match_replace8(data=t, vals=oisa.max8(src=t), imm=-5.0))
            return out
    else:
        @nki.jit
        def k(x):
            out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
            t = nl.load(x)
            m = nl.ndarray((128, 8), dtype=x.dtype, buffer=nl.sbuf)
            d = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
            nisa.max8(dst=m, src=t)
            nisa.nc_match_replace8(dst=d, data=t, vals=m, imm=-5.0)
            nl.store(out, d)
            return out
    return k, (a,), exp, 0


both("nisa.nc_match_replace8", _match_replace8)


def _range_select(gen):
    a = r(128, 64)
    lo, hi = r(128, 1, lo=0, hi=20), r(128, 1, lo=30, hi=60)
    j = np.arange(64)[None, :]
    exp = np.where((j >= lo) & (j < hi), a, -7.0)
    if gen == "old":
        @onki.jit
        def k(x, b0, b1):
            out = onl.ndarray(x.shape, dtype=x.dtype, buffer=onl.shared_hbm)
            onl.store(out, oisa.range_select(on_true_tile=onl.load(x),
                                             comp_op0=onl.greater_equal, comp_op1=onl.less,
                                             bound0=onl.load(b0), bound1=onl.load(b1),
                                             on_false_value=-7.0))
            return out
    else:
        @nki.jit
        def k(x, b0, b1):
            out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
            d = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
            nisa.range_select(dst=d, on_true_tile=nl.load(x), comp_op0=nl.greater_equal,
                              comp_op1=nl.less, bound0=nl.load(b0), bound1=nl.load(b1),
                              on_false_value=-7.0)
            nl.store(out, d)
            return out
    return k, (a, lo, hi), exp, 0


both("nisa.range_select", _range_select)


def _composed_activation(gen):
    """nisa.activation / activation_reduce with op = a composed nl activation function."""
    a, b = r(128, 64), r(128, 1)
    y = a.astype(np.float64) * 0.5 + b
    g = y / (1.0 + np.exp(-1.702 * y))
    if gen == "old":
        @onki.jit
        def k(x, bias):
            o1 = onl.ndarray(x.shape, dtype=x.dtype, buffer=onl.shared_hbm)
            o2 = onl.ndarray((128, 1), dtype=onl.float32, buffer=onl.shared_hbm)
            s = onl.ndarray((128, 1), dtype=onl.float32, buffer=onl.sbuf)
            t, bt = onl.load(x), onl.load(bias)
            onl.store(o1, oisa.activation(onl.gelu_apprx_sigmoid, t, bias=bt, scale=0.5))
            oisa.activation_reduce(onl.gelu_apprx_sigmoid, t, reduce_op=onl.add,
                                   reduce_res=s, bias=bt, scale=0.5)
            onl.store(o2, s)
            return o1, o2
    else:
        @nki.jit
        def k(x, bias):
            o1 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
            o2 = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
            d = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
            s = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
            nisa.activation(d, nl.gelu_apprx_sigmoid, nl.load(x), bias=nl.load(bias), scale=0.5,
                            reduce_op=nl.add, reduce_res=s)
            nl.store(o1, d)
            nl.store(o2, s)
            return o1, o2
    return k, (a, b), (g, g.sum(axis=1, keepdims=True)), 1e-4


for _g in ("old", "new"):
    case("nisa.activation", "nisa.activation_reduce", "nl.gelu_apprx_sigmoid", gens=_g)(
        named(_composed_activation, "composed_activation", _g))
