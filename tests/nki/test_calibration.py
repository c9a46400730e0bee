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

    def test_set_overrides_the_config_and_traces_can_be_reused(self):
        with tempfile.TemporaryDirectory() as out:
            base = calibrate("--json", "--out", out, "--case", "matmul_tiled")
            self.assertEqual(base.returncode, 0, base.stderr)
            trace = os.path.join(out, "matmul_tiled", "trace.json")
            stamp = os.stat(trace).st_mtime_ns
            slow = calibrate("--json", "--out", out, "--case", "matmul_tiled",
                             "--reuse-traces", "--set", "dma.queue_bytes_per_ns=8.5")
            self.assertEqual(slow.returncode, 0, slow.stderr)
            self.assertEqual(os.stat(trace).st_mtime_ns, stamp)  # not traced again
            t0 = json.loads(base.stdout)["cases"][0]["simulated_us"]
            report = json.loads(slow.stdout)
            self.assertEqual(report["sets"], ["dma.queue_bytes_per_ns=8.5"])
            # Half the DMA queue bandwidth: the DMA-bound tiled matmul is much slower.
            self.assertGreater(report["cases"][0]["simulated_us"], 1.5 * t0)
        bad = calibrate("--set", "dma.no_such_key=1", "--case", "matmul_tiled")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("unknown key 'dma.no_such_key'", bad.stdout)

    def test_sensitivity_scales_each_constant_and_reports_the_change(self):
        with tempfile.TemporaryDirectory() as out:
            run = calibrate("--json", "--out", out, "--case", "matmul_tiled",
                            "--sensitivity", "--factors", "0.5,2", "--jobs", "2",
                            "--constant", "dma.efficiency_by_bytes",
                            "--constant", "clocks.scalar_ghz",
                            "--constant", "vector.static_overhead_cycles")
            self.assertEqual(run.returncode, 0, run.stderr)
            sens = json.loads(run.stdout)["sensitivity"]
            self.assertEqual([(e["constant"], e["factor"]) for e in sens],
                             [("dma.efficiency_by_bytes", 0.5), ("dma.efficiency_by_bytes", 2.0),
                              ("clocks.scalar_ghz", 0.5), ("clocks.scalar_ghz", 2.0),
                              ("vector.static_overhead_cycles", 0.5),
                              ("vector.static_overhead_cycles", 2.0)])
            by = {(e["constant"], e["factor"]): e for e in sens}
            eff = by[("dma.efficiency_by_bytes", 2.0)]["value"]
            self.assertTrue(all(0 < e <= 1.0 for _, e in eff))  # scaled, capped at 1
            self.assertGreater(by[("dma.efficiency_by_bytes", 0.5)]["change"]["matmul_tiled"],
                               0.5)
            self.assertLess(by[("dma.efficiency_by_bytes", 2.0)]["change"]["matmul_tiled"], 0)
            # No scalar-engine instruction in a matmul; integer keys stay integers.
            self.assertEqual(by[("clocks.scalar_ghz", 2.0)]["change"]["matmul_tiled"], 0)
            self.assertEqual(by[("vector.static_overhead_cycles", 0.5)]["value"], 50)
            table = calibrate("--out", out, "--reuse-traces", "--case", "matmul_tiled",
                              "--sensitivity", "--factors", "1.1", "--constant", "dma.fixed_ns")
            self.assertEqual(table.returncode, 0, table.stderr)
            self.assertIn("sensitivity: change of simulated time", table.stdout)
            self.assertRegex(table.stdout, r"dma.fixed_ns +1.10 +[+-][0-9.]+%")

    def test_bad_options_are_usage_errors(self):
        for args, message in [(["--reuse-traces"], "--reuse-traces needs --out"),
                              (["--sensitivity", "--factors", "a,b"], "--factors: expected"),
                              (["--sensitivity", "--factors", "0,1"], "must be > 0"),
                              (["--jobs", "0"], "--jobs must be >= 1")]:
            run = calibrate(*args)
            self.assertEqual(run.returncode, 2, args)
            self.assertIn(message, run.stderr)

    def test_a_case_that_cannot_run_is_reported_and_fails(self):
        run = calibrate(binary="/nonexistent/trnsim")
        self.assertEqual(run.returncode, 1)
        self.assertIn("FAILED", run.stdout)
        self.assertIn("ranking matmul     n/a (a case failed)", run.stdout)


if __name__ == "__main__":
    unittest.main()
