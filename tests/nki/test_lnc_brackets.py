"""kernel[2] in the two API generations (NKI docs, "Using Logical Neuron Cores": in SDK 2.27+
`nki`, one number in the brackets is the number of cores to launch on). A `nki.jit` kernel
launched as kernel[2] on trn2 runs on the two cores of the LNC pair (the pair's stats carry
"lnc"); on trn1, which has no pair, and with `neuronxcc.nki`, it is an SPMD grid of two
programs on one core. Values are the same in every case."""
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
import neuronxcc.nki as onki
import nki
import nki.language as nl

STATE, BINARY = u.binary_state()


def halves(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    i = nl.program_id(0)
    nl.store(out[i * 128:(i + 1) * 128, :], nl.exp(nl.load(x[i * 128:(i + 1) * 128, :])))
    return out


@unittest.skipUnless(STATE == "ok", "no trnsim binary")
class BracketLncTest(unittest.TestCase):
    x = np.random.default_rng(3).standard_normal((256, 256)).astype(np.float32)

    def run_on(self, kernel, target):
        out, stats = trnsim_nki.run(kernel, self.x, target=target)
        np.testing.assert_allclose(out, np.exp(self.x.astype(np.float64)), rtol=1e-5)
        return stats

    def test_new_api_two_in_brackets_is_two_cores_on_trn2(self):
        self.assertIn("lnc", self.run_on(nki.jit(halves)[2], "trn2"))
        self.assertIn("lnc", self.run_on(nki.jit()(halves)[2], "trn2"))

    def test_new_api_on_trn1_is_an_spmd_grid(self):
        self.assertNotIn("lnc", self.run_on(nki.jit(halves)[2], "trn1"))

    def test_old_api_two_in_brackets_is_an_spmd_grid(self):
        self.assertNotIn("lnc", self.run_on(onki.jit(halves)[2], "trn2"))

    def test_grid_tuple_and_other_sizes_stay_spmd_grids(self):
        k = nki.jit(halves)
        self.assertFalse(k[(2,)].bracket_lnc)
        self.assertFalse(k[4].bracket_lnc)
        self.assertTrue(k[2].bracket_lnc)
        self.assertFalse(onki.jit(halves)[2].bracket_lnc)


if __name__ == "__main__":
    unittest.main()
