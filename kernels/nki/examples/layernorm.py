"""LayerNorm two ways: statistics with nki.language reductions, or with bn_stats/bn_aggr and
one fused tensor_scalar normalisation (SDK 2.21-2.26 style: instructions return tiles)."""
import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def layernorm_nl(x, gamma, beta, eps=1e-5):
    n, d = x.shape
    out = nl.ndarray((n, d), dtype=x.dtype, buffer=nl.shared_hbm)
    g = nl.load(gamma.reshape((1, d))).broadcast_to((128, d))
    b = nl.load(beta.reshape((1, d))).broadcast_to((128, d))
    for i in nl.affine_range(n // 128):
        xt = nl.load(x[i * 128:(i + 1) * 128, :])
        mean = nl.mean(xt, axis=1, keepdims=True)
        xc = nl.subtract(xt, mean)
        var = nl.mean(nl.square(xc), axis=1, keepdims=True)
        rstd = nl.rsqrt(var + eps)
        y = nl.multiply(xc, rstd)
        y = nl.add(nl.multiply(y, g), b, dtype=x.dtype)
        nl.store(out[i * 128:(i + 1) * 128, :], value=y)
    return out


@nki.jit
def layernorm_bn(x, gamma, beta, eps=1e-5):
    n, d = x.shape
    fmax = nl.tile_size.bn_stats_fmax
    chunks = (d + fmax - 1) // fmax
    out = nl.ndarray((n, d), dtype=x.dtype, buffer=nl.shared_hbm)
    g = nl.load(gamma.reshape((1, d))).broadcast_to((128, d))
    b = nl.load(beta.reshape((1, d))).broadcast_to((128, d))
    for i in nl.affine_range(n // 128):
        xt = nl.load(x[i * 128:(i + 1) * 128, :])
        stats = nl.ndarray((128, 6 * chunks), dtype=nl.float32)
        for c in nl.affine_range(chunks):
            stats[:, 6 * c:6 * (c + 1)] = nisa.bn_stats(xt[:, c * fmax:(c + 1) * fmax])
        mv = nisa.bn_aggr(stats)
        rstd = nisa.activation(op=nl.rsqrt, data=mv[:, 1:2], bias=eps)
        y = nisa.tensor_scalar(xt, op0=nl.subtract, operand0=mv[:, 0:1], op1=nl.multiply,
                               operand1=rstd)
        y = nisa.tensor_tensor(y, g, op=nl.multiply)
        y = nisa.tensor_tensor(y, b, op=nl.add, dtype=x.dtype)
        nl.store(out[i * 128:(i + 1) * 128, :], value=y)
    return out
