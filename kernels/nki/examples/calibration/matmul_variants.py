"""The four schedules of the NKI matrix-multiplication tutorial, written for trnsim's
calibration (the algorithms as NEURONCORE.md describes them, not the tutorial's code):
result[M, N] = lhsT[K, M]^T @ rhs[K, N], bf16 operands, fp32 PSUM accumulation.

- matmul_tiled: both operand tiles are loaded inside the K loop.
- matmul_hoisted: the lhsT column strip of an M tile is loaded once per M tile and the rhs
  column strip once per (M, N) tile pair, outside the K loop.
- matmul_blocked: blocks of 2 M tiles x 2 N tiles; each block loads its whole K strip of both
  operands once and reuses every loaded tile for two products.
- matmul_optimised: blocks of 16 M tiles x 2 N tiles x 8 K tiles; one DMA per K row of a block
  (rows of 2048 / 1024 elements), partial products added into an fp32 SBUF accumulator per
  block, stored once.
Shapes must be multiples of the tile (and block) sizes; SDK 2.27+ style (`dst=` everywhere).
"""
import nki
import nki.isa as nisa
import nki.language as nl

TILE_K = 128  # partitions of both operands (contraction)
TILE_M = 128  # stationary free size
TILE_N = 512  # moving free size


def _check(lhsT, rhs, mult_m, mult_n, mult_k):
    k_dim, m_dim = lhsT.shape
    k2, n_dim = rhs.shape
    assert k_dim == k2, "lhsT and rhs must share K"
    assert m_dim % (TILE_M * mult_m) == 0 and n_dim % (TILE_N * mult_n) == 0
    assert k_dim % (TILE_K * mult_k) == 0
    return k_dim, m_dim, n_dim


def _store_psum(result, psum, row, col):
    """Copies a [TILE_M, TILE_N] PSUM tile to SBUF in the result dtype and stores it."""
    out = nl.ndarray((TILE_M, TILE_N), dtype=result.dtype, buffer=nl.sbuf)
    nisa.tensor_copy(dst=out, src=psum)
    nisa.dma_copy(dst=result[row:row + TILE_M, col:col + TILE_N], src=out)


