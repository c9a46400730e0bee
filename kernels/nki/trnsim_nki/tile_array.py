"""Tile arrays: on-chip tensors with block dimensions before nl.par_dim (NKI Direct Allocation
and Block Dimension Migration guides). Each block is its own logical (P, F) tile, created on
first use so that its live range is its own; t[i] (t[i, j] for two block dims) is block i.
"""
import itertools
import sys

from . import core
from .errors import NkiUnsupportedError
from .tensor_index import norm_index


class TileArray:
    """An on-chip tensor with block dimensions: one logical tile per block (created on first
    use, so each block's live range is its own)."""

    def __init__(self, blocks, parts, free, dtype, memory, hint, placement):
        self.blocks = list(blocks)
        self.parts, self.free = parts, list(free)
        self.dtype, self.memory, self.hint, self.placement = dtype, memory, hint, placement
        self._tiles = {}

    @property
    def shape(self):
        return tuple(self.blocks) + (self.parts,) + tuple(self.free)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def buffer(self):
        from . import language
        return {"sbuf": language.sbuf, "psum": language.psum}[self.memory]

    def __len__(self):
        return self.blocks[0]

    def block(self, idx):
        """The tile of block index tuple `idx` (one int per block dimension)."""
        idx = tuple(norm_index(i, n, "tile_array[...]") for i, n in zip(idx, self.blocks))
        t = self._tiles.get(idx)
        if t is None:
            name = "%s_b%s" % (self.hint, "_".join(str(i) for i in idx))
            t = core.new_logical_tile(self.parts, self.free, self.dtype, self.memory, name,
                                  self.placement, idx)
            self._tiles[idx] = t
        return t

    def all_blocks(self):
        return [self.block(i) for i in itertools.product(*[range(n) for n in self.blocks])]

    def _split(self, idx):
        if not isinstance(idx, tuple):
            idx = (idx,)
        nb = len(self.blocks)
        if len(idx) < nb or any(not hasattr(i, "__index__") for i in idx[:nb]):
            raise NkiUnsupportedError("tile_array[...]", "index the %d block dimension(s) of "
                                      "%s with integers first (t[i] or t[i, ...])"
                                      % (nb, self.hint))
        return self.block(idx[:nb]), idx[nb:]

    def __getitem__(self, idx):
        t, rest = self._split(idx)
        return t[rest] if rest else t

    def __setitem__(self, idx, value):
        from . import language
        t, rest = self._split(idx)
        dst = t._index(rest, "tile_array[...] = value") if rest else t
        if isinstance(value, core.NkiTensor) and value.same_view(dst):
            return  # `t[i] += x` already updated block i in place
        refs = sys.getrefcount(value)  # same frame depth as NkiTensor.__setitem__
        language.assign(dst, value, refs)

    def __repr__(self):
        return "TileArray(%s, shape=%s, %s, %s)" % (self.hint, self.shape, self.dtype.name,
                                                    self.memory)
