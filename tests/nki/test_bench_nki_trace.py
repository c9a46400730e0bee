"""scripts/bench_nki_trace.py, every mode: per-stage figures for the chosen kernels (default,
--floor, --simulate and --cli), and the errors for a bad --kernel, --repeat or --blocks."""
import os
import re
import subprocess
import unittest

import nki_test_util as u

SCRIPT = os.path.join(u.REPO, "scripts", "bench_nki_trace.py")
STAGE = r"%s +[0-9.]+ s +([0-9.]+|inf) M/s"


def bench(*args):
    return subprocess.run(["/usr/bin/python3", SCRIPT] + list(args), capture_output=True,
                          text=True, timeout=300)


class BenchNkiTrace(unittest.TestCase):
    def test_prints_every_stage_for_the_chosen_kernels(self):
        run = bench("--small", "--repeat", "1", "--blocks", "8", "--kernel", "tensor_add",
                    "--kernel", "matmul_optimised")
        self.assertEqual(run.returncode, 0, run.stderr)
        lines = run.stdout.splitlines()
        self.assertIn("median of 1", lines[0])
        self.assertEqual([ln.split()[0] for ln in lines[1:]], ["tensor_add", "matmul_optimised"])
        # tensor_add: 4 instructions per [128, 512] block, 8 blocks
        self.assertRegex(lines[1], r"^tensor_add +32 instr ")
        for line in lines[1:]:
            for stage in ("trace", "passes", "emission", "handoff"):
                self.assertRegex(line, STAGE % stage)
            self.assertRegex(line, r"trace\+passes\+emission +[0-9.]+ s +[0-9.]+ M instr/s$")

    def test_floor_mode_adds_the_stubbed_kernel_rate(self):
        run = bench("--small", "--repeat", "1", "--kernel", "matmul_tiled", "--kernel",
                    "layernorm_nl", "--floor")
        self.assertEqual(run.returncode, 0, run.stderr)
        tiled, layernorm = run.stdout.splitlines()[1:]
        self.assertRegex(tiled, r"^matmul_tiled +832 instr .* \| floor +[0-9.]+ s +"
                         r"([0-9.]+|inf) M instr/s$")
        self.assertRegex(layernorm, r"\| floor n/a \(.+\)$")  # needs more NKI than the stub

    def test_simulate_mode_adds_the_run_of_the_handed_over_trace(self):
        run = bench("--small", "--repeat", "2", "--kernel", "matmul_tiled", "--simulate")
        self.assertEqual(run.returncode, 0, run.stderr)
        tiled = run.stdout.splitlines()[1]
        m = re.search(r"\| run --timing-only +([0-9.]+) s +([0-9.]+|inf) M instr/s, peak +"
                      r"([0-9.]+) MiB \(([0-9]+) B/instr\)$", tiled)
        self.assertIsNotNone(m, tiled)
        self.assertGreater(float(m.group(1)), 0)  # a process ran: it used CPU time
        self.assertGreater(float(m.group(3)), 1)  # and memory
        # bytes per instruction are the peak over the trace's 832 instructions (MiB printed
        # to 0.1)
        self.assertLessEqual(abs(int(m.group(4)) - float(m.group(3)) * 2 ** 20 / 832),
                             0.05 * 2 ** 20 / 832 + 1)

    def test_cli_mode_adds_the_whole_command(self):
        run = bench("--small", "--repeat", "1", "--kernel", "tensor_add", "--blocks", "2",
                    "--kernel", "matmul_tiled", "--cli")
        self.assertEqual(run.returncode, 0, run.stderr)
        for line in run.stdout.splitlines()[1:]:  # an SPMD grid and bf16 inputs
            m = re.search(r"\| trnsim nki --timing-only +([0-9.]+) s wall, +([0-9.]+) s CPU, "
                          r"peak +([0-9.]+) MiB$", line)
            self.assertIsNotNone(m, line)
            self.assertGreater(float(m.group(1)), 0.05)  # a Python process and its child ran
            self.assertGreater(float(m.group(2)), 0.05)
            self.assertGreater(float(m.group(3)), 10)

    def test_simulate_and_cli_name_a_failing_binary(self):
        env = dict(os.environ, TRNSIM_BIN="/bin/false")
        for mode, what in (("--simulate", "--simulate: trnsim run failed"),
                           ("--cli", "--cli: trnsim nki failed")):
            with self.subTest(mode=mode):
                run = subprocess.run(["/usr/bin/python3", SCRIPT, "--small", "--repeat", "1",
                                      "--kernel", "tensor_add", "--blocks", "1", mode],
                                     capture_output=True, text=True, timeout=300, env=env)
                self.assertEqual(run.returncode, 1)
                self.assertIn(what, run.stderr)
                self.assertNotIn("Traceback", run.stderr)

    def test_bad_arguments_are_named(self):
        for args, what in ((["--kernel", "nope"], "unknown --kernel nope"),
                           (["--repeat", "0"], "--repeat and --blocks must be >= 1"),
                           (["--blocks", "0"], "--repeat and --blocks must be >= 1")):
            with self.subTest(args=args):
                run = bench(*args)
                self.assertEqual(run.returncode, 2)
                self.assertIn(what, run.stderr)
                self.assertNotIn("Traceback", run.stderr)


if __name__ == "__main__":
    unittest.main()
