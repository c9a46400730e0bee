"""Runtime (data-dependent) addressing in the NKI front end.

Runtime offsets. A runtime offset is written `t[..., nl.ds(offset_tile, size), ...]` (NKI reference, nl.ds: the
start may be a runtime index, a (1, 1) int32/uint32 SBUF tile): the window of `size` indices
of that dimension slides at execution time. The result is a DynamicView: its static bounding
range (the whole dimension as the kernel indexed it), the window and the offset tile. It is an
operand of nisa.tensor_copy_dynamic_src (as src) and nisa.tensor_copy_dynamic_dst (as dst)
(free dims only), and of the DMAs (nl.load, nl.store, nisa.dma_copy; any dim, HBM or on chip);
anything else refuses it with a clear error.

Indirect rows. `t[index_tile, ...]` with an [N, 1] int32/uint32 SBUF tile in the first
position selects row index_tile[p] of t for each p (NKI reference, nl.atomic_rmw: "dynamic
indices have to be in SBUF, with shape [N, 1]"): an IndirectView, read by nl.load /
nisa.dma_copy (an indirect gather) and written by nl.store / nl.atomic_rmw / nisa.dma_copy
(an indirect scatter; atomic_rmw and dst_rmw_op=nl.add accumulate).

nisa.nc_n_gather gathers by an index tile: no view is dynamic, the read range is data whole.
"""
from .dynamic_slice import DynamicSlice
from .emit import emit, fresh, new_tile, on_chip
from .core import NkiTensor
from .errors import NkiError, NkiUnsupportedError

DYNAMIC_USERS = ("nisa.tensor_copy_dynamic_src (src), nisa.tensor_copy_dynamic_dst (dst), "
                 "nl.load, nl.store, nl.atomic_rmw and nisa.dma_copy")


def dynamic_ds(start, size):
    """nl.ds with a runtime start: a (1, 1) int32/uint32 SBUF tile or a VirtualRegister."""
    call = "nl.ds"
    start = getattr(start, "register_tile", start)
    if start.buf.memory == "hbm":
        raise NkiError(call, "a runtime start must be in SBUF (load %s first)" % start.buf.name)
    if start.dtype.name not in ("int32", "uint32"):
        raise NkiError(call, "a runtime start must be int32 or uint32, got %s" % start.dtype.name)
    if start.element_count() != 1:
        raise NkiError(call, "a runtime start must be one element (a (1, 1) tile), got shape %s"
                       % (tuple(start.shape),))
    if isinstance(size, bool) or not hasattr(size, "__index__") or int(size) <= 0:
        raise NkiError(call, "size must be a positive compile-time integer, got %r" % (size,))
    return DynamicSlice(start, int(size))


class DynamicView:
    """A view whose window along one free dimension starts at a runtime offset."""

    operand_hint = (" (a view with a runtime offset, nl.ds(tile, n), is an operand of %s only)"
                    % DYNAMIC_USERS)

    def __init__(self, bound, window_view, dim, offset, window):
        self.bound, self.window_view = bound, window_view
        self.dim, self.offset, self.window = dim, offset, window

    @property
    def shape(self):
        return self.window_view.shape

    @property
    def dtype(self):
        return self.window_view.dtype

    def __getattr__(self, name):
        raise NkiUnsupportedError("tensor[nl.ds(tile, n)]", "a view with a runtime offset "
                                  "supports no .%s; it is an operand of %s only"
                                  % (name, DYNAMIC_USERS))

    def __getitem__(self, idx):
        raise NkiUnsupportedError("tensor[nl.ds(tile, n)]", "indexing a view with a runtime "
                                  "offset again; index the tile once")


