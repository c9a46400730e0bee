"""Spilling (default flow only): when no address is left for a tile, the compiler stores a
live tile that the current instruction does not use to HBM and reloads it before its next
use, splitting its live range in two ("Deep dive: NKI compile configuration": the neuronx-cc
flow spills; NKI allocation fails instead).

The victim is the live tile whose next use is furthest away (Belady). The store goes right
after the victim's last use before the failure point, the reload right before its next use;
the reloaded tile is a new logical tile, so it may land at another address.
"""
from .liveness import operand_names

# Role of the HBM tensors spills go to. APPROX: the C++ trace codec has no "spill" role yet;
# "scratch" is an internal HBM tensor with the same timing.
SPILL_ROLE = "scratch"


class Spill:
    def __init__(self, tile, store_index, reload_index, tensor, reloaded):
        self.tile, self.store_index, self.reload_index = tile, store_index, reload_index
        self.tensor, self.reloaded = tensor, reloaded

    @property
    def bytes(self):
        return self.tile.partitions * self.tile.bytes_per_partition()


def whole_view(name, shape):
    return "%s[%s]" % (name, ", ".join("0:%d" % s for s in shape))


def choose_victim(program, ranges, oom):
    """The live tile to spill at oom.index, or None if every live tile is used there."""
    at = oom.index
    used_here = {n for _, n in operand_names(program.instructions[at])}
    best = None
    for r in oom.live:
        if r.tile.name in used_here or r.tile.address is not None:
            continue
        later = [u for u in r.uses if u > at]
        if not later:
            continue
        nxt = later[0]
        if best is None or nxt > best[0]:
            best = (nxt, r)
    return best[1] if best else None


def spill(program, victim_range, at):
    """Rewrites `program`: stores the victim after its last use before `at`, reloads it into a
    new logical tile before its next use after `at`. Returns the Spill."""
    v = victim_range.tile
    before = [u for u in victim_range.uses if u < at]
    after = [u for u in victim_range.uses if u > at]
    store_at = before[-1] + 1
    reload_at = after[0]
    hbm = program.add_tensor("spill_" + v.name, v.shape, v.dtype, SPILL_ROLE)
    new = program.add_tile(v.name + "_reload", v.memory, v.partitions, v.free_shape, v.dtype,
                           v.source)
    for i in range(reload_at, len(program.instructions)):
        ins = program.instructions[i]
        for k, n in operand_names(ins):
            if n == v.name:
                ins[k] = new.name + ins[k][len(n):]
    label = "spill of %s (allocated at %s)" % (v.name, v.source)
    reload_ins = {"op": "dma_copy", "dst": whole_view(new.name, v.shape),
                  "src": whole_view(hbm.name, v.shape), "label": label.replace("spill", "reload")}
    store_ins = {"op": "dma_copy", "dst": whole_view(hbm.name, v.shape),
                 "src": whole_view(v.name, v.shape), "label": label}
    program.instructions.insert(reload_at, reload_ins)
    program.instructions.insert(store_at, store_ins)
    return Spill(v, store_at, reload_at + 1, hbm, new)
