"""Conformance (SDK 2.21-2.26 `neuronxcc.nki`): runtime-addressed DMA, as MoE token routing uses
it: gathering rows by an index tile (nl.load(t[index_tile, i_f])), accumulating rows into HBM
(nl.atomic_rmw), and loads / stores at a runtime offset (nl.ds with a tile start)."""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(59)


@case("nl.load", "nl.arange", gens="old")
def load_gathers_rows_by_index_tile():
    table = RNG.uniform(-3, 3, (64, 32)).astype(np.float32)
    rows = RNG.integers(0, 64, (128, 1)).astype(np.int32)  # repeats included

    @nki.jit
    def k(t, ix):
        out = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        idx = nl.load(ix)
        i_f = nl.arange(32)[None, :]
        nl.store(out, nl.load(t[idx, i_f]))
        return out
    return k, (table, rows), table[rows[:, 0]].astype(np.float64), 0


@case("nl.atomic_rmw", gens="old")
def atomic_rmw_adds_rows_with_repeats():
    base = RNG.uniform(-1, 1, (32, 16)).astype(np.float32)
    val = RNG.uniform(-1, 1, (128, 16)).astype(np.float32)
    rows = RNG.integers(0, 32, (128, 1)).astype(np.int32)
    ref = base.astype(np.float64)
    np.add.at(ref, rows[:, 0], val.astype(np.float64))

    @nki.jit
    def k(b, v, ix):
        out = nl.ndarray((32, 16), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.load(b))
        idx = nl.load(ix)
        i_f = nl.arange(16)[None, :]
        nl.atomic_rmw(out[idx, i_f], value=nl.load(v), op=np.add)
        return out
    return k, (base, val, rows), ref, 1e-5


@case("nl.load", "nl.store", "nl.ds", gens="old")
def load_and_store_at_a_runtime_offset():
    x = RNG.uniform(-3, 3, (256, 48)).astype(np.float32)
    offs = np.array([[96, 20]], dtype=np.int32)
    ref = np.zeros((128, 64))
    ref[:, 20:20 + 24] = x[96:224, 8:32]

    @nki.jit
    def k(data, o):
        out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.zeros((128, 64), dtype=nl.float32))
        off = nl.load(o)
        rows = nl.load(data[nl.ds(off[0:1, 0:1], 128), 8:32])  # a runtime row window
        nl.store(out[:, nl.ds(off[0:1, 1:2], 24)], rows)        # a runtime column window
        return out
    return k, (x, offs), ref, 0
