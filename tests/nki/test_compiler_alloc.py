"""The compiler stage: live ranges, allocation strategies, PSUM banks, direct allocation,
tile arrays, CompileConfig checks."""
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki import dtypes
from trnsim_nki.compiler import allocation, NkiAllocationError
from trnsim_nki.compiler.config import (Allocation, AllocationMode, CompileConfig,
                                        parse_compile_config)
from trnsim_nki.compiler.liveness import LiveRange
from trnsim_nki.program import LogicalTile

HAVE_BINARY = u.binary_state()[0] == "ok"

KERNELS = '''
import nki
import nki.language as nl
import nki.compiler as ncc


def blocked_matmul(lhsT, rhs):
    """All of lhsT and rhs stay in SBUF as tile arrays (one block per 128 rows of K)."""
    K, M = lhsT.shape
    _, N = rhs.shape
    out = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    NK = K // 128
    a = nl.ndarray((NK, nl.par_dim(128), M), dtype=lhsT.dtype, buffer=nl.sbuf)
    b = nl.ndarray((NK, nl.par_dim(128), N), dtype=rhs.dtype, buffer=nl.sbuf)
    for k in nl.affine_range(NK):
        a[k] = nl.load(lhsT[k * 128:(k + 1) * 128, :])
        b[k] = nl.load(rhs[k * 128:(k + 1) * 128, :])
    for m in nl.affine_range(M // 128):
        for n in nl.affine_range(N // 512):
            acc = nl.zeros((128, 512), dtype=nl.float32, buffer=nl.psum)
            for k in nl.affine_range(NK):
                acc += nl.matmul(a[k][:, m * 128:(m + 1) * 128],
                                 b[k][:, n * 512:(n + 1) * 512], transpose_x=True)
            res = nl.copy(acc, dtype=nl.float32)
            nl.store(out[m * 128:(m + 1) * 128, n * 512:(n + 1) * 512], value=res)
    return out


def eight_accumulators(lhsT, rhs):
    """8 PSUM accumulators of one bank each, live at the same time."""
    out = nl.ndarray((128, 8 * 512), dtype=nl.float32, buffer=nl.shared_hbm)
    acc = nl.zeros((8, nl.par_dim(128), 512), dtype=nl.float32, buffer=nl.psum)
    for k in nl.affine_range(lhsT.shape[0] // 128):
        x = nl.load(lhsT[k * 128:(k + 1) * 128, :])
        for j in nl.affine_range(8):
            y = nl.load(rhs[k * 128:(k + 1) * 128, j * 512:(j + 1) * 512])
            acc[j] += nl.matmul(x, y, transpose_x=True)
    for j in nl.affine_range(8):
        r = nl.copy(acc[j])
        nl.store(out[:, j * 512:(j + 1) * 512], value=r)
    return out


def stream(x):
    """Loads, scales and stores 8 tiles one after another."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(x.shape[0] // 128):
        t = nl.load(x[i * 128:(i + 1) * 128, :])
        y = nl.multiply(t, 2.0)
        nl.store(out[i * 128:(i + 1) * 128, :], value=y)
    return out


def direct(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    buf = nl.ndarray((2, nl.par_dim(128), 512), dtype=x.dtype,
                     buffer=ncc.sbuf.mod_alloc(base_addr=8192, num_free_tiles=(2,)))
    for i in nl.affine_range(4):
        buf[i % 2] = nl.load(x[i * 128:(i + 1) * 128, :])
        y = nl.exp(buf[i % 2])
        nl.store(out[i * 128:(i + 1) * 128, :], value=y)
    return out


def fixed_clash(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    p = nl.ndarray((128, 512), dtype=x.dtype, buffer=nl.sbuf, address=0)
    q = nl.ndarray((128, 512), dtype=x.dtype, buffer=nl.sbuf, address=1024)
    p[...] = nl.load(x[0:128, :])
    q[...] = nl.load(x[128:256, :])
    nl.store(out[0:128, :], value=p)
    nl.store(out[128:256, :], value=q)
    return out
'''


def _r(*shape):
    return np.random.RandomState(1).rand(*shape).astype(np.float32)


