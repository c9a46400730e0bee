"""Front-end behaviours beyond single API names: access patterns (.ap), masks matched by grid
axis, transposed stores and memsets, entry points (jit grid, nki.simulate, nki.trace as a
decorator), NKIObject helpers, and the errors for their bad use."""
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.errors import NkiError, NkiUnsupportedError

STATE, BINARY = u.binary_state()
RNG = np.random.default_rng(5)

SRC = '''
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def ap_rows(a):
    out = nl.ndarray((128, 64), dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(out, nl.load(a.ap(pattern=[[64, 128], [1, 64]], offset=64 * 128)))
    return out


@nki.jit
def ap_even_rows_and_tile(a):
    out = nl.ndarray((128, 32), dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.load(a.ap(pattern=[[128, 128], [1, 64]], offset=0))
    nl.store(out, nl.copy(t.ap(pattern=[[64, 128], [2, 32]], offset=1)))
    return out


@nki.jit
def ap_bad(a):
    return nl.load(a.ap(pattern=[[100, 2], [1, 64]], offset=0))


@nki.jit
def mask_by_grid_axis(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(64)[None, :]
    zero = nl.zeros((128, 64), dtype=a.dtype)
    nl.store(out, zero)
    t = nl.load(a[i_p, i_f])
    nl.store(out[i_p, i_f], t, mask=(nl.arange(128)[:, None] < 100))
    return out


@nki.jit
def masked_in_place(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(64)[None, :]
    y = nl.zeros((128, 64), dtype=a.dtype)
    x = nl.load(a)
    y[i_p, i_f] = nl.exp(x[i_p, i_f], mask=(i_p < 100))
    z = nl.full((128, 64), 5.0, dtype=a.dtype)
    w = nl.exp(x, mask=(nl.arange(128)[:, None] >= 120))
    z[...] = w
    nl.store(out, nl.add(y, z))
    return out


@nki.jit
def transposed_store(a):
    out = nl.ndarray((64, 128), dtype=a.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(64)[None, :]
    nl.store(out[i_f, i_p], nl.load(a))
    return out


@nki.jit
def transposed_memset(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray((64, 64), dtype=a.dtype, buffer=nl.sbuf)
    i_p = nl.arange(64)[:, None]
    i_f = nl.arange(64)[None, :]
    nisa.memset(dst=t[i_f, i_p], value=3.0)
    nl.store(out, nl.add(t, nl.load(a)))
    return out


class Scale(nl.NKIObject):
    def __init__(self, factor):
        self.factor = factor


@nki.jit
def helper_object(a, cfg=Scale(4.0)):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(out, nl.multiply(nl.load(a), cfg.factor))
    return out


def plain_double(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(out, nl.multiply(nl.load(a), 2.0))
    return out


@nki.trace
def traced_double(a):
    return plain_double(a)


@nki.jit
def bad_engine(a):
    t = nl.load(a)
    return nisa.tensor_copy(t, engine="warp")


@nki.jit
def bad_copy_dtype(a):
    t = nl.load(a)
    d = nl.ndarray(t.shape, dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=d, src=t, dtype=nl.bfloat16)
    return d


@nki.jit
def exponential_on_trn2(a):
    t = nl.load(a)
    nisa.exponential(t, t)
    return t


@nki.jit
def loop_reduce_without_accumulator(a):
    fresh_name = nl.loop_reduce(nl.load(a), op=nl.add, loop_indices=[0])
    return fresh_name


@nki.jit
def unit_dim_overrun(w):
    return nl.load(w.reshape((1, 256))[nl.arange(2)[:, None], nl.arange(256)[None, :]])
'''


def mod():
    if not hasattr(mod, "m"):
        mod.m = u.load_source("surface_kernels", SRC)
    return mod.m