def runtime_offset_ap(t, view, scalar_offset, indirect_dim, call):
    """t.ap(pattern, offset, scalar_offset=s, indirect_dim=d) (NKI Access Patterns): the static
    pattern `view`, moved along tensor dimension d by the value of s (a (1, 1) int32/uint32
    SBUF tile or view) when the instruction runs. Supported when the static pattern starts at
    0 along d and walks t's dimensions in order (then it is t[..., nl.ds(s, n), ...])."""
    shape = t.buf.phys_shape
    if isinstance(indirect_dim, bool) or not hasattr(indirect_dim, "__index__") or \
            not 0 <= int(indirect_dim) < len(shape):
        raise NkiError(call, "indirect_dim=%r is not a dimension of %s (rank %d)"
                       % (indirect_dim, t.buf.name, len(shape)))
    d = int(indirect_dim)
    start, count, step = view.sl[d]
    if start != 0 or (step != 1 and count != 1):
        raise NkiUnsupportedError(call, "scalar_offset with a static pattern that starts at %d "
                                  "(step %d) along indirect_dim %d; put the whole offset in "
                                  "the scalar or use t[..., nl.ds(tile, n)]" % (start, step, d))
    if [x for x in view.dims if x is not None] != sorted(x for x in view.dims if x is not None):
        raise NkiUnsupportedError(call, "scalar_offset with a pattern that permutes the "
                                  "dimensions of %s" % t.buf.name)
    base = NkiTensor(t.buf, [(0, n, 1) for n in shape], list(range(len(shape))))
    idx = tuple(slice(a, a + c * st, st) if k != d else dynamic_ds(scalar_offset, c)
                for k, (a, c, st) in enumerate(view.sl))
    return dynamic_index(base, idx, call)


def _with(idx, k, replacement):
    return idx[:k] + (replacement,) + idx[k + 1:]


def dynamic_index(t, idx, call):
    """t[idx] where one entry of idx is a DynamicSlice: a DynamicView."""
    idx = idx if isinstance(idx, tuple) else (idx,)
    ks = [k for k, i in enumerate(idx) if isinstance(i, DynamicSlice)]
    if len(ks) != 1:
        raise NkiUnsupportedError(call, "runtime offsets in %d dimensions (one is supported)"
                                  % len(ks))
    k = ks[0]
    if any(i is Ellipsis for i in idx[:k]):
        raise NkiUnsupportedError(call, "an Ellipsis before a runtime-offset index; write the "
                                  "dimensions out")
    ds = idx[k]
    bound = t._index(_with(idx, k, slice(None)), call)
    first = t._index(_with(idx, k, slice(0, 1)), call)
    dims = [d for d, (a, b) in enumerate(zip(bound.sl, first.sl)) if a != b]
    if len(dims) != 1:
        raise NkiUnsupportedError(call, "a runtime offset on a dimension of size 1")
    dim = dims[0]
    count = bound.sl[dim][1]
    if ds.size > count:
        raise NkiError(call, "nl.ds window of %d does not fit in a dimension of %d"
                       % (ds.size, count))
    window = t._index(_with(idx, k, slice(0, ds.size)), call)
    return DynamicView(bound, window, dim, ds.start, ds.size)


def _no_mask(call, mask):
    if mask is not None:
        raise NkiUnsupportedError(call, "a mask on a runtime-addressed instruction (the mask "
                                  "would cut the static bounding range, not the window)")


def _dynamic(call, v, role):
    if not isinstance(v, DynamicView):
        raise NkiError(call, "%s must be indexed with a runtime offset, t[..., nl.ds(offset_tile,"
                       " size)], got %s" % (role, type(v).__name__))
    on_chip(call, v.bound, role)
    if v.dim == 0:
        raise NkiUnsupportedError(call, "a runtime offset on the partition dimension of %s (the "
                                  "compute engines offset within each partition; nl.load / "
                                  "nl.store / nisa.dma_copy take it)" % role)
    return v


def _check_dtype(call, p, dst):
    from . import dtypes
    if p.get("dtype") is not None and dtypes.to_dtype(p["dtype"]) != dst.dtype:
        raise NkiError(call, "dtype=%s differs from the dtype %s of dst"
                       % (dtypes.to_dtype(p["dtype"]).name, dst.dtype.name))


