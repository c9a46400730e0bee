"""Bad uses of nisa.dma_transpose of 3-D and 4-D sources: NkiErrors naming the call, the kernel
file and line and the reference's rule (tracing only)."""
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.errors import NkiError, NkiUnsupportedError

HEADER = """import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def k(a):
    t = nl.ndarray((16, 2, 32), dtype=nl.float32, buffer=nl.sbuf)
    d = nl.ndarray((32, 2, 16), dtype=nl.float32, buffer=nl.sbuf)
"""  # the failing line is line 10


class DmaTransposeErrorTest(unittest.TestCase):
    def expect(self, line, *fragments, exc=NkiError):
        name = "bad_transpose_" + self._testMethodName
        k = u.load_source(name, HEADER + "    " + line + "\n    return a\n").k
        with self.assertRaises(exc) as cm:
            trnsim_nki.trace(k, np.zeros((1, 1), np.float32))
        msg = str(cm.exception)
        self.assertIn("%s.py:10" % name, msg)
        for f in fragments:
            self.assertIn(f, msg)

    def test_axes_must_be_the_permutation_of_the_rank(self):
        self.expect("nisa.dma_transpose(d, t, axes=(1, 0, 2))", "nisa.dma_transpose",
                    "axes=(1, 0, 2)", "(2, 1, 0)")

    def test_rank_five_is_refused(self):
        self.expect("nisa.dma_transpose(d, nl.ndarray((2, 2, 2, 2, 2), dtype=nl.float32, "
                    "buffer=nl.sbuf))", "rank 5", "2-, 3- and 4-D")

    def test_dst_shape_must_be_the_permuted_shape(self):
        self.expect("nisa.dma_transpose(t, t)", "dst has shape (16, 2, 32)",
                    "expected (32, 2, 16)")

    def test_mask_on_a_3d_transpose_is_unsupported(self):
        k_line = ("import neuronxcc.nki.isa as oisa; y = oisa.dma_transpose(t, "
                  "mask=(nl.arange(16)[:, None, None] < 8))")
        self.expect(k_line, "mask=", exc=NkiUnsupportedError)


if __name__ == "__main__":
    unittest.main()
