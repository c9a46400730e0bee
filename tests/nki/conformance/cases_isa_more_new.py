"""Conformance (SDK 2.27+ `nki` only, dst-first positional calls): iota / affine_select with
access patterns, activation reduce registers, nc_stream_shuffle, select_reduce,
tensor_copy_predicated."""
import numpy as np

import nki
import nki.isa as nisa
import nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(31)
SHUFFLE = [(i * 5 + 3) % 32 for i in range(32)]
SHUFFLE[7] = 255


def r(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


@case("nisa.iota", "nisa.affine_select", gens="new")
def iota_affine_select_patterns():
    a = r(128, 64)
    vals = 5.0 + 2 * np.arange(128)[:, None] + 3 * np.arange(64)[None, :]
    causal = np.where(np.arange(128)[:, None] - np.arange(64)[None, :] >= 0, a, -1.0)

    @nki.jit
    def k(x):
        o1 = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
        nisa.iota(t, [[3, 64]], 5, channel_multiplier=2)
        nl.store(o1, t)
        s = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
        nisa.affine_select(s, pattern=[[-1, 64]], offset=0, channel_multiplier=1,
                           on_true_tile=nl.load(x), on_false_value=-1.0,
                           cmp_op=nl.greater_equal)
        nl.store(o2, s)
        return o1, o2
    return k, (a,), (vals, causal), 0


@case("nisa.activation", "nisa.reduce_cmd", gens="new")
def activation_reduce_registers():
    a, b = r(128, 64), r(128, 32)
    ref = np.exp(a.astype(np.float64)).sum(axis=1) + np.exp(b.astype(np.float64)).sum(axis=1)

    @nki.jit
    def k(x, y):
        out = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        ex = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
        ey = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
        s = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.activation(ey, nl.exp, nl.load(y), reduce_cmd=nisa.reduce_cmd.reset)
        nisa.activation(ex, nl.exp, nl.load(x), reduce_op=nl.add,
                        reduce_cmd=nisa.reduce_cmd.reset_reduce)
        nisa.activation(ey, nl.exp, nl.load(y), reduce_op=nl.add, reduce_res=s,
                        reduce_cmd=nisa.reduce_cmd.reduce)
        nl.store(out, s)
        return out
    return k, (a, b), ref[:, None], 1e-4


@case("nisa.nc_stream_shuffle", gens="new")
def stream_shuffle_new():
    a = r(64, 16)
    exp = np.zeros_like(a)
    for q in (0, 32):
        for i, m in enumerate(SHUFFLE):
            exp[q + i] = 0.0 if m == 255 else a[q + m]

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        d = nl.zeros(x.shape, dtype=x.dtype)
        nisa.nc_stream_shuffle(d, nl.load(x), SHUFFLE)
        nl.store(out, d)
        return out
    return k, (a,), exp, 0


@case("nisa.select_reduce", "nisa.tensor_copy_predicated", gens="new")
def select_and_predicated_copy_new():
    a, b, c = r(128, 64), r(128, 64), (r(128, 64) > 0).astype(np.float32)
    sel = np.where(c != 0, a, -3.0)

    @nki.jit
    def k(x, y, cond):
        o1 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        o2 = nl.ndarray((128, 1), dtype=x.dtype, buffer=nl.shared_hbm)
        o3 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        pred = nl.load(cond, dtype=nl.uint8)
        d = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
        m = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.select_reduce(d, pred, nl.load(x), -3.0, reduce_res=m)
        nl.store(o1, d)
        nl.store(o2, m)
        t = nl.load(y)
        nisa.tensor_copy_predicated(t, nl.load(x), pred, reverse_pred=True)
        nl.store(o3, t)
        return o1, o2, o3
    return k, (a, b, c), (sel, sel.max(axis=1, keepdims=True), np.where(c == 0, a, b)), 1e-6


@case("nisa.tensor_scalar_cumulative", gens="new")
def tensor_scalar_cumulative():
    a, b = r(128, 32), r(128, 16)
    x1 = a.astype(np.float64) * 2.0
    c1 = np.cumsum(x1, axis=1)
    c2 = c1[:, -1:] + np.cumsum(b.astype(np.float64) * 2.0, axis=1)   # continues the sum
    c3 = np.maximum.accumulate(np.maximum(a.astype(np.float64) + 1.0, 0.5), axis=1)

    @nki.jit
    def k(x, y):
        o1 = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.shared_hbm)
        o3 = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        d1 = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
        d2 = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.sbuf)
        d3 = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
        t = nl.load(x)
        nisa.tensor_scalar_cumulative(d1, t, nl.multiply, nl.add, 2.0,
                                      reduce_cmd=nisa.reduce_cmd.reset_reduce)
        nisa.tensor_scalar_cumulative(d2, nl.load(y), nl.multiply, nl.add, 2.0,
                                      reduce_cmd=nisa.reduce_cmd.reduce)
        nisa.tensor_scalar_cumulative(d3, t, nl.add, nl.maximum, 1.0, imm1=0.5,
                                      reduce_cmd=nisa.reduce_cmd.load_reduce)
        nl.store(o1, d1)
        nl.store(o2, d2)
        nl.store(o3, d3)
        return o1, o2, o3
    return k, (a, b), (c1, c2, c3), 1e-4


