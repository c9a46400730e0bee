"""nl.program_id / nl.num_programs take an axis of the launch grid (NKI reference): an axis
beyond a grid's rank, a negative or a non-integer axis is a kernel error at its line; without a
grid a kernel is one program (every program id 0), so the tensor_add example still runs alone."""
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.errors import NkiError, NkiInternalError

KERNEL = """import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def k(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    i = %s
    nl.store(out, nl.load(a))
    return out
"""


def trace(name, expr, grid=None):
    k = u.load_source(name, KERNEL % expr).k
    return trnsim_nki.trace(k[grid] if grid else k, np.zeros((128, 64), np.float32))


class ProgramIdTest(unittest.TestCase):
    def test_axis_beyond_the_grid_is_an_error_at_the_kernel_line(self):
        cases = [("nl.program_id(2)", (2, 2), "axis 2 is not an axis of the launch grid (2, 2) "
                  "(2 dimensions)"),
                 ("nl.program_id(1)", 4, "axis 1 is not an axis of the launch grid (4,) "
                  "(1 dimension)"),
                 ("nl.program_id(-1)", (2, 2), "axis -1 is not an axis"),
                 ("nl.program_id(-1)", None, "axis -1 is not an axis of the launch grid ()"),
                 ("nl.program_id(1.5)", (2, 2), "axis must be an integer, got 1.5"),
                 ("nl.program_id('x')", None, "axis must be an integer, got 'x'"),
                 ("nl.num_programs(2)", (2, 2), "nl.num_programs: axis 2 is not an axis"),
                 ("nl.num_programs((0, 3))", (2, 2), "nl.num_programs: axis 3 is not an axis")]
        for n, (expr, grid, message) in enumerate(cases):
            with self.subTest(expr=expr, grid=grid):
                with self.assertRaises(NkiError) as cm:
                    trace("hostile_program_id_%d" % n, expr, grid)
                self.assertNotIsInstance(cm.exception, NkiInternalError)
                self.assertIn("hostile_program_id_%d.py:8: " % n, str(cm.exception))
                self.assertIn(message, str(cm.exception))

    def test_axes_of_the_grid_and_a_launch_without_grid_trace(self):
        for n, (expr, grid) in enumerate([("nl.program_id(1)", (2, 3)),
                                          ("nl.num_programs((0, 1))", (2, 3)),
                                          ("nl.program_id(0)", None),
                                          ("nl.program_id(1)", None),
                                          ("nl.num_programs(1)", None)]):
            with self.subTest(expr=expr, grid=grid):
                tr = trace("program_id_ok_%d" % n, expr, grid)
                self.assertTrue(tr["instructions"])

    def test_ids_and_counts_along_each_axis(self):
        k = u.load_source("program_id_values", """import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def k(a):
    out = nl.ndarray((6, 4), dtype=nl.int32, buffer=nl.shared_hbm)
    i, j = nl.program_id(0), nl.program_id(1)
    assert nl.num_programs(0) == 2 and nl.num_programs(1) == 3 and nl.num_programs() == 6
    assert nl.num_programs((1, 0)) == (3, 2) and nl.program_ndim() == 2
    t = nl.full((1, 4), i * 10 + j, dtype=nl.int32)
    nl.store(out[i * 3 + j, 0:4], t)
    return out
""").k
        out, _ = trnsim_nki.run(k[2, 3], np.zeros((1, 1), np.float32),
                                out_dir=u.tempfile.mkdtemp(),
                                options=trnsim_nki.RunOptions(mode="values"))
        got = np.asarray(out)
        want = np.array([[i * 10 + j] * 4 for i in range(2) for j in range(3)], np.int32)
        np.testing.assert_array_equal(got, want)

    def test_tensor_add_example_runs_with_and_without_a_grid(self):
        add = u.load_example("tensor_add.py").tensor_add
        self.assertTrue(trnsim_nki.trace(add, np.zeros((128, 512), np.float32),
                                         np.zeros((128, 512), np.float32))["instructions"])
        self.assertTrue(trnsim_nki.trace(add[2, 2], np.zeros((256, 1024), np.float32),
                                         np.zeros((256, 1024), np.float32))["instructions"])


if __name__ == "__main__":
    unittest.main()
