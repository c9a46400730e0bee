"""Conformance: random numbers (nl.rand, nl.random_seed, nl.dropout, nisa.rng, rand2,
dropout, set_rng_seed, rand_set_state, rand_get_state) (SDK 2.27+ `nki`) against the numpy model
of trnsim's generator in random_model.py. Distribution properties: tests/nki/test_random.py."""
import numpy as np

import nki
import nki.isa as nisa
import nki.language as nl
from random_model import MASK, Model, hash23
from trnsim_nki.coverage import case

RNG = np.random.default_rng(43)


def data(*shape):
    return RNG.uniform(-2.0, 2.0, shape).astype(np.float32)


@case("nl.rand", "nl.random_seed", gens="new")
def rand_seeded_repeats():
    m = Model()
    m.seed(42)
    a = m.uniform((128, 4, 16))
    m.seed(42)
    b = m.uniform((128, 4, 16))
    c = m.uniform((64, 32))

    @nki.jit
    def k(x):
        oa = nl.ndarray((128, 4, 16), dtype=nl.float32, buffer=nl.shared_hbm)
        ob = nl.ndarray((128, 4, 16), dtype=nl.float32, buffer=nl.shared_hbm)
        oc = nl.ndarray((64, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        seed = nl.full((1, 1), 42, dtype=nl.int32, buffer=nl.sbuf)
        nl.random_seed(seed)
        nl.store(oa, nl.rand((128, 4, 16), dtype=nl.float32))
        nl.random_seed(seed)
        nl.store(ob, nl.rand((128, 4, 16), dtype=nl.float32))
        nl.store(oc, nl.rand((64, 32)))
        return oa, ob, oc
    return k, (data(1, 1),), (a, b, c), 0


@case("nl.dropout", gens="new")
def dropout_rate_tile():
    m = Model()
    keep = m.uniform((128, 64)) >= 0.5
    x = data(128, 64)

    @nki.jit
    def k(t, rate):
        out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.dropout(nl.load(t), nl.load(rate)))
        return out
    return k, (x, np.full((1, 1), 0.5, np.float32)), np.where(keep, x, 0.0), 0


@case("nisa.dropout", "nisa.set_rng_seed", gens="new")
def isa_dropout_new_seeded():
    m = Model()
    m.seed(1234)
    keep = m.uniform((128, 32)) >= 0.1
    x = data(128, 32)

    @nki.jit
    def k(t, s):
        out = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        nisa.set_rng_seed(nl.load(s))
        d = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dropout(d, nl.load(t), 0.1)
        nl.store(out, d)
        return out
    return k, (x, np.full((1, 1), 1234, np.int32)), np.where(keep, x, 0.0), 0


@case("nisa.rng", gens="new")
def rng_integer_low_bits():
    m = Model()
    b16 = m.bits((128, 16)) & 0xFFFF
    b8 = m.bits((128, 16)) & 0xFF
    s8 = np.where(b8 >= 128, b8 - 256, b8)
    b32 = m.bits((128, 16))

    @nki.jit
    def k(x):
        o16 = nl.ndarray((128, 16), dtype=nl.uint16, buffer=nl.shared_hbm)
        o8 = nl.ndarray((128, 16), dtype=nl.int8, buffer=nl.shared_hbm)
        o32 = nl.ndarray((128, 16), dtype=nl.uint32, buffer=nl.shared_hbm)
        t16 = nl.ndarray((128, 16), dtype=nl.uint16, buffer=nl.sbuf)
        nisa.rng(t16)
        nl.store(o16, t16)
        t8 = nl.ndarray((128, 16), dtype=nl.int8, buffer=nl.sbuf)
        nisa.rng(dst=t8, engine=nisa.vector_engine)
        nl.store(o8, t8)
        t32 = nl.ndarray((128, 16), dtype=nl.uint32, buffer=nl.sbuf)
        nisa.rng(t32)
        nl.store(o32, t32)
        return o16, o8, o32
    return k, (data(1, 1),), (b16, s8, b32), 0


@case("nisa.rng", "nisa.rand_set_state", "nisa.rand_get_state", gens="new")
def rng_gpsimd_state_round_trip():
    gp = Model()
    vec = Model()
    seeds = RNG.integers(0, 1 << 20, (128, 6)).astype(np.uint32)
    gp.c = seeds[:, 0].astype(np.int64) & MASK
    rest = np.bitwise_xor.reduce(seeds[:, 2:].astype(np.int64), axis=1) & MASK
    gp.k = (seeds[:, 1].astype(np.int64) ^ hash23(rest)) & MASK
    first = gp.bits((128, 8)) & 0xFFFF
    state = np.zeros((128, 6), np.int64)
    state[:, 0], state[:, 1] = gp.c, gp.k
    second = gp.bits((128, 8)) & 0xFFFF
    vec_bits = vec.bits((128, 8)) & 0xFFFF  # the vector engine's stream is its own

    @nki.jit
    def k(s):
        o1 = nl.ndarray((128, 8), dtype=nl.uint16, buffer=nl.shared_hbm)
        o2 = nl.ndarray((128, 8), dtype=nl.uint16, buffer=nl.shared_hbm)
        o3 = nl.ndarray((128, 8), dtype=nl.uint16, buffer=nl.shared_hbm)
        os_ = nl.ndarray((128, 6), dtype=nl.uint32, buffer=nl.shared_hbm)
        nisa.rand_set_state(nl.load(s), engine=nisa.gpsimd_engine)
        t = nl.ndarray((128, 8), dtype=nl.uint16, buffer=nl.sbuf)
        nisa.rng(t, engine=nisa.gpsimd_engine)
        nl.store(o1, t)
        saved = nl.ndarray((128, 6), dtype=nl.uint32, buffer=nl.sbuf)
        nisa.rand_get_state(saved, engine=nisa.gpsimd_engine)
        nl.store(os_, saved)
        t2 = nl.ndarray((128, 8), dtype=nl.uint16, buffer=nl.sbuf)
        nisa.rng(t2, engine=nisa.gpsimd_engine)
        nisa.rand_set_state(saved, engine=nisa.gpsimd_engine)
        nisa.rng(t2, engine=nisa.gpsimd_engine)  # the same values again
        nl.store(o2, t2)
        t3 = nl.ndarray((128, 8), dtype=nl.uint16, buffer=nl.sbuf)
        nisa.rng(t3, engine=nisa.vector_engine)
        nl.store(o3, t3)
        return o1, o2, o3, os_
    return k, (seeds,), (first, second, vec_bits, state), 0


@case("nisa.rand2", gens="new")
def rand2_scalar_and_tile_bounds():
    m = Model()
    lo = data(128, 1)
    hi = lo + np.float32(3.0)
    a = -1.0 + m.uniform((128, 32)) * 3.0
    b = lo + m.uniform((128, 32)) * (hi.astype(np.float64) - lo)

    @nki.jit
    def k(lo_t, hi_t):
        oa = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        ob = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
        nisa.rand2(t, -1.0, 2.0)
        nl.store(oa, t)
        t2 = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
        nisa.rand2(t2, min=nl.load(lo_t), max=nl.load(hi_t))
        nl.store(ob, t2)
        return oa, ob
    return k, (lo, hi), (a, b), 1e-6
