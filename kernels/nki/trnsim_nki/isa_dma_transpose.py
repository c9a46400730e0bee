"""nisa.dma_transpose in both API generations: SDK 2.21-2.26 dma_transpose(src, *, axes=None,
mask=None, dtype=None, dge_mode=None) returns the transposed tile; SDK 2.27+
dma_transpose(dst, src, axes=None, dge_mode=..., name=None) writes dst. The reference's
permutations: (1, 0) for a 2-D source, (2, 1, 0) for 3-D and (3, 1, 2, 0) for 4-D.
A 2-D transpose is one trnsim dma_transpose instruction. A 3-D or 4-D one keeps its middle
dims in place, so it is one 2-D transpose per index of the middle dims:
dst[:, b, :] = src[:, b, :].T (3-D), dst[:, b, c, :] = src[:, b, c, :].T (4-D).
APPROX: those are separate DMAs, each paying the DMA fixed cost, where the hardware runs one
transpose DMA with several descriptors.
"""
import itertools

from .core import NkiTensor
from .emit import emit, fresh, new_tile
from .errors import NkiError, NkiUnsupportedError
from .isa import _REQ, _bind

PERMUTATIONS = {2: (1, 0), 3: (2, 1, 0), 4: (3, 1, 2, 0)}


def dma_transpose(*args, **kwargs):
    call = "nisa.dma_transpose"
    old = [("src", _REQ), ("axes", None), ("mask", None), ("dtype", None), ("dge_mode", None)]
    new = [("dst", _REQ), ("src", _REQ), ("axes", None), ("dge_mode", None), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 1)
    x = p["src"]
    if not isinstance(x, NkiTensor):
        raise NkiError(call, "src must be a tile or an HBM tensor, got %s" % type(x).__name__)
    if x.ndim not in PERMUTATIONS:
        raise NkiError(call, "src has rank %d; the reference transposes 2-, 3- and 4-D sources"
                       % x.ndim)
    perm = PERMUTATIONS[x.ndim]
    if p["axes"] is not None and tuple(p["axes"]) != perm:
        raise NkiError(call, "axes=%r for a rank-%d source; the supported axes are (1, 0), "
                       "(2, 1, 0) and (3, 1, 2, 0), one per rank" % (p["axes"], x.ndim))
    shape = tuple(x.shape[a] for a in perm)
    dst = p["dst"] if is_new else new_tile(shape, p["dtype"] or x.dtype)
    if x.ndim == 2:
        ins = emit("dma_transpose", mask=p["mask"], dst=dst, src=x)
        return dst if is_new else fresh(dst, ins)
    if p["mask"] is not None:
        raise NkiUnsupportedError(call, "mask= on a %d-D transpose (it is lowered to one 2-D "
                                  "transpose per middle index)" % x.ndim)
    if not isinstance(dst, NkiTensor) or tuple(dst.shape) != shape:
        raise NkiError(call, "dst has shape %s, expected %s (src %s permuted by %s)"
                       % (tuple(getattr(dst, "shape", ())), shape, tuple(x.shape), perm))
    middle = [range(n) for n in x.shape[1:-1]]
    for idx in itertools.product(*middle):
        sel = (slice(None),) + tuple(slice(i, i + 1) for i in idx) + (slice(None),)
        emit("dma_transpose", dst=dst[sel], src=x[sel])
    return dst  # several instructions write it: not a one-instruction result to retarget
