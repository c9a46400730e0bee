"""Tracing state, buffers and views (NKI tensors/tiles) of the NKI front end.

A Buffer is one NKI allocation (an HBM tensor or an SBUF/PSUM tile); an NkiTensor is a view of
a buffer: one (start, count, step) per physical dimension (partition dimension first on chip)
plus the list of logical (NKI-visible) dimensions, each a physical dimension or None for a
size-1 dimension added by reshape. Integer indices keep the physical dimension (count 1) and
drop the logical one, so emitted views always name every buffer dimension.

Allocation. Every on-chip allocation (each call of nl.ndarray / nl.zeros / an operation's
result, each block of a tile array) is its own logical tile with its kernel line; the tracer
makes no placement decision. The compiler (trnsim_nki.compiler) computes live ranges over the
unrolled program and places the tiles, as the NKI compiler does after tracing.

Tile arrays. Dimensions before nl.par_dim are block dimensions (NKI Direct Allocation guide,
Block Dimension Migration guide): nl.ndarray((NB, nl.par_dim(128), F)) is NB separate (128, F)
tiles, each with its own live range; t[i] (t[i, j] for two block dims) is block i.
"""
import linecache
import re
import sys

from .dynamic_slice import DynamicSlice
from .errors import NkiError, NkiUnsupportedError, kernel_location, site_location
from .program import Program
from .tensor_index import general_index
from .tensor_operators import TensorOperators

class _Ctx:
    def __init__(self, name):
        self.program = Program(name)
        self.grid = ()
        self.pid = ()
        self.shared = {}  # shared_hbm allocation site -> (program id, HbmTensor)
        self.assigned_names = {}  # (path, line) -> assigned_name's variable name or None
        # (site, shape, dtype, memory, name) of a plain on-chip allocation with int dims ->
        # (partitions, free dims, name hint, source text): a kernel line allocating in a loop
        # is parsed once
        self.tile_sites = {}


_ctx = None


def ctx():
    if _ctx is None:
        raise NkiError("nki", "NKI API used outside a traced kernel (call the kernel through "
                       "nki.jit / trnsim_nki.run)")
    return _ctx


def begin_trace(name):
    global _ctx
    _ctx = _Ctx(name)
    return _ctx


def end_trace():
    global _ctx
    _ctx = None


def tracing():
    return _ctx is not None


_ASSIGN_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)")


def assigned_name(default, site=None):
    """The variable name on the left of the kernel line being traced (or of kernel_site()
    result `site`), else `default`."""
    path, line = kernel_location() if site is None else site_location(site)
    if not line:
        return default
    cache = _ctx.assigned_names if _ctx is not None else {}
    key = (path, line)
    name = cache.get(key, False)
    if name is False:
        m = _ASSIGN_RE.match(linecache.getline(path, line))
        name = cache[key] = m.group(1) if m else None
    return name or default


class Buffer:
    def __init__(self, memory, phys, dtype, name):
        self.memory = memory  # hbm | sbuf | psum
        self.phys = phys      # program.LogicalTile or program.HbmTensor
        self.dtype = dtype
        self.name = name
        self.written = False
        self.read = False
        self.zero_ins = None  # pending memset 0 of a PSUM tile (see language.accumulate)
        self.view_texts = {}  # tuple(NkiTensor.sl) -> NkiTensor.view_text() of a view of it

    @property
    def phys_shape(self):
        return list(self.phys.shape)