def tensor_copy_dynamic_src(*args, **kwargs):
    """NKI reference: a copy of src whose window sits at a runtime offset within each
    partition. SDK 2.21-2.26: tensor_copy_dynamic_src(src, *, mask, dtype, engine) returns the
    copy; SDK 2.27+: tensor_copy_dynamic_src(dst, src, engine, name)."""
    from .isa import _REQ, _bind, _result
    call = "nisa.tensor_copy_dynamic_src"
    old = [("src", _REQ), ("mask", None), ("dtype", None), ("engine", None)]
    new = [("dst", _REQ), ("src", _REQ), ("engine", None), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 1)
    src = _dynamic(call, p["src"], "src")
    _no_mask(call, p["mask"])
    dst = _result(call, is_new, p, src.shape, src.dtype)
    _check_dtype(call, p, dst)
    ins = emit("tensor_copy_dynamic_src", mask=p["mask"], engine=p["engine"], dst=dst,
               src=src.bound, offset=src.offset, dim=src.dim, window=src.window)
    return dst if is_new else fresh(dst, ins)


def tensor_copy_dynamic_dst(*args, **kwargs):
    """NKI reference: copies src into the window of dst at a runtime offset within each
    partition; the rest of dst keeps its values. SDK 2.21-2.26: (*, dst, src, mask, dtype,
    engine); SDK 2.27+: (dst, src, engine, name)."""
    from .isa import _REQ, _bind
    call = "nisa.tensor_copy_dynamic_dst"
    # Both generations return dst: one signature takes either's keywords (2.26 passes dst and
    # src by keyword only; 2.27+ takes (dst, src, engine, name) positionally).
    sig = [("dst", _REQ), ("src", _REQ), ("engine", None), ("name", None), ("mask", None),
           ("dtype", None)]
    _, p = _bind(call, args, kwargs, sig, sig, 2)
    dst = _dynamic(call, p["dst"], "dst")
    _no_mask(call, p["mask"])
    src = on_chip(call, p["src"], "src")
    _check_dtype(call, p, dst)
    emit("tensor_copy_dynamic_dst", mask=p["mask"], engine=p["engine"], dst=dst.bound, src=src,
         offset=dst.offset, dim=dst.dim, window=dst.window)
    return dst.bound


def nc_n_gather(*args, **kwargs):
    """NKI reference (SDK 2.27+): nc_n_gather(dst, data, indices, name): per partition,
    dst[p, j] = data[p].flatten()[indices[p, j]] on GpSimd; all tiles in SBUF, indices uint32,
    dst shaped like indices with data's dtype. The result-returning form
    nc_n_gather(data, indices) returns a new tile."""
    from .isa import _REQ, _bind, _result
    call = "nisa.nc_n_gather"
    old = [("data", _REQ), ("indices", _REQ), ("mask", None)]
    new = [("dst", _REQ), ("data", _REQ), ("indices", _REQ), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 2)
    data = on_chip(call, p["data"], "data")
    idx = on_chip(call, p["indices"], "indices")
    for role, t in (("data", data), ("indices", idx)):
        if t.buf.memory != "sbuf":
            raise NkiError(call, "%s must be in SBUF (GpSimd cannot access PSUM)" % role)
    if idx.dtype.name not in ("uint32", "int32"):
        raise NkiError(call, "indices must be uint32, got %s" % idx.dtype.name)
    if idx.shape[0] != data.shape[0]:
        raise NkiError(call, "indices has %d partitions, data has %d (they must match)"
                       % (idx.shape[0], data.shape[0]))
    dst = _result(call, is_new, p, idx.shape, data.dtype)
    if dst.dtype != data.dtype:
        raise NkiError(call, "dst has dtype %s, nc_n_gather writes data's dtype %s"
                       % (dst.dtype.name, data.dtype.name))
    ins = emit("nc_n_gather", mask=p.get("mask"), dst=dst, data=data, indices=idx)
    return dst if is_new else fresh(dst, ins)


