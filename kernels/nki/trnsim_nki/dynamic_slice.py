"""nl.ds(start, size) with a runtime start: the index object a kernel puts in a subscript
(no dependencies, so trnsim_nki.core can recognise it; isa_dynamic gives it meaning)."""


class DynamicSlice:
    """A window of `size` indices starting at the value of `start`, a (1, 1) int32/uint32 SBUF
    tile, read when the instruction using the view executes."""

    def __init__(self, start, size):
        self.start, self.size = start, size
