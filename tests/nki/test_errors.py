"""Error cases of the NKI front end: every unsupported call or bad kernel line gets an error
naming the call and the kernel file and line; never a silent fallback."""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.errors import NkiError, NkiUnsupportedError

HEADER = """import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def k(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    x = nl.load(a)
"""  # the body below starts at line 10


def kernel(body, name):
    src = HEADER + "".join("    " + line + "\n" for line in body.strip().splitlines())
    src += "    return out\n"
    return u.load_source(name, src).k


class ErrorTest(unittest.TestCase):
    a = np.zeros((128, 64), np.float32)

    def expect(self, body, exc, *fragments, name="bad_kernel"):
        k = kernel(body, name)
        with self.assertRaises(exc) as cm:
            trnsim_nki.trace(k, self.a)
        msg = str(cm.exception)
        self.assertIn("%s.py:10" % name, msg)
        for f in fragments:
            self.assertIn(f, msg)
        return msg

    def test_unknown_language_call(self):
        self.expect("y = nl.fancy_new_op(x)", NkiUnsupportedError, "nki.language.fancy_new_op")

    def test_unknown_isa_call(self):
        self.expect("y = nisa.quantize_mx(x)", NkiUnsupportedError, "nki.isa.quantize_mx",
                    "MX (microscaling)")

    def test_unknown_keyword(self):
        self.expect("y = nisa.tensor_tensor(x, x, op=nl.add, turbo=True)",
                    NkiUnsupportedError, "nisa.tensor_tensor", "'turbo'")

    def test_argument_given_by_position_and_keyword(self):
        self.expect("y = nisa.tensor_copy(x, src=x)", NkiError, "nisa.tensor_copy",
                    "multiple values for 'src'")

    def test_missing_required_argument(self):
        self.expect("y = nisa.tensor_copy(mask=None)", NkiError, "nisa.tensor_copy",
                    "missing required argument 'src'")
        self.expect("nisa.tensor_copy(dst=x)", NkiError, "nisa.tensor_copy",
                    "missing required argument 'src'")

    def test_too_many_arguments(self):
        self.expect("y = nisa.tensor_copy(x, None, None, None, None)", NkiError,
                    "nisa.tensor_copy", "takes 4 arguments, got 5")

    def test_unsupported_option(self):
        self.expect("y = nisa.tensor_tensor_scan(x, x, 0.0, nl.subtract, nl.add, reverse0=True)",
                    NkiUnsupportedError, "nisa.tensor_tensor_scan", "reverse0=True")

    def test_out_of_bounds_without_mask(self):
        self.expect("y = nl.load(a[nl.arange(128)[:, None] + 64, nl.arange(64)[None, :]])",
                    NkiError, "nki.dma_copy", "mask it")

    def test_out_of_bounds_view_of_a_buffer_already_used_in_bounds(self):
        # a buffer's in-bounds views are checked once per view text; another view of it is
        # still checked
        self.expect("y = nl.add(nl.load(a[nl.arange(128)[:, None], nl.arange(32)[None, :]]), "
                    "nl.load(a[nl.arange(128)[:, None] + 64, nl.arange(32)[None, :]]))",
                    NkiError, "nki.dma_copy", "mask it")

    def test_slice_beyond_the_tensor_is_an_error_not_a_clamp(self):
        self.expect("y = nl.load(a[0:256, 0:64])", NkiError, "slice 0:256 of dimension 0",
                    "size 128")
        self.expect("y = nl.load(a[:, 32:96])", NkiError, "slice 32:96 of dimension 1",
                    "size 64")

    def test_shape_mismatch(self):
        self.expect("y = nl.add(x, x[0:64, :])", NkiError, "nl.add", "(128, 64) and (64, 64)")

    def test_non_box_mask(self):
        self.expect("y = nl.exp(x, mask=(nl.arange(128)[:, None] < nl.arange(64)[None, :]))",
                    NkiUnsupportedError, "nki.activation", "affine_select")

    def test_matmul_limits(self):
        self.expect("y = nl.matmul(nl.zeros((128, 8), nl.float32), "
                    "nl.zeros((128, 600), nl.float32), transpose_x=True)", NkiError,
                    "nl.matmul", "N=600")

    def test_hbm_operand(self):
        self.expect("y = nl.exp(a)", NkiError, "nl.exp", "HBM")

    def test_dynamic_index(self):
        # a tile index selects rows at run time (isa_dynamic), from an int32/uint32 tile only
        self.expect("y = x[x]", NkiError, "index tile must be int32 or uint32")

    def test_outside_kernel(self):
        with self.assertRaises(NkiError):
            trnsim_nki.language.zeros((128, 1), trnsim_nki.language.float32)


class CliTest(unittest.TestCase):
    def run_cli(self, *args):
        env = dict(os.environ)
        env["PYTHONPATH"] = u.NKI_DIR
        return subprocess.run([sys.executable, "-m", "trnsim_nki"] + list(args), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def test_trace_only(self):
        tmp = tempfile.mkdtemp()
        x = os.path.join(tmp, "x.npy")
        np.save(x, np.ones((256, 64), np.float32))
        p = self.run_cli(os.path.join(u.EXAMPLES, "softmax.py") + "::softmax", "--input",
                         "x=" + x, "--out", os.path.join(tmp, "res"), "--trace-only")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.exists(os.path.join(tmp, "res", "trace.json")))

    def test_error_exit(self):
        tmp = tempfile.mkdtemp()
        src = os.path.join(tmp, "broken.py")
        with open(src, "w") as f:
            f.write(HEADER + "    y = nl.fancy_new_op(x)\n    return out\n")
        a = os.path.join(tmp, "a.npy")
        np.save(a, np.ones((128, 64), np.float32))
        p = self.run_cli(src + "::k", "--input", "a=" + a, "--out", tmp, "--trace-only")
        self.assertEqual(p.returncode, 1)
        self.assertIn("broken.py:10", p.stderr)
        self.assertIn("nki.language.fancy_new_op", p.stderr)


if __name__ == "__main__":
    unittest.main()
