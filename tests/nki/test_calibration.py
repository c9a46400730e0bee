"""scripts/calibrate.sh (kernels/nki/examples/calibration): runs on small shapes in every
mode, reports each case against measured.json, and fails (exit 1, case marked FAILED) when a
case cannot run. Rankings on small shapes are not asserted (the measurements are full-size)."""
import json
import os
import subprocess
import tempfile
import unittest

import nki_test_util as u

STATE, BINARY = u.binary_state()
SCRIPT = os.path.join(u.REPO, "scripts", "calibrate.sh")
CASES = ["matmul_tiled", "matmul_hoisted", "matmul_blocked", "matmul_optimised",
         "layernorm_nl", "layernorm_bn"]


def calibrate(*args, binary=None):
    env = dict(os.environ, TRNSIM_BIN=binary or BINARY or "")
    return subprocess.run([SCRIPT, "--small"] + list(args), capture_output=True, text=True,
                          env=env, timeout=600)


@unittest.skipIf(STATE == "none", "no trnsim binary (set TRNSIM_BIN or build build/trnsim)")
class CalibrationScript(unittest.TestCase):
    def test_json_report_has_every_case_with_error_against_measured(self):
        with tempfile.TemporaryDirectory() as out:
            run = calibrate("--json", "--out", out)
            self.assertEqual(run.returncode, 0, run.stderr)
            report = json.loads(run.stdout)
            self.assertEqual([c["name"] for c in report["cases"]], CASES)
            for c in report["cases"]:
                self.assertGreater(c["simulated_us"], 0, c)
                self.assertAlmostEqual(c["error"], c["simulated_us"] / c["measured_us"] - 1)
                self.assertTrue(os.path.exists(os.path.join(out, c["name"], "trace.json")))
            self.assertEqual(sorted(report["ranking_ok"]), ["layernorm", "matmul"])
            self.assertEqual(report["shapes"], "small")
            measured = {c["name"]: c["measured_us"] for c in report["cases"]}
            self.assertEqual(measured["matmul_tiled"], 51800)
            self.assertEqual(measured["layernorm_bn"], 1969)

    def test_table_report_and_every_dma_issue_order(self):
        times = {}
        for order in ["program_order", "prefetch", "asap"]:
            run = calibrate("--dma-issue", order)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertIn("DMA issue %s" % order, run.stdout)
            for name in CASES:
                self.assertIn(name, run.stdout)
            self.assertIn("ranking matmul", run.stdout)
            run_json = calibrate("--dma-issue", order, "--json")
            times[order] = {c["name"]: c["simulated_us"]
                            for c in json.loads(run_json.stdout)["cases"]}
        # Letting transfers pass waiting ones never makes the tiled matmul slower.
        self.assertLessEqual(times["asap"]["matmul_tiled"],
                             times["program_order"]["matmul_tiled"])

    def test_case_selection_runs_only_the_named_cases(self):
        run = calibrate("--json", "--case", "layernorm_bn", "--case", "matmul_tiled")
        self.assertEqual(run.returncode, 0, run.stderr)
        report = json.loads(run.stdout)
        self.assertEqual([c["name"] for c in report["cases"]], ["matmul_tiled", "layernorm_bn"])
        self.assertIsNone(report["ranking_ok"]["matmul"])  # one case of a group: no ranking
        bad = calibrate("--case", "matmul_naive")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("invalid choice: 'matmul_naive'", bad.stderr)

    def test_a_case_that_cannot_run_is_reported_and_fails(self):
        run = calibrate(binary="/nonexistent/trnsim")
        self.assertEqual(run.returncode, 1)
        self.assertIn("FAILED", run.stdout)
        self.assertIn("ranking matmul     n/a (a case failed)", run.stdout)


if __name__ == "__main__":
    unittest.main()
