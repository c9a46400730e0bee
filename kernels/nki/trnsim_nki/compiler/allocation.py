"""Placement of logical tiles in one on-chip memory (SBUF or PSUM) by live range.

Strategies (nki.compiler.Allocation / AllocationMode, "Deep dive: NKI compile configuration"):
- "coloring": the default neuronx-cc flow, graph coloring of the interference graph after
  tracing. Tiles are coloured in order of first use; among the addresses where a tile fits
  (no overlap with any tile live at the same time) it takes the memory freed longest ago
  (never-used memory first), so a load into reused memory waits for the oldest possible
  reader. APPROX: a greedy interval colouring; the document does not give neuronx-cc's
  colour choice, this one is the choice that leaves loads the most room to run early.
- "ring" (LINEAR + RING): a fresh address after the previous tile, wrapping around; freed
  memory is reused only after the wrap. In PSUM it rotates through the banks.
- "fast" (LINEAR + FAST): a tile whose lifetime nests in the tile allocated just before it is
  stacked right after it; any other tile goes in the free hole that fits it best.
- "max_reuse" (LINEAR + MAX_REUSE): always the free hole that fits best.
Every strategy honours fixed addresses (direct allocation) and, in PSUM, the bank rule: a
tile that fits one bank stays inside one bank, a larger one starts on a bank boundary.
"""
import bisect
import heapq

NEVER = -1  # freed_at of memory no tile has used yet


class OutOfMemory(Exception):
    """No address for `tile` at instruction `index`; `live` are the tiles occupying memory."""

    def __init__(self, memory, tile, index, live, capacity):
        self.memory, self.tile, self.index, self.live, self.capacity = (memory, tile, index,
                                                                        live, capacity)
        super().__init__("%s: %s does not fit" % (memory, tile.name))


class FixedAddressConflict(Exception):
    pass


class Placement:
    """Result of allocating one memory: address and previous occupant of each tile."""

    def __init__(self):
        self.address = {}     # tile name -> byte address in the partition
        self.reuses = {}      # tile name -> name of the tile that last used part of its memory
        self.peak_bytes = 0   # highest end address in use


def _align_up(v, a):
    return (v + a - 1) // a * a


def _covered_free(segs, j, end):
    """(freed_at, last occupant) of the most recently freed of the segments from segs[j] up to
    byte `end`, or None if a used segment lies among them."""
    freed, occupant = NEVER, None
    while True:
        sj = segs[j]
        if sj[2] is not None:
            return None
        if sj[3] > freed:
            freed, occupant = sj[3], sj[4]
        if sj[1] >= end:
            return freed, occupant
        j += 1


