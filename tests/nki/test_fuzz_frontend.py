"""A bounded, seeded mutation fuzzer of the NKI front end: small kernels with random valid and
invalid slices, index expressions, dtypes, shapes and arguments. Whatever a kernel does, the
front end either traces it or raises NkiError / NkiUnsupportedError naming the kernel file and
a line of the kernel; running a traced kernel either succeeds or raises TrnsimRunError. A
Python exception from inside trnsim_nki (reported as NkiInternalError) is a bug; the failure
message gives the seed and the kernel source to reproduce it."""
import random
import re
import traceback
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.errors import NkiError, NkiInternalError, TrnsimRunError

STATE, _ = u.binary_state()
SEED = 20261202
KERNELS = 600     # traced (a few ms each)
RUNS = 6          # of those, run on the simulator
HEADER = """import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def k(a, b):
"""
FIRST_BODY_LINE = 8


class Gen:
    """Random pieces of kernel source: each piece is valid with probability VALID, else one of
    its invalid (or unusual) variants."""
    VALID = 0.93

    def __init__(self, rnd):
        self.r = rnd

    def pick(self, *xs):
        return self.r.choice(xs)

    def either(self, valid, invalid):
        return self.pick(*valid) if self.r.random() < self.VALID else self.pick(*invalid)

    def bound(self, n):
        return self.either((0, n // 2, n, None, -1, None), (n + 1, 2 * n, -n - 1, "1.5"))

    def slice_text(self, n):
        lo, hi = self.bound(n), self.bound(n)
        text = "%s:%s" % ("" if lo is None else lo, "" if hi is None else hi)
        if self.r.random() < 0.2:
            text += ":%s" % self.either((1, 2), (0, -1, "'s'"))
        return text

    def index(self, n, axis, ndim):
        kind = self.r.random()
        if kind < 0.4:
            return self.slice_text(n)
        if kind < 0.75:
            grid = ", ".join(":" if i == axis else "None" for i in range(ndim))
            m, off = self.either(((n, 0), (n // 2, 0), (n // 2, n // 2), (1, 0)),
                                 ((n + 1, 0), (n, 1), (n, -1)))
            return "%s * nl.arange(%d)[%s] + %d" % (self.either((1,), (2, 0, -1)), m, grid, off)
        if kind < 0.8 and ndim >= 2:  # two arange terms in one dimension
            other = self.pick(*[i for i in range(ndim) if i != axis])
            grid = [", ".join(":" if i == ax else "None" for i in range(ndim))
                    for ax in (axis, other)]
            half = self.either((n // 2,), (n, 0))
            return "2 * nl.arange(%d)[%s] + nl.arange(%d)[%s]" % (
                half, grid[0], self.either((2,), (3, 1)), grid[1])
        if kind < 0.85:
            return str(self.either((0, n - 1, -1), (n, -n - 1)))
        if kind < 0.93:
            return "nl.ds(%d, %d)" % self.either(((0, n), (0, n // 2), (n // 2, n // 2)),
                                                 ((1, n), (0, 0), (-1, 2)))
        return self.either(("...",), ("1.5", "'x'", "None", "[0, 1]", "b"))

    def view(self, name, shape):
        if self.r.random() < 0.4:
            return name
        k = self.either((2,), (1, 3))
        idx = [self.index(shape[min(i, len(shape) - 1)], i, k) for i in range(k)]
        return "%s[%s]" % (name, ", ".join(idx))

    def dtype(self):
        return self.either(("nl.float32", "nl.bfloat16", "nl.float16", "nl.int32", "a.dtype",
                            "nl.float8_e4m3", "nl.uint8", "'float32'"),
                           ("'complex64'", "None", "3", "nl.float64"))

    def shape(self, p, f):
        return self.either(("(%d, %d)" % (p, f), "(%d, %d)" % (p, f // 2), "(%d, 1)" % p,
                            "(%d, %d, 2)" % (p, f // 2)),
                           ("(%d, %d)" % (p + 1, f), "(0, %d)" % f, "(%d, -4)" % p,
                            "(%d,)" % f, "()", "'big'", "(%d, 2.5)" % p))

    def op(self, p, f):
        x2 = self.either(("x", "x", "nl.load(b)", "x[:, 0:1]", "2.0"),
                         ("x[0:1, :]", "'s'", "None", "a"))
        axis = self.either(("1", "(1,)", "-1", "[1]"), ("0", "5", "'f'", "()", "1.0"))
        return self.pick(
            "nl.exp(x)", "nl.add(x, %s)" % x2, "nl.multiply(x, %s, dtype=%s)" % (x2,
                                                                                self.dtype()),
            "nl.matmul(x, %s, transpose_x=True)" % x2, "nl.transpose(x)",
            "nl.sum(x, axis=%s)" % axis, "nl.max(x, axis=%s, keepdims=True)" % axis,
            "nisa.tensor_scalar(x, nl.add, %s)" % x2,
            "nisa.activation(op=nl.exp, data=x, scale=%s)" % x2,
            "nisa.tensor_reduce(nl.add, x, axis=%s)" % axis,
            "nisa.tensor_tensor(x, %s, op=nl.subtract)" % x2,
            "nl.rand(%s)" % self.shape(p, f), "nl.dropout(x, %s)" % self.either(
                ("0.5", "0.0"), ("1.5", "-1", "x", "'r'")),
            "x.reshape(%s)" % self.shape(p, f), "nl.zeros(%s, dtype=%s)" % (self.shape(p, f),
                                                                            self.dtype()),
            "nl.copy(x, dtype=%s)" % self.dtype(), "nisa.iota(nl.arange(%d)[None, :], "
            "dtype=%s)" % (f, self.dtype()),
            "nl.where(x > 0, x, %s)" % x2, "nisa.memset(%s, 1.0, %s)" % (
                self.shape(p, f), self.dtype()),
            "nisa.dropout(x, %s)" % self.either(("0.25",), ("2.0", "'p'", "x")),
            "nl.gelu(x, dtype=%s)" % self.dtype(), "nl.softmax(x, axis=%s)" % axis,
            "nl.transpose(%s)" % x2, "nisa.nc_transpose(%s)" % x2,
            "nisa.tensor_copy(x, engine=%s)" % self.either(
                ("nisa.vector_engine", "nisa.gpsimd_engine"), ("'fast'", "7")))

    def dst_first(self, p, f):
        """An SDK 2.27+ dst-first call writing a fresh tile `y`."""
        call = self.pick(
            "nisa.tensor_copy(dst=y, src=%s)", "nisa.activation(dst=y, op=nl.exp, data=%s)",
            "nisa.tensor_scalar(y, %s, nl.multiply, 2.0)", "nisa.memset(y, %s)",
            "nisa.tensor_tensor(y, %s, x, nl.add)", "nisa.rng(%s)", "nisa.rand2(y, 0.0, %s)",
            "nisa.dma_copy(dst=y, src=%s)", "nisa.iota(y, [[1, %d]], 0)" % f + "  # %s")
        arg = self.either(("x",), ("a", "y[0:1]", "3", "None", "'x'"))
        return ["y = nl.ndarray(%s, dtype=%s, buffer=nl.sbuf)" % (self.shape(p, f),
                                                                self.dtype()),
                call % arg]

    def kernel(self):
        p = self.either((128, 128, 64, 1), (129, 300))
        f = self.either((64, 64, 4, 512), (513, 4096))
        lines = ["out = nl.ndarray(%s, dtype=%s, buffer=nl.shared_hbm)"
                 % (self.either(("a.shape",), (self.shape(p, f),)),
                    self.either(("a.dtype",), (self.dtype(),))),
                 "x = nl.load(%s)" % self.view("a", (p, f)),
                 "y = %s" % self.op(p, f)]
        if self.r.random() < 0.3:
            lines[2:] = self.dst_first(p, f)
        elif self.r.random() < 0.4:
            lines.append("y = %s" % self.op(p, f).replace("(x", "(y"))
        lines.append("nl.store(%s, value=y)" % self.view("out", (p, f)))
        lines.append("return out")
        args = (np.ones((p, f), np.float32), np.ones((p, f), self.pick(np.float32, np.int32)))
        return "".join("    %s\n" % s for s in lines), len(lines), args


def _located(msg, name, n_lines):
    m = re.search(r"%s\.py:(\d+)" % name, msg)
    return m is not None and FIRST_BODY_LINE <= int(m.group(1)) < FIRST_BODY_LINE + n_lines


@unittest.skipIf(STATE == "none", "no trnsim binary")
class FrontEndFuzzTest(unittest.TestCase):
    def test_mutated_kernels_fail_cleanly(self):
        rnd = random.Random(SEED)
        gen = Gen(rnd)
        traced = errors = runs = 0
        for i in range(KERNELS):
            body, n_lines, args = gen.kernel()
            name = "fuzz_%d" % i
            src = HEADER + body
            kernel = u.load_source(name, src).k
            where = "kernel %d (seed %d):\n%s" % (i, SEED, src)
            try:
                trnsim_nki.trace(kernel, *args)
            except NkiInternalError as e:
                self.fail("front-end crash in %s\n%s" % (where, e))
            except NkiError as e:
                errors += 1
                self.assertTrue(_located(str(e), name, n_lines),
                                "error without the kernel line: %s\n%s" % (e, where))
                continue
            except Exception:
                self.fail("front-end crash in %s\n%s" % (where, traceback.format_exc()))
            traced += 1
            if runs < RUNS and rnd.random() < 0.5:
                runs += 1
                try:
                    trnsim_nki.run(kernel, *args)
                except TrnsimRunError:
                    pass  # the simulator's own diagnostic (instruction index and field)
                except NkiError as e:
                    self.assertTrue(_located(str(e), name, n_lines), "%s\n%s" % (e, where))
                except Exception:
                    self.fail("crash running %s\n%s" % (where, traceback.format_exc()))
        # the mutations must exercise both outcomes, or the fuzzer tests nothing
        self.assertGreater(traced, KERNELS // 10)
        self.assertGreater(errors, KERNELS // 3)


if __name__ == "__main__":
    unittest.main()
