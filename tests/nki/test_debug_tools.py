"""Debugging aids of the NKI front end: --dump NAME@FILE.py:LINE (trnsim_nki.dump) and the kernel
warnings (trnsim_nki.kernel_checks: reads of never-written tiles, loop-carried dependencies in
nl.affine_range)."""
import contextlib
import io
import os
import shutil
import tempfile
import unittest
import warnings
from unittest import mock

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki import __main__ as cli
from trnsim_nki import kernel_checks
from trnsim_nki.dump import DumpError
from trnsim_nki.tracer import trace_kernel

STATE, BINARY = u.binary_state()

KERNELS = """
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def scaled(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.load(a)
    u = nl.multiply(t, 2.0)  # @U
    v = nl.add(u, 1.0)  # @V
    nl.store(out, value=v)
    return out


@nki.jit
def printed(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.load(a)
    nl.device_print("t is", t)  # @PRINT
    nl.store(out, value=t)
    return out


@nki.jit
def per_block(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(a.shape[1] // 128):
        t = nl.load(a[:, i * 128:(i + 1) * 128])
        s = nl.multiply(t, float(i + 1))  # @S
        nl.store(out[:, i * 128:(i + 1) * 128], value=s)
    return out


@nki.jit
def carried(a):
    out = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.shared_hbm)
    acc = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.RANGE(4):
        t = nl.load(a[:, i * 128:(i + 1) * 128])
        if i == 0:
            acc[...] = nl.copy(t)
        else:
            acc[...] = nl.subtract(t, acc)  # @CARRIED
        nl.store(out[:, i * 128:(i + 1) * 128], value=acc)
    return out


@nki.jit
def nested_carried(a):
    out = nl.ndarray((128, 128), dtype=a.dtype, buffer=nl.shared_hbm)
    acc = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.affine_range(3):
        t = nl.load(a[:, 0:128])
        if i == 0:
            acc[...] = nl.copy(t)
        else:
            acc[...] = nl.subtract(t, acc)  # @NESTED
        for j in nl.affine_range(70):  # more iteration starts than the checks look at
            pass
    nl.store(out, value=acc)
    return out


@nki.jit
def inner_carried(a):
    out = nl.ndarray((128, 128), dtype=a.dtype, buffer=nl.shared_hbm)
    acc = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.sbuf)
    acc[...] = nl.load(a[:, 0:128])
    for i in nl.affine_range(2):
        for j in nl.affine_range(4):
            t = nl.load(a[:, j * 128:(j + 1) * 128])
            acc[...] = nl.subtract(t, acc)  # @INNER
    nl.store(out, value=acc)
    return out


@nki.jit
def hoisted(a):
    out = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.shared_hbm)
    w = nl.load(a[:, 0:128])
    for i in nl.affine_range(4):
        for j in nl.affine_range(3):
            t = nl.load(a[:, i * 128:(i + 1) * 128])
            nl.store(out[:, i * 128:(i + 1) * 128], value=nl.subtract(t, w))
    return out


@nki.jit
def reductions(a, b):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    total = nl.zeros((128, 128), dtype=nl.float32, buffer=nl.sbuf)
    peak = nl.zeros((128, 128), dtype=nl.float32, buffer=nl.sbuf)
    whole = nl.load(a[:, 0:512])
    res = nl.zeros((128, 512), nl.float32, buffer=nl.psum)
    for k in nl.affine_range(4):
        st = nl.load(a[:, k * 128:(k + 1) * 128])
        mv = nl.load(b)
        res += nl.matmul(st, mv, transpose_x=True)
        total[...] = nl.add(total, st)
        peak = nl.maximum(peak, st)
        whole[:, k * 128:(k + 1) * 128] = nl.multiply(whole[:, k * 128:(k + 1) * 128], 2.0)
    nl.store(out, value=nl.add(res, whole))
    return out


@nki.jit
def unwritten(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)
    half = nl.load(a[:, 0:64])
    t[:, 0:64] = nl.copy(half)
    w = nl.add(t[:, 0:64], 1.0)
    x = nl.add(t[:, 64:128], 1.0)  # @UNWRITTEN
    nl.store(out[:, 0:64], value=w)
    nl.store(out[:, 64:128], value=x)
    return out
"""


def line_of(marker, src=KERNELS):
    for n, text in enumerate(src.splitlines(), 1):
        if text.rstrip().endswith("# @" + marker):
            return n
    raise AssertionError("no marker " + marker)


def load(name="dbg", loop="affine_range"):
    return u.load_source(name, KERNELS.replace("nl.RANGE", "nl." + loop))


def found_warnings(kernel, *arrays):
    """[(label, message)]: the kernel warnings of tracing `kernel`."""
    return trace_kernel(kernel.func, arrays).warnings


A = (np.arange(128 * 512, dtype=np.float32).reshape(128, 512) % 17) / 8 - 1


