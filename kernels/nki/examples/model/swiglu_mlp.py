"""SwiGLU MLP of a Llama decoder layer, op role `mlp` (and `expert_mlp`) of `trnsim model`:
y = (silu(x @ wg) * (x @ wu)) @ wd, with the activations x given transposed.
x_t: [hidden, tokens]; wg, wu: [hidden, inter]; wd: [inter, hidden]; returns y [tokens, hidden].
hidden and inter must be multiples of 128. Tokens go in tiles of up to `token_tile` (<= 128;
tokens must be a multiple of the tile).
Per token tile: the x tile stays on chip as the stationary operand; gate and up stream their
weights as moving [128, 512] tiles (one 128 KiB DMA each, hidden accumulated in one PSUM bank
of [tokens, 512]); the SwiGLU product is transposed on the tensor engine into [inter, tokens]
tiles, which are the stationary operand of the down projection ([128, 512] weight tiles, inter
accumulated in PSUM)."""
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

P = nl.tile_size.pmax                      # 128: contraction tile (partitions)
N_MAX = nl.tile_size.gemm_moving_fmax      # 512: moving free size of one matmul (one PSUM bank)


@nki.jit
def swiglu_mlp(x_t, wg, wu, wd, token_tile=128):
    hidden, tokens = x_t.shape
    inter = wg.shape[1]
    assert hidden % P == 0 and inter % P == 0, \
        "swiglu_mlp: hidden (%d) and inter (%d) must be multiples of 128" % (hidden, inter)
    assert 1 <= token_tile <= P, "swiglu_mlp: token_tile must be 1..128"
    tt = min(tokens, token_tile)
    assert tokens % tt == 0, "swiglu_mlp: tokens (%d) must be a multiple of %d" % (tokens, tt)
    nb = N_MAX if inter % N_MAX == 0 else P   # inter columns per gate/up weight tile
    nc = N_MAX if hidden % N_MAX == 0 else P  # output columns per down-projection weight tile
    nk, ni = hidden // P, inter // P
    y = nl.ndarray((tokens, hidden), dtype=x_t.dtype, buffer=nl.shared_hbm)
    for m in nl.affine_range(tokens // tt):
        x_sb = nl.ndarray((nk, nl.par_dim(P), tt), dtype=x_t.dtype, buffer=nl.sbuf)
        for k in nl.affine_range(nk):
            x_sb[k] = nl.load(x_t[k * P:(k + 1) * P, m * tt:(m + 1) * tt])
        act_t = nl.ndarray((ni, nl.par_dim(P), tt), dtype=x_t.dtype, buffer=nl.sbuf)
        for b in nl.affine_range(inter // nb):
            g_ps = nl.zeros((tt, nb), nl.float32, buffer=nl.psum)
            u_ps = nl.zeros((tt, nb), nl.float32, buffer=nl.psum)
            for k in nl.affine_range(nk):
                wg_sb = nl.load(wg[k * P:(k + 1) * P, b * nb:(b + 1) * nb])
                wu_sb = nl.load(wu[k * P:(k + 1) * P, b * nb:(b + 1) * nb])
                g_ps += nl.matmul(x_sb[k], wg_sb, transpose_x=True)  # [tokens, nb]
                u_ps += nl.matmul(x_sb[k], wu_sb, transpose_x=True)
            act = nl.multiply(nl.silu(g_ps, dtype=nl.float32), u_ps, dtype=x_t.dtype)
            for j in nl.affine_range(nb // P):
                act_t[b * (nb // P) + j] = nl.transpose(act[:, j * P:(j + 1) * P])
        for n in nl.affine_range(hidden // nc):
            y_ps = nl.zeros((tt, nc), nl.float32, buffer=nl.psum)
            for i in nl.affine_range(ni):
                wd_sb = nl.load(wd[i * P:(i + 1) * P, n * nc:(n + 1) * nc])
                y_ps += nl.matmul(act_t[i], wd_sb, transpose_x=True)  # [tokens, nc]
            nl.store(y[m * tt:(m + 1) * tt, n * nc:(n + 1) * nc],
                     value=nl.copy(y_ps, dtype=y.dtype))
    return y
