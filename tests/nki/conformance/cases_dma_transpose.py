"""Conformance: nisa.dma_transpose of 3-D and 4-D sources, both API generations, with the
reference's permutations (2, 1, 0) and (3, 1, 2, 0) (2-D transposes: cases_isa_pe_dma.py)."""
import numpy as np

import neuronxcc.nki as onki
import neuronxcc.nki.isa as oisa
import neuronxcc.nki.language as onl
import nki
import nki.isa as nisa
import nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(63)


@case("nisa.dma_transpose", gens="old")
def dma_transpose_3d_result():
    a = RNG.uniform(-4, 4, (32, 3, 64)).astype(np.float32)

    @onki.jit
    def k(x):
        out = onl.ndarray((64, 3, 32), dtype=onl.float32, buffer=onl.shared_hbm)
        onl.store(out, oisa.dma_transpose(x, axes=(2, 1, 0)))
        return out
    return k, (a,), np.transpose(a, (2, 1, 0)).astype(np.float64), 0


@case("nisa.dma_transpose", gens="old")
def dma_transpose_4d_from_sbuf_bf16():
    a = RNG.uniform(-4, 4, (16, 2, 3, 48)).astype(np.float32)
    bits = a.view(np.uint32)
    a_bf16 = ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).view(np.float32)

    @onki.jit
    def k(x):
        out = onl.ndarray((48, 2, 3, 16), dtype=onl.float32, buffer=onl.shared_hbm)
        t = onl.load(x, dtype=onl.bfloat16)
        onl.store(out, onl.copy(oisa.dma_transpose(t), dtype=onl.float32))
        return out
    return k, (a,), np.transpose(a_bf16, (3, 1, 2, 0)).astype(np.float64), 0


@case("nisa.dma_transpose", gens="new")
def dma_transpose_3d_dst_first():
    a = RNG.uniform(-4, 4, (40, 5, 24)).astype(np.float32)

    @nki.jit
    def k(x):
        out = nl.ndarray((24, 5, 40), dtype=nl.float32, buffer=nl.shared_hbm)
        d = nl.ndarray((24, 5, 40), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_transpose(d, x)
        nisa.dma_copy(dst=out, src=d)
        return out
    return k, (a,), np.transpose(a, (2, 1, 0)).astype(np.float64), 0


@case("nisa.dma_transpose", gens="new")
def dma_transpose_4d_keywords():
    a = RNG.uniform(-4, 4, (8, 3, 2, 64)).astype(np.float32)

    @nki.jit
    def k(x):
        out = nl.ndarray((64, 3, 2, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        d = nl.ndarray((64, 3, 2, 8), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_transpose(dst=d, src=x, axes=(3, 1, 2, 0), name="t4")
        nisa.dma_copy(dst=out, src=d)
        return out
    return k, (a,), np.transpose(a, (3, 1, 2, 0)).astype(np.float64), 0
