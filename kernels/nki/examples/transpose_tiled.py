"""Tiled 2-D transpose [M, N] -> [N, M] through the tensor engine, 128 x 128 tiles."""
import nki
import nki.language as nl


@nki.jit
def transpose_tiled(x):
    m, n = x.shape
    out = nl.ndarray((n, m), dtype=x.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(m // 128):
        for j in nl.affine_range(n // 128):
            tile = nl.load(x[i * 128:(i + 1) * 128, j * 128:(j + 1) * 128])
            flipped = nl.transpose(tile)
            nl.store(out[j * 128:(j + 1) * 128, i * 128:(i + 1) * 128], value=flipped)
    return out