class NkiTensor(TensorOperators):
    """A view of an NKI buffer (what kernels see as a tensor or tile)."""

    def __init__(self, buf, sl, dims, vars_=None):
        self.buf = buf
        self.sl = [tuple(s) for s in sl]  # (start, count, step) per physical dim
        self.dims = list(dims)            # logical dim -> physical dim or None
        self.vars = list(vars_) if vars_ is not None else [None] * len(self.dims)
        self.fresh_ins = None             # instruction that produced this whole temp tile
        self.fresh_mask = None            # the mask that instruction ran under
        self.flat = None                  # (first element, shape) of a reshaped HBM view
        self._shape = None                # shape from sl and dims (set once, never changed)

    # ---- NKI-visible properties ----
    @property
    def shape(self):
        if self.flat is not None:
            return self.flat[1]
        shape = self._shape
        if shape is None:
            sl = self.sl
            shape = self._shape = tuple(1 if d is None else sl[d][1] for d in self.dims)
        return shape

    @property
    def ndim(self):
        if self.flat is not None:
            return len(self.flat[1])
        return len(self.dims)

    @property
    def dtype(self):
        return self.buf.dtype

    @property
    def buffer(self):
        from . import language
        return {"hbm": language.hbm, "sbuf": language.sbuf, "psum": language.psum}[self.buf.memory]

    @property
    def name(self):
        return self.buf.name

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        return "NkiTensor(%s, shape=%s, %s, %s)" % (self.view_text(), self.shape,
                                                    self.dtype.name, self.buf.memory)

    # ---- physical view ----
    def view_text(self):
        key = tuple(self.sl)  # the slices never change once the view is made
        texts = self.buf.view_texts
        text = texts.get(key)
        if text is None:
            parts = [("%d:%d" % (s, s + (c - 1) * st + 1)) if st == 1 else  # slice_text
                     ("%d:%d:%d" % (s, s + (c - 1) * st + 1, st)) for (s, c, st) in self.sl]
            text = texts[key] = "%s[%s]" % (self.buf.name, ", ".join(parts))
        return text

    def box(self):
        """kernel_checks.parse_box(self.view_text()), from the slices instead of the text."""
        dims = []
        for s, c, st in self.sl:
            stop = s + (c - 1) * st + 1
            if st <= 0 or stop <= s:
                return self.buf.name, None
            dims.append((s, stop, st))
        return self.buf.name, (dims or None)

    def is_whole(self):
        return all(s == 0 and st == 1 and c == n for (s, c, st), n in
                   zip(self.sl, self.buf.phys_shape))

    def is_monotonic(self):
        prev = -1
        for d in self.dims:
            if d is not None:
                if d <= prev:
                    return False
                prev = d
        return True

    def straight(self):
        """The same elements with the logical dims in buffer order (undoes a permutation)."""
        order = sorted(range(self.ndim), key=lambda i: -1 if self.dims[i] is None
                       else self.dims[i])
        return NkiTensor(self.buf, self.sl, [self.dims[i] for i in order],
                         [self.vars[i] for i in order])

    def same_view(self, other):
        return isinstance(other, NkiTensor) and other.buf is self.buf and other.sl == self.sl

    def narrow(self, ldim, lo, hi):
        """The view restricted to logical indices [lo, hi) of logical dim `ldim`."""
        if self.flat is not None:
            raise NkiUnsupportedError("mask", "masking a reshaped %s view (index it instead)"
                                      % ("HBM" if self.buf.memory == "hbm" else "on-chip"))
        d = self.dims[ldim]
        if d is None:
            return self
        s, c, st = self.sl[d]
        lo, hi = max(0, lo), min(c, hi)
        sl = list(self.sl)
        sl[d] = (s + lo * st, max(0, hi - lo), st)
        return NkiTensor(self.buf, sl, self.dims, self.vars)

    def out_of_bounds(self):
        """Text describing the first dimension the view overruns, or None."""
        for d, ((s, c, st), n) in enumerate(zip(self.sl, self.buf.phys.shape)):
            if c > 0 and s + (c - 1) * st >= n:
                return "covers [%d, %d] of dimension %d of %s (size %d); mask it" % (
                    s, s + (c - 1) * st, d, self.buf.name, n)
        return None

    def element_count(self):
        n = 1
        for _, c, _ in self.sl:
            n *= c
        return n

    # ---- indexing ----
    def _sliced(self, idx):
        """_index for the common case of plain int (or empty) slice bounds that are in range
        and no step; None for anything else (then _index takes the general path, which also
        reports the errors)."""
        items = idx if type(idx) is tuple else (idx,)
        dims = self.dims
        if len(items) > len(dims):
            return None
        sl = list(self.sl)
        for pos, ix in enumerate(items):
            if type(ix) is not slice or ix.step is not None:
                return None
            d = dims[pos]
            n = 1 if d is None else sl[d][1]
            start, stop = ix.start, ix.stop
            if start is not None and (type(start) is not int or start > n or start < -n):
                return None
            if stop is not None and (type(stop) is not int or stop > n or stop < -n):
                return None
            if d is not None:
                a, b, _ = ix.indices(n)
                s, _, st = sl[d]
                sl[d] = (s + a * st, b - a if b > a else 0, st)
        return NkiTensor(self.buf, sl, dims)

    def _index(self, idx, call="tensor[...]"):
        if self.flat is not None and self.buf.memory != "hbm":
            from . import tile_reshape
            return tile_reshape.index(self, idx)
        if self.flat is None:
            view = self._sliced(idx)
            if view is not None:
                return view
        items = idx if isinstance(idx, tuple) else (idx,)
        if any(isinstance(i, DynamicSlice) for i in items):  # runtime addressing
            from .isa_dynamic import dynamic_index
            return dynamic_index(self, idx, call)
        if items and isinstance(items[0], NkiTensor):
            from .isa_dynamic import indirect_index
            return indirect_index(self, items, call)
        if self.flat is not None:
            from . import hbm_reshape
            return hbm_reshape.index(self, idx, call)
        return general_index(self, idx, call)

    def __getitem__(self, idx):
        return self._index(idx)

    def __setitem__(self, idx, value):
        dst = self._index(idx, "tensor[...] = value")
        if isinstance(value, NkiTensor) and value.same_view(dst):
            return  # `t[i] += x` already updated t[i] in place
        refs = sys.getrefcount(value)
        language.assign(dst, value, refs)

    def __iadd__(self, other):
        refs = sys.getrefcount(other)
        return language.accumulate(self, other, refs)

    # ---- shape manipulation ----
    def reshape(self, shape):
        shape = int_shape("tensor.reshape", shape)
        mine = [s for s in self.shape if s != 1]
        if self.buf.memory == "hbm" and (self.flat is not None or
                                         [s for s in shape if s != 1] != mine):
            from . import hbm_reshape
            return hbm_reshape.reshaped(self, shape)
        if [s for s in shape if s != 1] != mine or self.flat is not None:
            from . import tile_reshape
            whole = tile_reshape.whole_tile_as(self, shape)
            if whole is not None:
                return whole
            raise NkiUnsupportedError("tensor.reshape", "reshape %s -> %s changes more than "
                                      "unit dimensions and is not a whole on-chip tile "
                                      "keeping its partition dim" % (self.shape, tuple(shape)))
        real = [(d, v) for d, v, n in zip(self.dims, self.vars, self.shape) if n != 1]
        unit_phys = [d for d, n in zip(self.dims, self.shape) if n == 1]
        dims, vars_ = [], []
        for s in shape:
            if s == 1:
                dims.append(unit_phys.pop(0) if unit_phys else None)
                vars_.append(None)
            else:
                d, v = real.pop(0)
                dims.append(d)
                vars_.append(v)
        return NkiTensor(self.buf, self.sl, dims, vars_)

    def ap(self, pattern, offset=0, **kwargs):
        """NKI access pattern: pattern = [[step, count], ...] in elements of the buffer laid
        out row-major (partition dimension first on chip), offset = first element. Each
        [step, count] pair must walk one buffer dimension (step a multiple of that
        dimension's row-major stride); count 1 pairs give unit dimensions."""
        call = "tensor.ap"
        shape = self.buf.phys_shape
        strides = [1] * len(shape)
        for d in range(len(shape) - 2, -1, -1):
            strides[d] = strides[d + 1] * shape[d + 1]
        start = []
        rest = int(offset)
        if rest < 0:
            raise NkiError(call, "offset %d is negative" % rest)
        for d in range(len(shape)):
            start.append(rest // strides[d])
            rest %= strides[d]
        sl = [(start[d], 1, 1) for d in range(len(shape))]
        dims, used = [], set()
        from . import tile_reshape
        whole = tile_reshape.whole_tile_pattern(self, pattern, offset) if not kwargs else None
        for pair in pattern:
            step, count = (int(v) for v in pair)
            if count == 1:
                dims.append(None)
                continue
            d = next((d for d in range(len(shape)) if d not in used and step > 0
                      and step % strides[d] == 0 and step // strides[d] < shape[d]
                      and (whole is None or count <= shape[d])), None)
            if d is None and whole is not None:
                return whole  # the whole tile walked in another shape (trnsim_nki.tile_reshape)
            if d is None:
                err = NkiUnsupportedError(call, "pattern entry [%d, %d] does not walk one "
                                          "dimension of %s (shape %s)%s"
                                          % (step, count, self.buf.name, shape,
                                             "; a step-0 (broadcast) entry needs a dimension "
                                             "of its own: load the data once and use "
                                             "nl.broadcast_to" if step == 0 else ""))
                alias = self._ap_alias(pattern, call)
                if alias is None:
                    raise err
                try:
                    return alias.ap(pattern, offset, **kwargs)
                except NkiUnsupportedError:
                    raise err from None
            used.add(d)
            sl[d] = (start[d], count, step // strides[d])
            dims.append(d)
        view = NkiTensor(self.buf, sl, dims)
        oob = view.out_of_bounds()
        if oob:
            raise NkiError(call, "access pattern %s" % oob)
        scalar_offset = kwargs.pop("scalar_offset", None)
        indirect_dim = kwargs.pop("indirect_dim", None)
        if kwargs:
            raise NkiUnsupportedError(call, "keyword %s" % ", ".join(sorted(kwargs)))
        if scalar_offset is not None:
            from .isa_dynamic import runtime_offset_ap
            return runtime_offset_ap(self, view, scalar_offset, indirect_dim, call)
        if indirect_dim is not None:
            raise NkiError(call, "indirect_dim=%r without scalar_offset" % (indirect_dim,))
        return view

    def _ap_alias(self, pattern, call):
        """For an HBM access pattern that does not walk this tensor's dimensions: the whole
        tensor reshaped so it does (an alias, trnsim_nki.hbm_alias), else None."""
        from . import hbm_alias, hbm_reshape
        if self.buf.memory != "hbm" or self.flat is not None:
            return None
        total = 1
        for n in self.buf.phys_shape:
            total *= n
        shape = hbm_alias.ap_shape(total, [(int(a), int(b)) for a, b in pattern])
        if shape is None or shape == self.buf.phys_shape:
            return None
        whole = NkiTensor(self.buf, [(0, n, 1) for n in self.buf.phys_shape],
                          list(range(len(self.buf.phys_shape))))
        return hbm_alias.alias_view(hbm_reshape.reshaped(whole, shape, call), call)

    # ---- SDK 2.31+ NkiTensor view methods (NKI reference, nki.language.NkiTensor) ----
    def _dim(self, dim, call, extra=0):
        n = self.ndim + extra
        d = dim + n if dim < 0 else dim
        if not 0 <= d < max(n, 1):
            raise NkiError(call, "dim %d out of range for rank %d" % (dim, self.ndim))
        return d

    def slice(self, dim, start, end, step=1):
        d = self._dim(dim, "tensor.slice")
        idx = [slice(None)] * self.ndim
        idx[d] = slice(start, end, step)
        return self._index(tuple(idx), "tensor.slice")

    def select(self, dim, index):
        d = self._dim(dim, "tensor.select")
        idx = [slice(None)] * self.ndim
        idx[d] = int(index)
        return self._index(tuple(idx), "tensor.select")

    def permute(self, *dims):
        """The view with logical dims reordered (dims[i] = old dim placed at position i)."""
        call = "tensor.permute"
        order = list(dims[0]) if len(dims) == 1 and isinstance(dims[0], (list, tuple)) \
            else list(dims)
        order = [self._dim(d, call) for d in order]
        if sorted(order) != list(range(self.ndim)):
            raise NkiError(call, "%s is not a permutation of %d dims" % (order, self.ndim))
        if self.flat is not None:
            raise NkiUnsupportedError(call, "permuting a reshaped HBM view")
        if self.buf.memory != "hbm" and order[0] != 0:
            raise NkiError(call, "an on-chip tile keeps its partition dim first")
        return NkiTensor(self.buf, self.sl, [self.dims[i] for i in order],
                         [self.vars[i] for i in order])

    def expand_dim(self, dim):
        d = self._dim(dim, "tensor.expand_dim", extra=1)
        shape = list(self.shape)
        shape.insert(d, 1)
        return self.reshape(shape)

    def squeeze_dim(self, dim):
        d = self._dim(dim, "tensor.squeeze_dim")
        if self.shape[d] != 1:
            raise NkiError("tensor.squeeze_dim", "dim %d has size %d, not 1" % (d,
                                                                                self.shape[d]))
        return self.reshape([n for i, n in enumerate(self.shape) if i != d])

    def get_pattern(self):
        """[[step, count], ...] per logical dim, in row-major buffer elements."""
        shape = self.buf.phys_shape
        strides = [1] * len(shape)
        for d in range(len(shape) - 2, -1, -1):
            strides[d] = strides[d + 1] * shape[d + 1]
        if self.flat is not None:
            return [[st, n] for st, n in zip(_row_major(self.flat[1]), self.flat[1])]
        return [[0, 1] if d is None else [self.sl[d][2] * strides[d], self.sl[d][1]]
                for d in self.dims]

    def is_contiguous(self):
        from . import hbm_reshape
        return self.is_monotonic() and hbm_reshape.flat_range(self) is not None

    def broadcast_to(self, shape):
        from . import language
        return language.broadcast_to(self, shape)

    def astype(self, dtype):
        from . import language
        return language.copy(self, dtype=dtype)

    __hash__ = object.__hash__


def _row_major(shape):
    out, acc = [], 1
    for n in reversed(shape):
        out.insert(0, acc)
        acc *= n
    return out


def _probe_refcounts():
    """Reference counts a temporary argument has inside __setitem__ / __iadd__ (CPython)."""
    out = {}

    class P:
        def __setitem__(self, k, v):
            out["set"] = sys.getrefcount(v)

        def __iadd__(self, v):
            out["iadd"] = sys.getrefcount(v)
            return self

    p = P()
    p[0] = object()
    p += object()
    return out["set"], out["iadd"]


TEMP_REFS_SETITEM, TEMP_REFS_IADD = _probe_refcounts()


from .tile_array import TileArray  # noqa: E402,F401  (tile_array uses this module)
from .core_alloc import Par, alloc, int_shape, new_logical_tile  # noqa: E402,F401  (the same)
from . import language  # noqa: E402  (language uses this module; t[...] = v and t += v call it)
