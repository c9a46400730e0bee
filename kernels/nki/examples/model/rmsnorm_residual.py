"""Residual add + RMSNorm of a decoder layer, op role `norm` of `trnsim model`:
h = x + res, y = h / sqrt(mean(h^2) + eps) * w.
x, res: [rows, cols] (rows = tokens); w: [1, cols]; returns (y, h), both [rows, cols] in x's dtype.
Rows go in tiles of 128 partitions (the last tile masked); the sum of squares is fp32."""
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

P = nl.tile_size.pmax  # 128 partitions


@nki.jit
def rmsnorm_residual(x, res, w, eps=1e-6):
    rows, cols = x.shape
    y = nl.ndarray((rows, cols), dtype=x.dtype, buffer=nl.shared_hbm)
    h = nl.ndarray((rows, cols), dtype=x.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(P)[:, None]
    i_f = nl.arange(cols)[None, :]
    w_all = nl.load(w).broadcast_to((P, cols))
    for t in nl.affine_range((rows + P - 1) // P):
        r = t * P + i_p
        xt = nl.load(x[r, i_f], mask=(r < rows))
        rt = nl.load(res[r, i_f], mask=(r < rows))
        ht = nl.add(xt, rt, dtype=x.dtype)  # h is stored in x's dtype, and normalised as stored
        nl.store(h[r, i_f], value=ht, mask=(r < rows))
        ss = nl.sum(nl.square(ht, dtype=nl.float32), axis=[1], keepdims=True)
        rstd = nl.rsqrt(ss * (1.0 / cols) + eps)
        yt = nl.multiply(nl.multiply(ht, rstd, dtype=nl.float32), w_all, dtype=x.dtype)
        nl.store(y[r, i_f], value=yt, mask=(r < rows))
    return y, h
