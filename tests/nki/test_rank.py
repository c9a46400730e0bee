"""`trnsim rank FILE.py::F1,F2`: NKI kernel variants x grid points traced, checked against the
author's numpy reference, timed and ranked; statuses (ok, FAIL, SKIP, ERROR), options,
executors (local pool, a two-worker Dask LocalCluster) and shards give identical points."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import nki_test_util as u  # puts kernels/nki on sys.path first
from trnsim_nki import dtypes  # noqa: E402
from trnsim_nki import rank_inputs as ri  # noqa: E402

HAVE_BINARY = u.binary_state()[0] == "ok"
EXAMPLE = os.path.join(u.EXAMPLES, "rank")
MATMUL = os.path.join(EXAMPLE, "matmul_variants.py")
REFERENCE = os.path.join(EXAMPLE, "reference.py")

# Elementwise variants (fast to trace and simulate) for the statuses. add_nested calls the
# NKI kernel add_tile, add_wrong subtracts, add_scaled rejects SCALE != 1 with an assert,
# add_broken raises a Python error.
STATUS_KERNELS = '''
import nki
import nki.language as nl


@nki.jit
def add_tile(a, b, out, row):
    x = nl.load(a[row:row + 128, :])
    y = nl.load(b[row:row + 128, :])
    nl.store(out[row:row + 128, :], value=nl.add(x, y))


def add_plain(a, b):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    for r in nl.affine_range(a.shape[0] // 128):
        x = nl.load(a[r * 128:(r + 1) * 128, :])
        y = nl.load(b[r * 128:(r + 1) * 128, :])
        nl.store(out[r * 128:(r + 1) * 128, :], value=nl.add(x, y))
    return out


def add_nested(a, b):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    for r in range(a.shape[0] // 128):
        add_tile(a, b, out, r * 128)
    return out


def add_wrong(a, b):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    x = nl.load(a[0:128, :])
    y = nl.load(b[0:128, :])
    nl.store(out[0:128, :], value=nl.subtract(x, y))
    return out


def add_scaled(a, b, SCALE=1):
    assert SCALE == 1, "SCALE=%d is not supported" % SCALE
    return add_plain(a, b)


def add_broken(a, b):
    return a.no_such_attribute
'''

STATUS_REFERENCE = '''
def forward(a, b):
    return a + b
'''


def run_rank(args, cwd, env=None):
    """`trnsim rank ARGS` through the binary (the C++ command hands :: specs to Python)."""
    full_env = dict(os.environ, **(env or {}))
    proc = subprocess.run([u.trnsim_nki.find_binary(), "rank"] + args, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=full_env)
    return proc.returncode, proc.stdout + proc.stderr


def read_report(folder):
    with open(os.path.join(folder, "rank.json")) as f:
        return json.load(f)


def by_variant(report):
    return {(p["variant"], tuple(sorted(p["params"].items()))): p for p in report["points"]}


class StatusFiles:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="trnsim_rank_test_")
        self.kernels = os.path.join(self.dir, "adds.py")
        self.reference = os.path.join(self.dir, "adds_ref.py")
        with open(self.kernels, "w") as f:
            f.write(STATUS_KERNELS)
        with open(self.reference, "w") as f:
            f.write(STATUS_REFERENCE)

    def args(self, variants, *extra):
        return [self.kernels + "::" + variants, "--ref", self.reference + "::forward",
                "--shape", "a=256x64", "--shape", "b=256x64", "--target", "trn1",
                "--quiet"] + list(extra)


@unittest.skipUnless(HAVE_BINARY, "no trnsim binary")
class RankMatmulExampleTest(unittest.TestCase):
    """The example file: two matmul variants, a grid, its numpy reference, one command."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="trnsim_rank_matmul_")
        cls.common = [MATMUL + "::matmul_tiled,matmul_blocked", "--ref",
                      REFERENCE + "::forward", "--shape", "lhsT=256x256:bfloat16",
                      "--shape", "rhs=256x1024:bfloat16", "--grid", "TILES_IN_BLOCK_M=2,4",
                      "--grid", "TILES_IN_BLOCK_N=1,2", "--target", "trn1"]
        cls.code, cls.output = run_rank(cls.common + ["--jobs", "2", "--out", "local"], cls.dir)
        cls.report = read_report(os.path.join(cls.dir, "local"))

    def test_ranks_variants_times_grid_with_skips(self):
        self.assertEqual(self.code, 0, self.output)
        points = by_variant(self.report)
        # matmul_tiled declares no grid parameter: one point; matmul_blocked: 2 x 2.
        self.assertEqual(len(points), 5)
        tiled = points[("matmul_tiled", ())]
        self.assertEqual(tiled["status"], "ok")
        for m in (2, 4):
            for n in (1, 2):
                p = points[("matmul_blocked", (("TILES_IN_BLOCK_M", m), ("TILES_IN_BLOCK_N", n)))]
                if m == 4:  # M=256 has no block of 4 tiles: the kernel's assert
                    self.assertEqual(p["status"], "SKIP")
                    self.assertIn("matmul_variants.py:", p["message"])
                    self.assertIn("M=256 is not a multiple of the block height 512",
                                  p["message"])
                    self.assertEqual(p["rank"], 0)
                else:
                    self.assertEqual(p["status"], "ok", p["message"])
                    self.assertLess(p["max_rel_err"], 4e-2)
        ranks = sorted(p["rank"] for p in points.values() if p["status"] == "ok")
        self.assertEqual(ranks, [1, 2, 3])
        # A block 2 tiles high loads each rhs tile once for two output tiles: half the rhs
        # traffic of the DMA-bound baseline.
        wide = points[("matmul_blocked", (("TILES_IN_BLOCK_M", 2), ("TILES_IN_BLOCK_N", 1)))]
        self.assertLess(wide["time_ns"], tiled["time_ns"])
        self.assertAlmostEqual(wide["speedup_vs_baseline"], tiled["time_ns"] / wide["time_ns"],
                               places=6)

    def test_report_uses_the_library_schema(self):
        r = self.report
        self.assertEqual(r["format"], "trnsim-rank")
        self.assertEqual(r["kernel"], "matmul_variants.py")
        self.assertEqual(r["baseline"], "matmul_tiled")
        self.assertEqual(r["reference"], "reference.py::forward")
        self.assertEqual(r["inputs"], {"lhsT": "256x256:bfloat16", "rhs": "256x1024:bfloat16"})
        self.assertEqual(r["dtype"], "bfloat16")
        with open(os.path.join(self.dir, "local", "rank.csv")) as f:
            rows = f.read().splitlines()
        self.assertTrue(rows[0].startswith("rank,variant,params,status,time_ns"))
        self.assertEqual(len(rows), 6)
        self.assertIn("rank matmul_variants.py (bfloat16, trn1", self.output)
        ok = [p for p in r["points"] if p["status"] == "ok"]
        for p in ok:  # flops of the product: 2 K M N
            self.assertEqual(p["flops"], 2.0 * 256 * 256 * 1024)
            self.assertEqual(p["min_hbm_bytes"], 2.0 * (256 * 256 + 256 * 1024) + 4 * 256 * 1024)

    def test_reference_checks_the_rounded_inputs(self):
        folder = os.path.join(self.dir, "local")
        lhsT = np.load(os.path.join(folder, "inputs", "lhsT.npy"))
        rhs = np.load(os.path.join(folder, "inputs", "rhs.npy"))
        self.assertTrue(np.array_equal(ri.round_to(lhsT, dtypes.bfloat16), lhsT))
        ref = np.load(os.path.join(folder, "reference", "output0.npy"))
        np.testing.assert_allclose(ref, lhsT.astype(np.float64).T @ rhs, rtol=1e-12)

    def test_shards_merge_to_the_full_sweep(self):
        for i in range(2):
            code, out = run_rank(self.common + ["--shard", "%d/2" % i, "--out", "s%d" % i,
                                                "--quiet"], self.dir)
            self.assertEqual(code, 0, out)
        shard = read_report(os.path.join(self.dir, "s1"))
        self.assertEqual(shard["shard"], [1, 2])
        self.assertEqual(sorted(p["index"] for p in shard["points"]), [1, 3])
        code, out = run_rank(["merge", "s0/rank.json", "s1/rank.json", "--out", "m"], self.dir)
        self.assertEqual(code, 0, out)
        self.assertEqual(read_report(os.path.join(self.dir, "m"))["points"],
                         self.report["points"])

    def test_plot_draws_the_nki_report(self):
        png = os.path.join(self.dir, "rank.png")
        proc = subprocess.run([sys.executable, os.path.join(u.REPO, "scripts", "plot_rank.py"),
                               os.path.join(self.dir, "local", "rank.json"), "-o", png],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertGreater(os.path.getsize(png), 1000)


@unittest.skipUnless(HAVE_BINARY, "no trnsim binary")
class RankStatusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = StatusFiles()

    def rank(self, variants, *extra):
        out = tempfile.mkdtemp(prefix="out_", dir=self.files.dir)
        code, text = run_rank(self.files.args(variants, "--out", out, *extra), self.files.dir)
        return code, text, (read_report(out) if os.path.exists(os.path.join(out, "rank.json"))
                            else None)

    def test_every_status(self):
        code, text, report = self.rank("add_plain,add_nested,add_wrong,add_scaled,add_broken",
                                       "--grid", "SCALE=1,2", "--jobs", "2")
        self.assertEqual(code, 0, text)
        got = {(p["variant"], p["params"].get("SCALE")): p for p in report["points"]}
        self.assertEqual(got[("add_plain", None)]["status"], "ok")
        self.assertEqual(got[("add_nested", None)]["status"], "ok")  # calls an NKI kernel
        self.assertLess(got[("add_nested", None)]["max_rel_err"], 1e-6)  # fp32 add
        wrong = got[("add_wrong", None)]
        self.assertEqual(wrong["status"], "FAIL")
        self.assertIn("relative error", wrong["message"])
        self.assertEqual(wrong["rank"], 0)
        self.assertEqual(got[("add_scaled", 1)]["status"], "ok")
        self.assertEqual(got[("add_scaled", 2)]["status"], "SKIP")
        self.assertIn("adds.py:", got[("add_scaled", 2)]["message"])
        self.assertIn("SCALE=2 is not supported", got[("add_scaled", 2)]["message"])
        broken = got[("add_broken", None)]
        self.assertEqual(broken["status"], "ERROR")
        self.assertIn("AttributeError", broken["message"])
        self.assertNotIn("Traceback", text)

    def test_tolerance_flag_is_the_check(self):
        code, text, loose = self.rank("add_wrong", "--tolerance", "1e6")
        self.assertEqual(code, 0, text)
        self.assertEqual(loose["points"][0]["status"], "ok")
        self.assertGreater(loose["points"][0]["max_rel_err"], 0.1)

    def test_no_check_times_without_the_reference(self):
        code, text, report = self.rank("add_wrong", "--no-check")
        self.assertEqual(code, 0, text)
        self.assertEqual(report["points"][0]["status"], "ok")
        self.assertGreater(report["points"][0]["time_ns"], 0)

    def test_nothing_ranked_is_exit_2(self):
        code, text, strict = self.rank("add_wrong")
        self.assertEqual(code, 2, text)
        self.assertIn("no point ran (add_wrong: FAIL output 0 at", text)
        self.assertEqual(strict["points"][0]["status"], "FAIL")  # still reported

    def test_input_files(self):
        rs = np.random.RandomState(3)
        a = os.path.join(self.files.dir, "a.npy")
        np.save(a, rs.rand(256, 64).astype(np.float32))
        out = tempfile.mkdtemp(prefix="out_", dir=self.files.dir)
        code, text = run_rank([self.files.kernels + "::add_plain", "--ref",
                               self.files.reference + "::forward", "--input", "a=" + a +
                               ":bfloat16", "--shape", "b=256x64:bfloat16", "--out", out,
                               "--quiet"], self.files.dir)
        self.assertEqual(code, 0, text)
        report = read_report(out)
        self.assertEqual(report["inputs"]["a"], "256x64:bfloat16")
        self.assertEqual(report["points"][0]["status"], "ok")

    def test_usage_errors_name_the_problem(self):
        cases = [
            (["--grid", "NOPE=1,2"], "no variant in adds.py has a parameter 'NOPE'"),
            (["--grid", "SCALE=a"], "integer values"),
            (["--executor", "dask"], "--executor dask needs --scheduler"),
            (["--shard", "2/2"], "expected I/N"),
            (["--shape", "c=4x4"], "input c: kernel add_plain(a, b) has no parameter 'c'"),
            (["--jobs", "0"], "--jobs must be at least 1"),
        ]
        for extra, message in cases:
            code, text, _ = self.rank("add_plain", *extra)
            self.assertEqual(code, 2, (extra, text))
            self.assertIn(message, text)
            self.assertNotIn("Traceback", text)
        code, text, _ = self.rank("add_plain,add_missing")
        self.assertEqual(code, 2)
        self.assertIn("cannot load add_missing from adds.py", text)
        code, text, _ = self.rank("add_plain", "--shape", "a=8x8")
        self.assertEqual(code, 2)
        self.assertIn("input a is given twice", text)
        bad = os.path.join(self.files.dir, "bad_ref.py")
        with open(bad, "w") as f:
            f.write("def forward(a, b):\n    return a @ b\n")  # [256, 64] @ [256, 64]
        code, text = run_rank([self.files.kernels + "::add_plain", "--ref", bad + "::forward",
                               "--shape", "a=256x64", "--shape", "b=256x64"], self.files.dir)
        self.assertEqual(code, 2, text)
        self.assertIn("reference bad_ref.py::forward raised ValueError", text)
        self.assertNotIn("Traceback", text)
        code, text = run_rank([self.files.kernels + "::add_plain", "--shape", "a=256x64",
                               "--shape", "b=256x64"], self.files.dir)
        self.assertEqual(code, 2)
        self.assertIn("--ref REF.py::FUNC", text)
        code, text = run_rank([self.files.kernels + "::add_plain", "--ref",
                               self.files.reference + "::forward", "--shape", "a=256x"],
                              self.files.dir)
        self.assertEqual(code, 2)
        self.assertIn("is not a shape like 512x1024", text)


class RankInputsTest(unittest.TestCase):
    def test_bf16_rounding_is_nearest_even(self):
        one = np.float32(1.0)
        step = np.float32(2.0 ** -7)  # bf16 spacing at 1.0
        x = np.array([one + step / 2, one + 1.5 * step, one + step * 0.75], dtype=np.float32)
        np.testing.assert_array_equal(ri.round_to(x, dtypes.bfloat16),
                                      [one, one + 2 * step, one + step])

    def test_random_inputs_depend_on_seed_and_position_only(self):
        a = ri.random_input((4, 8), dtypes.bfloat16, 1, 0)
        np.testing.assert_array_equal(a, ri.random_input((4, 8), dtypes.bfloat16, 1, 0))
        self.assertFalse(np.array_equal(a, ri.random_input((4, 8), dtypes.bfloat16, 1, 1)))
        self.assertFalse(np.array_equal(a, ri.random_input((4, 8), dtypes.bfloat16, 2, 0)))
        self.assertTrue(np.all(np.abs(a) <= 1.0))

    def test_default_tolerance_follows_the_least_precise_input(self):
        self.assertEqual(ri.default_rtol([dtypes.float32]), 2e-3)
        self.assertEqual(ri.default_rtol([dtypes.float32, dtypes.bfloat16]), 4e-2)
        self.assertEqual(ri.default_rtol([dtypes.float8_e4m3]), 0.15)

    def test_compare_names_the_worst_element(self):
        ref = np.ones((2, 3))
        out = ref.copy()
        out[1, 2] = 2.0
        ok, worst, message = ri.compare([out], [ref], 1e-3)
        self.assertFalse(ok)
        self.assertAlmostEqual(worst, 0.5)
        self.assertIn("output 0 at [1, 2]", message)
        self.assertFalse(ri.compare([out], [ref, ref], 1e-3)[0])


class SbatchExampleTest(unittest.TestCase):
    def test_sbatch_example_is_valid_bash(self):
        script = os.path.join(u.REPO, "scripts", "rank_sbatch.sh")
        proc = subprocess.run(["bash", "-n", script], stderr=subprocess.PIPE, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(script) as f:
            text = f.read()
        self.assertIn("#SBATCH --array", text)
        self.assertIn("--shard", text)
        self.assertIn("rank merge", text)


if __name__ == "__main__":
    unittest.main()
