"""Conformance (SDK 2.21-2.26 `neuronxcc.nki`): runtime offsets, nl.ds with an SBUF index tile
as start, in nisa.tensor_copy_dynamic_src / tensor_copy_dynamic_dst. Token routing picks a
window of columns by an index the kernel reads from its input."""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(43)


def r(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


@case("nisa.tensor_copy_dynamic_src", "nl.ds", gens="old")
def copy_dynamic_src_windows():
    x = r(128, 96)
    offsets = np.array([[5, 80, 0]], dtype=np.int32)  # 80 = the last window of 16 that fits
    ref = np.concatenate([x[:, o:o + 16] for o in offsets[0]], axis=1).astype(np.float64)

    @nki.jit
    def k(data, offs):
        out = nl.ndarray((128, 48), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.load(data)
        o = nl.load(offs)
        for j in nl.static_range(3):
            w = nisa.tensor_copy_dynamic_src(t[:, nl.ds(o[0:1, j:j + 1], 16)],
                                             engine=nisa.gpsimd_engine if j == 1 else
                                             nisa.vector_engine)
            nl.store(out[:, j * 16:(j + 1) * 16], w)
        return out
    return k, (x, offsets), ref, 0


@case("nisa.tensor_copy_dynamic_src", gens="old")
def copy_dynamic_src_casts_on_a_strided_dim():
    x = r(64, 4, 40)
    off = np.array([[7]], dtype=np.int32)
    # the bounding range is the even columns 0, 2, ..., 38 (20 indices); window 8 at index 7
    bits = x[:, :, 0:40:2][:, :, 7:15].copy().view(np.uint32)
    ref = ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).view(np.float32)  # to bf16 (RNE)

    @nki.jit
    def k(data, offs):
        out = nl.ndarray((64, 4, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.load(data)
        o = nl.load(offs)
        win = nisa.tensor_copy_dynamic_src(t[:, :, 0:40:2][:, :, nl.ds(o, 8)], dtype=nl.bfloat16)
        nl.store(out, win)
        return out
    return k, (x, off), ref.astype(np.float64), 0


@case("nisa.tensor_copy_dynamic_dst", gens="old")
def copy_dynamic_dst_scatters_windows():
    x, y = r(128, 16), r(128, 16)
    offsets = np.array([[40, 3]], dtype=np.int32)
    ref = np.full((128, 64), -1.0)
    ref[:, 40:56] = x
    ref[:, 3:19] = y

    @nki.jit
    def k(a, b, offs):
        out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        d = nl.full((128, 64), -1.0, dtype=nl.float32)
        o = nl.load(offs)
        nisa.tensor_copy_dynamic_dst(dst=d[:, nl.ds(o[0:1, 0:1], 16)], src=nl.load(a))
        nisa.tensor_copy_dynamic_dst(dst=d[:, nl.ds(o[0:1, 1:2], 16)], src=nl.load(b),
                                     engine=nisa.scalar_engine)
        nl.store(out, d)
        return out
    return k, (x, y, offsets), ref, 0
