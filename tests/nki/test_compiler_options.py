"""One test per CompileConfig option: the same small kernel compiled with the option on and off
runs on the simulator, the values stay equal (and match a float64 reference), and the simulated
time (and the instruction count, spill bytes or placement the option acts on) moves in the
direction "Deep dive: NKI compile configuration", "Reference: NKI CompileConfig options" and
"How to tune a NKI kernel with CompileConfig" document."""
import os
import unittest
import warnings
from unittest import mock

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.compiler import CompileConfigWarning, NkiAllocationError, reorder
from trnsim_nki.compiler.config import (AddressRotation, Allocation, AllocationMode,
                                        CompileConfig, OptLevel, SchedulingHeuristic)

HAVE_BINARY = u.binary_state()[0] == "ok"

KERNELS = '''
import nki
import nki.isa as nisa
import nki.language as nl


def stream(x):
    """load, exp, copy, store per 128-row tile: every load lands in freshly freed memory."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(x.shape[0] // 128):
        t = nl.load(x[i * 128:(i + 1) * 128, :])
        y = nl.exp(t)
        z = nl.copy(y)
        nl.store(out[i * 128:(i + 1) * 128, :], value=z)
    return out


def reused(x):
    """one SBUF tile allocated outside the loop and loaded again by every iteration."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray((128, x.shape[1]), dtype=x.dtype, buffer=nl.sbuf)
    for i in nl.affine_range(x.shape[0] // 128):
        t[...] = nl.load(x[i * 128:(i + 1) * 128, :])
        y = nl.exp(t)
        nl.store(out[i * 128:(i + 1) * 128, :], value=y)
    return out


def vector_bound(x):
    """three elementwise instructions per tile that may run on several engines."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(x.shape[0] // 128):
        t = nl.load(x[i * 128:(i + 1) * 128, :])
        a = nl.add(t, 1.0)
        b = nl.multiply(a, 2.0)
        c = nl.copy(b)
        nl.store(out[i * 128:(i + 1) * 128, :], value=c)
    return out


def sbuf_bounce(x):
    """a load, then an SBUF-to-SBUF DMA into the tile that is stored."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(x.shape[0] // 128):
        t = nl.load(x[i * 128:(i + 1) * 128, :])
        v = nl.ndarray((128, x.shape[1]), dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=v, src=t)
        nl.store(out[i * 128:(i + 1) * 128, :], value=v)
    return out


def with_dead_code(x):
    """exp(x), plus a chain of DEAD_ACTIVATIONS activations and a reduction whose results
    nothing reads (enough scalar-engine work to outlast the DMAs)."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(x.shape[0] // 128):
        t = nl.load(x[i * 128:(i + 1) * 128, :])
        unused = t
        for _ in range(8):
            unused = nl.tanh(unused)
        unused_sum = nl.sum(unused, axis=1)
        y = nl.exp(t)
        nl.store(out[i * 128:(i + 1) * 128, :], value=y)
    return out


def behind_a_chain(x, y):
    """vector work on y queued, in kernel order, behind a vector op that waits for a chain of
    scalar-engine activations on x."""
    out_x = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    out_y = nl.ndarray(y.shape, dtype=y.dtype, buffer=nl.shared_hbm)
    a = nl.load(x)
    b = nl.load(y)
    for _ in range(8):
        a = nl.tanh(a)
    nl.store(out_x, value=nl.add(a, 1.0))
    for _ in range(8):
        b = nl.multiply(b, 0.5)
    nl.store(out_y, value=b)
    return out_x, out_y


def side_work_first(x, y):
    """in kernel order, three vector ops on y (nothing depends on them) come before the vector
    op that heads a chain of scalar-engine activations on x."""
    out_x = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    out_y = nl.ndarray(y.shape, dtype=y.dtype, buffer=nl.shared_hbm)
    b = nl.load(y)
    a = nl.load(x)
    side = b
    for _ in range(3):
        side = nl.multiply(side, 2.0)
    head = nl.add(a, 1.0)
    for _ in range(8):
        head = nl.tanh(head)
    nl.store(out_y, value=side)
    nl.store(out_x, value=head)
    return out_x, out_y
'''

LINEAR = dict(allocation=Allocation.LINEAR)
DEAD_ACTIVATIONS = 8  # the tanh chain of with_dead_code
SHAPE = (1024, 1024)


