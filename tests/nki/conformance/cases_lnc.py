"""Conformance: kernels launched on the two NeuronCores of an LNC=2 pair (nl.nc,
nl.spmd_dim), each program picking its share of the work with nl.program_id."""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(11)


def r(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@case("nl.nc", "nl.program_id", "nl.num_programs", gens="old")
def two_cores_share_rows():
    a = r(256, 64)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        i = nl.program_id(0)
        rows = x.shape[0] // nl.num_programs(0)
        t = nl.load(x[i * rows:(i + 1) * rows, :])
        nl.store(out[i * rows:(i + 1) * rows, :], nl.multiply(t, 2.0))
        return out
    return k[nl.nc(2)], (a,), 2 * a, 1e-6


@case("nl.nc", "nl.program_id", gens="old")
def core_dim_with_a_second_grid_dim():
    a = r(512, 32)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        blk = nl.program_id(0) * 2 + nl.program_id(1)
        t = nl.load(x[blk * 128:(blk + 1) * 128, :])
        nl.store(out[blk * 128:(blk + 1) * 128, :], nl.add(t, float(1)))
        return out
    return k[nl.nc(2), 2], (a,), a + 1, 1e-6


@case("nl.spmd_dim", "nl.nc", "nl.program_id", gens="old")
def spmd_dim_over_two_cores():
    a = r(512, 48)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        i = nl.program_id(0)
        t = nl.load(x[i * 128:(i + 1) * 128, :])
        nl.store(out[i * 128:(i + 1) * 128, :], nl.exp(t))
        return out
    return k[nl.spmd_dim(nl.nc(2), 2)], (a,), np.exp(a), 1e-5
