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
        self.assertIn("trnsim nki: error: dtype int64 is not an NKI data type", r.stderr)
        self.assertNotIn("Traceback", r.stderr)


if __name__ == "__main__":
    unittest.main()