def gather_flattened(data, indices, axis=0, dtype=None, mask=None, **kwargs):
    """nl.gather_flattened (NKI reference, both generations): per partition, the free dims of
    data are flattened and indexed by indices (uint32); the result has indices' shape, cast to
    `dtype` (default data's). Lowered to nisa.nc_n_gather on GpSimd, plus a tensor_copy when
    dtype differs. APPROX: the reference says out-of-bounds indices return garbage values;
    here they stop the run with an error naming the instruction and the index."""
    from . import dtypes
    call = "nl.gather_flattened"
    if kwargs:
        raise NkiUnsupportedError(call, "keyword argument %r" % sorted(kwargs)[0])
    if axis not in (0, -1) and axis != getattr(indices, "ndim", 0) - 1:
        raise NkiUnsupportedError(call, "axis=%r (the gather runs over the flattened free "
                                  "dims of each partition)" % (axis,))
    d = on_chip(call, data, "data")
    ix = on_chip(call, indices, "indices")
    for t in (d, ix):
        if not 2 <= t.ndim <= 4:
            raise NkiError(call, "data and indices must be 2-, 3- or 4-dimensional, got shape %s"
                           % (tuple(t.shape),))
    g = nc_n_gather(d, ix, mask=mask)
    if dtype is None or dtypes.to_dtype(dtype) == d.dtype:
        return g
    out = new_tile(ix.shape, dtypes.to_dtype(dtype))
    ins = emit("tensor_copy", mask=mask, dst=out, src=g)
    return fresh(out, ins)


def nonzero_with_count(dst, src, index_offset=0, padding_val=-1, name=None):
    """NKI reference (SDK 2.27+, NeuronCore-v3 and newer): on partitions 0, 16, ..., 112 of
    src [P, T] only, dst [P, T + 1] gets the free indices (+ index_offset) of the nonzero
    elements in order, then padding_val, then their count; its other partitions keep their
    values."""
    from .isa import get_nc_version, nc_version
    call = "nisa.nonzero_with_count"
    if get_nc_version() == nc_version.gen2:
        raise NkiError(call, "is available on NeuronCore-v3 and newer (trn2, trn3), not trn1")
    d, s = on_chip(call, dst, "dst"), on_chip(call, src, "src")
    for what, v in (("index_offset", index_offset), ("padding_val", padding_val)):
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise NkiError(call, "%s must be an integer, got %r" % (what, v))
    emit("nonzero_with_count", dst=d, src=s, index_offset=int(index_offset),
         padding_val=int(padding_val))
    return d


# ---- runtime-addressed DMA -------------------------------------------------------------------
class IndirectView(DynamicView):
    """Rows indices[p] of `bound` (its first dim), one per partition p of the static side."""

    def __init__(self, bound, window_view, indices):
        DynamicView.__init__(self, bound, window_view, 0, indices, window_view.shape[0])
        self.indices = indices


def indirect_index(t, idx, call):
    """t[idx] with an SBUF index tile as the first index: an IndirectView."""
    idx = idx if isinstance(idx, tuple) else (idx,)
    if any(isinstance(i, NkiTensor) for i in idx[1:]):
        raise NkiUnsupportedError(call, "a tile as index of a dimension after the first (only "
                                  "the rows, t[index_tile, ...], are selected indirectly)")
    ix = idx[0]
    if ix.buf.memory != "sbuf":
        raise NkiError(call, "the index tile must be in SBUF (load %s first)" % ix.buf.name)
    if ix.dtype.name not in ("int32", "uint32"):
        raise NkiError(call, "the index tile must be int32 or uint32, got %s" % ix.dtype.name)
    if ix.ndim > 2 or ix.ndim == 2 and ix.shape[1] != 1:
        raise NkiError(call, "the index tile must be [N, 1] (one row index per partition), got "
                       "shape %s" % (tuple(ix.shape),))
    bound = t._index((slice(None),) + idx[1:], call)
    if bound.ndim < 1 or bound.dims[0] != 0:
        raise NkiUnsupportedError(call, "indirect rows need the first dimension of %s kept"
                                  % t.buf.name)
    rows = ix.shape[0]
    window_shape = (rows,) + tuple(bound.shape[1:])
    return IndirectView(bound, _ShapeOnly(window_shape, bound.dtype), ix)