def _tile(name, nbytes, address=None):
    return LogicalTile(name, "sbuf", 128, [nbytes // 4], dtypes.float32, "k.py:1", address)


def _ranges(spec):
    """[(name, bytes, first, last)] -> LiveRange list in order of first use."""
    out = []
    for name, nbytes, first, last in spec:
        r = LiveRange(_tile(name, nbytes), first)
        r.last = last
        r.uses = sorted({first, last})
        out.append(r)
    return out


def _overlaps_in_time_and_space(report):
    tiles = report.to_json()["tiles"]
    bad = []
    for i, a in enumerate(tiles):
        for b in tiles[i + 1:]:
            if a["memory"] != b["memory"]:
                continue
            if a["first"] <= b["last"] and b["first"] <= a["last"] and \
                    a["address"] < b["address"] + b["bytes"] and \
                    b["address"] < a["address"] + a["bytes"]:
                bad.append((a["name"], b["name"]))
    return bad


class AllocatorTest(unittest.TestCase):
    SPEC = [("a", 1024, 0, 1), ("b", 1024, 2, 3), ("c", 1024, 4, 5)]

    def place(self, strategy, spec=None, capacity=4096, bank=0):
        alloc = allocation.Allocator("sbuf", capacity, 64, bank, strategy)
        return alloc.run(_ranges(spec or self.SPEC))

    def test_max_reuse_takes_freed_memory(self):
        p = self.place("max_reuse")
        self.assertEqual([p.address[n] for n in "abc"], [0, 0, 0])
        self.assertEqual(p.reuses, {"b": "a", "c": "b"})

    def test_ring_gives_fresh_addresses_until_it_wraps(self):
        p = self.place("ring", capacity=2048)
        self.assertEqual([p.address[n] for n in "abc"], [0, 1024, 0])

    def test_coloring_prefers_memory_freed_longest_ago(self):
        spec = [("a", 1024, 0, 1), ("b", 1024, 2, 3), ("c", 1024, 4, 5), ("d", 1024, 6, 7)]
        p = self.place("coloring", spec, capacity=2048)
        # a and b take the two slots; c reuses a's (freed at 1), d reuses b's (freed at 3)
        self.assertEqual([p.address[n] for n in "abcd"], [0, 1024, 0, 1024])
        self.assertEqual(p.reuses, {"c": "a", "d": "b"})

    def test_fast_stacks_nested_lifetimes(self):
        spec = [("outer", 1024, 0, 9), ("inner", 512, 1, 2), ("late", 512, 3, 4)]
        p = self.place("fast", spec)
        self.assertEqual(p.address["inner"], 1024)  # right after its enclosing tile
        self.assertEqual(p.address["late"], 1024)   # best fit: inner's freed hole

    def test_live_tiles_never_share_memory(self):
        spec = [("a", 1024, 0, 5), ("b", 1024, 1, 2), ("c", 2048, 3, 6)]
        for s in ("coloring", "ring", "fast", "max_reuse"):
            p = self.place(s, spec)
            self.assertNotEqual(p.address["a"], p.address["b"], s)
            self.assertFalse(p.address["a"] < p.address["c"] + 2048 and
                             p.address["c"] < p.address["a"] + 1024, s)

    def test_out_of_memory_names_live_tiles(self):
        spec = [("a", 2048, 0, 5), ("b", 2048, 1, 5), ("c", 1024, 2, 3)]
        with self.assertRaises(allocation.OutOfMemory) as cm:
            self.place("max_reuse", spec)
        self.assertEqual(cm.exception.tile.name, "c")
        self.assertEqual(sorted(r.tile.name for r in cm.exception.live), ["a", "b"])

    def test_psum_bank_rule(self):
        spec = [("a", 1536, 0, 9), ("b", 1024, 1, 9)]
        p = self.place("max_reuse", spec, capacity=16384, bank=2048)
        self.assertEqual(p.address["b"], 2048)  # would straddle banks 0 and 1 at 1536

    def test_fixed_address_is_kept_and_avoided(self):
        rs = _ranges([("free", 1024, 0, 3)])
        fixed = LiveRange(_tile("fixed", 1024, address=0), 1)
        fixed.last = 2
        p = allocation.Allocator("sbuf", 4096, 64, 0, "max_reuse").run([rs[0], fixed])
        self.assertEqual(p.address["fixed"], 0)
        self.assertEqual(p.address["free"], 1024)


class CompiledKernelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.k = u.load_source("compiler_alloc_kernels", KERNELS)

    def test_blocked_matmul_of_161_kib_fits_trn1(self):
        # a: 8 blocks x 1024 fp32 = 32 KiB, b: 8 x 4096 fp32 = 128 KiB, + 2 KiB result tiles
        lhsT, rhs = _r(1024, 1024), _r(1024, 4096)
        trace, rep = trnsim_nki.compile(self.k.blocked_matmul, lhsT, rhs, target="trn1")
        j = rep.to_json()
        self.assertLessEqual(j["peak_sbuf_bytes"], 192 * 1024)
        self.assertEqual(j["spill_count"], 0)
        self.assertEqual(_overlaps_in_time_and_space(rep), [])
        blocks = [t for t in j["tiles"] if t["name"].startswith(("a_b", "b_b"))]
        self.assertEqual(len(blocks), 16)  # each block its own tile
        if HAVE_BINARY:
            out, stats = trnsim_nki.run(self.k.blocked_matmul, lhsT, rhs, target="trn1")
            np.testing.assert_allclose(out, lhsT.T.astype(np.float64) @ rhs, rtol=1e-4)

    def test_eight_accumulators_take_the_eight_banks(self):
        trace, rep = trnsim_nki.compile(self.k.eight_accumulators, _r(256, 128),
                                        _r(256, 4096))
        acc = sorted(t["address"] for t in rep.to_json()["tiles"]
                     if t["memory"] == "psum" and t["name"].startswith("acc_b"))
        self.assertEqual(acc, [j * 2048 for j in range(8)])
        mm = [i for i in trace["instructions"] if i["op"] == "nc_matmul"]
        self.assertEqual([i["accumulate"] for i in mm[:8]], [False] * 8)  # zeros folded
        self.assertNotIn("memset", [i["op"] for i in trace["instructions"]])

    def test_eight_accumulators_values(self):
        if not HAVE_BINARY:
            self.skipTest("no trnsim binary")
        lhsT, rhs = _r(256, 128), _r(256, 4096)
        out, _ = trnsim_nki.run(self.k.eight_accumulators, lhsT, rhs)
        np.testing.assert_allclose(out, lhsT.T.astype(np.float64) @ rhs, rtol=1e-4)

    def test_live_ranges_follow_program_order(self):
        _, rep = trnsim_nki.compile(self.k.stream, _r(512, 256))
        loads = [r for n, r in rep.ranges.items() if n.startswith("t")]
        self.assertEqual(len(loads), 4)
        for a, b in zip(loads, loads[1:]):
            self.assertLess(a.last, b.first)  # each tile dies before the next is loaded

    def test_strategies_differ_as_documented(self):
        x = _r(1024, 256)
        addrs = {}
        for mode in (AllocationMode.RING, AllocationMode.MAX_REUSE):
            cfg = CompileConfig(allocation=Allocation.LINEAR, experimental_allocation_mode=mode)
            _, rep = trnsim_nki.compile(self.k.stream, x, compile_config=cfg)
            addrs[mode] = {r["address"] for r in rep.to_json()["tiles"]
                           if r["name"].startswith("t")}
        self.assertEqual(len(addrs[AllocationMode.RING]), 8)       # a fresh address each
        self.assertEqual(len(addrs[AllocationMode.MAX_REUSE]), 1)  # always the freed one

    def test_direct_allocation_addresses_honoured(self):
        trace, rep = trnsim_nki.compile(self.k.direct, _r(512, 512))
        placed = {r["name"]: r["address"] for r in rep.to_json()["tiles"]}
        self.assertEqual(placed["buf_b0"], 8192)
        self.assertEqual(placed["buf_b1"], 8192 + 512 * 4)
        self.assertEqual(_overlaps_in_time_and_space(rep), [])
        if HAVE_BINARY:
            x = _r(512, 512)
            out, _ = trnsim_nki.run(self.k.direct, x)
            np.testing.assert_allclose(out, np.exp(x.astype(np.float64)), rtol=1e-5)

    def test_overlapping_fixed_addresses_rejected(self):
        with self.assertRaises(NkiAllocationError) as cm:
            trnsim_nki.compile(self.k.fixed_clash, _r(256, 512))
        msg = str(cm.exception)
        self.assertIn("overlapping fixed addresses", msg)
        self.assertIn("compiler_alloc_kernels.py:", msg)


class CompileConfigTest(unittest.TestCase):
    def test_defaults(self):
        c = CompileConfig()
        self.assertIs(c.allocation, Allocation.COLORING)
        self.assertTrue(c.nki_alloc_fallback)
        self.assertFalse(c.linear)

    def test_documented_errors(self):
        with self.assertRaisesRegex(ValueError, "scheduling=True needs"):
            CompileConfig(scheduling=True)
        with self.assertRaisesRegex(ValueError, "prefetch_auto acts only when NKI allocates"):
            CompileConfig(prefetch_auto=True)
        with self.assertRaisesRegex(TypeError, "must be an nki.compiler.AllocationMode"):
            CompileConfig(allocation=Allocation.LINEAR, experimental_allocation_mode="fast")
        with self.assertRaisesRegex(TypeError, "unknown option"):
            CompileConfig(bogus=1)

    def test_parse_command_line_form(self):
        c = parse_compile_config("allocation=linear,allocation_mode=ring,prefetch_auto=1")
        self.assertTrue(c.linear)
        self.assertIs(c.mode, AllocationMode.RING)
        self.assertTrue(c.prefetch_auto)
        with self.assertRaisesRegex(ValueError, "unknown option 'nope'"):
            parse_compile_config("nope=1")
        with self.assertRaisesRegex(ValueError, "expected a boolean"):
            parse_compile_config("allocation=linear,tensor_copy_elim=maybe")

    def test_shim_modules(self):
        import nki.compiler as ncc
        import neuronxcc.nki.compiler as ncc_old
        self.assertIs(ncc.CompileConfig, CompileConfig)
        self.assertIs(ncc_old.AllocationMode, AllocationMode)


if __name__ == "__main__":
    unittest.main()
