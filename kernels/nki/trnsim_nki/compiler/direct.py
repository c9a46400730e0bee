"""Direct allocation (NKI Direct Allocation Developer Guide): nki.compiler.sbuf / psum
.alloc(func) and .mod_alloc(...), passed as the buffer= of a tensor declaration. The rule maps
each block index of a tile array to a byte address in the partition; the compiler then keeps
the tile there (other tiles are placed around it).

Tiles in trnsim always start at partition 0: a rule that asks for another start partition is
reported as unsupported.
"""
import math

from .. import language
from ..errors import NkiError, NkiUnsupportedError

PSUM_BANK_BYTES = 2048  # PSUM: 8 banks of 2 KiB per partition (hardware/NEURONCORE.md)



def _linear_mod(idx, shape):
    """Row-major position of idx modulo `shape` (missing dims count as size 1)."""
    shape = tuple(shape) or (1,) * len(idx)
    shape = tuple(shape) + (1,) * (len(idx) - len(shape))
    pos = 0
    for i, s in zip(idx, shape):
        pos = pos * int(s) + (int(i) % int(s))
    return pos


class DirectBuffer(language._Buffer):
    """An SBUF/PSUM buffer whose tiles have kernel-given addresses."""

    def __init__(self, memory, rule, call):
        super().__init__(memory, memory, None)
        self._rule, self._call = rule, call

    def placement(self, block, partitions, bytes_per_partition):
        try:
            got = self._rule(tuple(block), partitions, bytes_per_partition)
        except Exception as e:  # the kernel's own allocation function failed
            raise NkiError(self._call, "allocation function failed for block %s: %s: %s"
                           % (tuple(block), type(e).__name__, e))
        got = tuple(got) if isinstance(got, (tuple, list)) else (got,)
        if self.memory == "psum":
            if len(got) != 3:
                raise NkiError(self._call, "the allocation function must return (bank, "
                               "start partition, byte address), got %r" % (got,))
            bank, part, addr = (int(x) for x in got)
            if not 0 <= bank < 8:
                raise NkiError(self._call, "PSUM bank %d out of range 0..7" % bank)
            addr += bank * PSUM_BANK_BYTES
        else:
            if len(got) != 2:
                raise NkiError(self._call, "the allocation function must return (start "
                               "partition, byte address), got %r" % (got,))
            part, addr = (int(x) for x in got)
        if part != 0:
            raise NkiUnsupportedError(self._call, "start partition %d (trnsim tiles start at "
                                      "partition 0)" % part)
        if addr < 0:
            raise NkiError(self._call, "negative byte address %d" % addr)
        return addr

    def __repr__(self):
        return "ncc.%s.alloc(...)" % self.memory


class _Space:
    def __init__(self, memory):
        self.memory = memory

    def alloc(self, func):
        if not callable(func):
            raise NkiError("ncc.%s.alloc" % self.memory, "expects a callable, got %r" % (func,))
        return DirectBuffer(self.memory, func, "ncc.%s.alloc" % self.memory)

    def mod_alloc(self, *, base_addr=0, base_partition=0, num_par_tiles=(), num_free_tiles=(),
                  base_bank=0, num_bank_tiles=()):
        """Block idx goes to base + (idx mod num_*_tiles, row-major) x tile size."""
        call = "ncc.%s.mod_alloc" % self.memory
        if math.prod(map(int, num_par_tiles or (1,))) != 1 or base_partition:
            raise NkiUnsupportedError(call, "tiles at partition offsets (num_par_tiles, "
                                      "base_partition)")
        mem = self.memory

        def rule(idx, partitions, nbytes):
            if mem == "psum":
                bank = base_bank + _linear_mod(idx, num_bank_tiles)
                return (bank, 0, base_addr + _linear_mod(idx, num_free_tiles) * nbytes)
            return (0, base_addr + _linear_mod(idx, num_free_tiles) * nbytes)
        return DirectBuffer(self.memory, rule, call)


sbuf = _Space("sbuf")
psum = _Space("psum")