@nki.jit
def matmul_tiled(lhsT, rhs):
    k_dim, m_dim, n_dim = _check(lhsT, rhs, 1, 1, 1)
    result = nl.ndarray((m_dim, n_dim), dtype=lhsT.dtype, buffer=nl.shared_hbm)
    for mi in nl.affine_range(m_dim // TILE_M):
        for ni in nl.affine_range(n_dim // TILE_N):
            acc = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
            for ki in nl.affine_range(k_dim // TILE_K):
                a = nl.ndarray((TILE_K, TILE_M), dtype=lhsT.dtype, buffer=nl.sbuf)
                b = nl.ndarray((TILE_K, TILE_N), dtype=rhs.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=a, src=lhsT[ki * TILE_K:(ki + 1) * TILE_K,
                                              mi * TILE_M:(mi + 1) * TILE_M])
                nisa.dma_copy(dst=b, src=rhs[ki * TILE_K:(ki + 1) * TILE_K,
                                             ni * TILE_N:(ni + 1) * TILE_N])
                nisa.nc_matmul(dst=acc, stationary=a, moving=b)
            _store_psum(result, acc, mi * TILE_M, ni * TILE_N)
    return result


@nki.jit
def matmul_hoisted(lhsT, rhs):
    k_dim, m_dim, n_dim = _check(lhsT, rhs, 1, 1, 1)
    k_tiles = k_dim // TILE_K
    result = nl.ndarray((m_dim, n_dim), dtype=lhsT.dtype, buffer=nl.shared_hbm)
    for mi in nl.affine_range(m_dim // TILE_M):
        lhs_strip = []
        for ki in range(k_tiles):
            a = nl.ndarray((TILE_K, TILE_M), dtype=lhsT.dtype, buffer=nl.sbuf)
            nisa.dma_copy(dst=a, src=lhsT[ki * TILE_K:(ki + 1) * TILE_K,
                                          mi * TILE_M:(mi + 1) * TILE_M])
            lhs_strip.append(a)
        for ni in nl.affine_range(n_dim // TILE_N):
            rhs_strip = []
            for ki in range(k_tiles):
                b = nl.ndarray((TILE_K, TILE_N), dtype=rhs.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=b, src=rhs[ki * TILE_K:(ki + 1) * TILE_K,
                                             ni * TILE_N:(ni + 1) * TILE_N])
                rhs_strip.append(b)
            acc = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
            for ki in range(k_tiles):
                nisa.nc_matmul(dst=acc, stationary=lhs_strip[ki], moving=rhs_strip[ki])
            _store_psum(result, acc, mi * TILE_M, ni * TILE_N)
    return result


BLOCK_M, BLOCK_N = 2, 2  # tiles per block of matmul_blocked


@nki.jit
def matmul_blocked(lhsT, rhs):
    k_dim, m_dim, n_dim = _check(lhsT, rhs, BLOCK_M, BLOCK_N, 1)
    k_tiles = k_dim // TILE_K
    bm, bn = TILE_M * BLOCK_M, TILE_N * BLOCK_N
    result = nl.ndarray((m_dim, n_dim), dtype=lhsT.dtype, buffer=nl.shared_hbm)
    for mb in nl.affine_range(m_dim // bm):
        for nb in nl.affine_range(n_dim // bn):
            lhs_block, rhs_block = [], []
            for ki in range(k_tiles):
                a = nl.ndarray((TILE_K, bm), dtype=lhsT.dtype, buffer=nl.sbuf)
                b = nl.ndarray((TILE_K, bn), dtype=rhs.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=a, src=lhsT[ki * TILE_K:(ki + 1) * TILE_K,
                                              mb * bm:(mb + 1) * bm])
                nisa.dma_copy(dst=b, src=rhs[ki * TILE_K:(ki + 1) * TILE_K,
                                             nb * bn:(nb + 1) * bn])
                lhs_block.append(a)
                rhs_block.append(b)
            for i in range(BLOCK_M):
                for j in range(BLOCK_N):
                    acc = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
                    for ki in range(k_tiles):
                        nisa.nc_matmul(dst=acc,
                                       stationary=lhs_block[ki][:, i * TILE_M:(i + 1) * TILE_M],
                                       moving=rhs_block[ki][:, j * TILE_N:(j + 1) * TILE_N])
                    _store_psum(result, acc, mb * bm + i * TILE_M, nb * bn + j * TILE_N)
    return result


OPT_M, OPT_N, OPT_K = 16, 2, 8  # tiles per block of matmul_optimised


@nki.jit
def matmul_optimised(lhsT, rhs):
    k_dim, m_dim, n_dim = _check(lhsT, rhs, OPT_M, OPT_N, OPT_K)
    bm, bn, bk = TILE_M * OPT_M, TILE_N * OPT_N, TILE_K * OPT_K
    result = nl.ndarray((m_dim, n_dim), dtype=lhsT.dtype, buffer=nl.shared_hbm)
    for nb in nl.affine_range(n_dim // bn):
        for mb in nl.affine_range(m_dim // bm):
            sums = []
            for i in range(OPT_M):
                s = nl.ndarray((TILE_M, bn), dtype=nl.float32, buffer=nl.sbuf)
                nisa.memset(dst=s, value=0.0)
                sums.append(s)
            for kb in nl.sequential_range(k_dim // bk):
                lhs_rows, rhs_rows = [], []
                for kt in range(OPT_K):
                    k0 = kb * bk + kt * TILE_K
                    a = nl.ndarray((TILE_K, bm), dtype=lhsT.dtype, buffer=nl.sbuf)
                    b = nl.ndarray((TILE_K, bn), dtype=rhs.dtype, buffer=nl.sbuf)
                    nisa.dma_copy(dst=a, src=lhsT[k0:k0 + TILE_K, mb * bm:(mb + 1) * bm])
                    nisa.dma_copy(dst=b, src=rhs[k0:k0 + TILE_K, nb * bn:(nb + 1) * bn])
                    lhs_rows.append(a)
                    rhs_rows.append(b)
                for i in range(OPT_M):
                    for j in range(OPT_N):
                        part = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
                        for kt in range(OPT_K):
                            nisa.nc_matmul(dst=part,
                                           stationary=lhs_rows[kt][:, i * TILE_M:(i + 1) * TILE_M],
                                           moving=rhs_rows[kt][:, j * TILE_N:(j + 1) * TILE_N])
                        cols = sums[i][:, j * TILE_N:(j + 1) * TILE_N]
                        nisa.tensor_tensor(dst=cols, data1=cols, data2=part, op=nl.add)
            for i in range(OPT_M):
                out = nl.ndarray((TILE_M, bn), dtype=result.dtype, buffer=nl.sbuf)
                nisa.tensor_copy(dst=out, src=sums[i])
                nisa.dma_copy(dst=result[mb * bm + i * TILE_M:mb * bm + (i + 1) * TILE_M,
                                         nb * bn:(nb + 1) * bn], src=out)
    return result
