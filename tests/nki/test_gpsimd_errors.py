"""Bad uses of nisa.local_gather and nisa.sequence_bounds: each is an NkiError naming the call,
the kernel file and line, and the broken constraint of the NKI reference (tracing only, no
simulation)."""
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
    s = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    i = nl.ndarray((128, 4), dtype=nl.uint16, buffer=nl.sbuf)
    ids = nl.ndarray((1, 9), dtype=nl.int32, buffer=nl.sbuf)
"""  # the failing line is line 11


def kernel(line, name):
    return u.load_source(name, HEADER + "    " + line + "\n    return a\n").k


class GpsimdErrorTest(unittest.TestCase):
    a = np.zeros((1, 1), np.float32)

    def expect(self, line, *fragments, exc=NkiError):
        name = "bad_gpsimd_" + self._testMethodName
        with self.assertRaises(exc) as cm:
            trnsim_nki.trace(kernel(line, name), self.a)
        msg = str(cm.exception)
        self.assertIn("%s.py:11" % name, msg)
        for f in fragments:
            self.assertIn(f, msg)

    def test_index_must_be_uint16(self):
        self.expect("g = nisa.local_gather(s, nl.ndarray((128, 4), dtype=nl.int32, "
                    "buffer=nl.sbuf))", "nisa.local_gather", "index must be uint16, got int32")

    def test_num_elem_per_idx_must_be_allowed(self):
        self.expect("g = nisa.local_gather(s, i, num_elem_per_idx=3)",
                    "num_elem_per_idx=3", "(1, 2, 4, 8, 16, 32)")

    def test_partitions_must_be_a_multiple_of_16(self):
        self.expect("g = nisa.local_gather(s[0:24, :], i[0:24, :])", "24 partitions",
                    "multiple of 16")

    def test_index_and_src_partitions_must_match(self):
        self.expect("g = nisa.local_gather(s, i[0:64, :])", "index has 64 partitions",
                    "src_buffer has 128")

    def test_at_most_4096_indices_per_core(self):
        self.expect("g = nisa.local_gather(s, nl.ndarray((128, 257), dtype=nl.uint16, "
                    "buffer=nl.sbuf))", "4112 indices per GpSimd core", "at most 4096")

    def test_num_valid_indices_within_the_core_slice(self):
        self.expect("g = nisa.local_gather(s, i, 1, 65)", "num_valid_indices=65", "1..64")

    def test_dst_shape_must_hold_the_gather(self):
        self.expect("nisa.local_gather(nl.ndarray((128, 60), dtype=nl.float32, buffer=nl.sbuf), "
                    "s, i)", "dst has shape (128, 60)", "128 partitions x 64 elements")

    def test_dst_dtype_is_src_dtype(self):
        self.expect("nisa.local_gather(nl.ndarray((128, 64), dtype=nl.bfloat16, buffer=nl.sbuf),"
                    " s, i)", "keeps src_buffer's dtype float32")

    def test_psum_src_is_refused(self):
        self.expect("g = nisa.local_gather(nl.ndarray((128, 64), dtype=nl.float32, "
                    "buffer=nl.psum), i)", "src_buffer must be in SBUF")

    def test_mask_is_unsupported(self):
        self.expect("g = nisa.local_gather(s, i, mask=(nl.arange(128)[:, None] < 64))",
                    "mask=", exc=NkiUnsupportedError)

    def test_sequence_bounds_needs_one_partition(self):
        self.expect("b = nisa.sequence_bounds(segment_ids=s)", "nisa.sequence_bounds",
                    "128 partitions", "must be 1")

    def test_sequence_bounds_dtype(self):
        self.expect("b = nisa.sequence_bounds(segment_ids=ids, dtype=nl.bfloat16)",
                    "output dtype must be float32 or int32, got bfloat16")

    def test_sequence_bounds_dst_shape(self):
        self.expect("nisa.sequence_bounds(nl.ndarray((1, 2, 8), dtype=nl.int32, "
                    "buffer=nl.sbuf), ids)", "dst has shape (1, 2, 8)", "expected (1, 2, 9)")


if __name__ == "__main__":
    unittest.main()
