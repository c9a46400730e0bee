"""The compiled trace's DMA issue order (trnsim_nki/compiler/schedule.py, the "dma_issue" trace
field the calibration runs under) and the spill role's traffic in stats.json."""
import unittest

import numpy as np

import compiler_test_kernels
import nki_test_util as u
import trnsim_nki
from trnsim_nki.compiler import schedule
from trnsim_nki.compiler.config import Allocation, CompileConfig

HAVE_BINARY = u.binary_state()[0] == "ok"

KERNELS = '''
import nki
import nki.language as nl


def scale(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(x.shape[0] // 128):
        t = nl.load(x[i * 128:(i + 1) * 128, :])
        nl.store(out[i * 128:(i + 1) * 128, :], value=nl.multiply(t, 2.0))
    return out


'''
KERNELS += compiler_test_kernels.TOO_BIG


class _Heuristic:
    def __init__(self, name):
        self.name = name


class _Config:
    def __init__(self, scheduling, heuristic=None):
        self.scheduling = scheduling
        self.experimental_scheduling_heuristic = heuristic


class DmaIssueOrder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.k = u.load_source("calibration_dma_issue_kernels", KERNELS)

    def test_neuronx_cc_ordering_flows_issue_asap(self):
        x = np.ones((256, 64), np.float32)
        for cfg in (None, CompileConfig(allocation=Allocation.LINEAR)):
            trace, _ = trnsim_nki.compile(self.k.scale, x, compile_config=cfg)
            self.assertEqual(trace["dma_issue"], "asap")

    def test_nki_scheduling_heuristics_map_to_issue_orders(self):
        want = {"TRIVIAL": "program_order", "DMA_PREFETCH": "prefetch", "ASAP": "asap",
                "CRITICAL_PATH": "asap"}
        for name, order in want.items():
            self.assertEqual(schedule.dma_issue(_Config(True, _Heuristic(name))), order, name)
        self.assertEqual(schedule.dma_issue(_Config(True)), "asap")  # default heuristic
        self.assertEqual(schedule.dma_issue(_Config(False, _Heuristic("TRIVIAL"))), "asap")

    @unittest.skipUnless(HAVE_BINARY, "no trnsim binary")
    def test_spills_are_counted_in_stats(self):
        x = np.ones((1024, 8192), np.float32)
        trace, rep = trnsim_nki.compile(self.k.too_big, x, target="trn1")
        roles = {t["name"]: t["role"] for t in trace["tensors"]}
        self.assertIn("spill", roles.values())
        out, stats = trnsim_nki.run(self.k.too_big, x, target="trn1")
        np.testing.assert_allclose(out, np.full((128, 8192), 8.0))
        spill_bytes = rep.to_json()["spill_bytes"]
        self.assertGreater(spill_bytes, 0)
        self.assertEqual(stats["spill"]["spill_bytes"], spill_bytes)
        self.assertEqual(stats["spill"]["reload_bytes"], spill_bytes)
        self.assertLessEqual(stats["memory"]["sbuf"]["peak_bytes_per_partition"], 192 * 1024)


if __name__ == "__main__":
    unittest.main()
