"""Run options of trnsim_nki.run and `python3 -m trnsim_nki` (the `trnsim nki` front end):
modes, hardware overrides, results folder, temporary cleanup, typed inputs and CLI errors."""
import contextlib
import io
import os
import shutil
import tempfile
import unittest
import json

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki import __main__ as cli
from trnsim_nki.errors import NkiError

STATE, BINARY = u.binary_state()
ADD = os.path.join(u.EXAMPLES, "tensor_add.py") + "::tensor_add"

NO_RESULT = """
import nki
import nki.language as nl

@nki.jit
def k(a):
    t = nl.load(a)
    t = t + t
"""


def bf16_bits(x):
    """Raw bf16 bits (round to nearest even) of float32 values, as ml_dtypes stores them."""
    u32 = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    return ((u32 + 0x7FFF + ((u32 >> 16) & 1)) >> 16).astype(np.uint16)


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


class PrivateTemp(unittest.TestCase):
    """Each test gets its own temp folder as tempfile's default, so leftovers are countable."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="nki_opts_")
        self._old = tempfile.tempdir
        tempfile.tempdir = self.tmp
        self.a = np.arange(256 * 1024, dtype=np.float32).reshape(256, 1024) % 13 - 6
        self.b = np.ones((256, 1024), np.float32) * 0.5

    def tearDown(self):
        tempfile.tempdir = self._old
        shutil.rmtree(self.tmp, ignore_errors=True)

    def leftovers(self):
        return [f for f in os.listdir(self.tmp) if f.startswith("trnsim_nki_")]

    def path(self, name):
        return os.path.join(self.tmp, name)


@unittest.skipIf(STATE == "none", "no trnsim binary")
class RunApi(PrivateTemp):
    def kernel(self):
        return u.load_example("tensor_add.py").tensor_add[2, 2]

    def test_default_run_returns_values_stats_and_cleans_up(self):
        res = trnsim_nki.run(self.kernel(), self.a, self.b)
        out, stats = res
        np.testing.assert_array_equal(out, self.a + self.b)
        self.assertTrue(stats["timed"])
        self.assertIsNone(res.results_dir)
        self.assertEqual(self.leftovers(), [])

    def test_out_dir_is_the_returned_results_folder(self):
        d = self.path("res")
        res = trnsim_nki.run(self.kernel(), self.a, self.b, out_dir=d)
        self.assertEqual(res.results_dir, d)
        for f in ("stats.json", "config.json", "outputs/out.npy"):
            self.assertTrue(os.path.exists(os.path.join(d, f)), f)
        self.assertEqual(self.leftovers(), [])

    def test_timing_only_has_stats_and_no_outputs(self):
        timed = trnsim_nki.run(self.kernel(), self.a, self.b)
        res = trnsim_nki.run(self.kernel(), self.a, self.b,
                             options=trnsim_nki.RunOptions(mode="timing"))
        self.assertIsNone(res.outputs)
        self.assertEqual(res.stats["total_ns"], timed.stats["total_ns"])

    def test_values_only_has_values_and_no_timing(self):
        out, stats = trnsim_nki.run(self.kernel(), self.a, self.b,
                                    options=trnsim_nki.RunOptions(mode="values"))
        np.testing.assert_array_equal(out, self.a + self.b)
        self.assertFalse(stats["timed"])

    def test_target_and_set_reach_the_simulator(self):
        d = self.path("slow")
        base = trnsim_nki.run(self.kernel(), self.a, self.b,
                              options=trnsim_nki.RunOptions(target="trn1", mode="timing"))
        res = trnsim_nki.run(self.kernel(), self.a, self.b, out_dir=d, options=trnsim_nki.RunOptions(
            target="trn1", mode="timing", sets=["clocks.vector_ghz=0.1"]))
        with open(os.path.join(d, "config.json")) as f:
            cfg = json.load(f)
        self.assertEqual(cfg["name"], "trn1")
        self.assertEqual(cfg["clocks"]["vector_ghz"], 0.1)
        self.assertGreater(res.stats["total_ns"], base.stats["total_ns"])

    def test_bad_mode_is_a_value_error(self):
        with self.assertRaises(ValueError):
            trnsim_nki.RunOptions(mode="fast")

    def test_kernel_without_result_is_an_error_at_its_def_line(self):
        mod = u.load_source("no_result", NO_RESULT)
        with self.assertRaises(NkiError) as cm:
            trnsim_nki.run(mod.k, self.a[:128, :512])
        msg = str(cm.exception)
        self.assertIn("no_result.py:6:", msg)
        self.assertIn("returns nothing and writes no input tensor", msg)


@unittest.skipIf(STATE == "none", "no trnsim binary")
class FrontEndCli(PrivateTemp):
    def setUp(self):
        super().setUp()
        np.save(self.path("a.npy"), self.a)
        np.save(self.path("b.npy"), self.b)

    def test_prints_the_summary_table_and_writes_the_results(self):
        d = self.path("k")
        code, out, err = run_cli([ADD, "--input", "a_input=" + self.path("a.npy"), "--input",
                                  "b_input=" + self.path("b.npy"), "--grid", "2,2", "--out", d])
        self.assertEqual(code, 0, err)
        self.assertIn("total time", out)
        self.assertIn("results: " + d, out)
        np.testing.assert_array_equal(np.load(os.path.join(d, "outputs", "out.npy")),
                                      self.a + self.b)
        self.assertEqual(self.leftovers(), [])

    def test_quiet_prints_nothing(self):
        code, out, err = run_cli([ADD, "-i", "a_input=" + self.path("a.npy"), "-i",
                                  "b_input=" + self.path("b.npy"), "--grid", "2,2", "-q",
                                  "--out", self.path("q"), "--timing-only"])
        self.assertEqual((code, out, err), (0, "", ""))

    def test_bf16_inputs_from_float_and_raw_bit_files(self):
        vals = (np.arange(256 * 1024, dtype=np.float32).reshape(256, 1024) % 97) * 1.01
        np.save(self.path("bits.npy"), bf16_bits(vals))
        np.save(self.path("f.npy"), vals)
        d = self.path("bf")
        code, _, err = run_cli([ADD, "-i", "a_input=%s:bfloat16" % self.path("bits.npy"), "-i",
                                "b_input=%s:bfloat16" % self.path("f.npy"), "--grid", "2,2",
                                "-q", "--out", d])
        self.assertEqual(code, 0, err)
        with open(os.path.join(d, "trace.json")) as f:
            trace = json.load(f)
        self.assertEqual({t["name"]: t["dtype"] for t in trace["tensors"]}["a_input"], "bfloat16")
        rounded = (bf16_bits(vals).astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        ref = (bf16_bits(rounded * 2).astype(np.uint32) << 16).view(np.float32)
        np.testing.assert_array_equal(np.load(os.path.join(d, "outputs", "out.npy")), ref)

    def test_wrong_input_name_lists_the_kernel_parameters(self):
        code, _, err = run_cli([ADD, "-i", "x=" + self.path("a.npy"), "--out", self.path("e")])
        self.assertEqual(code, 2)
        self.assertIn("has no parameter 'x'", err)
        self.assertIn("tensor_add(a_input, b_input)", err)

    def test_missing_input_names_the_parameter(self):
        code, _, err = run_cli([ADD, "-i", "a_input=" + self.path("a.npy"), "--out",
                                self.path("e")])
        self.assertEqual(code, 2)
        self.assertIn("no --input for parameter 'b_input'", err)

    def test_unknown_input_dtype_and_unreadable_file(self):
        code, _, err = run_cli([ADD, "-i", "a_input=%s:bf17" % self.path("a.npy")])
        self.assertEqual(code, 2)
        self.assertIn("unknown dtype 'bf17'", err)
        code, _, err = run_cli([ADD, "-i", "a_input=" + self.path("none.npy")])
        self.assertEqual(code, 2)
        self.assertIn("cannot read .npy", err)

    def test_simulator_rejection_is_reported_not_raised(self):
        code, _, err = run_cli([ADD, "-i", "a_input=" + self.path("a.npy"), "-i",
                                "b_input=" + self.path("b.npy"), "--grid", "2,2",
                                "--set", "dma.bogus=1", "--out", self.path("t9")])
        self.assertEqual(code, 1)
        self.assertIn("unknown key 'dma.bogus'", err)
        self.assertTrue(os.path.exists(os.path.join(self.path("t9"), "trace.json")))
        self.assertEqual(self.leftovers(), [])


class Fp8Decoding(unittest.TestCase):
    def test_known_codes(self):
        self.assertEqual(cli._fp8_value(0x7E, "float8_e4m3"), 448.0)
        self.assertEqual(cli._fp8_value(0x01, "float8_e4m3"), 2.0 ** -9)
        self.assertEqual(cli._fp8_value(0xB8, "float8_e4m3"), -1.0)
        self.assertTrue(np.isnan(cli._fp8_value(0x7F, "float8_e4m3")))
        self.assertEqual(cli._fp8_value(0x7B, "float8_e5m2"), 57344.0)
        self.assertEqual(cli._fp8_value(0x7C, "float8_e5m2"), float("inf"))
        self.assertEqual(cli._fp8_value(0x3C, "float8_e5m2"), 1.0)


if __name__ == "__main__":
    unittest.main()
