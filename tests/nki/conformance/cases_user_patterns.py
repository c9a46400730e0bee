"""Conformance: patterns found in published NKI kernels that the front end used to reject
(each case written here; the pattern, not the kernel, comes from what users write):
selections of reshaped HBM tensors that are not blocks of the tensor's dimensions, and the
nki.compiler kernel decorators."""
import numpy as np

import nki
import nki.isa as nisa
import nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(71)


def data(*shape):
    return RNG.uniform(-2.0, 2.0, shape).astype(np.float32)


@case("nl.load", "nl.store", "nl.add")
def reshaped_input_column_and_output_through_reshape():
    """A (4, 64) input seen as (64, 4) groups of 4: column k of the view is every 4th element
    (no block of the (4, 64) tensor); the output is written only through the same reshape."""
    a = data(4, 64)
    ref = (a.reshape(64, 4) + a.reshape(64, 4)[:, 1:2]).reshape(4, 64)

    @nki.jit
    def k(x):
        out = nl.ndarray((4, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        xv = x.reshape((64, 4))
        ov = out.reshape((64, 4))
        col = nl.load(xv[0:64, 1:2])
        for j in nl.static_range(4):
            nl.store(ov[0:64, j:j + 1], nl.add(nl.load(xv[0:64, j:j + 1]), col))
        return out
    return k, (a,), ref, 1e-6


@case("nl.load", "nl.store", "nl.multiply")
def reshaped_window_across_rows_and_returned_reshape():
    """X (2, 128, 6, 6) seen as (2, 128, 36): a window of 20 pixels starting at 7 crosses image
    rows; the result tensor is returned reshaped to 4-D."""
    x = data(2, 128, 6, 6)
    ref = (x.reshape(2, 128, 36)[:, :, 7:27] * 3.0).reshape(2, 128, 4, 5)

    @nki.jit
    def k(X):
        flat = X.reshape((2, 128, 36))
        out = nl.ndarray((2, 128, 20), dtype=nl.float32, buffer=nl.shared_hbm)
        for b in nl.affine_range(2):
            nl.store(out[b], nl.multiply(nl.load(flat[b, :, 7:27]), 3.0))
        return out.reshape((2, 128, 4, 5))
    return k, (x,), ref, 1e-6


@case("nl.load", "nl.store", "nl.exp")
def compiler_decorators_stack_on_jit():
    """@nki.compiler.skip_middle_end_transformations / enable_stack_allocator over @nki.jit,
    reached as attributes of the nki module (no import of nki.compiler)."""
    a = data(128, 32)

    @nki.compiler.enable_stack_allocator
    @nki.compiler.skip_middle_end_transformations
    @nki.jit
    def k(x):
        out = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.exp(nl.load(x)))
        return out
    return k, (a,), np.exp(a.astype(np.float64)), 1e-5


@case("nl.mgrid", "nl.load", "nl.store", "nl.add")
def mask_term_of_a_one_column_grid_axis():
    """`lin = i_p * 1 + i_f` over nl.mgrid[0:128, 0:1]: i_f is always 0, so the mask
    `base + lin < n` bounds the partitions alone (the last strip of a 300-vector)."""
    x, y = data(300), data(300)

    @nki.jit
    def k(a, b):
        out = nl.ndarray((300,), dtype=nl.float32, buffer=nl.shared_hbm)
        for blk in nl.affine_range(3):
            i_p, i_f = nl.mgrid[0:128, 0:1]
            lin = i_p * 1 + i_f
            m = blk * 128 + lin < 300
            ta = nl.zeros((128, 1), dtype=nl.float32, buffer=nl.sbuf)
            ta[i_p, i_f] = nl.load(a[blk * 128 + lin], mask=m)
            tb = nl.load(b[blk * 128 + lin], mask=m)
            nl.store(out[blk * 128 + lin], value=nl.add(ta, tb), mask=m)
        return out
    return k, (x, y), x.astype(np.float64) + y, 1e-6


@case("nl.load", "nl.store")
def python_bool_masks():
    """A mask computed from Python integers is a constant: True masks nothing, False drops the
    instruction (rows past the end of a chunk loop)."""
    a = data(4, 128, 16)
    ref = np.zeros((128, 8, 16))
    ref[:, :4, :] = a.transpose(1, 0, 2)

    @nki.jit
    def k(x):
        out = nl.ndarray((128, 8, 16), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.zeros((nl.par_dim(128), 8, 16), dtype=nl.float32, buffer=nl.sbuf)
        for r in nl.affine_range(8):
            row = r
            t[:, r, :] = nl.load(x[row if row < 4 else 0, :, :], mask=row < 4)
        nl.store(out, t, mask=1 < 2)
        return out
    return k, (a,), ref, 0


@case("nisa.iota", "nl.mgrid", gens="old")
def iota_of_one_grid_axis():
    """nisa.iota(grid.x) of nl.mgrid[0:128, 0:40]: the column index on every partition
    (a 128 x 40 tile), and of nl.mgrid[0:1, 0:16]: one row 0..15."""
    ref = np.concatenate([np.tile(np.arange(40.0), (128, 1)),
                          np.tile(np.arange(16.0) * 2 + 1, (128, 1))], axis=1)

    @nki.jit
    def k():
        out = nl.ndarray((128, 56), dtype=nl.float32, buffer=nl.shared_hbm)
        grid = nl.mgrid[0:128, 0:40]
        cols = nisa.iota(grid.x, dtype=nl.float32)
        row = nisa.iota(2 * nl.mgrid[0:1, 0:16].x + 1, dtype=nl.float32)
        nl.store(out[:, 0:40], cols)
        nl.store(out[:, 40:56], nl.broadcast_to(row, shape=(128, 16)))
        return out
    return k, (), ref, 0


@case("nl.where", "nl.max", "nl.full")
def where_with_far_fill_value():
    """nl.where(cond, x, -3e38 fill) before a row max (the masked-softmax pattern): selected
    values come back exactly, not lost to the fill's magnitude."""
    a = data(128, 64)
    keep = (RNG.uniform(size=(128, 64)) < 0.5).astype(np.float32)
    keep[:, 0] = 1.0
    sel = np.where(keep > 0, a.astype(np.float64), float(np.float32(-3.0e38)))
    ref = np.concatenate([sel, sel.max(axis=1, keepdims=True)], axis=1)

    @nki.jit
    def k(x, c):
        out = nl.ndarray((128, 65), dtype=nl.float32, buffer=nl.shared_hbm)
        fill = nl.full((128, 64), -3.0e38, dtype=nl.float32, buffer=nl.sbuf)
        picked = nl.where(nl.load(c), nl.load(x), fill)
        nl.store(out[:, 0:64], picked)
        nl.store(out[:, 64:65], nl.max(picked, axis=1, keepdims=True))
        return out
    return k, (a, keep), ref, 0


@case("nl.where", "nl.arange", "nl.load")
def where_with_index_predicate():
    """nl.where(i_p < n, x, y) with a mask-style index predicate: rows past n take y (a tile
    or a number), as the condition of a masked-row softmax."""
    a, b = data(128, 32), data(128, 32)
    ref = np.concatenate([np.where(np.arange(128)[:, None] < 100, a, b),
                          np.where(np.arange(32)[None, :] >= 8, a, -5.0)], axis=1)

    @nki.jit
    def k(x, y):
        out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        i_p = nl.arange(128)[:, None]
        i_f = nl.arange(32)[None, :]
        tx, ty = nl.load(x), nl.load(y)
        nl.store(out[:, 0:32], nl.where(i_p < 100, tx, ty))
        nl.store(out[:, 32:64], nl.where(i_f >= 8, tx, -5.0))
        return out
    return k, (a, b), ref, 0


@case("nisa.dma_copy", "nisa.tensor_tensor", gens="new")
def access_pattern_with_scalar_offset():
    """`t.ap(pattern, offset=row * V, scalar_offset=idx_tile.ap(...), indirect_dim=1)`: one
    element per row at a column read from SBUF when the DMA runs (the NKI Library
    cross-entropy target-logit gather)."""
    logits = data(16, 64)
    targets = RNG.integers(0, 64, (16, 1)).astype(np.int32)
    ref = np.take_along_axis(logits, targets, axis=1) * 2.0

    @nki.jit
    def k(lg, tg):
        out = nl.ndarray((16, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        idx = nl.ndarray((16, 1), dtype=nl.int32, buffer=nl.sbuf)
        nisa.dma_copy(dst=idx, src=tg)
        picked = nl.ndarray((16, 1), dtype=nl.float32, buffer=nl.sbuf)
        for r in range(16):
            nisa.dma_copy(dst=picked[r:r + 1, :],
                          src=lg.ap(pattern=[[64, 1], [1, 1]], offset=r * 64,
                                    scalar_offset=idx.ap(pattern=[[1, 1], [1, 1]], offset=r),
                                    indirect_dim=1))
        doubled = nl.ndarray((16, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_tensor(dst=doubled, data1=picked, data2=picked, op=nl.add)
        nisa.dma_copy(dst=out, src=doubled)
        return out
    return k, (logits, targets), ref, 0


@case("nisa.dma_copy", "nisa.tensor_scalar", gens="new")
def hbm_access_pattern_across_dimensions():
    """`src.ap(pattern=[[2, 128], [1, 2]])` of a (256, 1) tensor (pairs of consecutive elements
    on 128 partitions, no dimension of the tensor has step 2), written back the same way into
    an input the kernel returns (the bitonic-sort stage pattern)."""
    a = data(256, 1)
    ref = (a.reshape(128, 2) * -1.0).reshape(256, 1)

    @nki.jit
    def k(src, dst):
        pat = [[2, 128], [1, 2]]
        t = nl.ndarray((128, 2), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=src.ap(pattern=pat, offset=0))
        neg = nl.ndarray((128, 2), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_scalar(dst=neg, data=t, op0=nl.multiply, operand0=-1.0)
        nisa.dma_copy(dst=dst.ap(pattern=pat, offset=0), src=neg)
        return dst
    return k, (a, np.zeros((256, 1), np.float32)), ref, 0


@case("nisa.select_reduce", "nisa.tensor_copy_predicated", gens="new")
def select_with_far_fill_value():
    """nisa.select_reduce(..., on_false=-3e38, reduce_res=row max) and tensor_copy_predicated
    over a -3e38-filled tile (masked max / masked softmax): selected values come back exactly."""
    a = data(128, 64)
    c = (RNG.uniform(size=(128, 64)) < 0.5).astype(np.float32)
    c[:, 3] = 1.0
    fill = float(np.float32(-3.0e38))
    sel = np.where(c != 0, a.astype(np.float64), fill)

    @nki.jit
    def k(x, cond):
        o1 = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        o3 = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        pred = nl.load(cond, dtype=nl.uint8)
        d = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
        m = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.select_reduce(d, pred, nl.load(x), -3.0e38, reduce_res=m)
        nl.store(o1, d)
        nl.store(o2, m)
        t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
        nisa.memset(t, -3.0e38)
        nisa.tensor_copy_predicated(t, nl.load(x), pred)
        nl.store(o3, t)
        return o1, o2, o3
    return k, (a, c), (sel, sel.max(axis=1, keepdims=True), sel), 0


@case("nl.equal", "nl.not_equal", "nl.where", gens="old")
def tile_equality_operators():
    """`iota == targets` and `a != b` on tiles in kernel code are nl.equal / nl.not_equal (the
    one-hot target selection of a cross-entropy kernel)."""
    t = RNG.integers(0, 16, (128, 1)).astype(np.int32)
    a = data(128, 16)
    onehot = (np.arange(16)[None, :] == t).astype(np.float64)
    ref = np.concatenate([onehot * a, (a != a[:, :1]).astype(np.float64)], axis=1)

    @nki.jit
    def k(targets, x):
        out = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        cols = nisa.iota(nl.mgrid[0:128, 0:16].x, dtype=nl.int32)
        hit = cols == nl.load(targets)
        tx = nl.load(x)
        nl.store(out[:, 0:16], nl.where(hit, tx, 0.0))
        nl.store(out[:, 16:32], nl.copy(tx != nl.broadcast_to(tx[:, 0:1], shape=(128, 16)),
                                        dtype=nl.float32))
        return out
    return k, (t, a), ref, 0
