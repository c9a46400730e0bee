"""Conformance: index expressions with several arange terms in one dimension (NKI programming
model, affine index expressions): pooling-style `x[i_p, 2 * i_f1 + i_f2]`, a strided
transpose `v[128 * i_b + i_p]`, stores through such views, from a 2-D tile and under a mask."""
import numpy as np

import nki
import nki.isa as nisa
import nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(53)


def data(*shape):
    return RNG.uniform(-2.0, 2.0, shape).astype(np.float32)


@case("nl.arange", "nl.load", "nl.max")
def pooling_two_terms():
    a = data(128, 64)

    @nki.jit
    def k(x):
        out = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        i_p = nl.arange(128)[:, None, None]
        i_f1 = nl.arange(32)[None, :, None]
        i_f2 = nl.arange(2)[None, None, :]
        window = nl.load(x[i_p, 2 * i_f1 + i_f2])
        nl.store(out, nl.max(window, axis=2))
        return out
    return k, (a,), a.astype(np.float64).reshape(128, 32, 2).max(axis=2), 0


@case("nl.arange", "nl.load")
def strided_transpose_from_vector():
    v = data(1024)

    @nki.jit
    def k(x):
        out = nl.ndarray((128, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.load(x[128 * nl.arange(8)[None, :] + nl.arange(128)[:, None]]))
        return out
    return k, (v,), v.reshape(8, 128).T, 0


@case("nl.mgrid", "nl.store", "nl.exp", gens="old")
def store_interleaved_from_2d_tile():
    a = data(128, 64)
    ref = np.exp(a.astype(np.float64)).reshape(128, 32, 2).transpose(0, 2, 1).reshape(128, 64)

    @nki.jit
    def k(x):
        out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        y = nl.exp(nl.load(x))
        i_p, i_f1, i_f2 = nl.mgrid[0:128, 0:32, 0:2]
        nl.store(out[i_p, i_f2 * 32 + i_f1], y)
        return out
    return k, (a,), ref, 1e-6


@case("nl.arange", "nl.store", "nl.load")
def masked_split_load():
    a = data(128, 64)
    ref = np.zeros((128, 32, 2))
    ref[:, :20, 0] = a.reshape(128, 32, 2)[:, :20, 0]

    @nki.jit
    def k(x):
        out = nl.ndarray((128, 32, 2), dtype=nl.float32, buffer=nl.shared_hbm)
        i_p = nl.arange(128)[:, None, None]
        i_f1 = nl.arange(32)[None, :, None]
        i_f2 = nl.arange(2)[None, None, :]
        t = nl.zeros((128, 32, 2), dtype=nl.float32)
        t[...] = nl.load(x[i_p, 2 * i_f1 + i_f2], mask=(i_f2 < 1) & (i_f1 < 20))
        nl.store(out, t)
        return out
    return k, (a,), ref, 0


@case("nisa.tensor_scalar", "nl.mgrid", gens="old")
def per_partition_operand_beside_split_view():
    a, b = data(128, 64), data(128, 1)

    @nki.jit
    def k(x, y):
        out = nl.ndarray((128, 32, 2), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.load(x)
        i_p, i_f1, i_f2 = nl.mgrid[0:128, 0:32, 0:2]
        nl.store(out, nisa.tensor_scalar(t[i_p, 2 * i_f1 + i_f2], nl.add, nl.load(y)))
        return out
    return k, (a, b), (a.astype(np.float64) + b).reshape(128, 32, 2), 1e-6
