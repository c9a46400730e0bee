"""Conformance: random numbers in SDK 2.21-2.26 (`neuronxcc.nki`): nl.rand, nl.random_seed with
an integer, nl.dropout, nisa.dropout(data, prob) against the numpy model in random_model.py."""
import numpy as np

import neuronxcc.nki as onki
import neuronxcc.nki.isa as onisa
import neuronxcc.nki.language as onl
from random_model import Model
from trnsim_nki.coverage import case

RNG = np.random.default_rng(47)


def data(*shape):
    return RNG.uniform(-2.0, 2.0, shape).astype(np.float32)


@case("nl.rand", "nl.random_seed", "nl.dropout", gens="old")
def rand_and_dropout_old():
    m = Model()
    u = m.uniform((128, 64))
    m.seed(7)
    keep = m.uniform((128, 64)) >= 0.25
    x = data(128, 64)

    @onki.jit
    def k(t):
        o1 = onl.ndarray((128, 64), dtype=onl.float32, buffer=onl.shared_hbm)
        o2 = onl.ndarray((128, 64), dtype=onl.float32, buffer=onl.shared_hbm)
        onl.store(o1, onl.rand((128, 64), dtype=onl.float32))  # never seeded: seed 0
        onl.random_seed(7)
        onl.store(o2, onl.dropout(onl.load(t), 0.25))
        return o1, o2
    return k, (x,), (u, np.where(keep, x, 0.0)), 0


@case("nisa.dropout", gens="old")
def isa_dropout_old():
    m = Model()
    prob = np.linspace(0.0, 1.0, 128, dtype=np.float32)[:, None]
    keep = m.uniform((128, 32)) >= prob
    x = data(128, 32)

    @onki.jit
    def k(t, p):
        out = onl.ndarray((128, 32), dtype=onl.float32, buffer=onl.shared_hbm)
        onl.store(out, onisa.dropout(onl.load(t), onl.load(p)))
        return out
    return k, (x, prob), np.where(keep, x, 0.0), 0
