"""Spilling (default flow only): when no address is left for a tile, the compiler stores a
live tile that the current instruction does not use to HBM and reloads it before its next
use, splitting its live range in two ("Deep dive: NKI compile configuration": the neuronx-cc
flow spills; NKI allocation fails instead).

The victim is the live tile whose next use is furthest away (Belady). The store goes right
after the victim's last use before the failure point, the reload right before its next use;
the reloaded tile is a new logical tile, so it may land at another address. spill_plan.py
rewrites the program and runs the allocation around the spills.
"""
import bisect

from .liveness import operand_names

# Role of the HBM tensors spills go to (counted as spill/reload traffic in stats.json).
SPILL_ROLE = "spill"


class Spill:
    def __init__(self, tile, store_index, reload_index, tensor, reloaded):
        self.tile, self.store_index, self.reload_index = tile, store_index, reload_index
        self.tensor, self.reloaded = tensor, reloaded

    @property
    def bytes(self):
        return self.tile.partitions * self.tile.bytes_per_partition()


def whole_view(name, shape):
    return "%s[%s]" % (name, ", ".join("0:%d" % s for s in shape))


def choose_victim(instruction, oom):
    """The live tile to spill for `oom` (raised placing a tile first used by `instruction`),
    or None if every live tile is used there."""
    at = oom.index
    used_here = {n for _, n in operand_names(instruction)}
    best = None
    for r in oom.live:
        if r.tile.name in used_here or r.tile.address is not None:
            continue
        j = bisect.bisect_right(r.uses, at)  # uses are in program order
        if j == len(r.uses):
            continue
        nxt = r.uses[j]
        if best is None or nxt > best[0]:
            best = (nxt, r)
    return best[1] if best else None