class _Memory:
    """Segments [lo, hi) covering the partition, each free (with the instruction index that
    freed it) or used by a tile."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.los = [0]
        self.segs = [[0, capacity, None, NEVER, None]]  # lo, hi, tile name or None, freed_at,
        #                                                 last occupant
        # (freed_at, lo) of every free segment, oldest first; entries go stale when the
        # segment is occupied, merged away or freed again and are dropped when met.
        self.by_age = [(NEVER, 0)]

    def _index(self, a):
        return bisect.bisect_right(self.los, a) - 1

    def probe(self, a, size):
        """(freed_at, last occupant) of the most recently freed segment under [a, a+size) if
        all of it is free, else None."""
        if a < 0 or a + size > self.capacity:
            return None
        i = self._index(a)
        best = (NEVER, None)
        end = a + size
        while i < len(self.segs) and self.segs[i][0] < end:
            s = self.segs[i]
            if s[2] is not None:
                return None
            if s[3] > best[0]:
                best = (s[3], s[4])
            i += 1
        return best

    def _split_at(self, a):
        i = self._index(a)
        s = self.segs[i]
        if s[0] == a:
            return i
        new = [a, s[1], s[2], s[3], s[4]]
        s[1] = a
        self.segs.insert(i + 1, new)
        self.los.insert(i + 1, a)
        return i + 1

    def occupy(self, a, size, name):
        i = self._split_at(a)
        if a + size < self.capacity:
            k = self._split_at(a + size)
            s = self.segs[k]
            if s[2] is None:
                heapq.heappush(self.by_age, (s[3], s[0]))
        j = i
        while j < len(self.segs) and self.segs[j][0] < a + size:
            j += 1
        del self.segs[i + 1:j]
        del self.los[i + 1:j]
        self.segs[i][1] = a + size
        self.segs[i][2] = name

    def release(self, a, name, when):
        i = self._index(a)
        s = self.segs[i]
        s[2], s[3], s[4] = None, when, name
        heapq.heappush(self.by_age, (when, s[0]))
        # merge with free neighbours freed at the same time (keeps the list short)
        if i + 1 < len(self.segs):
            n = self.segs[i + 1]
            if n[2] is None and n[3] == when:
                s[1] = n[1]
                del self.segs[i + 1]
                del self.los[i + 1]
        if i > 0:
            p = self.segs[i - 1]
            if p[2] is None and p[3] == when:
                p[1] = s[1]
                del self.segs[i]
                del self.los[i]

    def oldest_fit(self, size):
        """The coloring choice when every segment boundary is a valid start (no bank rule,
        aligned boundaries, no fixed tiles in the way): (address, (freed_at, last occupant))
        of the free-segment start whose [a, a+size) is all free with the lowest (most recently
        freed time under it, address), or (None, None). Candidates are visited oldest first,
        so the search stops as soon as no unvisited start can do better."""
        heap, segs, los, cap = self.by_age, self.segs, self.los, self.capacity
        kept = []
        seen = set()
        best_key = best_a = best_occ = None
        while heap:
            entry = heap[0]
            if best_key is not None and (entry[0] > best_key or
                                         (entry[0] == best_key and entry[1] > best_a)):
                break
            heapq.heappop(heap)
            if entry in seen:
                continue
            freed0, lo = entry
            i = bisect.bisect_right(los, lo) - 1
            s = segs[i]
            if s[0] != lo or s[2] is not None or s[3] != freed0:
                continue  # stale
            seen.add(entry)
            kept.append(entry)
            end = lo + size
            if end > cap:
                continue
            hit = _covered_free(segs, i, end)
            if hit is None:
                continue
            freed, occupant = hit
            if best_key is None or freed < best_key or (freed == best_key and lo < best_a):
                best_key, best_a, best_occ = freed, lo, occupant
        for e in kept:
            heapq.heappush(heap, e)
        if best_key is None:
            return None, None
        return best_a, (best_key, best_occ)

    def free_starts(self):
        return [s[0] for s in self.segs if s[2] is None]

    def holes(self):
        """Maximal free runs [(lo, hi)]."""
        out = []
        for s in self.segs:
            if s[2] is None:
                if out and out[-1][1] == s[0]:
                    out[-1][1] = s[1]
                else:
                    out.append([s[0], s[1]])
        return out

    def used_names(self):
        return [s[2] for s in self.segs if s[2] is not None]


class Allocator:
    """Places the tiles of one memory (given in order of first use) with `strategy`."""

    def __init__(self, memory, capacity, align, bank_bytes, strategy):
        self.memory, self.capacity, self.align = memory, capacity, align
        self.bank, self.strategy = bank_bytes, strategy

    def _start(self, a, size):
        a = _align_up(a, self.align)
        if self.bank and not (size <= self.bank and a // self.bank == (a + size - 1) // self.bank):
            a = _align_up(a, self.bank)
        return a

    def run(self, ranges):
        """ranges: LiveRange list of this memory's tiles in order of first use."""
        scan = self.scan(ranges)
        for seq, r in enumerate(ranges):
            scan.place(seq, r)
        return scan.out

    def scan(self, ranges):
        """A Scan that places `ranges` one by one (run() places them all)."""
        fixed = [r for r in ranges if r.tile.address is not None]
        self._check_fixed(fixed)
        # every segment boundary is then a multiple of the alignment, so _start(lo) == lo
        self._plain = not self.bank and all(f.tile.address % self.align == 0 for f in fixed)
        return Scan(self, fixed, {r.tile.name: r for r in ranges})

    def _live(self, mem, by_name):
        return [by_name[n] for n in mem.used_names()]

    def _check_fixed(self, fixed):
        for i, a in enumerate(fixed):
            for b in fixed[i + 1:]:
                ta, tb = a.tile, b.tile
                if (a.first <= b.last and b.first <= a.last and
                        ta.address < tb.address + tb.bytes_per_partition() and
                        tb.address < ta.address + ta.bytes_per_partition()):
                    raise FixedAddressConflict(
                        "%s tiles %s (%s, bytes [%d, %d)) and %s (%s, bytes [%d, %d)) have "
                        "overlapping fixed addresses and are live at the same time"
                        % (self.memory, ta.name, ta.source, ta.address,
                           ta.address + ta.bytes_per_partition(), tb.name, tb.source,
                           tb.address, tb.address + tb.bytes_per_partition()))

    def _choose(self, mem, size, ok, ring_ptr, stack, r, extra):
        """(address, probe result) for a tile of `size` bytes, or (None, None). Candidate
        addresses are the starts of free segments and the ends of fixed-address tiles."""
        s = self.strategy
        if s == "coloring" and not extra:
            if self._plain:
                return mem.oldest_fit(size)
            return self._coloring_scan(mem, size)
        if self._plain and not extra:
            return self._choose_plain(mem, size, ring_ptr, stack, r)
        starts = sorted(set(mem.free_starts() + extra))
        if s == "coloring":
            best = None
            for lo in starts:
                a = self._start(lo, size)
                hit = ok(a)
                if hit is not None and (best is None or hit[0] < best[1][0]):
                    best = (a, hit)
                    if hit[0] == NEVER:
                        break
            return best if best else (None, None)
        if s == "ring":
            starts = sorted(set([ring_ptr] + starts))
            k = bisect.bisect_left(starts, ring_ptr)
            for lo in starts[k:] + starts[:k]:
                a = self._start(lo, size)
                hit = ok(a)
                if hit is not None:
                    return a, hit
            return None, None
        if s == "fast" and stack and stack[-1][3] >= r.last:
            a = self._start(stack[-1][1] + stack[-1][2], size)
            hit = ok(a)
            if hit is not None:
                return a, hit
        if s in ("fast", "max_reuse"):
            best = None
            holes = mem.holes()
            for lo0 in starts:
                a = self._start(lo0, size)
                hit = ok(a)
                if hit is None:
                    continue
                lo, hi = next(h for h in holes if h[0] <= a < h[1])
                if best is None or hi - lo < best[0]:
                    best = (hi - lo, a, hit)
            return (best[1], best[2]) if best else (None, None)
        raise ValueError("unknown allocation strategy %r" % s)

    def _choose_plain(self, mem, size, ring_ptr, stack, r):
        """_choose for ring / fast / max_reuse when every free-segment start is a valid start
        and no fixed tile is in the way: a start fits iff the tile ends inside the maximal
        free run (hole) holding it, so the search runs over holes, not starts."""
        s = self.strategy
        cap = self.capacity
        if s == "ring":
            # first fitting start from ring_ptr on, wrapping: ring_ptr itself if free, then
            # the start of each later hole, then the holes from address 0
            segs = mem.segs
            n = len(segs)
            i = mem._index(ring_ptr) if ring_ptr < cap else n
            if i < n and segs[i][2] is None:
                while i < n and segs[i][2] is None:
                    i += 1
                if ring_ptr + size <= segs[i - 1][1]:
                    return ring_ptr, mem.probe(ring_ptr, size)
            for j, wrapped in ((i, False), (0, True)):  # holes after ring_ptr, then before
                while j < n:
                    if segs[j][2] is not None:
                        j += 1
                        continue
                    lo = segs[j][0]
                    if wrapped and lo >= ring_ptr:
                        break
                    while j < n and segs[j][2] is None:
                        j += 1
                    if segs[j - 1][1] - lo >= size:
                        return lo, mem.probe(lo, size)
            return None, None
        if s == "fast" and stack and stack[-1][3] >= r.last:
            a = stack[-1][1] + stack[-1][2]
            hit = mem.probe(a, size)
            if hit is not None:
                return a, hit
        if s in ("fast", "max_reuse"):
            best = None
            for lo, hi in mem.holes():
                n = hi - lo
                if n >= size and (best is None or n < best[1] - best[0]):
                    best = (lo, hi)
            if best is None:
                return None, None
            return best[0], mem.probe(best[0], size)
        raise ValueError("unknown allocation strategy %r" % s)

    def _coloring_scan(self, mem, size):
        """The coloring choice in one pass over the segments (no fixed tiles in the way): the
        start of a free segment whose run of free memory covers the tile and was freed the
        longest ago (lowest address on ties)."""
        segs, n, cap = mem.segs, len(mem.segs), self.capacity
        best_a, best_hit = None, None
        for i in range(n):
            seg = segs[i]
            if seg[2] is not None:
                continue
            a = self._start(seg[0], size)
            end = a + size
            if end > cap:
                break
            j = i
            while segs[j][1] <= a:  # the bank rule moved the start past this segment
                j += 1
            hit = _covered_free(segs, j, end)
            if hit is not None and (best_hit is None or hit[0] < best_hit[0]):
                best_a, best_hit = a, hit
                if hit[0] == NEVER:
                    break
        return best_a, best_hit