@case("nisa.exponential", gens="new")
def exponential_trn3():
    a, b = r(128, 64), r(128, 32)
    m = a.max(axis=1, keepdims=True)
    ea, eb = np.exp(a.astype(np.float64) - m), np.exp(b.astype(np.float64) - 1.5)
    total = ea.sum(axis=1, keepdims=True) + eb.sum(axis=1, keepdims=True)

    @nki.jit
    def k(x, y):
        o1 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.load(x)
        mx = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_reduce(mx, nl.maximum, t, axis=[1], keepdims=True)
        e = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.sbuf)
        nisa.exponential(e, t, max_value=mx, reduce_cmd=nisa.reduce_cmd.reset_reduce)
        f = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
        s = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.exponential(f, nl.load(y), max_value=1.5, reduce_res=s,
                         reduce_cmd=nisa.reduce_cmd.reduce)
        nl.store(o1, e)
        nl.store(o2, s)
        return o1, o2
    return k, (a, b), (ea, total), 1e-5, "trn3"


@case("nisa.tensor_scalar_reduce", "nisa.nc_match_replace8", "nisa.tensor_tensor_scan",
      gens="new")
def sdk230_keywords():
    """tensor_scalar_reduce reduce_cmd / reduce_init / reduce_res_negate, nc_match_replace8
    dst_idx, tensor_tensor_scan reverse flags of commutative operators."""
    a, b = r(128, 64), r(128, 16)
    s1 = (a.astype(np.float64) * 2).sum(axis=1, keepdims=True)
    s2 = -(s1 + 10.0 + (b.astype(np.float64) * 2).sum(axis=1, keepdims=True))
    top = np.argsort(-a, axis=1, kind="stable")[:, :8]
    scan = np.cumsum(b.astype(np.float64), axis=1) + 1.0

    @nki.jit
    def k(x, y):
        o1 = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        o3 = nl.ndarray((128, 8), dtype=nl.uint32, buffer=nl.shared_hbm)
        o4 = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.shared_hbm)
        t, u = nl.load(x), nl.load(y)
        d = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
        e = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.sbuf)
        s = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
        s_neg = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_scalar_reduce(d, t, nl.multiply, 2.0, nl.add, s)
        nisa.tensor_scalar_reduce(d, t, nl.multiply, 2.0, nl.add,
                                  reduce_cmd=nisa.reduce_cmd.load_reduce, reduce_init=10.0)
        nisa.tensor_scalar_reduce(e, u, nl.multiply, 2.0, nl.add, reduce_res=s_neg,
                                  reduce_cmd=nisa.reduce_cmd.reduce, reduce_res_negate=True)
        m = nl.ndarray((128, 8), dtype=nl.float32, buffer=nl.sbuf)
        idx = nl.ndarray((128, 8), dtype=nl.uint32, buffer=nl.sbuf)
        rep = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
        nisa.max8(m, t)
        nisa.nc_match_replace8(rep, t, m, -1.0, dst_idx=idx)
        sc = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.sbuf)
        ones = nl.ones((128, 16), dtype=nl.float32)
        nisa.tensor_tensor_scan(sc, ones, u, 1.0, nl.multiply, nl.add, reverse0=True,
                                reverse1=True)
        nl.store(o1, s)
        nl.store(o2, s_neg)
        nl.store(o3, idx)
        nl.store(o4, sc)
        return o1, o2, o3, o4
    return k, (a, b), (s1, s2, top, scan), 1e-4


@case("nisa.dma_compute", gens="new")
def dma_compute():
    a, b, c = r(128, 64), r(128, 64), r(128, 64)

    @nki.jit
    def k(x, y, z):
        o1 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        nisa.dma_compute(o1, [x, y, z], nl.add)                      # SDK 2.29 order
        t = nl.load(z)
        nisa.dma_compute(dst=o2, srcs=[x, t], scales=[1.0, 1.0], reduce_op=nl.add)
        return o1, o2
    return k, (a, b, c), (a.astype(np.float64) + b + c, a.astype(np.float64) + c), 1e-6