@unittest.skipIf(STATE == "none", "no trnsim binary")
class SurfaceRunTest(unittest.TestCase):
    def run_k(self, name, *args):
        out, _ = trnsim_nki.run(getattr(mod(), name), *args)
        return out

    def test_ap_selects_rows(self):
        a = RNG.standard_normal((256, 64)).astype(np.float32)
        np.testing.assert_array_equal(self.run_k("ap_rows", a), a[128:])

    def test_ap_strides_on_hbm_and_sbuf(self):
        a = RNG.standard_normal((256, 64)).astype(np.float32)
        np.testing.assert_array_equal(self.run_k("ap_even_rows_and_tile", a), a[::2, 1::2])

    def test_mask_variable_matched_by_grid_axis(self):
        a = RNG.standard_normal((128, 64)).astype(np.float32)
        exp = a.copy()
        exp[100:] = 0.0
        np.testing.assert_array_equal(self.run_k("mask_by_grid_axis", a), exp)

    def test_masked_result_written_in_place_keeps_its_mask(self):
        a = RNG.standard_normal((128, 64)).astype(np.float32)
        e = np.exp(a.astype(np.float64))
        y = np.where(np.arange(128)[:, None] < 100, e, 0.0)
        z = np.where(np.arange(128)[:, None] >= 120, e, 5.0)
        np.testing.assert_allclose(self.run_k("masked_in_place", a), y + z, rtol=1e-5)

    def test_store_through_transposed_view(self):
        a = RNG.standard_normal((128, 64)).astype(np.float32)
        np.testing.assert_array_equal(self.run_k("transposed_store", a), a.T)

    def test_memset_through_transposed_view(self):
        a = RNG.standard_normal((64, 64)).astype(np.float32)
        np.testing.assert_allclose(self.run_k("transposed_memset", a), a + 3.0, rtol=1e-6)

    def test_nki_object_helper(self):
        a = RNG.standard_normal((128, 64)).astype(np.float32)
        np.testing.assert_allclose(self.run_k("helper_object", a), 4.0 * a, rtol=1e-6)

    def test_simulate_and_trace_decorator(self):
        import nki
        a = RNG.standard_normal((128, 64)).astype(np.float32)
        np.testing.assert_allclose(nki.simulate(mod().plain_double)(a), 2 * a, rtol=1e-6)
        self.assertIsInstance(mod().traced_double, trnsim_nki.Kernel)
        np.testing.assert_allclose(mod().traced_double(a), 2 * a, rtol=1e-6)


class SurfaceTraceTest(unittest.TestCase):
    a = np.zeros((128, 64), np.float32)

    def test_jit_grid_is_kept(self):
        import nki
        k = nki.jit(grid=(2, 3))(mod().plain_double)
        self.assertEqual(k.grid, (2, 3))
        self.assertEqual(nki.jit(mod().plain_double)[4].grid, (4,))

    def test_bad_grid(self):
        import nki
        with self.assertRaises(NkiError) as cm:
            nki.jit(grid="two")
        self.assertIn("grid", str(cm.exception))

    def test_errors(self):
        cases = [("ap_bad", NkiUnsupportedError, "tensor.ap"),
                 ("bad_engine", NkiError, "engine='warp'"),
                 ("bad_copy_dtype", NkiError, "dtype=bfloat16"),
                 ("unit_dim_overrun", NkiError, "dimension of size 1"),
                 ("exponential_on_trn2", NkiError, "NeuronCore-v4"),
                 ("loop_reduce_without_accumulator", NkiError, "accumulator tile")]
        for name, exc, text in cases:
            with self.subTest(kernel=name):
                arg = np.zeros((256,), np.float32) if name == "unit_dim_overrun" else self.a
                with self.assertRaises(exc) as cm:
                    trnsim_nki.trace(getattr(mod(), name), arg)
                self.assertIn(text, str(cm.exception))
                self.assertIn("surface_kernels.py:", str(cm.exception))


if __name__ == "__main__":
    unittest.main()


RESHAPE_SRC = '''
import nki
import nki.language as nl


@nki.jit
def hbm_reshape(a):
    out = nl.ndarray((16, 128), dtype=a.dtype, buffer=nl.shared_hbm)
    ar = a.reshape((16, 128))
    for i in nl.affine_range(2):
        nl.store(out[i * 8:(i + 1) * 8, :], nl.exp(nl.load(ar[i * 8:(i + 1) * 8, :])))
    return out


@nki.jit
def hbm_reshape_out(a):
    out = nl.ndarray((1, 2048), dtype=a.dtype, buffer=nl.shared_hbm)
    o = out.reshape((2, 8, 128))
    t = nl.load(a)
    nl.store(o[1, 0:8, :], t)
    nl.store(o[0], t)
    return out


@nki.jit
def hbm_reshape_gap(a):
    ar = a.reshape((16, 128))
    return nl.load(ar[0:4, 0:64])
'''


