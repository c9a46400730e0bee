"""The compiler stage, end to end: in-place lowering, spilling, the NKI allocation failure,
CompileConfig options in the documented direction, and the --compile-config flag."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import compiler_test_kernels
import nki_test_util as u
import trnsim_nki
from trnsim_nki.compiler import NkiAllocationError
from trnsim_nki.compiler.config import (Allocation, AllocationMode, CompileConfig,
                                        SchedulingHeuristic)

HAVE_BINARY = u.binary_state()[0] == "ok"

KERNELS = '''
import nki
import nki.isa as nisa
import nki.language as nl


def in_place(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray((128, x.shape[1]), dtype=x.dtype, buffer=nl.sbuf)
    for i in nl.affine_range(x.shape[0] // 128):
        t[...] = nl.load(x[i * 128:(i + 1) * 128, :])
        t[...] = nl.exp(t)
        nl.store(out[i * 128:(i + 1) * 128, :], value=t)
    return out




def stream_copy(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(x.shape[0] // 128):
        t = nl.load(x[i * 128:(i + 1) * 128, :])
        y = nl.exp(t)
        z = nl.copy(y)
        nl.store(out[i * 128:(i + 1) * 128, :], value=z)
    return out


def bias_add(x, bias):
    """x [128, F] + bias [1, F] broadcast over the partitions."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    t = nl.load(x)
    b = nl.load(bias)
    rows = nl.broadcast_to(b, shape=x.shape)
    y = nl.add(t, rows)
    nl.store(out, value=y)
    return out