class Scan:
    """The state of an allocation in progress: the tiles placed so far, in order of first use.
    place() places the next one; snapshot() / restore() let a caller (spill_plan) go back to
    an earlier tile and go on from there with the same decisions."""

    def __init__(self, alloc, fixed, by_name):
        self.alloc, self.fixed, self.by_name = alloc, fixed, by_name
        self.mem = _Memory(alloc.capacity)
        self.out = Placement()
        self.ending = []  # heap of (last, seq, name, address)
        self.ring_ptr = 0
        self.stack = []   # FAST: [(name, address, size, last)]

    def place(self, seq, r):
        """Places LiveRange `r`, the seq-th of the memory in order of first use; raises
        OutOfMemory."""
        al, mem, out, ending = self.alloc, self.mem, self.out, self.ending
        while ending and ending[0][0] < r.first:
            last, _, name, a = heapq.heappop(ending)
            mem.release(a, name, last)
        size = _align_up(r.tile.bytes_per_partition(), al.align)
        blockers = [f for f in self.fixed
                    if f is not r and f.first <= r.last and r.first <= f.last]

        def ok(a):
            if any(a < f.tile.address + f.tile.bytes_per_partition() and
                   f.tile.address < a + size for f in blockers):
                return None
            return mem.probe(a, size)

        if r.tile.address is not None:
            a = r.tile.address
            hit = mem.probe(a, size)
        else:
            stack = self.stack
            while stack and stack[-1][3] < r.first:
                stack.pop()
            extra = [f.tile.address + f.tile.bytes_per_partition() for f in blockers]
            a, hit = al._choose(mem, size, ok, self.ring_ptr, stack, r, extra)
        if hit is None or a is None:
            raise OutOfMemory(al.memory, r.tile, r.first, al._live(mem, self.by_name),
                              al.capacity)
        mem.occupy(a, size, r.tile.name)
        out.address[r.tile.name] = a
        if hit[1] is not None:
            out.reuses[r.tile.name] = hit[1]
        out.peak_bytes = max(out.peak_bytes, a + size)
        self.ring_ptr = a + size
        if al.bank and al.strategy == "ring":
            self.ring_ptr = _align_up(self.ring_ptr, al.bank)  # PSUM: next bank
        self.stack.append((r.tile.name, a, size, r.last))
        heapq.heappush(ending, (r.last, seq, r.tile.name, a))

    def snapshot(self):
        """The state before the next place(); the placements so far are kept by count (the
        tiles placed after a snapshot are forgotten again by restore())."""
        m = self.mem
        return ([list(s) for s in m.segs], list(m.los), list(m.by_age),
                len(self.out.address), self.out.peak_bytes, list(self.ending), self.ring_ptr,
                list(self.stack))

    def restore(self, snap):
        segs, los, by_age, placed, peak, ending, ring_ptr, stack = snap
        m = self.mem
        m.segs, m.los, m.by_age = [list(s) for s in segs], list(los), list(by_age)
        address, reuses = self.out.address, self.out.reuses
        while len(address) > placed:  # dicts keep insertion order: newest placements last
            name, _ = address.popitem()
            reuses.pop(name, None)
        self.out.peak_bytes = peak
        self.ending, self.ring_ptr, self.stack = list(ending), ring_ptr, list(stack)

    def refresh_lasts(self):
        """Takes the current end of every placed tile still in memory from its LiveRange
        (a spill cuts its victim's range after the snapshot restore() went back to)."""
        names = self.by_name
        self.ending = [(names[e[2]].last,) + e[1:] for e in self.ending]
        heapq.heapify(self.ending)
        self.stack = [e[:3] + (names[e[0]].last,) for e in self.stack]
