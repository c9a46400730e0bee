"""Conformance: the two NeuronCores of an LNC=2 pair talking to each other in one two-core run:
nl.all_reduce over the nl.nc axis (SDK 2.21-2.26), nisa.sendrecv and nisa.core_barrier
(SDK 2.27+)."""
import numpy as np

import neuronxcc.nki as nki_old
import neuronxcc.nki.language as nl_old
import nki
import nki.isa as nisa
import nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(47)


def r(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@case("nl.all_reduce", "nl.nc", gens="old")
def all_reduce_adds_the_two_cores_tiles():
    a = r(256, 64)

    @nki_old.jit
    def k(x):
        out = nl_old.ndarray(x.shape, dtype=x.dtype, buffer=nl_old.shared_hbm)
        i = nl_old.program_id(0)
        t = nl_old.load(x[i * 128:(i + 1) * 128, :])
        s = nl_old.all_reduce(t, op=np.add, program_axes=0)
        nl_old.store(out[i * 128:(i + 1) * 128, :], s)
        return out
    total = a[:128].astype(np.float64) + a[128:]
    return k[nl_old.nc(2)], (a,), np.concatenate([total, total]), 1e-6


@case("nl.all_reduce", "nl.nc", gens="old")
def all_reduce_maximum_with_a_dtype_and_a_second_grid_axis():
    a = r(512, 32)

    @nki_old.jit
    def k(x):
        out = nl_old.ndarray(x.shape, dtype=nl_old.bfloat16, buffer=nl_old.shared_hbm)
        blk = nl_old.program_id(0) * 2 + nl_old.program_id(1)
        t = nl_old.load(x[blk * 128:(blk + 1) * 128, :])
        m = nl_old.all_reduce(t, op=np.maximum, program_axes=(0,), dtype=nl_old.bfloat16)
        nl_old.store(out[blk * 128:(blk + 1) * 128, :], m)
        return out
    # program (c, j) holds rows 2c + j; the pair (0, j), (1, j) reduces blocks j and 2 + j
    blocks = a.reshape(4, 128, 32).astype(np.float64)
    top = [np.maximum(blocks[j], blocks[2 + j]) for j in range(2)]
    return k[nl_old.nc(2), 2], (a,), np.concatenate(top + top), 1e-2


@case("nisa.sendrecv", gens="new")
def sendrecv_exchanges_the_cores_tiles():
    a = r(256, 48)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        i = nl.program_id(0)
        mine = nl.ndarray((128, 48), dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(mine, x[i * 128:(i + 1) * 128, :])
        theirs = nl.ndarray((128, 48), dtype=x.dtype, buffer=nl.sbuf)
        nisa.sendrecv(src=mine, dst=theirs, send_to_rank=1 - i, recv_from_rank=1 - i,
                      pipe_id=0)
        nisa.dma_copy(out[i * 128:(i + 1) * 128, :], theirs)
        return out
    return k[nl.nc(2)], (a,), np.concatenate([a[128:], a[:128]]), 0


@case("nisa.core_barrier", gens="new")
def core_barrier_publishes_each_cores_half():
    a = r(256, 40)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        mid = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        i = nl.program_id(0)
        t = nl.ndarray((128, 40), dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(t, x[i * 128:(i + 1) * 128, :])
        nisa.dma_copy(mid[i * 128:(i + 1) * 128, :], t)
        nisa.core_barrier(mid, (0, 1))
        o = nl.ndarray((128, 40), dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(o, mid[(1 - i) * 128:(2 - i) * 128, :])
        s = nl.ndarray((128, 40), dtype=x.dtype, buffer=nl.sbuf)
        nisa.tensor_tensor(s, t, o, nl.add)
        nisa.dma_copy(out[i * 128:(i + 1) * 128, :], s)
        return out
    total = a[:128].astype(np.float64) + a[128:]
    return k[nl.nc(2)], (a,), np.concatenate([total, total]), 1e-6
