"""Conformance (SDK 2.21-2.26 `neuronxcc.nki` only, where positional argument order differs
from SDK 2.27+): nc_stream_shuffle(src, dst, ...), tensor_copy_predicated, select_reduce,
activation reduce registers."""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(37)
SHUFFLE = [31 - i for i in range(32)]


def r(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


@case("nisa.nc_stream_shuffle", gens="old")
def stream_shuffle_old():
    a = r(128, 8)
    exp = np.concatenate([a[q:q + 32][::-1] for q in range(0, 128, 32)])

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        t = nl.load(x)
        nisa.nc_stream_shuffle(t, t, SHUFFLE)  # in place
        nl.store(out, t)
        return out
    return k, (a,), exp, 0


@case("nisa.select_reduce", "nisa.tensor_copy_predicated", gens="old")
def select_and_predicated_copy_old():
    a, b, c = r(128, 64), r(128, 64), (r(128, 64) > 0).astype(np.float32)
    f = r(128, 1)
    sel = np.where(c == 0, a, f)

    @nki.jit
    def k(x, y, cond, fill):
        o1 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        o2 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        pred = nl.load(cond, dtype=nl.uint8)
        d = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
        nisa.select_reduce(dst=d, predicate=pred, on_true=nl.load(x), on_false=nl.load(fill),
                           reverse_pred=True)
        nl.store(o1, d)
        t = nl.load(y)
        nisa.tensor_copy_predicated(nl.load(x), t, pred)
        nl.store(o2, t)
        return o1, o2
    return k, (a, b, c, f), (sel, np.where(c != 0, a, b)), 1e-6


@case("nisa.activation", "nisa.reduce_cmd", gens="old")
def activation_reduce_registers_old():
    a = r(128, 64)
    ref = 2 * np.tanh(a.astype(np.float64)).sum(axis=1, keepdims=True)

    @nki.jit
    def k(x):
        out = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        s = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
        t = nl.load(x)
        nisa.activation(nl.tanh, t, reduce_op=nl.add, reduce_cmd=nisa.reduce_cmd.reset_reduce)
        nisa.activation(nl.tanh, t, reduce_op=nl.add, reduce_res=s,
                        reduce_cmd=nisa.reduce_cmd.reduce)
        nl.store(out, s)
        return out
    return k, (a,), ref, 1e-4
