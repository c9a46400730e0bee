"""Two schedules of out = lhsT.T @ rhs for `trnsim rank` (lhsT [K, M], rhs [K, N], out [M, N]
fp32; K, M multiples of 128, N a multiple of 512):

- matmul_tiled: one 128 x 512 output tile at a time, both operand tiles loaded for every K
  step (the baseline);
- matmul_blocked: blocks of TILES_IN_BLOCK_M x TILES_IN_BLOCK_N output tiles, each block
  computed by the NKI kernel matmul_block, which loads each operand tile once per K step and
  reuses it across the block (accumulators stay in PSUM: at most 8 tiles, one bank each).

    trnsim rank matmul_variants.py::matmul_tiled,matmul_blocked --ref reference.py::forward \
        --shape lhsT=1024x512:bfloat16 --shape rhs=1024x2048:bfloat16 \
        --grid TILES_IN_BLOCK_M=1,2,4 --grid TILES_IN_BLOCK_N=1,2 --target trn1
"""
import nki
import nki.language as nl

TILE_K, TILE_M, TILE_N = 128, 128, 512
PSUM_BANKS = 8


def matmul_tiled(lhsT, rhs):
    K, M = lhsT.shape
    N = rhs.shape[1]
    out = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    for m in nl.affine_range(M // TILE_M):
        for n in nl.affine_range(N // TILE_N):
            acc = nl.zeros((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
            for k in nl.affine_range(K // TILE_K):
                a = nl.load(lhsT[k * TILE_K:(k + 1) * TILE_K, m * TILE_M:(m + 1) * TILE_M])
                b = nl.load(rhs[k * TILE_K:(k + 1) * TILE_K, n * TILE_N:(n + 1) * TILE_N])
                acc += nl.matmul(a, b, transpose_x=True)
            nl.store(out[m * TILE_M:(m + 1) * TILE_M, n * TILE_N:(n + 1) * TILE_N],
                     value=nl.copy(acc, dtype=nl.float32))
    return out


@nki.jit
def matmul_block(lhsT, rhs, out, m0, n0, tiles_m, tiles_n):
    """out[m0 : m0 + 128 tiles_m, n0 : n0 + 512 tiles_n] = that block of lhsT.T @ rhs."""
    K = lhsT.shape[0]
    bm, bn = tiles_m * TILE_M, tiles_n * TILE_N
    acc = [[nl.zeros((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
            for _ in range(tiles_n)] for _ in range(tiles_m)]
    for k in nl.affine_range(K // TILE_K):
        a = nl.load(lhsT[k * TILE_K:(k + 1) * TILE_K, m0:m0 + bm])
        b = nl.load(rhs[k * TILE_K:(k + 1) * TILE_K, n0:n0 + bn])
        for i in range(tiles_m):
            for j in range(tiles_n):
                acc[i][j] += nl.matmul(a[:, i * TILE_M:(i + 1) * TILE_M],
                                       b[:, j * TILE_N:(j + 1) * TILE_N], transpose_x=True)
    for i in range(tiles_m):
        for j in range(tiles_n):
            r0, c0 = m0 + i * TILE_M, n0 + j * TILE_N
            nl.store(out[r0:r0 + TILE_M, c0:c0 + TILE_N],
                     value=nl.copy(acc[i][j], dtype=nl.float32))


def matmul_blocked(lhsT, rhs, TILES_IN_BLOCK_M=1, TILES_IN_BLOCK_N=1):
    K, M = lhsT.shape
    N = rhs.shape[1]
    bm, bn = TILES_IN_BLOCK_M * TILE_M, TILES_IN_BLOCK_N * TILE_N
    assert TILES_IN_BLOCK_M * TILES_IN_BLOCK_N <= PSUM_BANKS, \
        "a block of %d x %d tiles needs more than %d PSUM banks" % (
            TILES_IN_BLOCK_M, TILES_IN_BLOCK_N, PSUM_BANKS)
    assert M % bm == 0, "M=%d is not a multiple of the block height %d" % (M, bm)
    assert N % bn == 0, "N=%d is not a multiple of the block width %d" % (N, bn)
    out = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    for mb in nl.affine_range(M // bm):
        for nb in nl.affine_range(N // bn):
            matmul_block(lhsT, rhs, out, mb * bm, nb * bn, TILES_IN_BLOCK_M, TILES_IN_BLOCK_N)
    return out
