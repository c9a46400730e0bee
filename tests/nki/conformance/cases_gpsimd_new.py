"""Conformance (SDK 2.27+ `nki`): nisa.local_gather and nisa.sequence_bounds with `dst` first,
positionally and by keyword."""
import numpy as np

import nki
import nki.isa as nisa
import nki.language as nl
from trnsim_nki.coverage import case

import gpsimd_reference as ref

RNG = np.random.default_rng(62)


@case("nisa.local_gather", gens="new")
def local_gather_dst_first_all_indices():
    # 64 partitions (four cores), a (64, 2, 3) index: 96 indices per core, flattened in order
    # 'F' over all three dims; one element per index.
    src = RNG.uniform(-8, 8, (64, 2, 40)).astype(np.float32)
    index = RNG.integers(0, 80, (64, 2, 3)).astype(np.uint16)
    want = ref.local_gather(src, index, 1, 96).reshape(64, 96)

    @nki.jit
    def k(x, idx):
        out = nl.ndarray((64, 96), dtype=nl.float32, buffer=nl.shared_hbm)
        s = nl.ndarray((64, 2, 40), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=s, src=x)
        i = nl.ndarray((64, 2, 3), dtype=nl.uint16, buffer=nl.sbuf)
        nisa.dma_copy(dst=i, src=idx)
        g = nl.ndarray((64, 96), dtype=nl.float32, buffer=nl.sbuf)
        nisa.local_gather(g, s, i)
        nisa.dma_copy(dst=out, src=g)
        return out
    return k, (src, index), want.astype(np.float64), 0


@case("nisa.local_gather", gens="new")
def local_gather_keywords_int32_runs():
    # 128 partitions, the same 16-partition indices replicated on all eight cores (the
    # reference's common use), 8 contiguous int32 elements per index, 24 of 32 valid.
    src = RNG.integers(-1000, 1000, (128, 256)).astype(np.int32)
    per_core = RNG.integers(0, 32, (16, 2)).astype(np.uint16)
    index = np.tile(per_core, (8, 1))
    want = ref.local_gather(src, index, 8, 24)

    @nki.jit
    def k(x, idx):
        out = nl.ndarray((128, 24, 8), dtype=nl.int32, buffer=nl.shared_hbm)
        s = nl.ndarray((128, 256), dtype=nl.int32, buffer=nl.sbuf)
        nisa.dma_copy(dst=s, src=x)
        i = nl.ndarray((128, 2), dtype=nl.uint16, buffer=nl.sbuf)
        nisa.dma_copy(dst=i, src=idx)
        g = nl.ndarray((128, 24, 8), dtype=nl.int32, buffer=nl.sbuf)
        nisa.local_gather(dst=g, src_buffer=s, index=i, num_elem_per_idx=8,
                          num_valid_indices=24, name="gather")
        nisa.dma_copy(dst=out, src=g)
        return out
    return k, (src, index), want.astype(np.float64), 0


@case("nisa.sequence_bounds", gens="new")
def sequence_bounds_dst_first_int32():
    ids = np.array([[0, 1, 1, 2, 2, 2, 0, 3, 3]], dtype=np.int32)

    @nki.jit
    def k(segment_ids):
        out = nl.ndarray((1, 2, 9), dtype=nl.int32, buffer=nl.shared_hbm)
        t = nl.ndarray((1, 9), dtype=nl.int32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=segment_ids)
        b = nl.ndarray((1, 2, 9), dtype=nl.int32, buffer=nl.sbuf)
        nisa.sequence_bounds(b, t)
        nisa.dma_copy(dst=out, src=b)
        return out
    return k, (ids,), ref.sequence_bounds(ids), 0


@case("nisa.sequence_bounds", gens="new")
def sequence_bounds_keywords_float32():
    ids = ref.packed_segment_ids(RNG, 300)

    @nki.jit
    def k(segment_ids):
        out = nl.ndarray((1, 2, 300), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.ndarray((1, 300), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=segment_ids)
        b = nl.ndarray((1, 2, 300), dtype=nl.float32, buffer=nl.sbuf)
        nisa.sequence_bounds(dst=b, segment_ids=t, name="bounds")
        nisa.dma_copy(dst=out, src=b)
        return out
    return k, (ids,), ref.sequence_bounds(ids), 0
