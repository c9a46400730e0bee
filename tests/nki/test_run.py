"""End to end: the example kernels traced and run on the trnsim binary, in both import styles,
against float64 numpy references. Skipped only when no binary exists at all; a TRNSIM_BIN that
is set but broken makes these tests fail."""
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.errors import NkiError

STATE, BINARY = u.binary_state()
RNG = np.random.default_rng(11)


def r(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def ref_rmsnorm(x, g, eps=1e-6):
    x = x.astype(np.float64)
    return x / np.sqrt(np.mean(x * x, axis=1, keepdims=True) + eps) * g


def ref_softmax(x):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def ref_layernorm(x, g, b, eps=1e-5):
    x = x.astype(np.float64)
    m = x.mean(axis=1, keepdims=True)
    v = x.var(axis=1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def ref_attention(q, k, v):
    s = q.astype(np.float64) @ k.T.astype(np.float64) / np.sqrt(q.shape[1])
    return ref_softmax(s) @ v.astype(np.float64)


def cases():
    x1, x2 = r(256, 1024), r(256, 1024)
    t = r(256, 384)
    xn, g = r(200, 256), r(256)
    xs = r(256, 300)
    xl, gl, bl = r(256, 512), r(512), r(512)
    xb, gb, bb = r(128, 1024), r(1024), r(1024)
    a_t, b = r(256, 256), r(256, 1024)
    q, k, v = r(128, 64), r(512, 64), r(512, 64)
    return [
        ("tensor_add.py", "tensor_add", (x1, x2), (2, 2), x1 + x2, 1e-6),
        ("transpose_tiled.py", "transpose_tiled", (t,), None, t.T, 0),
        ("rmsnorm.py", "rmsnorm", (xn, g), None, ref_rmsnorm(xn, g), 1e-4),
        ("softmax.py", "softmax", (xs,), None, ref_softmax(xs), 1e-5),
        ("layernorm.py", "layernorm_nl", (xl, gl, bl), None, ref_layernorm(xl, gl, bl), 1e-4),
        ("layernorm.py", "layernorm_bn", (xb, gb, bb), None, ref_layernorm(xb, gb, bb), 1e-4),
        ("matmul_tiled.py", "matmul_tiled", (a_t, b), None,
         a_t.T.astype(np.float64) @ b, 1e-3),
        ("matmul_tiled.py", "matmul_tiled_dst", (a_t, b), None,
         a_t.T.astype(np.float64) @ b, 1e-3),
        # probabilities are bf16 in the kernel: about 3 significant digits
        ("flash_attention.py", "attention_block", (q, k, v), None, ref_attention(q, k, v), 2e-2),
    ]


@unittest.skipIf(STATE == "none", "no trnsim binary (set TRNSIM_BIN or build build/trnsim)")
class RunTest(unittest.TestCase):
    def test_examples_match_numpy_both_styles(self):
        for filename, func, args, grid, want, tol in cases():
            for style in ("old", "new"):
                with self.subTest(kernel=func, style=style):
                    kern = getattr(u.load_example(filename, style), func)
                    out, stats = trnsim_nki.run(kern[grid] if grid else kern, *args)
                    self.assertEqual(out.shape, want.shape)
                    err = np.max(np.abs(out - want)) / max(1.0, np.max(np.abs(want)))
                    self.assertLessEqual(err, tol, "max relative error %.3g" % err)
                    self.assertIsInstance(stats, dict)
                    self.assertTrue(stats, "stats.json is empty")

    def test_jit_call_returns_arrays(self):
        mod = u.load_example("tensor_add.py")
        a, b = r(128, 512), r(128, 512)
        out = mod.tensor_add(a, b)
        np.testing.assert_allclose(out, a + b, rtol=1e-6)
        self.assertIsInstance(mod.tensor_add.last_stats, dict)

    def test_validation_error_names_kernel_line(self):
        mod = u.load_source("too_wide", """
import nki
import nki.isa as nisa
import nki.language as nl

@nki.jit
def k(a):
    out = nl.ndarray((128, 1024), dtype=nl.float32, buffer=nl.shared_hbm)
    x = nl.load(a)
    acc = nl.ndarray((128, 1024), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_matmul(dst=acc, stationary=x[:, 0:128], moving=x)
    nl.store(out, value=nl.copy(acc))
    return out
""")
        # The front end checks the Tensor Engine's operand rules before the binary sees them.
        with self.assertRaises(NkiError) as cm:
            trnsim_nki.run(mod.k, r(128, 1024))
        self.assertIn("too_wide.py:11: nisa.nc_matmul: moving [128, 1024] has free size 1024",
                      str(cm.exception))


if __name__ == "__main__":
    unittest.main()