@unittest.skipIf(STATE == "none", "no trnsim binary")
class HbmReshapeTest(unittest.TestCase):
    def mod(self):
        return u.load_source("reshape_kernels", RESHAPE_SRC)

    def test_load_through_reshape(self):
        a = RNG.standard_normal((1, 2048)).astype(np.float32)
        out, _ = trnsim_nki.run(self.mod().hbm_reshape, a)
        np.testing.assert_allclose(out, np.exp(a.reshape(16, 128).astype(np.float64)),
                                   rtol=1e-5)

    def test_store_through_reshape(self):
        a = RNG.standard_normal((8, 128)).astype(np.float32)
        out, _ = trnsim_nki.run(self.mod().hbm_reshape_out, a)
        np.testing.assert_array_equal(out, np.concatenate([a, a]).reshape(1, 2048))

    def test_non_contiguous_selection_reads_an_alias(self):
        # a selection that is no block of the tensor reads an alias of the reshaped shape
        # (trnsim_nki/hbm_alias.py); this kernel then fails only for returning a tile
        with self.assertRaises(NkiError) as cm:
            trnsim_nki.trace(self.mod().hbm_reshape_gap, np.zeros((1, 2048), np.float32))
        self.assertIn("returned an on-chip tile", str(cm.exception))


VIEW_SRC = '''
import nki
import nki.language as nl


@nki.jit
def view_methods(a, b):
    o1 = nl.ndarray((64, 128), dtype=a.dtype, buffer=nl.shared_hbm)
    o2 = nl.ndarray((128, 32), dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(o1, nl.load(a.slice(1, 0, 64).permute(1, 0)))       # a[:, 0:64].T
    t = nl.load(b.select(0, 1).slice(1, 32, 96, 2))              # b[1, :, 32:96:2]
    nl.store(o2, t.expand_dim(2).squeeze_dim(2))
    return o1, o2


@nki.jit
def transposed_load_rank3(b):
    return nl.load(b.select(0, 1).permute(1, 0))
'''


@unittest.skipIf(STATE == "none", "no trnsim binary")
class ViewMethodsTest(unittest.TestCase):
    def test_select_slice_permute_expand_squeeze(self):
        m = u.load_source("view_kernels", VIEW_SRC)
        a = RNG.standard_normal((128, 96)).astype(np.float32)
        b = RNG.standard_normal((2, 128, 96)).astype(np.float32)
        o1, o2 = trnsim_nki.run(m.view_methods, a, b)[0]
        np.testing.assert_array_equal(o1, a[:, 0:64].T)
        np.testing.assert_array_equal(o2, b[1, :, 32:96:2])
        with self.assertRaises(NkiUnsupportedError) as cm:
            trnsim_nki.trace(m.transposed_load_rank3, b)
        self.assertIn("rank-3", str(cm.exception))

    def test_pattern_and_contiguity(self):
        import trnsim_nki.core as core
        core.begin_trace("k")
        try:
            t = core.alloc([4, 128, 96], trnsim_nki.dtypes.float32, "hbm")
            self.assertEqual(t.get_pattern(), [[128 * 96, 4], [96, 128], [1, 96]])
            self.assertEqual(t[1:3].get_pattern(), [[128 * 96, 2], [96, 128], [1, 96]])
            self.assertTrue(t[1:3].is_contiguous())
            self.assertFalse(t[:, :, 0:48].is_contiguous())
            self.assertEqual(t.slice(2, 0, 96, 2).get_pattern()[2], [2, 48])
            with self.assertRaises(NkiError):
                t.permute(0, 0, 1)
        finally:
            core.end_trace()


PRINT_SRC = '''
import nki
import nki.language as nl


@nki.jit
def printing(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    e = nl.multiply(nl.load(a), 2.0)
    nl.device_print("twice a:", e)
    nl.store(out, e)
    return out
'''


@unittest.skipIf(STATE == "none", "no trnsim binary")
class DevicePrintTest(unittest.TestCase):
    def test_prints_simulated_values_and_time(self):
        import contextlib
        import io
        import re
        m = u.load_source("print_kernels", PRINT_SRC)
        a = np.arange(6, dtype=np.float32).reshape(2, 3)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            out, _ = trnsim_nki.run(m.printing, a)
        np.testing.assert_array_equal(out, 2 * a)   # the debug copy is not a kernel result
        text = buf.getvalue()
        self.assertRegex(text, r"^twice a: \[t=[\d.]+ ns, print_kernels\.py:10\]\n")
        printed = re.findall(r"[-\d.]+", text.split("\n", 1)[1])
        np.testing.assert_array_equal(np.array(printed, dtype=np.float32), (2 * a).ravel())
