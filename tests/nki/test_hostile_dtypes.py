"""64-bit integers are not NKI data types (NKI's "Supported Data Types" table stops at 32 bits):
a kernel dtype or host array of int64 / uint64 is refused, never narrowed to int32 silently."""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki import dtypes
from trnsim_nki.errors import NkiError, NkiInternalError

KERNEL = """import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def k(a):
    out = nl.ndarray(a.shape, dtype=%s, buffer=nl.shared_hbm)
    nl.store(out, nl.load(a))
    return out
"""


class Int64Test(unittest.TestCase):
    def test_to_dtype_refuses_64_bit_integers(self):
        for d in (np.int64, np.uint64, np.dtype("int64"), "int64"):
            with self.assertRaises(TypeError) as cm:
                dtypes.to_dtype(d)
            self.assertIn("int64", str(cm.exception))
        self.assertEqual(dtypes.to_dtype(np.int32).name, "int32")

    def test_kernel_dtype_int64_is_refused(self):
        # Raised inside the kernel: a kernel error at the kernel's line, not an internal error.
        k = u.load_source("hostile_int64_dtype", KERNEL % "np.int64").k
        with self.assertRaises(NkiError) as cm:
            trnsim_nki.trace(k, np.zeros((128, 64), np.int32))
        self.assertNotIsInstance(cm.exception, NkiInternalError)
        self.assertIn("hostile_int64_dtype.py:8", str(cm.exception))
        self.assertIn("int64 is not an NKI data type", str(cm.exception))

    def test_int64_host_array_is_refused_not_narrowed(self):
        k = u.load_source("hostile_int64_input", KERNEL % "a.dtype").k
        big = np.full((128, 64), 1 << 40, np.int64)  # would not survive int32
        with self.assertRaises(TypeError) as cm:
            trnsim_nki.trace(k, big)
        self.assertIn("convert the data to int32", str(cm.exception))

    def test_cli_reports_int64_input_as_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "k.py")
            with open(src, "w") as f:
                f.write(KERNEL % "a.dtype")
            x = os.path.join(d, "x.npy")
            np.save(x, np.zeros((128, 64), np.int64))
            r = subprocess.run([sys.executable, "-m", "trnsim_nki", src + "::k", "--input",
                                "a=" + x, "--trace-only", "--out", os.path.join(d, "out")],
                               cwd=u.NKI_DIR, capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        # Host-side: located at the kernel's def line (line 6, @nki.jit), naming the argument.
        self.assertIn("trnsim nki: error: k.py:6: k(a): argument 'a': dtype int64 is not an NKI "
                      "data type", r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertNotIn("<frozen", r.stderr)


# A tile on which every dtype= call below can run; DTYPE is the call's dtype= argument.
CALLS_KERNEL = """import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def k(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.load(a)
    u = %s
    nl.store(out, u)
    return out
"""
CALLS = ["nisa.activation(op=nl.exp, data=t, dtype=DTYPE)",
         "nisa.tensor_tensor(t, t, op=nl.add, dtype=DTYPE)",
         "nisa.tensor_scalar(t, op0=nl.multiply, operand0=2.0, dtype=DTYPE)",
         "nisa.tensor_copy(t, dtype=DTYPE)",
         "nisa.reciprocal(t, dtype=DTYPE)",
         "nisa.memset((128, 64), 0.0, dtype=DTYPE)",
         "nl.copy(t, dtype=DTYPE)",
         "nl.exp(t, dtype=DTYPE)",
         "nl.add(t, t, dtype=DTYPE)",
         "nl.zeros((128, 64), dtype=DTYPE)",
         "nl.load(a, dtype=DTYPE)",
         "nl.rand((128, 64), dtype=DTYPE)",
         "nisa.tensor_copy(dst=nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf), src=t, "
         "dtype=DTYPE)"]
BAD_DTYPES = ["np.int64", "np.uint64", "'int64'", "'float128'", "np.complex64", "3.5", "object()",
              "np.dtype('V8')"]


class UnknownDtypeArgumentTest(unittest.TestCase):
    def test_every_bad_dtype_argument_is_a_dtype_error_at_the_kernel_line(self):
        for i, call in enumerate(CALLS):
            for j, bad in enumerate(BAD_DTYPES):
                with self.subTest(call=call, dtype=bad):
                    name = "hostile_dtype_arg_%d_%d" % (i, j)
                    k = u.load_source(name, CALLS_KERNEL % call.replace("DTYPE", bad)).k
                    with self.assertRaises(dtypes.NkiDtypeError) as cm:
                        trnsim_nki.trace(k, np.zeros((128, 64), np.float32))
                    self.assertIn(name + ".py:11: dtype: ", str(cm.exception))
                    self.assertEqual(cm.exception.line, 11)

    def test_host_array_of_a_dtype_nki_lacks_is_located_at_the_kernel(self):
        k = u.load_source("hostile_complex_input", KERNEL % "a.dtype").k
        with self.assertRaises(dtypes.NkiDtypeError) as cm:
            trnsim_nki.trace(k, np.zeros((128, 64), np.complex64))
        self.assertEqual(str(cm.exception), "hostile_complex_input.py:6: k(a): argument 'a': "
                         "dtype complex64 has no NeuronCore equivalent")

    def test_frozen_stdlib_frames_are_never_the_location(self):
        # Under `python -m trnsim_nki` the only frames outside the package are runpy's frozen
        # ones: no user place is found, so the location is "?" rather than "<frozen runpy>".
        from trnsim_nki import errors
        self.assertIsNone(errors._classify("<frozen runpy>"))
        self.assertIsNone(errors._classify("<frozen importlib._bootstrap>"))
        self.assertIsNotNone(errors._classify(os.path.abspath(__file__)))


if __name__ == "__main__":
    unittest.main()
