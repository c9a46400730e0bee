"""nki.isa GpSimd gather and segment instructions, both API generations:
  - nisa.local_gather: SDK 2.21-2.26 local_gather(src_buffer, index, num_elem_per_idx=1,
    num_valid_indices=None, *, mask=None) returns the gathered tile; SDK 2.27+
    local_gather(dst, src_buffer, index, num_elem_per_idx=1, num_valid_indices=None, name=None).
  - nisa.sequence_bounds: SDK 2.21-2.26 sequence_bounds(*, segment_ids, dtype=None) returns a
    (1, 2, n) tile; SDK 2.27+ sequence_bounds(dst, segment_ids, name=None).
Each call is one trnsim instruction of the same name (isa/instructions.def). The constraints the
NKI reference lists are checked here, so a kernel author sees them with the kernel's line.
"""
from . import dtypes
from .emit import emit, fresh, new_tile, on_chip
from .errors import NkiError, NkiUnsupportedError
from .isa import _REQ, _bind

PARTITIONS_PER_CORE = 16     # NKI reference, local_gather: each GpSimd core owns 16 partitions
MAX_INDICES_PER_CORE = 4096  # NKI reference, local_gather: tile size constraint 3
ELEMS_PER_INDEX = (1, 2, 4, 8, 16, 32)


def _sbuf(call, t, what):
    t = on_chip(call, t, what)
    if t.buf.memory != "sbuf":
        raise NkiError(call, "%s must be in SBUF (GpSimd cannot access PSUM)" % what)
    return t


def _int_arg(call, what, v):
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        raise NkiError(call, "%s must be a compile-time integer, got %r" % (what, v))
    return int(v)


def _valid_indices(call, index, num_valid_indices):
    """The number of indices each GpSimd core uses (default: all of its 16 partitions')."""
    per_core = PARTITIONS_PER_CORE * index.element_count() // index.shape[0]
    if num_valid_indices is None:
        valid = per_core
    else:
        valid = _int_arg(call, "num_valid_indices", num_valid_indices)
        if not 1 <= valid <= per_core:
            raise NkiError(call, "num_valid_indices=%d must be in 1..%d (the indices in one "
                           "core's 16 partitions of index %s)" % (valid, per_core,
                                                                  tuple(index.shape)))
    if valid > MAX_INDICES_PER_CORE:
        raise NkiError(call, "%d indices per GpSimd core; local_gather takes at most %d (pass "
                       "num_valid_indices or a smaller index tile)"
                       % (valid, MAX_INDICES_PER_CORE))
    return valid


def local_gather(*args, **kwargs):
    """Per GpSimd core (16 partitions): the core's uint16 indices, index[16c:16c+16] flattened
    partition first, select groups of num_elem_per_idx contiguous elements of each of its
    partitions of src_buffer (free dims flattened). The result keeps src_buffer's dtype and
    holds num_valid_indices * num_elem_per_idx elements per partition; the result-returning
    form returns it shaped (P, num_valid_indices, num_elem_per_idx), as the reference's numpy
    equivalent builds it."""
    call = "nisa.local_gather"
    tail = [("num_elem_per_idx", 1), ("num_valid_indices", None)]
    old = [("src_buffer", _REQ), ("index", _REQ)] + tail + [("mask", None)]
    new = [("dst", _REQ), ("src_buffer", _REQ), ("index", _REQ)] + tail + [("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 2)
    if p["mask"] is not None:
        raise NkiUnsupportedError(call, "mask= (each GpSimd core gathers for all 16 of its "
                                  "partitions; slice the tiles to whole cores instead)")
    src = _sbuf(call, p["src_buffer"], "src_buffer")
    index = _sbuf(call, p["index"], "index")
    if index.dtype.name != "uint16":
        raise NkiError(call, "index must be uint16, got %s" % index.dtype.name)
    parts = src.shape[0]
    if parts % PARTITIONS_PER_CORE:
        raise NkiError(call, "src_buffer has %d partitions; local_gather needs a multiple of 16 "
                       "(one GpSimd core per 16 partitions)" % parts)
    if index.shape[0] != parts:
        raise NkiError(call, "index has %d partitions, src_buffer has %d (they must match)"
                       % (index.shape[0], parts))
    k = _int_arg(call, "num_elem_per_idx", p["num_elem_per_idx"])
    if k not in ELEMS_PER_INDEX:
        raise NkiError(call, "num_elem_per_idx=%d must be one of %s" % (k, ELEMS_PER_INDEX))
    valid = _valid_indices(call, index, p["num_valid_indices"])
    if is_new:
        dst = _sbuf(call, p["dst"], "dst")
        if dst.shape[0] != parts or dst.element_count() != parts * valid * k:
            raise NkiError(call, "dst has shape %s; the gather writes %d partitions x %d "
                           "elements (num_valid_indices %d x num_elem_per_idx %d)"
                           % (tuple(dst.shape), parts, valid * k, valid, k))
        if dst.dtype != src.dtype:
            raise NkiError(call, "dst has dtype %s, local_gather keeps src_buffer's dtype %s "
                           "(no cast)" % (dst.dtype.name, src.dtype.name))
    else:
        dst = new_tile((parts, valid, k), src.dtype)
    attrs = {} if p["num_valid_indices"] is None else {"num_valid_indices": valid}
    ins = emit("local_gather", dst=dst, src=src, index=index, num_elem_per_idx=k, **attrs)
    return dst if is_new else fresh(dst, ins)


def sequence_bounds(*args, **kwargs):
    """Start index and exclusive end index of the segment of each element of segment_ids
    (1, n), 0 being padding (start n, end -1): a (1, 2, n) tile, starts first."""
    call = "nisa.sequence_bounds"
    old = [("segment_ids", _REQ), ("dtype", None)]
    new = [("dst", _REQ), ("segment_ids", _REQ), ("name", None)]
    is_new, p = _bind(call, args, kwargs, old, new, 1)
    ids = _sbuf(call, p["segment_ids"], "segment_ids")
    allowed = ("float32", "int32")
    if ids.dtype.name not in allowed:
        raise NkiError(call, "segment_ids must be float32 or int32, got %s" % ids.dtype.name)
    if ids.shape[0] != 1:
        raise NkiError(call, "segment_ids has %d partitions; the partition dimension must be 1"
                       % ids.shape[0])
    n = ids.element_count()
    if is_new:
        dst = _sbuf(call, p["dst"], "dst")
    else:
        dst = new_tile((1, 2, n), dtypes.to_dtype(p["dtype"]) if p["dtype"] else ids.dtype)
    if dst.dtype.name not in allowed:
        raise NkiError(call, "the output dtype must be float32 or int32, got %s"
                       % dst.dtype.name)
    if dst.shape[0] != 1 or dst.element_count() != 2 * n:
        raise NkiError(call, "dst has shape %s, expected (1, 2, %d): a start and an end index "
                       "for each of the %d segment ids" % (tuple(dst.shape), n, n))
    ins = emit("sequence_bounds", dst=dst, segment_ids=ids)
    return dst if is_new else fresh(dst, ins)