def _x():
    return np.random.RandomState(7).rand(*SHAPE).astype(np.float32)


def _exp(x):
    return np.exp(x.astype(np.float64))


@unittest.skipUnless(HAVE_BINARY, "no trnsim binary")
class CompileConfigOptionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.k = u.load_source("compile_config_option_kernels", KERNELS)

    def run_pair(self, kernel, ref, off, on, x=None):
        """(stats off, stats on, trace off, trace on) of `kernel` under the two configs; checks
        both outputs against `ref` and against each other."""
        x = _x() if x is None else x
        results = []
        for kw in (off, on):
            cfg = CompileConfig(**kw)
            trace = trnsim_nki.trace(kernel, x, compile_config=cfg, target="trn1")
            out, stats = trnsim_nki.run(kernel, x, compile_config=cfg, target="trn1")
            np.testing.assert_allclose(out, ref(x), rtol=1e-5)
            results.append((out, stats, trace))
        np.testing.assert_array_equal(results[0][0], results[1][0])
        return results[0][1], results[1][1], results[0][2], results[1][2]

    def test_allocation_mode_ring_overlaps_loads(self):
        # RING gives each load memory nobody used lately; MAX_REUSE the hole just freed
        off, on, _, _ = self.run_pair(
            self.k.stream, _exp,
            dict(experimental_allocation_mode=AllocationMode.MAX_REUSE, **LINEAR),
            dict(experimental_allocation_mode=AllocationMode.RING, **LINEAR))
        self.assertLess(on["total_ns"], off["total_ns"])

    def test_prefetch_auto_puts_loads_in_the_ring(self):
        base = dict(experimental_allocation_mode=AllocationMode.MAX_REUSE, **LINEAR)
        off, on, _, trace = self.run_pair(self.k.stream, _exp, base,
                                          dict(prefetch_auto=True, **base))
        self.assertLess(on["total_ns"], 0.9 * off["total_ns"])
        ring = on["compiler"]["prefetch_ring"]
        self.assertIsNone(off["compiler"]["prefetch_ring"])
        self.assertEqual(ring["tiles"], SHAPE[0] // 128)
        self.assertEqual(ring["overflow"], 0)
        # every load destination lies in the ring at the top of the partition
        loads = {i["dst"].split("[")[0] for i in trace["instructions"]
                 if i["op"] == "dma_copy" and i["src"].startswith("x[")}
        addresses = {t["name"]: t["address"] for t in trace["tiles"]}
        self.assertTrue(loads)
        for name in loads:
            self.assertGreaterEqual(addresses[name], ring["base"])

    def test_prefetch_ring_size_from_the_environment(self):
        cfg = CompileConfig(prefetch_auto=True, **LINEAR)
        slot = SHAPE[1] * 4
        with mock.patch.dict(os.environ, {"NKI_PREFETCH_RING_SIZE": str(3 * slot)}):
            _, rep = trnsim_nki.compile(self.k.stream, _x(), compile_config=cfg, target="trn1")
        self.assertEqual(rep.to_json()["prefetch_ring"]["bytes"], 3 * slot)
        with mock.patch.dict(os.environ, {"NKI_PREFETCH_RING_SIZE": "lots"}):
            with self.assertRaisesRegex(Exception, "NKI_PREFETCH_RING_SIZE='lots'"):
                trnsim_nki.compile(self.k.stream, _x(), compile_config=cfg, target="trn1")

    def test_split_reused_buffers_gives_each_load_its_own_buffer(self):
        base = dict(experimental_allocation_mode=AllocationMode.RING, **LINEAR)
        off, on, t_off, t_on = self.run_pair(self.k.reused, _exp, base,
                                             dict(split_reused_buffers=True, **base))
        self.assertLess(on["total_ns"], 0.9 * off["total_ns"])
        self.assertEqual(on["compiler"]["split_tiles"], SHAPE[0] // 128 - 1)
        self.assertEqual(len(t_on["instructions"]), len(t_off["instructions"]))

    def test_split_reused_buffers_under_fast(self):
        off, on, _, _ = self.run_pair(self.k.reused, _exp, LINEAR,
                                      dict(split_reused_buffers=True, **LINEAR))
        self.assertLess(on["total_ns"], off["total_ns"])

    def test_engine_balancing_spreads_elementwise_work(self):
        off, on, t_off, t_on = self.run_pair(
            self.k.vector_bound, lambda x: (x.astype(np.float64) + 1) * 2, LINEAR,
            dict(engine_balancing=True, **LINEAR))
        self.assertLess(on["total_ns"], off["total_ns"])
        engines = {i.get("engine", "vector") for i in t_on["instructions"]
                   if i["op"] in ("tensor_scalar", "tensor_copy")}
        self.assertGreater(len(engines), 1)
        self.assertGreater(on["compiler"]["engine_moves"], off["compiler"]["engine_moves"])

    def test_opt_level_o0_keeps_default_engines(self):
        # O1 (default) chooses the engine of tensor_copy; O0 keeps every default
        off, on, t_off, t_on = self.run_pair(
            self.k.vector_bound, lambda x: (x.astype(np.float64) + 1) * 2,
            dict(opt_level=OptLevel.O0, **LINEAR), LINEAR)
        self.assertEqual(off["compiler"]["engine_moves"], 0)
        self.assertTrue(all("engine" not in i for i in t_off["instructions"]))
        self.assertGreater(on["compiler"]["engine_moves"], 0)
        self.assertLessEqual(on["total_ns"], off["total_ns"])

    def test_opt_level_o2_turns_on_prefetch_and_copy_elim(self):
        base = dict(experimental_allocation_mode=AllocationMode.MAX_REUSE, **LINEAR)
        off, on, t_off, t_on = self.run_pair(self.k.stream, _exp, base,
                                             dict(opt_level=OptLevel.O2, **base))
        self.assertLess(on["total_ns"], off["total_ns"])
        self.assertIsNotNone(on["compiler"]["prefetch_ring"])
        self.assertLess(len(t_on["instructions"]), len(t_off["instructions"]))

    def test_tensor_copy_elim_removes_copies(self):
        off, on, t_off, t_on = self.run_pair(self.k.stream, _exp, LINEAR,
                                             dict(tensor_copy_elim=True, **LINEAR))
        n = SHAPE[0] // 128
        self.assertEqual(len(t_off["instructions"]) - len(t_on["instructions"]), n)
        self.assertLessEqual(on["total_ns"], off["total_ns"])

    def test_dma_copy_elim_loads_into_the_destination(self):
        off, on, t_off, t_on = self.run_pair(self.k.sbuf_bounce, lambda x: x, LINEAR,
                                             dict(dma_copy_elim=True, **LINEAR))
        dmas = [sum(i["op"] == "dma_copy" for i in t["instructions"]) for t in (t_off, t_on)]
        self.assertEqual(dmas[0] - dmas[1], SHAPE[0] // 128)
        self.assertLess(on["total_ns"], off["total_ns"])

    def test_dead_code_elim_removes_unread_results(self):
        off, on, t_off, t_on = self.run_pair(self.k.with_dead_code, _exp,
                                             dict(dead_code_elim=False), {})
        n = SHAPE[0] // 128
        dead = (DEAD_ACTIVATIONS + 1) * n
        self.assertEqual(len(t_off["instructions"]) - len(t_on["instructions"]), dead)
        self.assertEqual(on["compiler"]["dead_instructions"], dead)
        self.assertLess(on["total_ns"], off["total_ns"])

    def test_scheduling_trivial_keeps_the_kernel_order(self):
        base = dict(experimental_allocation_mode=AllocationMode.RING, scheduling=True, **LINEAR)
        off, on, _, _ = self.run_pair(
            self.k.stream, _exp,
            dict(experimental_scheduling_heuristic=SchedulingHeuristic.TRIVIAL, **base), base)
        self.assertLess(on["total_ns"], off["total_ns"])

    def test_scheduling_asap_runs_ready_compute_first(self):
        # NKI scheduling picks the ready instruction that can start first: the multiplies
        # of y run on the vector engine while the scalar engine works through the tanh chain.
        # Baseline: the same config with a one-instruction window (nothing reorders).
        rng = np.random.RandomState(5)
        x, y = rng.rand(128, 2048).astype(np.float32), rng.rand(128, 2048).astype(np.float32)
        ref_x = x.astype(np.float64)
        for _ in range(8):
            ref_x = np.tanh(ref_x)
        cfg = CompileConfig(scheduling=True, experimental_allocation_mode=AllocationMode.RING,
                            **LINEAR)
        runs = []
        for window in (1, reorder.WINDOW):
            with mock.patch.object(reorder, "WINDOW", window):
                trace = trnsim_nki.trace(self.k.behind_a_chain, x, y, compile_config=cfg,
                                         target="trn1")
                (ox, oy), stats = trnsim_nki.run(self.k.behind_a_chain, x, y,
                                                 compile_config=cfg, target="trn1")
            np.testing.assert_allclose(ox, ref_x + 1, rtol=1e-5)
            np.testing.assert_allclose(oy, y.astype(np.float64) * 0.5 ** 8, rtol=1e-6)
            runs.append((ox, oy, stats, trace))
        (ox0, oy0, kept, t_kept), (ox1, oy1, moved, t_moved) = runs
        np.testing.assert_array_equal(ox0, ox1)
        np.testing.assert_array_equal(oy0, oy1)
        self.assertEqual(kept["compiler"]["scheduled_moves"], 0)
        self.assertGreater(moved["compiler"]["scheduled_moves"], 0)
        self.assertLess(moved["total_ns"], 0.95 * kept["total_ns"])
        self.assertEqual(len(t_moved["instructions"]), len(t_kept["instructions"]))

        def first(trace, src_prefix):
            return next(n for n, i in enumerate(trace["instructions"])
                        if i["op"] == "tensor_scalar" and i["src"].startswith(src_prefix))
        self.assertLess(first(t_kept, "a_8["), first(t_kept, "b["))
        self.assertLess(first(t_moved, "b["), first(t_moved, "a_8["))

    def test_scheduling_critical_path_starts_the_long_chain_first(self):
        # ASAP finds the side work and the chain's head ready together and keeps the kernel's
        # order; CRITICAL_PATH runs the head of the longer path first
        rng = np.random.RandomState(6)
        x, y = rng.rand(128, 2048).astype(np.float32), rng.rand(128, 2048).astype(np.float32)
        ref_x = x.astype(np.float64) + 1
        for _ in range(8):
            ref_x = np.tanh(ref_x)
        base = dict(scheduling=True, experimental_allocation_mode=AllocationMode.RING, **LINEAR)
        runs = []
        for h in (SchedulingHeuristic.ASAP, SchedulingHeuristic.CRITICAL_PATH):
            cfg = CompileConfig(experimental_scheduling_heuristic=h, **base)
            trace = trnsim_nki.trace(self.k.side_work_first, x, y, compile_config=cfg,
                                     target="trn1")
            (ox, oy), stats = trnsim_nki.run(self.k.side_work_first, x, y, compile_config=cfg,
                                             target="trn1")
            np.testing.assert_allclose(ox, ref_x, rtol=1e-5)
            np.testing.assert_allclose(oy, y.astype(np.float64) * 8, rtol=1e-6)
            vector = [i["src"].split("[")[0] for i in trace["instructions"]
                      if i["op"] == "tensor_scalar"]
            runs.append((ox, oy, stats["total_ns"], vector[0]))
        (ox0, oy0, asap, first0), (ox1, oy1, critical, first1) = runs
        np.testing.assert_array_equal(ox0, ox1)
        np.testing.assert_array_equal(oy0, oy1)
        self.assertEqual((first0, first1), ("b", "a"))
        self.assertLess(critical, 0.95 * asap)

    def test_allocation_linear_without_fallback_fails_where_coloring_spills(self):
        # 8 live [128, 8192] fp32 tiles need 256 KiB per partition, trn1 has 192 KiB
        x = np.random.RandomState(3).rand(128, 8 * 8192).astype(np.float32)
        src = KERNELS + '''

def too_big(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    ts = []
    for j in range(8):
        ts.append(nl.load(x[:, j * 8192:(j + 1) * 8192]))
    for j in range(8):
        nl.store(out[:, j * 8192:(j + 1) * 8192], value=nl.exp(ts[j]))
    return out
'''
        k = u.load_source("compile_config_option_too_big", src)
        _, rep = trnsim_nki.compile(k.too_big, x, target="trn1")
        self.assertGreater(rep.to_json()["spill_bytes"], 0)
        cfg = CompileConfig(nki_alloc_fallback=False, **LINEAR)
        with self.assertRaisesRegex(NkiAllocationError, "largest live tensor"):
            trnsim_nki.compile(k.too_big, x, compile_config=cfg, target="trn1")

    def test_non_ssa_legalization_rotates_a_reused_buffer_in_the_default_flow(self):
        # the backend allocates the tile (COLORING), so under AddressRotation.AUTO its
        # legalized versions rotate: each load gets memory the previous version does not hold
        off, on, t_off, t_on = self.run_pair(self.k.reused, _exp, {},
                                             dict(non_ssa_legalization=True))
        n = SHAPE[0] // 128
        self.assertLess(on["total_ns"], 0.9 * off["total_ns"])
        self.assertEqual((on["compiler"]["legalized_tiles"], on["compiler"]["rotated_tiles"]),
                         (1, n - 1))
        self.assertEqual((off["compiler"]["legalized_tiles"],
                          off["compiler"]["rotated_tiles"]), (0, 0))
        self.assertEqual(len(t_on["instructions"]), len(t_off["instructions"]))
        loads = [i["dst"].split("[")[0] for i in t_on["instructions"]
                 if i["op"] == "dma_copy" and i["src"].startswith("x[")]
        address = {t["name"]: t["address"] for t in t_on["tiles"]}
        for a, b in zip(loads, loads[1:]):
            self.assertNotEqual(address[a], address[b])

    def test_address_rotation_disable_keeps_one_address(self):
        legal = dict(non_ssa_legalization=True)
        rotated, fixed, _, t_fixed = self.run_pair(
            self.k.reused, _exp, legal, dict(address_rotation=AddressRotation.DISABLE, **legal))
        self.assertEqual(fixed["compiler"]["legalized_tiles"], 1)
        self.assertEqual(fixed["compiler"]["rotated_tiles"], 0)
        self.assertGreater(fixed["total_ns"], rotated["total_ns"] / 0.9)
        loads = {i["dst"].split("[")[0] for i in t_fixed["instructions"]
                 if i["op"] == "dma_copy" and i["src"].startswith("x[")}
        self.assertEqual(len(loads), 1)

    def test_address_rotation_auto_keeps_nki_allocated_addresses(self):
        # AUTO opts out the memlocs NKI's LinearScanAllocation placed; ENABLE rotates them
        legal = dict(non_ssa_legalization=True, **LINEAR)
        _, plain = trnsim_nki.run(self.k.reused, _x(), compile_config=CompileConfig(**LINEAR),
                                  target="trn1")
        auto, enable, _, _ = self.run_pair(
            self.k.reused, _exp, legal, dict(address_rotation=AddressRotation.ENABLE, **legal))
        self.assertEqual(auto["total_ns"], plain["total_ns"])
        self.assertEqual(auto["compiler"]["rotated_tiles"], 0)
        self.assertEqual(enable["compiler"]["rotated_tiles"], SHAPE[0] // 128 - 1)
        self.assertLess(enable["total_ns"], auto["total_ns"])

    def test_element_widening_is_accepted_warned_and_reported(self):
        # Not modelled (no document says what it does): the kernel runs, the author is
        # warned, stats list it, and the timing is that of the same config without it.
        plain = trnsim_nki.run(self.k.stream, _x(), compile_config=CompileConfig(**LINEAR),
                               target="trn1")[1]
        cfg = CompileConfig(element_widening=True, **LINEAR)
        with self.assertWarnsRegex(CompileConfigWarning, "element_widening: accepted but not "
                                   "modelled"):
            stats = trnsim_nki.run(self.k.stream, _x(), compile_config=cfg, target="trn1")[1]
        self.assertEqual(stats["compiler"]["not_modelled_options"], ["element_widening"])
        self.assertEqual(plain["compiler"]["not_modelled_options"], [])
        self.assertEqual(stats["total_ns"], plain["total_ns"])

    def test_o2_lists_element_widening_without_warning(self):
        cfg = CompileConfig(opt_level=OptLevel.O2, **LINEAR)
        with warnings.catch_warnings():
            warnings.simplefilter("error", CompileConfigWarning)
            _, report = trnsim_nki.compile(self.k.stream, _x(), compile_config=cfg,
                                           target="trn1")
        self.assertEqual(report.not_modelled, ["element_widening"])


if __name__ == "__main__":
    unittest.main()
