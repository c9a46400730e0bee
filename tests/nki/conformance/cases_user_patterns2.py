"""Conformance: more patterns found in published NKI kernels that the front end used to reject
or mis-lower (each case written here; the pattern, not the kernel, comes from what users
write): masked loads and stores of 1-D tensors indexed by a bare nl.arange."""
import numpy as np

import nki
import nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(72)


def data(*shape):
    return RNG.uniform(-2.0, 2.0, shape).astype(np.float32)


@case("nl.load", "nl.store", "nl.arange", "nl.maximum")
def one_d_tensor_masked_by_bare_arange():
    """A 1-D tensor of 300 elements in tiles of 128 indexed by `p * 128 + nl.arange(128)` (no
    [:, None]), the last tile masked by `i < 300`: the mask bounds the 1-D tile too."""
    a, b = data(300), data(300)
    ref = np.maximum(a, b)

    @nki.jit
    def k(x, y):
        out = nl.ndarray((300,), dtype=nl.float32, buffer=nl.shared_hbm)
        for p in nl.affine_range(3):
            i = p * 128 + nl.arange(128)
            xt = nl.load(x[i], mask=(i < 300))
            yt = nl.load(y[i], mask=(i < 300))
            nl.store(out[i], value=nl.maximum(xt, yt), mask=(i < 300))
        return out
    return k, (a, b), ref, 1e-6
