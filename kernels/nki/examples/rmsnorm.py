"""RMSNorm over rows: y = x / sqrt(mean(x^2) + eps) * g, 128 rows per tile (nki.language)."""
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def rmsnorm(x, g, eps=1e-6):
    n, d = x.shape
    out = nl.ndarray((n, d), dtype=x.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(d)[None, :]
    g_row = nl.load(g.reshape((1, d)))
    g_all = g_row.broadcast_to((128, d))
    for i in nl.affine_range((n + 127) // 128):
        rows = i * 128 + i_p
        xt = nl.load(x[rows, i_f], mask=(rows < n))
        ss = nl.sum(nl.square(xt), axis=[1], keepdims=True)
        rstd = nl.rsqrt(ss * (1.0 / d) + eps)
        y = nl.multiply(xt, rstd)
        y = nl.multiply(y, g_all, dtype=x.dtype)
        nl.store(out[rows, i_f], value=y, mask=(rows < n))
    return out
