"""Live ranges of the logical on-chip tiles of a traced (fully unrolled) program.

A tile is live from the first instruction that touches it to the last one, inclusive (the
unrolled program is straight-line code, so this interval is exact). Two tiles whose intervals
do not overlap may share memory; a tile whose last use is at index i is free for a tile whose
first use is at index i + 1 or later.
"""
from ..program import view_name

WRITE_KEYS = ("dst", "reduce_dst")
# Instructions whose "dst" names a bounding range they write only part of, chosen at run time
# (the rest keeps its values): never a whole overwrite of their tile.
PARTIAL_WRITE_OPS = frozenset({"tensor_copy_dynamic_dst", "nonzero_with_count",
                               "dma_copy_dynamic_dst", "dma_copy_indirect_dst",
                               "dma_copy_indirect_src"})  # (with oob_skip)
NOT_OPERANDS = ("op", "label")


class LiveRange:
    __slots__ = ("tile", "first", "last", "uses")

    def __init__(self, tile, first):
        self.tile, self.first, self.last, self.uses = tile, first, first, [first]

    def __repr__(self):
        return "LiveRange(%s, %d..%d)" % (self.tile.name, self.first, self.last)


def operand_names(ins):
    """[(key, buffer name)] of the view operands of one instruction."""
    out = []
    for k, v in ins.items():
        if k in NOT_OPERANDS:
            continue
        n = view_name(v)
        if n is not None:
            out.append((k, n))
    return out


def live_ranges(program):
    """{tile name: LiveRange} for the on-chip tiles the instructions touch, in order of first
    use (dict order). A tile named in program.live_until (tile -> later tile, set by
    split.py) stays live until that tile's first use, so the two never share memory."""
    tiles = {t.name: t for t in program.tiles}
    ranges = {}
    get, tile_of = ranges.get, tiles.get
    for i, ins in enumerate(program.instructions):
        for k, v in ins.items():  # operand_names, inlined (hot)
            if k in NOT_OPERANDS or not isinstance(v, str) or not v.endswith("]"):
                continue
            cut = v.find("[")
            if cut < 0:
                continue
            name = v[:cut]
            t = tile_of(name)
            if t is None:
                continue
            r = get(name)
            if r is None:
                ranges[name] = LiveRange(t, i)
            elif r.last != i:
                r.last = i
                r.uses.append(i)
    for name, later in getattr(program, "live_until", {}).items():
        r, nxt = ranges.get(name), ranges.get(later)
        if r is not None and nxt is not None and nxt.first > r.last:
            r.last = nxt.first
    return ranges
