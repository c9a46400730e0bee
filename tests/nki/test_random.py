"""Random numbers of the NKI front end (trnsim_nki/rng.py): the values are trnsim's own
generator (tests/nki/conformance checks them bit for bit against its numpy model); here its
distribution properties, determinism and the errors of bad calls."""
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.errors import NkiError

STATE, _ = u.binary_state()

SRC = """import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def k(seed, x):
    u = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    d = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    nl.random_seed(nl.load(seed))
    nl.store(u, nl.rand((128, 512)))
    nl.store(d, nl.dropout(nl.load(x), 0.3))
    return u, d


@nki.jit
def bad_rate(x):
    out = nl.ndarray((128, 8), dtype=nl.float32, buffer=nl.shared_hbm)
    nl.store(out, nl.dropout(nl.load(x), 1.5))
    return out


@nki.jit
def bad_rng_dtype(x):
    t = nl.ndarray((128, 8), dtype=nl.float32, buffer=nl.sbuf)
    nisa.rng(t)
    return x


@nki.jit
def bad_rand2(x):
    t = nl.ndarray((128, 8), dtype=nl.float32, buffer=nl.sbuf)
    nisa.rand2(t, 2.0, 1.0)
    return x
"""


@unittest.skipIf(STATE == "none", "no trnsim binary")
class RandomTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mod = u.load_source("rand_kernels", SRC)
        ones = np.ones((128, 512), np.float32)
        cls.runs = {s: trnsim_nki.run(cls.mod.k, np.full((1, 1), s, np.int32), ones)[0]
                    for s in (5, 6)}
        cls.again = trnsim_nki.run(cls.mod.k, np.full((1, 1), 5, np.int32), ones)[0]

    def test_uniform_moments_and_range(self):
        x = self.runs[5][0].astype(np.float64)
        self.assertGreaterEqual(x.min(), 0.0)
        self.assertLess(x.max(), 1.0)
        n = x.size  # 65536 values: the standard error of the mean is 0.0011
        self.assertAlmostEqual(x.mean(), 0.5, delta=5 * np.sqrt(1 / 12 / n))
        self.assertAlmostEqual(x.var(), 1 / 12, delta=0.002)

    def test_histogram_is_flat(self):
        counts, _ = np.histogram(self.runs[5][0], bins=32, range=(0.0, 1.0))
        expected = self.runs[5][0].size / 32
        chi2 = ((counts - expected) ** 2 / expected).sum()
        self.assertLess(chi2, 70.0)  # 31 degrees of freedom: p < 1e-4 above 70

    def test_neighbours_are_uncorrelated(self):
        x = self.runs[5][0].astype(np.float64)
        along = np.corrcoef(x[:, :-1].ravel(), x[:, 1:].ravel())[0, 1]
        across = np.corrcoef(x[:-1].ravel(), x[1:].ravel())[0, 1]
        self.assertLess(abs(along), 0.02)
        self.assertLess(abs(across), 0.02)

    def test_same_seed_same_values_other_seed_other_values(self):
        np.testing.assert_array_equal(self.runs[5][0], self.again[0])
        np.testing.assert_array_equal(self.runs[5][1], self.again[1])
        self.assertLess(np.mean(self.runs[5][0] == self.runs[6][0]), 0.001)

    def test_dropout_drops_the_rate(self):
        kept = self.runs[5][1]
        self.assertTrue(np.all((kept == 0.0) | (kept == 1.0)))
        self.assertAlmostEqual(np.mean(kept == 0.0), 0.3, delta=0.01)

    def test_bad_calls_name_the_call_and_line(self):
        x = np.zeros((128, 8), np.float32)
        for name, what in (("bad_rate", "nl.dropout"), ("bad_rng_dtype", "nisa.rng"),
                           ("bad_rand2", "min < max")):
            with self.subTest(name):
                with self.assertRaises(NkiError) as cm:
                    trnsim_nki.trace(getattr(self.mod, name), x)
                self.assertIn(what, str(cm.exception))
                self.assertIn("rand_kernels.py:", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
