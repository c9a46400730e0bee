"""Index expressions with several arange terms in one dimension (trnsim_nki/split_view.py):
one instruction per combination of the split variables' values, and a clear error where the
pieces cannot be separate instructions. Values: tests/nki/conformance/cases_index_terms.py."""
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.errors import NkiUnsupportedError

SRC = """import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def pool(x):
    out = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.shared_hbm)
    i_p, i_f1, i_f2 = nl.mgrid[0:128, 0:16, 0:4]
    w = nl.load(x[i_p, 4 * i_f1 + i_f2])
    nl.store(out, nl.max(w, axis=2))
    return out


@nki.jit
def reduce_split(x):
    out = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.load(x)
    i_p, i_f1, i_f2 = nl.mgrid[0:128, 0:16, 0:4]
    nl.store(out, nisa.tensor_reduce(nl.max, t[i_p, 4 * i_f1 + i_f2], axis=2))
    return out
"""


class IndexTermsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mod = u.load_source("index_terms_kernels", SRC)
        cls.x = np.zeros((128, 64), np.float32)

    def test_one_copy_per_value_of_the_split_variable(self):
        trace = trnsim_nki.trace(self.mod.pool, self.x)
        loads = [i for i in trace["instructions"] if i["op"] == "dma_copy"
                 and i["src"].startswith("x")]
        self.assertEqual(len(loads), 4)  # i_f1 (16 values) walks, i_f2 (4 values) splits
        self.assertEqual(sorted(i["src"] for i in loads),
                         ["x[0:128, %d:%d:4]" % (j, j + 61) for j in range(4)])

    def test_reduction_over_a_split_view_names_the_call_and_line(self):
        with self.assertRaises(NkiUnsupportedError) as cm:
            trnsim_nki.trace(self.mod.reduce_split, self.x)
        msg = str(cm.exception)
        self.assertIn("index_terms_kernels.py:20", msg)
        self.assertIn("nki.tensor_reduce", msg)
        self.assertIn("copy it into a tile first", msg)


if __name__ == "__main__":
    unittest.main()
