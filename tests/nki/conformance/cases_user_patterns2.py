"""Conformance: more patterns found in published NKI kernels that the front end used to reject
or mis-lower (each case written here; the pattern, not the kernel, comes from what users
write): masked loads and stores of 1-D tensors indexed by a bare nl.arange."""
import numpy as np

import nki
import nki.isa as nisa
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


@case("nl.tile_size", "nisa.dma_copy", "nisa.tensor_copy")
def tile_size_byte_and_bank_constants():
    """The SDK 2.30+ tile_size names used in kernels' asserts and tiling: a row of
    sbuf_fmax_bytes // 4 fp32 fits one partition, PSUM holds psum_num_banks banks of
    psum_bank_fmax fp32 (psum_bank_fmax_bytes each)."""
    a = data(128, 1024)
    ref = a * 1.0

    @nki.jit
    def k(x):
        P, F = x.shape
        assert F * 4 <= nl.tile_size.sbuf_fmax_bytes and F <= nl.tile_size.sbuf_fmax
        assert nl.tile_size.psum_bank_fmax * 4 == nl.tile_size.psum_bank_fmax_bytes
        assert nl.tile_size.psum_fmax_bytes == nl.tile_size.psum_bank_fmax_bytes
        assert nl.tile_size.sbuf_size_bytes >= P * F * 4
        bank = nl.tile_size.psum_bank_fmax
        out = nl.ndarray((P, F), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.ndarray((P, F), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=x)
        for j in nl.affine_range(F // bank):
            ps = nl.ndarray((P, bank), dtype=nl.float32, buffer=nl.psum)
            nisa.tensor_copy(dst=ps, src=t[:, j * bank:(j + 1) * bank])
            r = nl.ndarray((P, bank), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_copy(dst=r, src=ps)
            nisa.dma_copy(dst=out[:, j * bank:(j + 1) * bank], src=r)
        assert F // bank <= nl.tile_size.psum_num_banks
        return out
    return k, (a,), ref, 1e-6


@case("nisa.nc_transpose", "nisa.dma_copy", "nisa.tensor_reduce")
def transpose_into_sbuf_without_engine():
    """nc_transpose(dst=<SBUF tile>, data=...) with the engine left unknown: only the Vector
    Engine writes SBUF, so it is the engine (a column of 32 becomes a row, then summed)."""
    a = data(32, 1)
    ref = np.array([[a.sum()]])

    @nki.jit
    def k(x):
        out = nl.ndarray((1, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        col = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=col, src=x)
        row = nl.ndarray((1, 128), dtype=nl.float32, buffer=nl.sbuf)
        nisa.nc_transpose(dst=row[0:1, 0:32], data=col[0:32, 0:1])
        s = nl.ndarray((1, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_reduce(dst=s, data=row[0:1, 0:32], op=nl.add, axis=(1,))
        nisa.dma_copy(dst=out, src=s)
        return out
    return k, (a,), ref, 1e-5


@case("nl.load", "nl.copy", "nl.matmul", "nl.store")
def whole_tile_reshape_merges_free_dims():
    """A fresh (128, 4, 4) SBUF tile (a window of an image) reshaped to (128, 16) as a matmul
    operand, and the (128, 16) PSUM product reshaped back to (128, 4, 4) and accumulated."""
    x, w = data(128, 6, 6), data(128, 128, 2)
    ref = sum(np.einsum("ck,chw->khw", w[:, :, j], x[:, j:j + 4, 1:5]) for j in range(2))

    @nki.jit
    def k(img, wt):
        out = nl.ndarray((128, 4, 4), dtype=nl.float32, buffer=nl.shared_hbm)
        image = nl.load(img)
        acc = nl.zeros((128, 4, 4), nl.float32, buffer=nl.psum)
        for j in nl.static_range(2):
            window = nl.copy(image[:, j:j + 4, 1:5])
            flat = window.reshape((128, 16))
            prod = nl.matmul(nl.load(wt[:, :, j]), flat, transpose_x=True)
            acc += prod.reshape((128, 4, 4))
        nl.store(out, nl.copy(acc))
        return out
    return k, (x, w), ref, 1e-4


@case("nisa.dma_copy", "nisa.tensor_copy")
def tile_access_pattern_walks_whole_free_space():
    """`tile.ap([[F, P], [1, F]])` on a (8, 4, 4) SBUF tile (F = 16 free elements): one
    dimension over all free dims, as DMA destination and source; the tile is also indexed in
    its own 3-D shape (two halves of the last dim swapped)."""
    a = data(128, 1)
    ref = a.reshape(8, 4, 2, 2)[:, :, ::-1, :].reshape(128, 1)

    @nki.jit
    def k(src):
        dst = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        pat = [[16, 8], [1, 16]]
        t = nl.ndarray((8, 4, 4), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t.ap(pattern=pat), src=src.ap(pattern=pat, offset=0))
        o = nl.ndarray((8, 4, 4), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=o[:, :, 0:2], src=t[:, :, 2:4])
        nisa.tensor_copy(dst=o[:, :, 2:4], src=t[:, :, 0:2])
        nisa.dma_copy(dst=dst.ap(pattern=pat, offset=0), src=o.ap(pattern=pat))
        return dst
    return k, (a,), ref, 1e-6


@case("nisa.dma_copy", "nisa.nc_matmul")
def dma_copy_access_pattern_reading_rows_across_partitions():
    """`x.ap([[G, P], [H, T]], offset=g)` on an (T, H) input: partition p reads column p*G + g
    of every row (a transposed read, as for a router's x^T tiles), then x^T @ w."""
    x, w = data(64, 256), data(128, 32)
    ref = sum(x[:, g::2] @ w for g in range(2))

    @nki.jit
    def k(xin, win):
        T, H = xin.shape
        out = nl.ndarray((T, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        wt = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=wt, src=win)
        acc = nl.ndarray((T, 32), dtype=nl.float32, buffer=nl.psum)
        for g in nl.static_range(2):
            xt = nl.ndarray((128, T), dtype=nl.float32, buffer=nl.sbuf)
            nisa.dma_copy(dst=xt, src=xin.ap([[2, 128], [H, T]], offset=g))
            nisa.nc_matmul(dst=acc, stationary=xt, moving=wt, accumulate=(g > 0))
        r = nl.ndarray((T, 32), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=r, src=acc)
        nisa.dma_copy(dst=out, src=r)
        return out
    return k, (x, w), ref, 1e-4
