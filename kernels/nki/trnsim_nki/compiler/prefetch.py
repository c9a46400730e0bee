"""prefetch_auto (NKI allocation only; nki.compiler.CompileConfig.prefetch_auto: "the compiler
classifies load destinations automatically, reserves a fixed prefetch ring + slack band in
SBUF, and lets compute/prefetch spill into the shared slack"; "How to tune a NKI kernel with
CompileConfig": the remedy for a DMA load that waits for compute reading a tensor the load does
not write).

Load destinations are the SBUF tiles whose first instruction is a DMA from HBM into them. They
are placed round-robin in a prefetch ring at the top of each partition, so a load only ever
reuses the memory of an earlier load (it waits for the readers of the load `depth` slots
before it, not for unrelated compute). Every other tile, and a load that finds no room in the
ring, goes in the rest of SBUF (the shared slack) with the configured AllocationMode.

Ring size: NKI_PREFETCH_RING_SIZE (bytes per partition) when set; otherwise two slots of the
largest load destination (double buffering). APPROX: the documents name the variable but not
its default or unit; the ring never takes more than half of SBUF.
"""
import os

from ..errors import NkiError
from .allocation import Allocator, Placement, _align_up

RING_ENV = "NKI_PREFETCH_RING_SIZE"
DEFAULT_SLOTS = 2


def load_destinations(program, ranges):
    """Names of the unplaced SBUF tiles whose first use is a DMA from an HBM tensor."""
    hbm = {t.name for t in program.tensors}
    out = set()
    for name, r in ranges.items():
        t = r.tile
        if t.memory != "sbuf" or t.address is not None:
            continue
        ins = program.instructions[r.first]
        src = ins.get("src")
        if (ins["op"] == "dma_copy" and isinstance(ins.get("dst"), str) and
                ins["dst"].split("[", 1)[0] == name and isinstance(src, str) and
                src.split("[", 1)[0] in hbm):
            out.add(name)
    return out


def ring_bytes(loads, capacity, align):
    text = os.environ.get(RING_ENV)
    if text is not None:
        try:
            size = int(text)
        except ValueError:
            size = -1
        if size <= 0:
            raise NkiError("compile", "%s=%r: expected a positive number of bytes per "
                           "partition" % (RING_ENV, text))
    else:
        size = DEFAULT_SLOTS * max((_align_up(r.tile.bytes_per_partition(), align)
                                    for r in loads), default=0)
    return min(_align_up(size, align), capacity // 2 // align * align)


def _dominates(d, e):
    """Whether freed entry d (last, offset, size, name) covers e's bytes and sorts after it:
    every placement overlapping e then overlaps d, so max() never picks e."""
    return d[1] <= e[1] and e[1] + e[2] <= d[1] + d[2] and d > e


def _add_freed(freed, e):
    """Adds e to the freed entries, dropping the ones it dominates (kept small: the previous
    occupant of a spot is the max() of the overlapping freed entries, and a dominated entry
    is never that max, so the result is the same as with every freed entry kept)."""
    if any(_dominates(d, e) for d in freed):
        return
    freed[:] = [d for d in freed if not _dominates(e, d)]
    freed.append(e)


def _ring_place(loads, ring, align):
    """{name: (offset, previous occupant or None)} of the loads that fit the ring (round robin
    from the last placement, wrapping), and the list of those that did not."""
    placed, overflow = {}, []
    live = []    # (last, offset, size, name)
    freed = []   # (last, offset, size, name) of tiles whose range ended
    ptr = 0
    for r in loads:
        size = _align_up(r.tile.bytes_per_partition(), align)
        still = []
        for e in live:
            if e[0] < r.first:
                _add_freed(freed, e)
            else:
                still.append(e)
        live = still
        starts = sorted({0, ptr} | {e[1] + e[2] for e in live})
        order = [a for a in starts if a >= ptr] + [a for a in starts if a < ptr]
        spot = next((a for a in order if a + size <= ring and
                     not any(a < e[1] + e[2] and e[1] < a + size for e in live)), None)
        if spot is None:
            overflow.append(r)
            continue
        prev = [e for e in freed if spot < e[1] + e[2] and e[1] < spot + size]
        occupant = max(prev)[3] if prev else None
        placed[r.tile.name] = (spot, occupant)
        live.append((r.last, spot, size, r.tile.name))
        ptr = spot + size
    return placed, overflow


def allocate(program, ranges, capacity, align, strategy):
    """Placement of the SBUF tiles of `ranges` ({name: LiveRange}) with the prefetch ring.
    Raises OutOfMemory (from the shared region) like Allocator.run."""
    sbuf = [r for r in ranges.values() if r.tile.memory == "sbuf"]
    names = load_destinations(program, ranges)
    loads = [r for r in sbuf if r.tile.name in names]
    ring = ring_bytes(loads, capacity, align)
    base = capacity - ring
    for r in sbuf:
        t = r.tile
        if t.address is not None and t.address + t.bytes_per_partition() > base:
            raise NkiError("compile", "prefetch_auto: %s (%s) has a fixed address in the "
                           "prefetch ring, bytes [%d, %d)" % (t.name, t.source, base, capacity))
    placed, overflow = _ring_place(loads, ring, align)
    shared = [r for r in sbuf if r.tile.name not in placed]
    out = Allocator("sbuf", base, align, 0, strategy).run(shared)
    result = Placement()
    result.address.update(out.address)
    result.reuses.update(out.reuses)
    result.peak_bytes = out.peak_bytes
    for name, (offset, occupant) in placed.items():
        result.address[name] = base + offset
        if occupant is not None:
            result.reuses[name] = occupant
        size = _align_up(ranges[name].tile.bytes_per_partition(), align)
        result.peak_bytes = max(result.peak_bytes, base + offset + size)
    result.ring = {"base": base, "bytes": ring, "tiles": len(placed),
                   "overflow": len(overflow)}
    return result

