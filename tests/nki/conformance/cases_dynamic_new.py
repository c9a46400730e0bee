"""Conformance (SDK 2.27+ `nki`): nisa.nc_n_gather, the per-partition gather by an index tile
(expert / token gathers within SBUF)."""
import numpy as np

import nki
import nki.isa as nisa
import nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(47)


@case("nisa.nc_n_gather", gens="new")
def n_gather_flattens_free_dims():
    data = RNG.uniform(-3, 3, (128, 4, 32)).astype(np.float32)
    idx = RNG.integers(0, 128, (128, 600)).astype(np.uint32)  # two groups of 512
    ref = np.take_along_axis(data.reshape(128, 128), idx.astype(np.int64), axis=1)

    @nki.jit
    def k(x, ix):
        out = nl.ndarray((128, 600), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.ndarray((128, 4, 32), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=x)
        it = nl.ndarray((128, 600), dtype=nl.uint32, buffer=nl.sbuf)
        nisa.dma_copy(dst=it, src=ix)
        g = nl.ndarray((128, 600), dtype=nl.float32, buffer=nl.sbuf)
        nisa.nc_n_gather(g, t, it)
        nisa.dma_copy(dst=out, src=g)
        return out
    return k, (data, idx), ref.astype(np.float64), 0


@case("nisa.nc_n_gather", gens="new")
def n_gather_keywords_bf16():
    data = RNG.uniform(-3, 3, (64, 50)).astype(np.float32)
    idx = RNG.integers(0, 50, (64, 8)).astype(np.uint32)
    bits = data.view(np.uint32)
    bf = ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).view(np.float32)
    ref = np.take_along_axis(bf, idx.astype(np.int64), axis=1)

    @nki.jit
    def k(x, ix):
        out = nl.ndarray((64, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.ndarray((64, 50), dtype=nl.bfloat16, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=x)
        it = nl.ndarray((64, 8), dtype=nl.uint32, buffer=nl.sbuf)
        nisa.dma_copy(dst=it, src=ix)
        g = nl.ndarray((64, 8), dtype=nl.bfloat16, buffer=nl.sbuf)
        nisa.nc_n_gather(dst=g, data=t, indices=it, name="gather")
        nisa.dma_copy(dst=out, src=g)
        return out
    return k, (data, idx), ref.astype(np.float64), 0


@case("nisa.register_alloc", "nisa.register_move", "nisa.register_load",
      "nisa.register_store", "nisa.tensor_copy_dynamic_src", gens="new")
def registers_drive_a_runtime_window():
    x = RNG.uniform(-3, 3, (128, 64)).astype(np.float32)
    off = np.array([[37]], dtype=np.int32)

    @nki.jit
    def k(data, offs):
        out = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.shared_hbm)
        kept = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.shared_hbm)
        t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=data)
        start = nisa.register_alloc()
        nisa.register_load(start, offs)  # straight from HBM
        three = nisa.register_alloc(3)
        copy = nisa.register_alloc()
        nisa.register_move(copy, three)
        nisa.register_move(three, 11)
        w = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy_dynamic_src(w, t[:, nl.ds(start, 16)])
        nisa.dma_copy(dst=out, src=w)
        nisa.register_store(kept, copy)
        return out, kept
    return k, (x, off), (x[:, 37:53].astype(np.float64), np.array([[3.0]])), 0


@case("nisa.nonzero_with_count", gens="new")
def nonzero_with_count_per_core():
    src = RNG.uniform(-1, 1, (128, 40)).astype(np.float32)
    src[np.abs(src) < 0.6] = 0.0
    src[32] = 0.0
    ref = np.full((128, 41), 5.0)
    for p in range(0, 128, 16):
        nz = np.nonzero(src[p])[0]
        ref[p, :40] = -7.0
        ref[p, :len(nz)] = nz + 1000
        ref[p, 40] = len(nz)

    @nki.jit
    def k(x):
        out = nl.ndarray((128, 41), dtype=nl.int32, buffer=nl.shared_hbm)
        t = nl.ndarray((128, 40), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=x)
        d = nl.ndarray((128, 41), dtype=nl.int32, buffer=nl.sbuf)
        nisa.memset(d, 5)
        nisa.nonzero_with_count(d, t, index_offset=1000, padding_val=-7)
        nisa.dma_copy(dst=out, src=d)
        return out
    return k, (src,), ref, 0


@case("nisa.dma_copy", "nisa.register_alloc", "nisa.register_load", "nisa.oob_mode",
      gens="new")
def dma_copy_runtime_rows_and_scatter_add():
    table = RNG.uniform(-3, 3, (40, 24)).astype(np.float32)
    rows = np.array([[3], [39], [40], [7]] * 16, dtype=np.int32)  # 40 is out of range
    start = np.array([[10]], dtype=np.int32)
    gathered = np.full((64, 24), -5.0)
    ok = rows[:, 0] < 40
    gathered[ok] = table[rows[ok, 0]]
    acc = np.zeros((40, 24))
    np.add.at(acc, rows[ok, 0], np.ones((int(ok.sum()), 24)))

    @nki.jit
    def k(t, ix, s):
        out = nl.ndarray((64, 24), dtype=nl.float32, buffer=nl.shared_hbm)
        win = nl.ndarray((16, 24), dtype=nl.float32, buffer=nl.shared_hbm)
        sums = nl.ndarray((40, 24), dtype=nl.float32, buffer=nl.shared_hbm)
        idx = nl.ndarray((64, 1), dtype=nl.int32, buffer=nl.sbuf)
        nisa.dma_copy(dst=idx, src=ix)
        g = nl.ndarray((64, 24), dtype=nl.float32, buffer=nl.sbuf)
        nisa.memset(g, -5.0)
        nisa.dma_copy(dst=g, src=t[idx, :], oob_mode=nisa.oob_mode.skip)
        nisa.dma_copy(dst=out, src=g)
        reg = nisa.register_alloc()
        nisa.register_load(reg, s)
        w = nl.ndarray((16, 24), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=w, src=t[nl.ds(reg, 16), :])
        nisa.dma_copy(dst=win, src=w)
        z = nl.ndarray((40, 24), dtype=nl.float32, buffer=nl.sbuf)
        nisa.memset(z, 0.0)
        nisa.dma_copy(dst=sums, src=z)
        one = nl.ndarray((64, 24), dtype=nl.float32, buffer=nl.sbuf)
        nisa.memset(one, 1.0)
        nisa.dma_copy(dst=sums[idx, :], src=one, dst_rmw_op=nl.add, oob_mode=nisa.oob_mode.skip)
        return out, win, sums
    return k, (table, rows, start), (gathered, table[10:26].astype(np.float64), acc), 1e-6
