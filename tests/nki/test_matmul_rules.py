"""The Tensor Engine operand rules of nisa.nc_matmul (trnsim_nki.tensor_engine_rules): a bad
operand is reported at the nc_matmul line with the rule it breaks, not as an error of a tile
allocation the kernel never wrote."""
import unittest

import numpy as np

import nki_test_util as u
from trnsim_nki.errors import NkiError
from trnsim_nki.tracer import trace_kernel

KERNELS = """
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def wide_stationary(a, b):
    out = nl.ndarray((256, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    s = nl.load(a)
    m = nl.load(b)
    p = nisa.nc_matmul(s, m)  # @WIDE
    nl.store(out, value=p)
    return out


@nki.jit
def psum_moving(a, b):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    s = nl.load(a)
    m = nl.load(b)
    mp = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
    nisa.tensor_copy(dst=mp, src=m)
    p = nisa.nc_matmul(s, mp)  # @PSUM
    nl.store(out, value=p)
    return out
"""


def line_of(marker):
    for n, text in enumerate(KERNELS.splitlines(), 1):
        if text.rstrip().endswith("# @" + marker):
            return n
    raise AssertionError("no marker " + marker)


class MatmulRules(unittest.TestCase):
    def setUp(self):
        self.mod = u.load_source("dbg_mm", KERNELS)

    def error(self, kernel, *arrays):
        with self.assertRaises(NkiError) as cm:
            trace_kernel(kernel.func, arrays)
        return str(cm.exception)

    def test_wide_stationary_is_blamed_on_the_nc_matmul_line(self):
        msg = self.error(self.mod.wide_stationary, np.ones((128, 256), np.float32),
                         np.ones((128, 512), np.float32))
        self.assertTrue(msg.startswith("dbg_mm.py:%d: nisa.nc_matmul: " % line_of("WIDE")), msg)
        self.assertIn("stationary [128, 256] has free size 256", msg)
        self.assertIn("gemm_stationary_fmax", msg)
        self.assertNotIn("nl.ndarray", msg)

    def test_psum_operand_breaks_the_sbuf_rule(self):
        msg = self.error(self.mod.psum_moving, np.ones((128, 128), np.float32),
                         np.ones((128, 512), np.float32))
        self.assertTrue(msg.startswith("dbg_mm.py:%d: nisa.nc_matmul: " % line_of("PSUM")), msg)
        self.assertIn("moving mp is a PSUM tile", msg)

    def test_contraction_sizes_must_agree(self):
        msg = self.error(self.mod.wide_stationary, np.ones((128, 128), np.float32),
                         np.ones((64, 512), np.float32))
        self.assertIn("different partition sizes (128 and 64)", msg)


if __name__ == "__main__":
    unittest.main()
