"""NkiTensor indexing with plain int slices takes a short path (core.NkiTensor._sliced); the
view it makes (slices, dims, vars, view text) and the errors it leaves to the general path must
be exactly those of the general path, on seeded random slices of HBM tensors and tiles."""
import random
import unittest

import nki_test_util  # noqa: F401  (puts the front end on sys.path)
from trnsim_nki import core, dtypes
from trnsim_nki.errors import NkiError


def general_index(t, idx):
    """t[idx] with the short path switched off."""
    saved = core.NkiTensor._sliced
    core.NkiTensor._sliced = lambda self, idx: None
    try:
        return t._index(idx)
    finally:
        core.NkiTensor._sliced = saved


def outcome(f):
    try:
        v = f()
    except NkiError as e:
        return ("error", type(e).__name__, str(e).split(": ", 1)[1])  # without file:line
    return ("view", type(v).__name__, v.sl, v.dims, v.vars, v.view_text(), v.shape)


def random_bound(rng, n):
    return rng.choice([None, 0, n, n + 1, -n, -n - 1, -1, True,
                       rng.randint(-n, n), rng.randint(-n, n)])


class IndexFastPath(unittest.TestCase):
    def setUp(self):
        core.begin_trace("index_fast_path")
        self.addCleanup(core.end_trace)

    def test_random_slices_match_the_general_path(self):
        rng = random.Random(3)
        bases = [core.alloc([256, 96], dtypes.float32, "hbm", name="h"),
                 core.alloc([128, 40], dtypes.float32, "sbuf", name="s"),
                 core.alloc([4, 6, 10], dtypes.float32, "hbm", name="h3")]
        bases.append(bases[0][10:200, 5:60])   # a view of a view
        bases.append(bases[2].reshape([4, 1, 6, 10]))  # a unit dim without a buffer dim
        checked = 0
        for trial in range(3000):
            t = rng.choice(bases)
            n_idx = rng.randint(1, t.ndim + 1)
            idx = []
            for pos in range(n_idx):
                n = t.shape[pos] if pos < t.ndim else 4
                step = rng.choice([None, None, None, 1, 2])
                idx.append(slice(random_bound(rng, n), random_bound(rng, n), step))
            idx = tuple(idx) if n_idx > 1 or rng.random() < 0.5 else idx[0]
            with self.subTest(trial=trial, idx=idx, shape=t.shape):
                self.assertEqual(outcome(lambda: t._index(idx)),
                                 outcome(lambda: general_index(t, idx)))
                checked += 1
        self.assertEqual(checked, 3000)

    def test_short_path_taken_for_plain_slices_only(self):
        t = core.alloc([256, 96], dtypes.float32, "hbm", name="h")
        self.assertIsNotNone(t._sliced((slice(0, 128), slice(None, 64))))
        self.assertIsNone(t._sliced((slice(0, 128, 2),)))
        self.assertIsNone(t._sliced((slice(0, 300),)))   # out of range: general path errs
        self.assertIsNone(t._sliced((3, slice(0, 8))))


if __name__ == "__main__":
    unittest.main()
