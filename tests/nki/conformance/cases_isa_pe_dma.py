"""Conformance: nki.isa tensor-engine and DMA instructions, engine enums and the nc_transpose
rules, in both API generations: SDK 2.21-2.26 calls return their
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

RNG = np.random.default_rng(98)


def r(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


# ---- tensor engine ---------------------------------------------------------------------------
def _nc_matmul(gen):
    a, b = r(128, 96), r(128, 200)
    if gen == "old":
        @onki.jit
        def k(x, y):
            out = onl.ndarray((96, 200), dtype=onl.float32, buffer=onl.shared_hbm)
            p = oisa.nc_matmul(onl.load(x), onl.load(y))
            onl.store(out, onl.copy(p))
            return out
    else:
        @nki.jit
        def k(x, y):
            out = nl.ndarray((96, 200), dtype=nl.float32, buffer=nl.shared_hbm)
            p = nl.ndarray((96, 200), dtype=nl.float32, buffer=nl.psum)
            nisa.nc_matmul(p, nl.load(x), nl.load(y))
            s = nl.ndarray((96, 200), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_copy(dst=s, src=p, dtype=nl.float32)
            nl.store(out, s)
            return out
    return k, (a, b), a.T.astype(np.float64) @ b, 1e-3


both("nisa.nc_matmul", _nc_matmul)


def _pe_transpose(gen):
    a = r(128, 64)
    if gen == "old":
        @onki.jit
        def k(x):
            out = onl.ndarray((64, 128), dtype=onl.float32, buffer=onl.shared_hbm)
            eye = onl.shared_identity_matrix(n=128, dtype=onl.float32)
            p = oisa.nc_matmul(onl.load(x), eye, is_transpose=True, is_moving_onezero=True)
            onl.store(out, onl.copy(p))
            return out
    else:
        @nki.jit
        def k(x):
            out = nl.ndarray((64, 128), dtype=nl.float32, buffer=nl.shared_hbm)
            eye = nl.shared_identity_matrix(n=128, dtype=nl.float32)
            p = nl.ndarray((64, 128), dtype=nl.float32, buffer=nl.psum)
            nisa.nc_matmul(dst=p, stationary=nl.load(x), moving=eye, is_transpose=True)
            s = nl.ndarray((64, 128), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_copy(s, p)
            nl.store(out, s)
            return out
    return k, (a,), a.T, 0


for _g in ("old", "new"):
    case("nisa.nc_matmul", gens=_g)(named(_pe_transpose, "pe_transpose", _g))


def _nc_transpose(gen):
    a = r(32, 32)
    k = k1(lambda t: oisa.nc_transpose(t, engine=oisa.vector_engine),
           lambda d, t: nisa.nc_transpose(d, t, engine=nisa.engine.vector), gen)
    return k, (a,), a.T, 0


both("nisa.nc_transpose", _nc_transpose)


# ---- DMA -------------------------------------------------------------------------------------
def _dma_copy(gen):
    a = r(128, 64)
    if gen == "old":
        @onki.jit
        def k(x):
            out = onl.ndarray(x.shape, dtype=x.dtype, buffer=onl.shared_hbm)
            t = onl.ndarray(x.shape, dtype=x.dtype, buffer=onl.sbuf)
            oisa.dma_copy(dst=t, src=x)
            oisa.dma_copy(dst=out, src=t)
            return out
    else:
        @nki.jit
        def k(x):
            out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
            t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
            nisa.dma_copy(dst=t, src=x, dge_mode=nisa.dge_mode.unknown)
            nisa.dma_copy(out, t)
            nisa.dma_copy(dst=out, src=t, dst_rmw_op=nl.add)  # out = 2 x
            return out
    return k, (a,), a * (1.0 if gen == "old" else 2.0), 1e-6


both("nisa.dma_copy", _dma_copy)


def _dma_transpose(gen):
    a = r(64, 128)
    if gen == "old":
        @onki.jit
        def k(x):
            out = onl.ndarray((128, 64), dtype=x.dtype, buffer=onl.shared_hbm)
            onl.store(out, oisa.dma_transpose(x))
            return out
    else:
        @nki.jit
        def k(x):
            out = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.shared_hbm)
            d = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.sbuf)
            nisa.dma_transpose(d, x)
            nl.store(out, d)
            return out
    return k, (a,), a.T, 0


both("nisa.dma_transpose", _dma_transpose)


# ---- enums and target ------------------------------------------------------------------------
@case("nisa.engine", "nisa.tensor_engine", "nisa.vector_engine", "nisa.scalar_engine",
      "nisa.gpsimd_engine", "nisa.unknown_engine", "nisa.dma_engine", gens="old")
def engines_old():
    a = r(128, 64)

    @onki.jit
    def k(x):
        out = onl.ndarray(x.shape, dtype=x.dtype, buffer=onl.shared_hbm)
        t = onl.load(x)
        for e in (oisa.vector_engine, oisa.scalar_engine, oisa.gpsimd_engine,
                  oisa.unknown_engine):
            t = oisa.tensor_scalar(t, onl.add, 1.0, engine=e)
        t = oisa.tensor_copy(t, engine=oisa.dma_engine)
        p = onl.copy(oisa.nc_transpose(t, engine=oisa.tensor_engine))
        onl.store(out, onl.copy(oisa.nc_transpose(p)))
        return out
    return k, (a,), a + 4.0, 1e-6


@case("nisa.engine", "nisa.reduce_cmd", "nisa.dge_mode", "nisa.oob_mode",
      "nisa.matmul_perf_mode", "nisa.dma_engine", "nisa.nc_version", "nisa.get_nc_version",
      gens="new")
def enums_new():
    a = r(128, 64)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        t = nl.load(x)
        d = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
        nisa.tensor_scalar(d, t, nl.add, 1.0, engine=nisa.engine.scalar)
        nisa.activation(d, nl.copy, d, reduce_cmd=nisa.reduce_cmd.idle)
        nisa.dma_copy(dst=out, src=d, dge_mode=nisa.dge_mode.unknown,
                      oob_mode=nisa.oob_mode.error)
        nisa.dma_copy(dst=out, src=d, dst_rmw_op=nl.add)
        assert nisa.get_nc_version() >= nisa.nc_version.gen2
        assert nisa.matmul_perf_mode.none is None and nisa.dma_engine is not None
        return out
    return k, (a,), 2 * (a + 1.0), 1e-6


@case("nisa.nc_version", "nisa.get_nc_version", "nisa.reduce_cmd", "nisa.dge_mode",
      gens="old")
def enums_old():
    a = r(128, 64)

    @onki.jit
    def k(x):
        out = onl.ndarray(x.shape, dtype=x.dtype, buffer=onl.shared_hbm)
        t = oisa.activation(onl.copy, onl.load(x), reduce_cmd=oisa.reduce_cmd.idle)
        oisa.dma_copy(dst=out, src=t, dge_mode=oisa.dge_mode.unknown)
        assert oisa.get_nc_version() in (oisa.nc_version.gen2, oisa.nc_version.gen3,
                                         oisa.nc_version.gen4)
        return out
    return k, (a,), a, 0


@case("nisa.nc_transpose", gens="old")
def nc_transpose_flattens_free_axes():
    a = r(32, 4, 8)

    @onki.jit
    def k(x):
        out = onl.ndarray((32, 32), dtype=x.dtype, buffer=onl.shared_hbm)
        onl.store(out, oisa.nc_transpose(onl.load(x), engine=oisa.vector_engine))
        return out
    return k, (a,), a.reshape(32, 32).T, 0


@case("nisa.nc_transpose", gens="new")
def nc_transpose_keeps_dtype():
    a = r(128, 96)

    @nki.jit
    def k(x):
        out = nl.ndarray((96, 128), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.load(x, dtype=nl.bfloat16)
        p = nl.ndarray((96, 128), dtype=nl.bfloat16, buffer=nl.psum)
        nisa.nc_transpose(p, t, engine=nisa.engine.tensor)
        nl.store(out, nl.copy(p, dtype=nl.float32))
        return out
    u = a.view(np.uint32).astype(np.uint64)
    bf = ((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000).astype(np.uint32).view(np.float32)
    return k, (a,), bf.T, 0