class Regions(unittest.TestCase):
    def test_boxes_from_view_text(self):
        self.assertEqual(kernel_checks.parse_box("t[0:128, 4:12:2]"),
                         ("t", [(0, 128, 1), (4, 12, 2)]))
        self.assertEqual(kernel_checks.parse_box("t[0:128, ?]"), ("t", None))

    def test_strided_overlap_is_exact(self):
        evens, odds = [(0, 16, 2)], [(1, 16, 2)]
        self.assertFalse(kernel_checks.overlaps(evens, odds))
        self.assertTrue(kernel_checks.overlaps(evens, [(3, 16, 3)]))   # 6, 12
        self.assertFalse(kernel_checks.overlaps([(0, 8, 1)], [(8, 16, 1)]))
        self.assertTrue(kernel_checks.contains([(0, 16, 1)], [(2, 10, 4)]))
        self.assertFalse(kernel_checks.contains([(0, 16, 2)], [(1, 3, 1)]))
        self.assertTrue(kernel_checks.contains([(0, 16, 2)], [(4, 5, 7)]))  # one element


class KernelWarnings(unittest.TestCase):
    def setUp(self):
        self.mod = load()

    def test_loop_carried_read_in_affine_range_names_line_and_loop(self):
        found = found_warnings(self.mod.carried, A)
        self.assertEqual(len(found), 1, found)
        label, message = found[0]
        self.assertEqual(label, "dbg.py:%d" % line_of("CARRIED"))
        self.assertIn("earlier iteration of the nl.affine_range loop at dbg.py:", message)
        self.assertIn("nl.sequential_range", message)
        self.assertIn("(3 times)", message)  # iterations 1, 2, 3

    def test_carried_reads_in_and_around_nested_loops(self):
        nested = found_warnings(self.mod.nested_carried, A)
        self.assertEqual([(label, message.endswith("(2 times)")) for label, message in nested],
                         [("dbg.py:%d" % line_of("NESTED"), True)])
        inner = found_warnings(self.mod.inner_carried, A)
        self.assertEqual([label for label, _ in inner], ["dbg.py:%d" % line_of("INNER")])
        # 3 of each inner loop's 4 iterations, and the first read of outer iteration 1
        self.assertTrue(inner[0][1].endswith("(7 times)"), inner)
        self.assertEqual(found_warnings(self.mod.hoisted, A), [])

    def test_candidate_filter_keeps_every_finding(self):
        """kernel_checks looks only at the reads that could be carried; looking at all of them
        finds the same."""
        def keep_all(loops, by_segment, accesses):
            segments = sorted(k for k in by_segment if k is not None)
            return {i: accesses[i] for seg in segments for i in by_segment[seg]}, segments

        b = np.ones((128, 512), np.float32)
        for kernel, args in ((self.mod.carried, (A,)), (self.mod.nested_carried, (A,)),
                             (self.mod.inner_carried, (A,)), (self.mod.hoisted, (A,)),
                             (self.mod.reductions, (A, b)), (self.mod.per_block, (A,))):
            with self.subTest(kernel=kernel.func.__name__):
                filtered = found_warnings(kernel, *args)
                with mock.patch.object(kernel_checks, "_carried_candidates", keep_all):
                    self.assertEqual(found_warnings(kernel, *args), filtered)

    def test_sequential_range_may_carry(self):
        self.assertEqual(found_warnings(load("dbg_seq", "sequential_range").carried, A), [])

    def test_associative_reductions_and_own_slices_are_not_carried(self):
        b = np.ones((128, 512), np.float32)
        self.assertEqual(found_warnings(self.mod.reductions, A, b), [])
        self.assertEqual(found_warnings(self.mod.per_block, A), [])

    def test_read_of_a_never_written_region(self):
        found = found_warnings(self.mod.unwritten, A[:, :128])
        self.assertEqual(len(found), 1, found)
        label, message = found[0]
        self.assertEqual(label, "dbg.py:%d" % line_of("UNWRITTEN"))
        self.assertIn("reads t[0:128, 64:128]", message)
        self.assertIn("nothing wrote before", message)
        self.assertIn("allocated at dbg.py:", message)

    def test_issued_as_warnings_at_the_kernel_file_and_line(self):
        path = self.mod.unwritten.func.__code__.co_filename
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kernel_checks.issue(found_warnings(self.mod.unwritten, A[:, :128]), path)
        self.assertEqual(len(caught), 1)
        self.assertIs(caught[0].category, kernel_checks.KernelWarning)
        self.assertEqual((caught[0].filename, caught[0].lineno), (path, line_of("UNWRITTEN")))


