"""Four schedules of C = lhsT.T @ rhs (the calibration set's matrix-multiplication tutorial
algorithms, written for this repository): tiled, hoisted loads, blocked free dimension, and
fully optimised (large blocks, SBUF accumulation). lhsT is [K, M], rhs [K, N], C [M, N] fp32."""
import nki
import nki.language as nl

P, FM, FN = 128, 128, 512  # partition (K) tile, M tile, N tile


def tiled(lhsT, rhs):
    K, M = lhsT.shape
    N = rhs.shape[1]
    out = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    for m in nl.affine_range(M // FM):
        for n in nl.affine_range(N // FN):
            acc = nl.zeros((FM, FN), dtype=nl.float32, buffer=nl.psum)
            for k in nl.affine_range(K // P):
                a = nl.load(lhsT[k * P:(k + 1) * P, m * FM:(m + 1) * FM])
                b = nl.load(rhs[k * P:(k + 1) * P, n * FN:(n + 1) * FN])
                acc += nl.matmul(a, b, transpose_x=True)
            res = nl.copy(acc, dtype=nl.float32)
            nl.store(out[m * FM:(m + 1) * FM, n * FN:(n + 1) * FN], value=res)
    return out


def hoisted(lhsT, rhs):
    K, M = lhsT.shape
    N = rhs.shape[1]
    NK = K // P
    out = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    for m in nl.affine_range(M // FM):
        a = nl.ndarray((NK, nl.par_dim(P), FM), dtype=lhsT.dtype, buffer=nl.sbuf)
        for k in nl.affine_range(NK):
            a[k] = nl.load(lhsT[k * P:(k + 1) * P, m * FM:(m + 1) * FM])
        for n in nl.affine_range(N // FN):
            b = nl.ndarray((NK, nl.par_dim(P), FN), dtype=rhs.dtype, buffer=nl.sbuf)
            for k in nl.affine_range(NK):
                b[k] = nl.load(rhs[k * P:(k + 1) * P, n * FN:(n + 1) * FN])
            acc = nl.zeros((FM, FN), dtype=nl.float32, buffer=nl.psum)
            for k in nl.affine_range(NK):
                acc += nl.matmul(a[k], b[k], transpose_x=True)
            res = nl.copy(acc, dtype=nl.float32)
            nl.store(out[m * FM:(m + 1) * FM, n * FN:(n + 1) * FN], value=res)
    return out


def blocked(lhsT, rhs, bm=2, bn=2):
    """Blocks of bm M-tiles x bn N-tiles reuse each loaded operand tile."""
    K, M = lhsT.shape
    N = rhs.shape[1]
    NK = K // P
    out = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    for mb in nl.affine_range(M // (FM * bm)):
        a = nl.ndarray((NK, nl.par_dim(P), FM * bm), dtype=lhsT.dtype, buffer=nl.sbuf)
        for k in nl.affine_range(NK):
            a[k] = nl.load(lhsT[k * P:(k + 1) * P, mb * FM * bm:(mb + 1) * FM * bm])
        for nb in nl.affine_range(N // (FN * bn)):
            b = nl.ndarray((NK, nl.par_dim(P), FN * bn), dtype=rhs.dtype, buffer=nl.sbuf)
            for k in nl.affine_range(NK):
                b[k] = nl.load(rhs[k * P:(k + 1) * P, nb * FN * bn:(nb + 1) * FN * bn])
            for i in nl.affine_range(bm):
                for j in nl.affine_range(bn):
                    acc = nl.zeros((FM, FN), dtype=nl.float32, buffer=nl.psum)
                    for k in nl.affine_range(NK):
                        acc += nl.matmul(a[k][:, i * FM:(i + 1) * FM],
                                         b[k][:, j * FN:(j + 1) * FN], transpose_x=True)
                    res = nl.copy(acc, dtype=nl.float32)
                    m0 = (mb * bm + i) * FM
                    n0 = (nb * bn + j) * FN
                    nl.store(out[m0:m0 + FM, n0:n0 + FN], value=res)
    return out


def optimised(lhsT, rhs, bm=16, bn=2, bk=8):
    """Blocks of bm M-tiles x bn N-tiles x bk K-tiles; partial sums accumulate in SBUF across
    K blocks; operand blocks move in large DMAs."""
    K, M = lhsT.shape
    N = rhs.shape[1]
    out = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    for nb in nl.affine_range(N // (FN * bn)):
        for mb in nl.affine_range(M // (FM * bm)):
            res = nl.zeros((bm * bn, nl.par_dim(FM), FN), dtype=nl.float32, buffer=nl.sbuf)
            for kb in nl.affine_range(K // (P * bk)):
                b = nl.ndarray((bk, nl.par_dim(P), FN * bn), dtype=rhs.dtype, buffer=nl.sbuf)
                a = nl.ndarray((bk, nl.par_dim(P), FM * bm), dtype=lhsT.dtype, buffer=nl.sbuf)
                for k in nl.affine_range(bk):
                    k0 = (kb * bk + k) * P
                    b[k] = nl.load(rhs[k0:k0 + P, nb * FN * bn:(nb + 1) * FN * bn])
                    a[k] = nl.load(lhsT[k0:k0 + P, mb * FM * bm:(mb + 1) * FM * bm])
                for i in nl.affine_range(bm):
                    for j in nl.affine_range(bn):
                        acc = nl.zeros((FM, FN), dtype=nl.float32, buffer=nl.psum)
                        for k in nl.affine_range(bk):
                            acc += nl.matmul(a[k][:, i * FM:(i + 1) * FM],
                                             b[k][:, j * FN:(j + 1) * FN], transpose_x=True)
                        res[i * bn + j] = nl.add(res[i * bn + j], acc)
            for i in nl.affine_range(bm):
                for j in nl.affine_range(bn):
                    m0 = (mb * bm + i) * FM
                    n0 = (nb * bn + j) * FN
                    nl.store(out[m0:m0 + FM, n0:n0 + FN], value=res[i * bn + j])
    return out
