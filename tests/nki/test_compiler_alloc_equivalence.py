"""The allocator makes exactly the placements of its frozen reference (alloc_reference.py, the
algorithm before the speed-up): randomised live-range sets fed to Allocator for every strategy
(SBUF and PSUM bank rules, fixed addresses, out-of-memory), and whole kernels compiled with
the reference allocator swapped in."""
import os
import random
import sys
import unittest
from unittest import mock

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki import compiler, dtypes
from trnsim_nki.compiler import allocation
from trnsim_nki.compiler.config import Allocation, AllocationMode, CompileConfig
from trnsim_nki.compiler.liveness import LiveRange
from trnsim_nki.program import LogicalTile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alloc_reference as ref  # noqa: E402

STRATEGIES = ("coloring", "ring", "fast", "max_reuse")


def _outcome(mod, memory, capacity, align, bank, strategy, ranges):
    """What Allocator.run of module `mod` does: its placement, or the exception it raises."""
    try:
        p = mod.Allocator(memory, capacity, align, bank, strategy).run(ranges)
    except mod.OutOfMemory as e:
        return ("oom", e.tile.name, e.index, [r.tile.name for r in e.live], e.capacity)
    except mod.FixedAddressConflict as e:
        return ("conflict", str(e))
    return ("ok", p.address, p.reuses, p.peak_bytes)


def _random_ranges(rng, n, capacity, align, bank, fixed_share):
    """n live ranges in order of first use, with sizes that make memory fill and fragment."""
    out = []
    first = 0
    big = capacity // 3
    for i in range(n):
        first += rng.choice((0, 0, 1, 1, 1, 2, 5))
        length = rng.choice((0, 1, 2, 3, 5, 8, 20, 60, rng.randrange(200)))
        kind = rng.random()
        if bank and kind < 0.5:
            nbytes = rng.choice((bank, bank // 2, bank // 4, bank - align))
        elif kind < 0.7:
            nbytes = rng.choice((align, 2 * align, 4 * align, 16 * align))
        elif kind < 0.95:
            nbytes = rng.randrange(1, capacity // 8)
        else:
            nbytes = rng.randrange(1, big)
        address = None
        if rng.random() < fixed_share:
            a = rng.randrange(0, capacity - nbytes + 1)
            address = a if rng.random() < 0.3 else a // align * align
        t = LogicalTile("t%d" % i, "psum" if bank else "sbuf", 128, [nbytes], dtypes.uint8,
                        "k.py:%d" % i, address)
        r = LiveRange(t, first)
        r.last = first + length
        r.uses = sorted({first, r.last})
        out.append(r)
    return out


class RandomEquivalenceTest(unittest.TestCase):
    def check(self, seed, n, capacity, align, bank, fixed_share):
        rng = random.Random(seed)
        ranges = _random_ranges(rng, n, capacity, align, bank, fixed_share)
        for s in STRATEGIES:
            want = _outcome(ref, "sbuf", capacity, align, bank, s, ranges)
            got = _outcome(allocation, "sbuf", capacity, align, bank, s, ranges)
            self.assertEqual(got, want, "seed %d strategy %s" % (seed, s))
        return want

    def test_sbuf_random(self):
        kinds = set()
        for seed in range(150):
            kinds.add(self.check(seed, 300, 16384, 64, 0, 0.0)[0])
        self.assertIn("ok", kinds)
        self.assertIn("oom", kinds)

    def test_sbuf_large_capacity(self):
        for seed in range(20):
            self.check(1000 + seed, 1500, 192 * 1024, 64, 0, 0.0)

    def test_sbuf_fixed_addresses(self):
        for seed in range(150):
            self.check(2000 + seed, 120, 16384, 64, 0, 0.05)

    def test_psum_banks(self):
        for seed in range(150):
            self.check(3000 + seed, 300, 16384, 4, 2048, 0.0)

    def test_psum_banks_fixed_addresses(self):
        for seed in range(100):
            self.check(4000 + seed, 120, 16384, 4, 2048, 0.05)


def _compile_both(kernel, arrays, target, cfg):
    def once(mod):
        with mock.patch.object(compiler, "Allocator", mod.Allocator), \
                mock.patch.object(compiler, "OutOfMemory", mod.OutOfMemory), \
                mock.patch.object(compiler, "FixedAddressConflict", mod.FixedAddressConflict):
            try:
                trace, rep = trnsim_nki.compile(kernel, *arrays, target=target,
                                                compile_config=cfg)
            except trnsim_nki.NkiError as e:
                return ("error", str(e))
            return ("ok", trace, rep.to_json())
    return once(ref), once(allocation)


CONFIGS = [None] + [CompileConfig(allocation=Allocation.LINEAR,
                                  experimental_allocation_mode=m, nki_alloc_fallback=True)
                    for m in (AllocationMode.RING, AllocationMode.FAST,
                              AllocationMode.MAX_REUSE)]


class KernelEquivalenceTest(unittest.TestCase):
    def check(self, kernel, arrays, target="trn1"):
        for cfg in CONFIGS:
            want, got = _compile_both(kernel, arrays, target, cfg)
            self.assertEqual(got, want, "%s %s" % (getattr(kernel, "__name__", kernel), cfg))

    def test_matmul_variants(self):
        mod = u.load_example(os.path.join("calibration", "matmul_variants.py"))
        bf = lambda *s: trnsim_nki.as_dtype(np.zeros(s, np.float32), "bfloat16")  # noqa: E731
        for name in ("matmul_tiled", "matmul_hoisted", "matmul_blocked", "matmul_optimised"):
            k = getattr(mod, name)
            self.check(k, (bf(1024, 2048), bf(1024, 1024)))
        self.check(mod.matmul_tiled, (bf(2048, 1024), bf(2048, 2048)))

    def test_compiler_alloc_kernels(self):
        import test_compiler_alloc as t
        k = u.load_source("compiler_alloc_kernels_eq", t.KERNELS)
        r = lambda *s: np.random.RandomState(1).rand(*s).astype(np.float32)  # noqa: E731
        self.check(k.blocked_matmul, (r(1024, 1024), r(1024, 4096)))
        self.check(k.eight_accumulators, (r(256, 128), r(256, 8 * 512)))
        self.check(k.stream, (r(1024, 512),))
        self.check(k.direct, (r(512, 512),))
        self.check(k.fixed_clash, (r(256, 512),))


if __name__ == "__main__":
    unittest.main()