def column_broadcast(x, col, corner):
    """col [128, 1] and corner [1, 1] broadcast along the free axis to x's shape."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    out2 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    c = nl.load(col)
    k = nl.load(corner)
    nl.store(out, value=nl.broadcast_to(c, shape=x.shape))
    nl.store(out2, value=nl.broadcast_to(k, shape=x.shape))
    return out, out2


def sbuf_dma(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    t = nl.load(x)
    u = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=u, src=t)
    nl.store(out, value=u)
    return out
'''
KERNELS += compiler_test_kernels.TOO_BIG

LINEAR = dict(allocation=Allocation.LINEAR)


def _r(*shape):
    return np.random.RandomState(2).rand(*shape).astype(np.float32)


def _ops(trace):
    return [i["op"] for i in trace["instructions"]]


class LoweringTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.k = u.load_source("compiler_lowering_kernels", KERNELS)

    def test_in_place_assignments_add_no_copy(self):
        trace = trnsim_nki.trace(self.k.in_place, _r(512, 256))
        # per iteration: one load into t, one exp into t, one store; no tensor_copy
        self.assertEqual(_ops(trace), ["dma_copy", "activation", "dma_copy"] * 4)
        loads = [i for i in trace["instructions"] if i["op"] == "dma_copy"][::2]
        self.assertTrue(all(i["dst"].startswith("t[") for i in loads))
        if HAVE_BINARY:
            x = _r(512, 256)
            out, _ = trnsim_nki.run(self.k.in_place, x)
            np.testing.assert_allclose(out, np.exp(x.astype(np.float64)), rtol=1e-5)

    def test_default_flow_spills(self):
        x = _r(1024, 8192)
        trace, rep = trnsim_nki.compile(self.k.too_big, x, target="trn1")
        j = rep.to_json()
        self.assertGreater(j["spill_count"], 0)
        self.assertEqual(j["spill_bytes"], j["spill_count"] * 128 * 8192 * 4)
        spills = [i for i in trace["instructions"] if i["label"].startswith("spill of")]
        reloads = [i for i in trace["instructions"] if i["label"].startswith("reload of")]
        self.assertEqual(len(spills), j["spill_count"])
        self.assertEqual(len(reloads), j["spill_count"])
        self.assertLessEqual(j["peak_sbuf_bytes"], 192 * 1024)
        if HAVE_BINARY:
            out, stats = trnsim_nki.run(self.k.too_big, x, target="trn1")
            want = x.astype(np.float64).reshape(8, 128, 8192).sum(axis=0)
            np.testing.assert_allclose(out, want, rtol=1e-5)
            self.assertEqual(stats["compiler"]["spill_bytes"], j["spill_bytes"])

    def test_no_fallback_fails_with_largest_live_tensor(self):
        cfg = CompileConfig(nki_alloc_fallback=False, **LINEAR)
        with self.assertRaises(NkiAllocationError) as cm:
            trnsim_nki.compile(self.k.too_big, _r(1024, 8192), target="trn1",
                               compile_config=cfg)
        msg = str(cm.exception)
        self.assertIn("nki_alloc_fallback=False", msg)
        self.assertIn("largest live tensor is", msg)
        self.assertIn("[128, 8192] float32 allocated at compiler_lowering_kernels.py:", msg)
        # with the fallback (the default) the same kernel compiles through the default flow
        _, rep = trnsim_nki.compile(self.k.too_big, _r(1024, 8192), target="trn1",
                                    compile_config=CompileConfig(**LINEAR))
        self.assertIn("fallback", rep.flow)
        self.assertGreater(len(rep.spills), 0)

    def test_partition_broadcast_is_one_transfer(self):
        x, bias = _r(128, 512), _r(1, 512)
        trace = trnsim_nki.trace(self.k.bias_add, x, bias)
        dmas = [i for i in trace["instructions"] if i["op"] == "dma_copy"]
        self.assertEqual(len(dmas), 4)  # load x, load bias, one broadcast, store
        bcast = dmas[2]
        self.assertRegex(bcast["src"], r"^b\[0:128:0, 0:512\]$")  # row 0, 128 times
        if HAVE_BINARY:
            out, _ = trnsim_nki.run(self.k.bias_add, x, bias)
            np.testing.assert_allclose(out, x.astype(np.float64) + bias, rtol=1e-6)

    def test_free_dim_broadcast_is_one_instruction(self):
        x, col, corner = _r(128, 512), _r(128, 1), _r(1, 1)
        trace = trnsim_nki.trace(self.k.column_broadcast, x, col, corner)
        ops = _ops(trace)
        self.assertEqual(ops.count("tensor_copy"), 2)  # one per broadcast_to
        self.assertNotIn("memset", ops)
        self.assertNotIn("tensor_scalar", ops)
        self.assertEqual(ops.count("dma_copy"), 5)  # 2 loads, corner's partition copy, 2 stores
        srcs = [i["src"] for i in trace["instructions"] if i["op"] == "tensor_copy"]
        self.assertRegex(srcs[0], r"\[0:128, 0:512:0\]$")  # element 0 of each row, 512 times
        if HAVE_BINARY:
            (out, out2), _ = trnsim_nki.run(self.k.column_broadcast, x, col, corner)
            np.testing.assert_array_equal(out, np.broadcast_to(col, x.shape))
            np.testing.assert_array_equal(out2, np.broadcast_to(corner, x.shape))

    def test_tensor_copy_elim_removes_copies(self):
        x = _r(512, 512)
        base, _ = trnsim_nki.compile(self.k.stream_copy, x, compile_config=CompileConfig(**LINEAR))
        cfg = CompileConfig(tensor_copy_elim=True, **LINEAR)
        elim, rep = trnsim_nki.compile(self.k.stream_copy, x, compile_config=cfg)
        self.assertEqual(_ops(base).count("tensor_copy"), 4)
        self.assertEqual(_ops(elim).count("tensor_copy"), 0)
        self.assertEqual(rep.copies_eliminated, 4)
        if HAVE_BINARY:
            out, _ = trnsim_nki.run(self.k.stream_copy, x, compile_config=cfg)
            np.testing.assert_allclose(out, np.exp(x.astype(np.float64)), rtol=1e-5)

    def test_dma_copy_elim_loads_into_the_destination(self):
        x = _r(128, 256)
        base = trnsim_nki.trace(self.k.sbuf_dma, x, compile_config=CompileConfig(**LINEAR))
        cfg = CompileConfig(dma_copy_elim=True, **LINEAR)
        elim = trnsim_nki.trace(self.k.sbuf_dma, x, compile_config=cfg)
        self.assertEqual(len(base["instructions"]), 3)
        self.assertEqual(len(elim["instructions"]), 2)
        self.assertTrue(elim["instructions"][0]["dst"].startswith("u["))
        if HAVE_BINARY:
            out, _ = trnsim_nki.run(self.k.sbuf_dma, x, compile_config=cfg)
            np.testing.assert_array_equal(out, x)

    def test_copy_elim_needs_the_option(self):
        x = _r(512, 512)
        t = trnsim_nki.trace(self.k.stream_copy, x)  # default flow: no elimination
        self.assertEqual(_ops(t).count("tensor_copy"), 4)

    @unittest.skipUnless(HAVE_BINARY, "no trnsim binary")
    def test_ring_overlaps_loads_max_reuse_serialises(self):
        # RING: a DMA into a new tile seldom waits for compute; MAX_REUSE: least overlap
        x = _r(2048, 2048)
        times = {}
        for mode in (AllocationMode.RING, AllocationMode.MAX_REUSE):
            cfg = CompileConfig(experimental_allocation_mode=mode, **LINEAR)
            out, stats = trnsim_nki.run(self.k.stream_copy, x, compile_config=cfg)
            np.testing.assert_allclose(out, np.exp(x.astype(np.float64)), rtol=1e-5)
            times[mode] = stats["total_ns"]
            self.assertGreater(stats["compiler"]["anti_dependencies"], 0)
        self.assertLess(times[AllocationMode.RING], times[AllocationMode.MAX_REUSE])

    def test_issue_order_follows_the_flow(self):
        x = _r(256, 64)
        orders = {}
        sched = dict(scheduling=True, **LINEAR)
        for key, cfg in [("default", None), ("linear", CompileConfig(**LINEAR)),
                         ("sched", CompileConfig(**sched)),
                         ("trivial", CompileConfig(experimental_scheduling_heuristic=
                                                   SchedulingHeuristic.TRIVIAL, **sched)),
                         ("prefetch", CompileConfig(experimental_scheduling_heuristic=
                                                    SchedulingHeuristic.DMA_PREFETCH, **sched))]:
            orders[key] = trnsim_nki.trace(self.k.stream_copy, x, compile_config=cfg)["dma_issue"]
        self.assertEqual(orders, {"default": "asap", "linear": "asap", "sched": "asap",
                                  "trivial": "program_order", "prefetch": "prefetch"})
        with self.assertRaisesRegex(ValueError, "acts only when NKI schedules"):
            CompileConfig(experimental_scheduling_heuristic=SchedulingHeuristic.ASAP, **LINEAR)

    @unittest.skipUnless(HAVE_BINARY, "no trnsim binary")
    def test_scheduling_heuristics_in_the_documented_direction(self):
        # RING gives each load fresh memory; TRIVIAL keeps the kernel's order, so a load waits
        # behind the previous tile's store on its queue; DMA_PREFETCH and ASAP start it early
        x = _r(2048, 2048)
        base = dict(experimental_allocation_mode=AllocationMode.RING, scheduling=True, **LINEAR)
        times = {}
        for h in (SchedulingHeuristic.TRIVIAL, SchedulingHeuristic.DMA_PREFETCH,
                  SchedulingHeuristic.ASAP):
            cfg = CompileConfig(experimental_scheduling_heuristic=h, **base)
            out, stats = trnsim_nki.run(self.k.stream_copy, x, compile_config=cfg)
            np.testing.assert_allclose(out, np.exp(x.astype(np.float64)), rtol=1e-5)
            times[h] = stats["total_ns"]
        self.assertLess(times[SchedulingHeuristic.DMA_PREFETCH],
                        0.8 * times[SchedulingHeuristic.TRIVIAL])
        self.assertLess(times[SchedulingHeuristic.ASAP], 0.8 * times[SchedulingHeuristic.TRIVIAL])

    def test_jit_compile_config_is_used(self):
        cfg = CompileConfig(tensor_copy_elim=True, **LINEAR)
        k = trnsim_nki.jit(self.k.stream_copy, compile_config=cfg)
        t, rep = trnsim_nki.compile(k, _r(256, 64))
        self.assertEqual(rep.copies_eliminated, 2)
        with self.assertRaisesRegex(TypeError, "must be an nki.compiler.CompileConfig"):
            trnsim_nki.jit(self.k.stream_copy, compile_config={"allocation": "linear"})


class CompileConfigFlagTest(unittest.TestCase):
    def cli(self, *args):
        env = dict(os.environ, PYTHONPATH=u.NKI_DIR)
        return subprocess.run([sys.executable, "-m", "trnsim_nki"] + list(args), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="nki_cc_")
        self.kfile = os.path.join(self.tmp, "kern.py")
        with open(self.kfile, "w") as f:
            f.write(KERNELS)
        np.save(os.path.join(self.tmp, "x.npy"), _r(512, 512))

    def test_trace_only_with_config_writes_compile_report(self):
        out = os.path.join(self.tmp, "o")
        p = self.cli(self.kfile + "::stream_copy", "--input", "x=" + os.path.join(self.tmp,
                     "x.npy"), "--out", out, "--trace-only", "--compile-config",
                     "allocation=linear,allocation_mode=max_reuse,tensor_copy_elim=1")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "compile.json")) as f:
            rep = json.load(f)
        self.assertEqual(rep["flow"], "linear/max_reuse")
        self.assertEqual(rep["copies_eliminated"], 4)
        with open(os.path.join(out, "trace.json")) as f:
            self.assertNotIn("tensor_copy", [i["op"] for i in json.load(f)["instructions"]])

    @unittest.skipUnless(HAVE_BINARY, "no trnsim binary")
    def test_run_with_config(self):
        out = os.path.join(self.tmp, "o")
        p = self.cli(self.kfile + "::stream_copy", "--input", "x=" + os.path.join(self.tmp,
                     "x.npy"), "--out", out, "--compile-config", "allocation=linear")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.exists(os.path.join(out, "stats.json")))
        with open(os.path.join(out, "compile.json")) as f:
            self.assertEqual(json.load(f)["flow"], "linear/fast")

    def test_bad_config_is_a_clear_error(self):
        p = self.cli(self.kfile + "::stream_copy", "--out", os.path.join(self.tmp, "o"),
                     "--compile-config", "allocation=linear,bogus=1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown option 'bogus'", p.stderr)
        self.assertNotIn("Traceback", p.stderr)
        p = self.cli(self.kfile + "::stream_copy", "--out", os.path.join(self.tmp, "o"),
                     "--compile-config", "tensor_copy_elim=1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("acts only when NKI allocates", p.stderr)

    def test_allocation_failure_is_a_clear_error(self):
        np.save(os.path.join(self.tmp, "big.npy"), _r(1024, 8192))
        p = self.cli(self.kfile + "::too_big", "--input", "x=" + os.path.join(self.tmp,
                     "big.npy"), "--out", os.path.join(self.tmp, "o"), "--trace-only",
                     "--target", "trn1", "--compile-config",
                     "allocation=linear,nki_alloc_fallback=0")
        self.assertEqual(p.returncode, 1)
        self.assertIn("largest live tensor", p.stderr)
        self.assertNotIn("Traceback", p.stderr)


if __name__ == "__main__":
    unittest.main()
