"""The prefetch ring placement (compiler/prefetch.py) keeps only the freed ring entries that can
still be a previous occupant; its placements and reuses must equal those of keeping every
freed entry (the straightforward, quadratic form written out here), on seeded random load
sequences with mixed sizes and overlapping live ranges."""
import random
import unittest

import nki_test_util  # noqa: F401  (puts the front end on sys.path)
from trnsim_nki.compiler import prefetch
from trnsim_nki.compiler.allocation import _align_up


class _Tile:
    def __init__(self, name, nbytes):
        self.name, self._bytes = name, nbytes

    def bytes_per_partition(self):
        return self._bytes


class _Range:
    def __init__(self, name, nbytes, first, last):
        self.tile, self.first, self.last = _Tile(name, nbytes), first, last


def reference_ring_place(loads, ring, align):
    """_ring_place with every freed entry kept."""
    placed, overflow, live, freed, ptr = {}, [], [], [], 0
    for r in loads:
        size = _align_up(r.tile.bytes_per_partition(), align)
        freed += [e for e in live if e[0] < r.first]
        live = [e for e in live if e[0] >= r.first]
        starts = sorted({0, ptr} | {e[1] + e[2] for e in live})
        order = [a for a in starts if a >= ptr] + [a for a in starts if a < ptr]
        spot = next((a for a in order if a + size <= ring and
                     not any(a < e[1] + e[2] and e[1] < a + size for e in live)), None)
        if spot is None:
            overflow.append(r)
            continue
        prev = [e for e in freed if spot < e[1] + e[2] and e[1] < spot + size]
        placed[r.tile.name] = (spot, max(prev)[3] if prev else None)
        live.append((r.last, spot, size, r.tile.name))
        ptr = spot + size
    return placed, overflow


def random_loads(rng, n):
    loads, first = [], 0
    for i in range(n):
        first += rng.randint(0, 3)
        nbytes = rng.choice([512, 1024, 1536, 2048, 4096, 100, 3000])
        loads.append(_Range("t%d" % i, nbytes, first, first + rng.randint(0, 12)))
    return loads


class PrefetchRing(unittest.TestCase):
    def test_same_placements_as_keeping_every_freed_entry(self):
        rng = random.Random(7)
        for trial in range(200):
            loads = random_loads(rng, rng.randint(1, 120))
            ring = rng.choice([4096, 8192, 12288, 16384])
            with self.subTest(trial=trial):
                got = prefetch._ring_place(loads, ring, 64)
                want = reference_ring_place(loads, ring, 64)
                self.assertEqual(got[0], want[0])
                self.assertEqual([r.tile.name for r in got[1]], [r.tile.name for r in want[1]])

    def test_reuses_name_the_latest_freed_overlapping_load(self):
        loads = [_Range("a", 4096, 0, 1), _Range("b", 4096, 1, 2), _Range("c", 4096, 3, 4),
                 _Range("d", 8192, 5, 6)]
        placed, overflow = prefetch._ring_place(loads, 8192, 64)
        self.assertEqual(overflow, [])
        self.assertEqual(placed["a"], (0, None))
        self.assertEqual(placed["b"], (4096, None))  # a is still live at instruction 1
        self.assertEqual(placed["c"], (0, "a"))
        self.assertEqual(placed["d"], (0, "c"))      # c (last 4) sorts after b (last 2)


if __name__ == "__main__":
    unittest.main()