class _ShapeOnly:
    """The shape and dtype of the statically addressed side of an indirect view."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), dtype


def _index_operand(v):
    return v.indices if isinstance(v, IndirectView) else v.offset


def is_runtime_view(v):
    return isinstance(v, DynamicView)


def runtime_dma(call, dst, src, mask=None, accumulate=False, oob_skip=False):
    """One DMA between `dst` and `src`, either (not both) addressed at run time."""
    _no_mask(call, mask)
    if isinstance(dst, DynamicView) and isinstance(src, DynamicView):
        raise NkiUnsupportedError(call, "runtime addressing on both sides of one DMA")
    if isinstance(src, DynamicView):
        if accumulate:
            raise NkiUnsupportedError(call, "accumulating into a destination read by a "
                                      "runtime-addressed source")
        static, dyn, side = dst, src, "src"
    else:
        static, dyn, side = src, dst, "dst"
    if not isinstance(static, NkiTensor):
        raise NkiError(call, "the other side of a runtime-addressed DMA must be a tensor, got %s"
                       % type(static).__name__)
    n_static = static.element_count()
    n_dyn = 1
    for n in dyn.shape:
        n_dyn *= n
    if n_static != n_dyn:
        raise NkiError(call, "%s %s and the runtime-addressed %s %s have different sizes"
                       % ("src" if side == "dst" else "dst", tuple(static.shape), side,
                          tuple(dyn.shape)))
    fields = {"dst": dst.bound if side == "dst" else static,
              "src": dyn.bound if side == "src" else static}
    if isinstance(dyn, IndirectView):
        if static.shape[0] != dyn.shape[0]:
            raise NkiError(call, "%d row indices for a %s of %d partitions"
                           % (dyn.shape[0], "src" if side == "dst" else "dst", static.shape[0]))
        op = "dma_copy_indirect_" + side
        extra = {"accumulate": True} if accumulate else {}
        if oob_skip:
            extra["oob_skip"] = True
        return emit(op, mask=mask, indices=dyn.indices, **fields, **extra)
    if accumulate or oob_skip:
        raise NkiUnsupportedError(call, "%s through a runtime offset (nl.ds); use indirect "
                                  "rows, t[index_tile, ...]" % ("accumulating" if accumulate
                                                                else "oob_mode=skip"))
    return emit("dma_copy_dynamic_" + side, mask=mask, offset=dyn.offset, dim=dyn.dim,
                window=dyn.window, **fields)


def load(src, mask=None, dtype=None):
    """nl.load of a runtime-addressed HBM view: a new SBUF tile of the window's shape."""
    from . import dtypes
    t = new_tile(src.shape, dtypes.to_dtype(dtype) if dtype is not None else src.dtype)
    return fresh(t, runtime_dma("nl.load", t, src, mask))


def atomic_rmw(dst, value, op, mask=None, **kwargs):
    """nl.atomic_rmw (NKI reference, SDK 2.21-2.26): dst = op(dst, value) on HBM rows selected
    indirectly, t[index_tile, ...]; op must be add (the only one documented). Repeated row
    indices add up. APPROX: done as one indirect scatter DMA with accumulate, adding in fp32
    and rounding to dst's dtype per source row."""
    from .isa import alu_name
    call = "nl.atomic_rmw"
    if kwargs:
        raise NkiUnsupportedError(call, "keyword argument %r" % sorted(kwargs)[0])
    if not isinstance(dst, IndirectView):
        raise NkiUnsupportedError(call, "dst must be an HBM tensor indexed indirectly, "
                                  "t[index_tile, ...] (the only form the reference supports)")
    if dst.bound.buf.memory != "hbm":
        raise NkiError(call, "dst must be in HBM, got %s" % dst.bound.buf.memory)
    if alu_name(call, op) != "add":
        raise NkiUnsupportedError(call, "op=%r (only add is documented)" % (op,))
    if not isinstance(value, NkiTensor):
        from .emit import number
        v = number(call, "value", value)
        value = new_tile(dst.shape, dst.dtype)
        emit("memset", dst=value, value=v)
    runtime_dma(call, dst, on_chip(call, value, "value"), mask, accumulate=True)
