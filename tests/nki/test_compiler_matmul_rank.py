"""The calibration set's matrix-multiplication schedules must rank as measured on trn1:
tiled > hoisted loads > blocked free dimension > fully optimised (NEURONCORE.md). Run at a
reduced size (K=512, M=1024, N=1024, bf16; the optimised blocks scaled to M=8, K=4 tiles)."""
import functools
import unittest

import numpy as np

import nki_test_util as u  # puts kernels/nki on sys.path first
import matmul_variants as mv  # noqa: E402
import trnsim_nki  # noqa: E402

HAVE_BINARY = u.binary_state()[0] == "ok"


@unittest.skipUnless(HAVE_BINARY, "no trnsim binary")
class MatmulScheduleRankTest(unittest.TestCase):
    def test_four_schedules_rank_as_measured(self):
        rs = np.random.RandomState(0)
        a, b = rs.rand(512, 1024).astype(np.float32), rs.rand(512, 1024).astype(np.float32)
        lhsT, rhs = trnsim_nki.as_dtype(a, "bfloat16"), trnsim_nki.as_dtype(b, "bfloat16")
        ref = a.T.astype(np.float64) @ b
        optimised = functools.update_wrapper(functools.partial(mv.optimised, bm=8, bk=4),
                                             mv.optimised)
        times = []
        for kernel in (mv.tiled, mv.hoisted, mv.blocked, optimised):
            out, stats = trnsim_nki.run(kernel, lhsT, rhs, target="trn1")
            np.testing.assert_allclose(out, ref, rtol=2e-2)  # bf16 operands
            times.append(stats["total_ns"])
        self.assertEqual(times, sorted(times, reverse=True), times)


if __name__ == "__main__":
    unittest.main()
