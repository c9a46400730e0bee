"""Kernels launched on an LNC=2 pair (kernel[nl.nc(2)], nl.spmd_dim): the core of every
program, both programs' values on one HBM image, each core timed on its own and the kernel's
time = slower core + the pair barrier of sim/configs/links.json; errors for LNC=2 where the
target has none and for malformed grids."""
import contextlib
import io
import json
import os
import tempfile
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl
from trnsim_nki import lnc
from trnsim_nki.errors import NkiError, NkiUnsupportedError
from trnsim_nki.runner import RunOptions

STATE, BINARY = u.binary_state()


@nki.jit
def scale_rows(x):
    """Program i scales its block of rows (the grid's programs share the rows)."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    n = nl.num_programs(0)
    rows = x.shape[0] // n
    i = nl.program_id(0)
    for j in nl.affine_range(rows // 128):
        r0 = i * rows + j * 128
        t = nl.load(x[r0:r0 + 128, :])
        nl.store(out[r0:r0 + 128, :], nl.multiply(t, 3.0))
    return out


@nki.jit
def core0_only(x):
    """All the work on program 0: core 1 idles."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    if nl.program_id(0) == 0:
        for j in nl.affine_range(x.shape[0] // 128):
            t = nl.load(x[j * 128:(j + 1) * 128, :])
            nl.store(out[j * 128:(j + 1) * 128, :], nl.exp(t))
    return out


def data(rows=1024, cols=512):
    return np.random.default_rng(3).standard_normal((rows, cols)).astype(np.float32)


class CoreAssignmentTest(unittest.TestCase):
    def test_nc_dimension_puts_program_i_on_core_i(self):
        s = lnc.core_split((nl.nc(2), 3))
        self.assertEqual(s.cores, 2)
        self.assertEqual(s.pids(0), [(0, 0), (0, 1), (0, 2)])
        self.assertEqual(s.pids(1), [(1, 0), (1, 1), (1, 2)])

    def test_spmd_dim_blocks_or_interleaves_by_factor_order(self):
        blocked = lnc.core_split((nl.spmd_dim(nl.nc(2), 2),))
        self.assertEqual(blocked.grid, (4,))
        self.assertEqual(blocked.pids(0), [(0,), (1,)])
        self.assertEqual(blocked.pids(1), [(2,), (3,)])
        inter = lnc.core_split((nl.spmd_dim(2, nl.nc(2)),))
        self.assertEqual(inter.pids(0), [(0,), (2,)])
        self.assertEqual(inter.pids(1), [(1,), (3,)])

    def test_plain_grids_have_no_core_split(self):
        self.assertIsNone(lnc.core_split((2, 2)))
        self.assertIsNone(lnc.core_split(()))
        self.assertIsNone(lnc.core_split((nl.spmd_dim(2, 2),)))

    def test_bad_dimensions_are_clear_errors(self):
        with self.assertRaisesRegex(NkiUnsupportedError, "LNC degree is 1 or 2"):
            nl.nc(4)
        with self.assertRaisesRegex(NkiUnsupportedError, "at most one nl.nc"):
            nl.spmd_dim(nl.nc(2), nl.nc(2))
        with self.assertRaisesRegex(NkiUnsupportedError, "positive int"):
            nl.spmd_dim(2, 0)
        with self.assertRaisesRegex(NkiUnsupportedError, "2 nl.nc dimensions"):
            lnc.core_split((nl.nc(2), nl.nc(2)))


@unittest.skipIf(STATE == "none", "no trnsim binary")
class LncRunTest(unittest.TestCase):
    def test_both_programs_write_one_hbm_image(self):
        a = data()
        got, stats = trnsim_nki.run(scale_rows[nl.nc(2)], a, target="trn2",
                                    options=RunOptions("trn2", mode="values"))
        np.testing.assert_allclose(got, 3 * a, rtol=1e-6)

    def test_time_is_the_slower_core_plus_the_barrier(self):
        a = data()
        _, stats = trnsim_nki.run(scale_rows[nl.nc(2)], a,
                                  options=RunOptions("trn2", mode="timing"))
        barrier = lnc.target_links("trn2")["lnc_barrier_ns"]
        cores = stats["lnc"]["core_total_ns"]
        self.assertEqual(len(cores), 2)
        self.assertAlmostEqual(stats["total_ns"], max(cores) + barrier)
        # The same programs one after another on one core (plain grid) take longer.
        _, seq = trnsim_nki.run(scale_rows[2], a, options=RunOptions("trn2", mode="timing"))
        self.assertLess(stats["total_ns"], seq["total_ns"])
        self.assertGreater(stats["total_ns"], 0.4 * seq["total_ns"])

    def test_an_idle_core_leaves_the_time_to_the_busy_one(self):
        a = data(512, 256)
        _, stats = trnsim_nki.run(core0_only[nl.nc(2)], a,
                                  options=RunOptions("trn3", mode="timing"))
        t0, t1 = stats["lnc"]["core_total_ns"]
        self.assertGreater(t0, t1)
        self.assertEqual(stats["lnc"]["slowest_core"], 0)

    def test_values_and_timing_with_a_results_folder(self):
        a = data(512, 128)
        with tempfile.TemporaryDirectory() as d:
            got, stats = trnsim_nki.run(core0_only[nl.nc(2)], a, target="trn2", out_dir=d)
            np.testing.assert_allclose(got, np.exp(a), rtol=1e-4)
            for c in (0, 1):
                self.assertTrue(os.path.exists(os.path.join(d, "core%d" % c, "stats.json")))
            with open(os.path.join(d, "stats.json")) as f:
                self.assertEqual(json.load(f)["lnc"]["cores"], 2)

    def test_device_print_prints_each_programs_tile(self):
        @nki.jit
        def k(x):
            out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
            i = nl.program_id(0)
            t = nl.load(x[i * 128:(i + 1) * 128, :])
            nl.device_print("tile", t)
            nl.store(out[i * 128:(i + 1) * 128, :], t)
            return out
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            got, _ = trnsim_nki.run(k[nl.nc(2)], data(256, 8), target="trn2")
        self.assertEqual(buf.getvalue().count("tile ["), 2, buf.getvalue())
        np.testing.assert_allclose(got, data(256, 8))

    def test_lnc2_on_trn1_is_refused(self):
        with self.assertRaisesRegex(NkiUnsupportedError, "trn1.*LNC=2 needs trn2 or trn3"):
            trnsim_nki.run(scale_rows[nl.nc(2)], data(256, 64), target="trn1")

    def test_unknown_target_names_the_links_file(self):
        with self.assertRaisesRegex(NkiError, "links.json has no entry"):
            lnc.target_links("trn9")


if __name__ == "__main__":
    unittest.main()
