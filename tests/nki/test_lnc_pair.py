"""The two-core run of an LNC=2 kernel (isa/PAIR_TRACE.md): both cores in one simulation, the
pair's stats and timeline, cross-core synchronisation in time (core_barrier makes the faster
core wait), and clear errors for the pair instructions used wrongly."""
import json
import os
import tempfile
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
import nki
import nki.isa as nisa
import nki.language as nl
from trnsim_nki.errors import NkiError, NkiUnsupportedError, TrnsimRunError
from trnsim_nki.runner import RunOptions

STATE, BINARY = u.binary_state()


def data(rows=256, cols=64):
    return np.random.default_rng(5).standard_normal((rows, cols)).astype(np.float32)


def uneven(with_barrier):
    """Core 0 does 8 tiles of work before the barrier, core 1 one; then both copy a tile."""
    @nki.jit
    def k(x):
        out = nl.ndarray((256, 64), dtype=x.dtype, buffer=nl.shared_hbm)
        mid = nl.ndarray((256, 64), dtype=x.dtype, buffer=nl.shared_hbm)
        i = nl.program_id(0)
        t = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.sbuf)
        for j in range(8 if i == 0 else 1):
            nisa.dma_copy(t, x[j * 128:(j + 1) * 128, :])
            nisa.activation(t, nl.exp, t)
        nisa.dma_copy(mid[i * 128:(i + 1) * 128, :], t)
        if with_barrier:
            nisa.core_barrier(mid, (0, 1))
        o = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(o, mid[(1 - i) * 128:(2 - i) * 128, :])
        nisa.dma_copy(out[i * 128:(i + 1) * 128, :], o)
        return out
    return k


@unittest.skipIf(STATE == "none", "no trnsim binary")
class PairRunTest(unittest.TestCase):
    def test_the_barrier_makes_the_faster_core_wait_for_the_slower(self):
        a = data(1024)
        _, free = trnsim_nki.run(uneven(False)[nl.nc(2)], a,
                                 options=RunOptions("trn2", mode="timing"))
        _, synced = trnsim_nki.run(uneven(True)[nl.nc(2)], a,
                                   options=RunOptions("trn2", mode="timing"))
        t0_free, t1_free = free["lnc"]["core_total_ns"]
        t0, t1 = synced["lnc"]["core_total_ns"]
        self.assertLess(t1_free, 0.5 * t0_free)  # core 1 has far less work
        self.assertGreater(t1, t0_free * 0.9)  # with the barrier it waits for core 0
        self.assertTrue(synced["lnc"]["two_core_run"])

    def test_with_the_barrier_each_core_reads_the_others_result(self):
        a = data(1024)
        got, _ = trnsim_nki.run(uneven(True)[nl.nc(2)], a, target="trn2")
        e = np.exp(a.astype(np.float64))
        np.testing.assert_allclose(got[:128], e[:128], rtol=1e-4)  # core 1's tile (j = 0)
        np.testing.assert_allclose(got[128:], e[896:1024], rtol=1e-4)  # core 0's last tile

    def test_results_folder_has_both_cores_and_one_timeline(self):
        with tempfile.TemporaryDirectory() as d:
            trnsim_nki.run(uneven(True)[nl.nc(2)], data(1024), target="trn2", out_dir=d)
            with open(os.path.join(d, "timeline.json")) as f:
                events = json.load(f)["traceEvents"]
            names = {e["pid"]: e["args"]["name"] for e in events
                     if e.get("name") == "process_name"}
            self.assertEqual(names, {1: "NeuronCore 0", 2: "NeuronCore 1"})
            barriers = [e for e in events if e.get("ph") == "X"
                        and e["name"].startswith("core_barrier")]
            self.assertEqual(sorted(e["pid"] for e in barriers), [1, 2])
            with open(os.path.join(d, "stats.json")) as f:
                stats = json.load(f)
            per_core = stats["lnc"]["per_core"]
            self.assertEqual(len(per_core), 2)
            self.assertIn("compiler", per_core[0])
            self.assertAlmostEqual(stats["total_ns"], max(stats["lnc"]["core_total_ns"]) +
                                   stats["lnc"]["barrier_ns"])
            self.assertTrue(os.path.exists(os.path.join(d, "outputs")))

    def test_a_sendrecv_only_one_core_makes_is_named(self):
        @nki.jit
        def k(x):
            out = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.shared_hbm)
            t = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.sbuf)
            nisa.dma_copy(t, x[0:128, :])
            if nl.program_id(0) == 0:
                nisa.sendrecv(src=t, dst=t, send_to_rank=1, recv_from_rank=1, pipe_id=0)
            nisa.dma_copy(out, t)
            return out
        with self.assertRaisesRegex(TrnsimRunError, "sendrecv.*has no partner"):
            trnsim_nki.run(k[nl.nc(2)], data(), target="trn2")


