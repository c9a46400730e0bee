"""Conformance (both generations): nl.gather_flattened, the per-partition gather over the
flattened free dims (NKI reference example: take_along_axis on the flattened tiles)."""
import numpy as np

import nki
import nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(53)


@case("nl.gather_flattened")
def gather_flattened_3d():
    data = RNG.uniform(-3, 3, (128, 8, 16)).astype(np.float32)
    idx = RNG.integers(0, 128, (128, 4, 32)).astype(np.uint32)
    ref = np.take_along_axis(data.reshape(128, -1), idx.reshape(128, -1).astype(np.int64),
                             axis=1).reshape(128, 4, 32)

    @nki.jit
    def k(x, ix):
        out = nl.ndarray((128, 4, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.gather_flattened(nl.load(x), nl.load(ix)))
        return out
    return k, (data, idx), ref.astype(np.float64), 0


@case("nl.gather_flattened")
def gather_flattened_casts_to_dtype():
    data = (RNG.uniform(-100, 100, (64, 40))).astype(np.float32)
    idx = RNG.integers(0, 40, (64, 40)).astype(np.uint32)
    ref = np.rint(np.take_along_axis(data, idx.astype(np.int64), axis=1))

    @nki.jit
    def k(x, ix):
        out = nl.ndarray((64, 40), dtype=nl.int32, buffer=nl.shared_hbm)
        nl.store(out, nl.gather_flattened(nl.load(x), nl.load(ix), dtype=nl.int32))
        return out
    return k, (data, idx), ref, 0
