"""Conformance (SDK 2.21-2.26 `neuronxcc.nki`): nisa.local_gather (GpSimd gather within each
core's 16 partitions, as MoE token and sparse-attention kernels use it) and
nisa.sequence_bounds (segment start / end of packed sequences), result-returning forms."""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl
from trnsim_nki.coverage import case

import gpsimd_reference as ref

RNG = np.random.default_rng(61)


@case("nisa.local_gather", gens="old")
def local_gather_reference_layout():
    # src (128, 512, 4), a different (16, 4) index slice on every core, 4 elements per index,
    # 64 valid indices, stored into a (128, 4, 16, 4) output as the reference's example does.
    src = RNG.uniform(-100, 100, (128, 512, 4)).astype(np.float32)
    index = RNG.integers(0, 512, (128, 4)).astype(np.uint16)
    want = ref.local_gather(src, index, 4, 64).reshape(128, 4, 16, 4)

    @nki.jit
    def k(src_buffer, idx):
        out = nl.ndarray((128, 4, 16, 4), dtype=src_buffer.dtype, buffer=nl.shared_hbm)
        s = nl.load(src_buffer)
        i = nl.load(idx)
        g = nisa.local_gather(s, i, 4, 64)
        nl.store(out, g)
        return out
    return k, (src, index), want.astype(np.float64), 0


@case("nisa.local_gather", gens="old")
def local_gather_keywords_bf16_partial_core():
    # 32 partitions (two cores), 20 valid indices of the 32 each core holds, 2 bf16 per index.
    src = RNG.uniform(-3, 3, (32, 100)).astype(np.float32)
    index = RNG.integers(0, 50, (32, 2)).astype(np.uint16)
    want = ref.local_gather(ref.bf16(src), index, 2, 20)

    @nki.jit
    def k(x, idx):
        out = nl.ndarray((32, 20, 2), dtype=nl.float32, buffer=nl.shared_hbm)
        s = nl.load(x, dtype=nl.bfloat16)
        i = nl.load(idx)
        g = nisa.local_gather(src_buffer=s, index=i, num_elem_per_idx=2, num_valid_indices=20)
        nl.store(out, nl.copy(g, dtype=nl.float32))
        return out
    return k, (src, index), want.astype(np.float64), 0


@case("nisa.sequence_bounds", gens="old")
def sequence_bounds_reference_example_int32():
    ids = np.array([[0, 1, 1, 2, 2, 2, 0, 3, 3]], dtype=np.int32)

    @nki.jit
    def k(segment_ids):
        out = nl.ndarray((1, 2, 9), dtype=nl.int32, buffer=nl.shared_hbm)
        t = nl.load(segment_ids)
        nl.store(out, nisa.sequence_bounds(segment_ids=t))
        return out
    want = np.array([[[9, 1, 1, 3, 3, 3, 9, 7, 7], [-1, 3, 3, 6, 6, 6, -1, 9, 9]]])
    return k, (ids,), want.astype(np.float64), 0


@case("nisa.sequence_bounds", gens="old")
def sequence_bounds_float_ids_to_int32():
    ids = ref.packed_segment_ids(RNG, 512)

    @nki.jit
    def k(segment_ids):
        out = nl.ndarray((1, 2, 512), dtype=nl.int32, buffer=nl.shared_hbm)
        t = nl.load(segment_ids)
        b = nisa.sequence_bounds(segment_ids=t, dtype=nl.int32)
        nl.store(out, b)
        return out
    return k, (ids,), ref.sequence_bounds(ids), 0