class UnifyTensorsTest(unittest.TestCase):
    def t(self, name, shape, role="scratch"):
        return {"name": name, "shape": shape, "dtype": "float32", "role": role}

    def test_both_cores_get_the_union_in_first_seen_order(self):
        from trnsim_nki import lnc
        a = {"tensors": [self.t("x", [4], "input"), self.t("device_print_core0", [2])]}
        b = {"tensors": [self.t("x", [4], "input"), self.t("device_print_core1", [2])]}
        lnc.unify_tensors([a, b])
        names = ["x", "device_print_core0", "device_print_core1"]
        self.assertEqual([t["name"] for t in a["tensors"]], names)
        self.assertEqual(a["tensors"], b["tensors"])

    def test_one_name_with_two_shapes_is_an_error(self):
        from trnsim_nki import lnc
        a, b = {"tensors": [self.t("m", [4])]}, {"tensors": [self.t("m", [8])]}
        with self.assertRaisesRegex(NkiError, "HBM tensor m is float32 \\[4\\] on one core"):
            lnc.unify_tensors([a, b])


class PairInstructionErrorsTest(unittest.TestCase):
    def trace(self, body, grid=True):
        @nki.jit
        def k(x):
            out = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.shared_hbm)
            t = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.sbuf)
            nisa.dma_copy(t, x[0:128, :])
            body(out, t)
            nisa.dma_copy(out, t)
            return out
        kernel = k[nl.nc(2)] if grid else k
        trnsim_nki.trace(kernel, data())

    def test_sendrecv_needs_an_nc_grid(self):
        with self.assertRaisesRegex(NkiUnsupportedError, r"nisa.sendrecv.*nl.nc\(2\)"):
            self.trace(lambda out, t: nisa.sendrecv(t, t, 1, 1, 0), grid=False)

    def test_sendrecv_to_its_own_core_is_an_error(self):
        def body(out, t):
            me = nl.program_id(0)
            nisa.sendrecv(t, t, me, 1 - me, 0)
        with self.assertRaisesRegex(NkiError, "send_to_rank=0 is this core"):
            self.trace(body)

    def test_core_barrier_needs_shared_hbm(self):
        with self.assertRaisesRegex(NkiError, "nisa.core_barrier.*shared HBM"):
            self.trace(lambda out, t: nisa.core_barrier(t, (0, 1)))

    def test_core_barrier_cores_must_be_the_pair(self):
        with self.assertRaisesRegex(NkiUnsupportedError, r"cores=\(0, 2\)"):
            self.trace(lambda out, t: nisa.core_barrier(out, (0, 2)))

    def test_all_reduce_over_a_non_core_axis_is_unsupported(self):
        import neuronxcc.nki as nki_old
        import neuronxcc.nki.language as nl_old

        @nki_old.jit
        def k(x):
            out = nl_old.ndarray((128, 64), dtype=x.dtype, buffer=nl_old.shared_hbm)
            t = nl_old.load(x[0:128, :])
            nl_old.store(out, nl_old.all_reduce(t, op=np.add, program_axes=1))
            return out
        with self.assertRaisesRegex(NkiUnsupportedError, "only the nl.nc axis"):
            trnsim_nki.trace(k[nl_old.nc(2), 2], data())


if __name__ == "__main__":
    unittest.main()
