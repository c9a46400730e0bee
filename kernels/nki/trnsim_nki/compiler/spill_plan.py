"""The default flow's SBUF allocation with spilling, in one scan of the program.

The decisions are those of the plain loop "allocate every tile; on the first tile that does not
fit, spill one victim (spill.py: the live tile whose next use is furthest away) and allocate
the rewritten program again from the start", without its cost (each round re-read the whole
program and re-placed every tile, quadratic in the number of spills):
- Instructions carry order keys instead of list positions. The original instructions have
  keys 0, K, 2K, ... (K = KEY_SPACING); a spill's store and reload get keys between their
  neighbours (exact fractions once a gap is used up), so inserting them renumbers nothing and
  no other live range changes.
- A spill changes only the victim's live range (it now ends at its store) and adds the
  reloaded tile's (from its reload on). Every tile placed before the store's position was
  placed with the victim live, before and after the spill, so its decision stands: the scan
  goes back to the last snapshot taken before that position (one every SNAPSHOT_EVERY tiles)
  and goes on from there, instead of starting over.
The program is rewritten once at the end, with the same instructions in the same order as
the loop's rewrites give.
"""
import bisect
from fractions import Fraction

from .allocation import Allocator, OutOfMemory
from .liveness import LiveRange, live_ranges, operand_names
from .spill import SPILL_ROLE, Spill, whole_view

SNAPSHOT_EVERY = 32


KEY_SPACING = 1 << 32  # between the keys of two original instructions


def _between(a, b):
    """An order key strictly between keys a < b (an int while the gap allows, else exact)."""
    if isinstance(a, int) and isinstance(b, int) and b - a >= 2:
        return (a + b) // 2
    return Fraction(a + b, 2)


class _KeyedProgram:
    """program.instructions addressed by order key; insertions between two neighbours."""

    def __init__(self, program):
        self.program = program
        self.keys = [i * KEY_SPACING for i in range(len(program.instructions))]
        self.ins = dict(zip(self.keys, program.instructions))

    def right_after(self, k):
        j = bisect.bisect_right(self.keys, k)
        return _between(k, self.keys[j] if j < len(self.keys) else k + KEY_SPACING)

    def right_before(self, k):
        j = bisect.bisect_left(self.keys, k)
        return _between(self.keys[j - 1] if j > 0 else k - KEY_SPACING, k)

    def insert(self, key, ins):
        bisect.insort(self.keys, key)
        self.ins[key] = ins

    def write_back(self):
        self.program.instructions[:] = [self.ins[k] for k in self.keys]


def _extended_last(program, r, ranges):
    """r.last after program.live_until (as liveness.live_ranges applies it)."""
    later = getattr(program, "live_until", {}).get(r.tile.name)
    nxt = ranges.get(later) if later else None
    last = r.uses[-1]
    if nxt is not None and nxt.first > last:
        last = nxt.first
    return last


def _spill(kp, ranges, victim, at):
    """spill.spill on the keyed program: stores `victim` right after its last use before key
    `at`, reloads it into a new tile right before its next use. Returns (Spill, reload
    LiveRange); victim's LiveRange is cut at the store."""
    program = kp.program
    v = victim.tile
    before = [u for u in victim.uses if u < at]
    after = [u for u in victim.uses if u > at]
    hbm = program.add_tensor("spill_" + v.name, v.shape, v.dtype, SPILL_ROLE)
    new = program.add_tile(v.name + "_reload", v.memory, v.partitions, v.free_shape, v.dtype,
                           v.source)
    for key in after:
        ins = kp.ins[key]
        for k, n in operand_names(ins):
            if n == v.name:
                ins[k] = new.name + ins[k][len(n):]
    label = "spill of %s (allocated at %s)" % (v.name, v.source)
    reload_key = kp.right_before(after[0])
    kp.insert(reload_key, {"op": "dma_copy", "dst": whole_view(new.name, v.shape),
                           "src": whole_view(hbm.name, v.shape),
                           "label": label.replace("spill", "reload")})
    store_key = kp.right_after(before[-1])
    kp.insert(store_key, {"op": "dma_copy", "dst": whole_view(hbm.name, v.shape),
                          "src": whole_view(v.name, v.shape), "label": label})
    victim.uses = before + [store_key]
    victim.last = _extended_last(program, victim, ranges)
    reloaded = LiveRange(new, reload_key)
    reloaded.uses = [reload_key] + after
    reloaded.last = after[-1]
    return Spill(v, store_key, reload_key, hbm, new), reloaded


class SpillingAllocation:
    """Allocates the SBUF tiles of `program` with `strategy`, spilling with choose(kp, oom)
    -> victim LiveRange or None (the caller's policy) until every tile fits."""

    def __init__(self, program, allocator):
        self.program, self.allocator = program, allocator
        self.kp = _KeyedProgram(program)
        self.ranges = {}
        for n, r in live_ranges(program).items():
            if r.tile.memory == "sbuf":  # instruction indices -> order keys
                r.first, r.last = r.first * KEY_SPACING, r.last * KEY_SPACING
                r.uses = [u * KEY_SPACING for u in r.uses]
                self.ranges[n] = r
        self.order = list(self.ranges.values())
        self.firsts = [r.first for r in self.order]

    def run(self, choose, max_spills):
        """(Placement, [Spill]); raises OutOfMemory when choose gives no victim or after
        max_spills spills."""
        scan = self.allocator.scan(self.order)
        snaps = []  # (seq, snapshot taken before placing order[seq])
        spills = []
        seq = 0
        while seq < len(self.order):
            if seq % SNAPSHOT_EVERY == 0 and (not snaps or snaps[-1][0] < seq):
                snaps.append((seq, scan.snapshot()))
            r = self.order[seq]
            try:
                scan.place(seq, r)
                seq += 1
                continue
            except OutOfMemory as oom:
                victim = choose(self, oom)
                if victim is None or len(spills) >= max_spills:
                    raise
                spill, reloaded = _spill(self.kp, self.ranges, victim, oom.index)
            spills.append(spill)
            self._add(reloaded, scan)
            while snaps and snaps[-1][0] > 0 and \
                    self.order[snaps[-1][0] - 1].first >= spill.store_index:
                snaps.pop()
            seq, snap = snaps[-1]
            scan.restore(snap)
            scan.refresh_lasts()
        self.kp.write_back()
        return scan.out, spills

    def _add(self, reloaded, scan):
        self.ranges[reloaded.tile.name] = reloaded
        scan.by_name[reloaded.tile.name] = reloaded
        j = bisect.bisect_right(self.firsts, reloaded.first)
        self.order.insert(j, reloaded)
        self.firsts.insert(j, reloaded.first)

    def instruction(self, key):
        return self.kp.ins[key]


def allocate_with_spills(program, capacity, align, strategy, choose, max_spills):
    """SpillingAllocation(...).run: (Placement, [Spill]) of the SBUF tiles."""
    alloc = Allocator("sbuf", capacity, align, 0, strategy)
    return SpillingAllocation(program, alloc).run(choose, max_spills)