class DumpRequests(unittest.TestCase):
    def setUp(self):
        self.mod = load("dbg_dump")

    def test_malformed_request(self):
        with self.assertRaises(DumpError) as cm:
            trace_kernel(self.mod.scaled.func, (A,), dumps=["u@dbg_dump.py"])
        self.assertIn("--dump u@dbg_dump.py: expected NAME@FILE.py:LINE", str(cm.exception))

    def test_line_that_never_runs(self):
        with self.assertRaises(DumpError) as cm:
            trace_kernel(self.mod.scaled.func, (A,), dumps=["u@dbg_dump.py:1"])
        self.assertIn("line 1 of dbg_dump.py never ran", str(cm.exception))

    def test_name_that_is_not_a_tile(self):
        spec = "zz@dbg_dump.py:%d" % line_of("U")
        with self.assertRaises(DumpError) as cm:
            trace_kernel(self.mod.scaled.func, (A,), dumps=[spec])
        self.assertIn("zz is undefined, not a tile or tensor", str(cm.exception))

    def test_request_adds_one_copy_per_run_of_the_line(self):
        spec = "s@dbg_dump.py:%d" % line_of("S")
        tr = trace_kernel(self.mod.per_block.func, (A,), dumps=[spec])
        self.assertEqual(len(tr.dumps[0].tensors), 4)
        self.assertEqual(tr.dumps[0].file_names()[3], "s@dbg_dump.py-%d.3.npy" % line_of("S"))


@unittest.skipIf(STATE == "none", "no trnsim binary")
class DumpRuns(unittest.TestCase):
    def setUp(self):
        self.mod = load("dbg_run")
        self.tmp = tempfile.mkdtemp(prefix="nki_dump_")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_values_after_the_line_match_numpy(self):
        specs = ["u@dbg_run.py:%d" % line_of("U"), "v@dbg_run.py:%d" % line_of("V")]
        out = os.path.join(self.tmp, "r")
        res = trnsim_nki.run(self.mod.scaled, A, dumps=specs, out_dir=out,
                             options=trnsim_nki.RunOptions(target="trn1", mode="values"))
        np.testing.assert_array_equal(res.dumps[specs[0]][0], A * 2)
        np.testing.assert_array_equal(res.dumps[specs[1]][0], A * 2 + 1)
        saved = np.load(os.path.join(out, "dumps", "v@dbg_run.py-%d.npy" % line_of("V")))
        np.testing.assert_array_equal(saved, A * 2 + 1)

    def test_loop_line_gives_one_dump_per_iteration(self):
        spec = "s@dbg_run.py:%d" % line_of("S")
        res = trnsim_nki.run(self.mod.per_block, A, dumps=[spec],
                             options=trnsim_nki.RunOptions(target="trn1", mode="values"))
        self.assertEqual(len(res.dumps[spec]), 4)
        for i, got in enumerate(res.dumps[spec]):
            np.testing.assert_array_equal(got, A[:, i * 128:(i + 1) * 128] * (i + 1))

    def test_timing_only_has_no_values_to_dump(self):
        with self.assertRaises(DumpError) as cm:
            trnsim_nki.run(self.mod.scaled, A, dumps=["u@dbg_run.py:%d" % line_of("U")],
                           options=trnsim_nki.RunOptions(mode="timing"))
        self.assertIn("timing-only", str(cm.exception))

    def test_cli_prints_device_print_with_its_line_and_time(self):
        path = self.mod.printed.func.__code__.co_filename
        np.save(os.path.join(self.tmp, "a.npy"), A[:, :4])
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = cli.main(["%s::printed" % path, "--input", "a=" + os.path.join(
                self.tmp, "a.npy"), "--out", os.path.join(self.tmp, "p"), "--target", "trn1"])
        self.assertEqual(code, 0, stderr.getvalue())
        self.assertRegex(stdout.getvalue(), r"t is \[t=[0-9.]+ ns, dbg_run.py:%d\]" %
                         line_of("PRINT"))

    def test_cli_writes_the_dump_and_prints_its_path_and_the_warnings(self):
        path = self.mod.unwritten.func.__code__.co_filename
        np.save(os.path.join(self.tmp, "a.npy"), A[:, :128])
        out = os.path.join(self.tmp, "cli")
        spec = "x@dbg_run.py:%d" % line_of("UNWRITTEN")
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = cli.main(["%s::unwritten" % path, "--input", "a=" + os.path.join(
                self.tmp, "a.npy"), "--out", out, "--target", "trn1", "--dump", spec])
        self.assertEqual(code, 0, stderr.getvalue())
        dumped = os.path.join(out, "dumps", "x@dbg_run.py-%d.npy" % line_of("UNWRITTEN"))
        self.assertIn("dump: " + dumped, stdout.getvalue())
        self.assertEqual(np.load(dumped).shape, (128, 64))
        self.assertIn("%s:%d: KernelWarning: tensor_scalar reads t[0:128, 64:128]" % (
            path, line_of("UNWRITTEN")), stderr.getvalue())


if __name__ == "__main__":
    unittest.main()
