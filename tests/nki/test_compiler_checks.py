"""The CompileConfig options that check or legalise rather than optimise: barrier_check (the
LNC core barrier checker: a core's access to shared HBM that overlaps a write of the other core
with no nki.isa.core_barrier between them is an error), and the command-line and enum forms of
address_rotation (nki.compiler.AddressRotation: AUTO, ENABLE, DISABLE)."""
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl
from trnsim_nki.compiler import barrier
from trnsim_nki.compiler.barrier import NkiBarrierError
from trnsim_nki.compiler.config import (AddressRotation, Allocation, CompileConfig,
                                        parse_compile_config)
from trnsim_nki.runner import RunOptions

HAVE_BINARY = u.binary_state()[0] == "ok"
CHECKED = CompileConfig(barrier_check=True)


@nki.jit
def own_rows(x):
    """Program i reads and writes only its own 128 rows."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    i = nl.program_id(0)
    t = nl.load(x[i * 128:(i + 1) * 128, :])
    nl.store(out[i * 128:(i + 1) * 128, :], nl.multiply(t, 2.0))
    return out


@nki.jit
def swap_rows(x):
    """Program i writes its rows of a shared scratch tensor, then reads the other program's
    rows of it: the two cores need a core barrier between the store and the load."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    mid = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    i = nl.program_id(0)
    t = nl.load(x[i * 128:(i + 1) * 128, :])
    nl.store(mid[i * 128:(i + 1) * 128, :], t)
    o = nl.load(mid[(1 - i) * 128:(2 - i) * 128, :])
    nl.store(out[i * 128:(i + 1) * 128, :], o)
    return out


@nki.jit
def swap_rows_with_barrier(x):
    """swap_rows with the nisa.core_barrier it needs between the store and the load."""
    import neuronxcc.nki.isa as nisa
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    mid = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    i = nl.program_id(0)
    t = nl.load(x[i * 128:(i + 1) * 128, :])
    nl.store(mid[i * 128:(i + 1) * 128, :], t)
    nisa.core_barrier(mid, (0, 1))
    o = nl.load(mid[(1 - i) * 128:(2 - i) * 128, :])
    nl.store(out[i * 128:(i + 1) * 128, :], o)
    return out


def data():
    return np.random.default_rng(5).standard_normal((256, 128)).astype(np.float32)


class OverlapTest(unittest.TestCase):
    def test_views_overlap_only_where_elements_meet(self):
        shape = [256, 64]
        even = barrier._slices("t[0:256:2, 0:64]", shape)
        odd = barrier._slices("t[1:256:2, 0:64]", shape)
        self.assertFalse(barrier._overlap(even, odd))
        self.assertTrue(barrier._overlap(even, barrier._slices("t[4:5, 10:20]", shape)))
        self.assertFalse(barrier._overlap(barrier._slices("t[0:128, 0:32]", shape),
                                          barrier._slices("t[0:128, 32:64]", shape)))
        self.assertTrue(barrier._overlap(barrier._slices("t[0:128, 0:33]", shape),
                                         barrier._slices("t[127, 32]", shape)))

    def test_an_unreadable_view_covers_the_whole_tensor(self):
        shape = [256, 64]
        self.assertIsNone(barrier._slices("t[i0, 0:64]", shape))
        self.assertTrue(barrier._overlap(None, barrier._slices("t[3, 3]", shape)))


@unittest.skipUnless(HAVE_BINARY, "no trnsim binary")
class BarrierCheckTest(unittest.TestCase):
    def test_disjoint_cores_pass_the_check(self):
        a = data()
        got, _ = trnsim_nki.run(own_rows[nl.nc(2)], a, compile_config=CHECKED,
                                options=RunOptions("trn2", mode="values"))
        np.testing.assert_allclose(got, 2 * a.astype(np.float64), rtol=1e-6)

    def test_a_read_of_the_other_cores_write_is_a_missing_barrier(self):
        a = data()
        with self.assertRaisesRegex(NkiBarrierError,
                                    r"core 0 writes mid\[0:128, 0:128\] .* and core 1 reads "
                                    r"mid\[0:128, 0:128\] .*no nki.isa.core_barrier"):
            trnsim_nki.run(swap_rows[nl.nc(2)], a, compile_config=CHECKED,
                           options=RunOptions("trn2", mode="values"))

    def test_a_core_barrier_between_write_and_read_passes_and_swaps_the_rows(self):
        a = data()
        got, _ = trnsim_nki.run(swap_rows_with_barrier[nl.nc(2)], a, compile_config=CHECKED,
                                options=RunOptions("trn2", mode="values"))
        np.testing.assert_array_equal(got[128:], a[:128])
        np.testing.assert_array_equal(got[:128], a[128:])

    def test_one_core_has_nothing_to_check(self):
        a = data()[:128]
        got, _ = trnsim_nki.run(own_rows, a, compile_config=CHECKED,
                                options=RunOptions("trn2", mode="values"))
        np.testing.assert_allclose(got, 2 * a.astype(np.float64), rtol=1e-6)


class AddressRotationConfigTest(unittest.TestCase):
    def test_the_documented_members_and_default(self):
        self.assertEqual([m.name for m in AddressRotation], ["AUTO", "ENABLE", "DISABLE"])
        self.assertIs(CompileConfig().address_rotation, AddressRotation.AUTO)

    def test_command_line_form(self):
        cfg = parse_compile_config("allocation=linear,address_rotation=enable,"
                                   "non_ssa_legalization=1,barrier_check=1")
        self.assertIs(cfg.allocation, Allocation.LINEAR)
        self.assertIs(cfg.address_rotation, AddressRotation.ENABLE)
        self.assertTrue(cfg.non_ssa_legalization and cfg.barrier_check)
        with self.assertRaisesRegex(ValueError, "address_rotation=sideways: expected one of "
                                                "auto, enable, disable"):
            parse_compile_config("address_rotation=sideways")

    def test_a_string_is_not_an_address_rotation(self):
        with self.assertRaisesRegex(TypeError, "address_rotation must be an "
                                               "nki.compiler.AddressRotation"):
            CompileConfig(address_rotation="enable")


if __name__ == "__main__":
    unittest.main()
