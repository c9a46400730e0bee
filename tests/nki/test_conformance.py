"""The NKI conformance suite (tests/nki/conformance): every case runs on the trnsim binary and
must match its numpy reference; an expected-failure case that passes is reported so its xfail
mark and kernels/nki/COVERAGE.md get updated. Also the `--coverage` command in its modes."""
import os
import subprocess
import sys
import tempfile
import unittest

import nki_test_util as u
from trnsim_nki import api_names, coverage

STATE, BINARY = u.binary_state()
SUITE = os.path.join(u.REPO, "tests", "nki", "conformance")


@unittest.skipIf(STATE == "none", "no trnsim binary")
class ConformanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cases = coverage.load_suite(SUITE)
        cls.results = [coverage.run_case(c) for c in cls.cases]

    def test_every_case_matches_numpy(self):
        for c, r in zip(self.cases, self.results):
            with self.subTest(case=c.id):
                if c.xfail:
                    self.assertIsNotNone(r, "%s now passes: drop its xfail and regenerate "
                                         "kernels/nki/COVERAGE.md" % c.id)
                else:
                    self.assertIsNone(r, r)

    def test_case_names_are_documented(self):
        documented = {"%s.%s" % (pre, n) for pre, m in coverage.PREFIX.items()
                      for g in coverage.GENERATIONS for n in api_names.names(m, g)}
        for c in self.cases:
            for n in c.names:
                self.assertIn(n, documented, "case %s covers undocumented %s" % (c.id, n))

    def test_table_has_every_name_once_with_a_status(self):
        table = coverage.statuses(self.cases, self.results)
        for (module, gen), rows in table.items():
            names = [r[0] for r in rows]
            self.assertEqual(names, api_names.names(module, gen))
            for name, ok, note in rows:
                self.assertTrue(note, "%s.%s has no case or reason" % (module, name))

    def test_failing_case_makes_its_name_unsupported(self):
        c = next(c for c in self.cases if "nl.exp" in c.names)
        table = coverage.statuses([c], ["broken"])
        row = next(r for r in table[("language", "old")] if r[0] == "exp")
        self.assertEqual(row[1], coverage.NOT_SUPPORTED)
        self.assertIn("broken", row[2])

    def test_out_of_scope_names_have_no_case_and_are_not_gaps(self):
        covered = {n for c in self.cases for n in c.names}
        self.assertFalse(covered & set(coverage.OUT_OF_SCOPE), "a name with a case is listed "
                         "out of scope")
        self.assertFalse(set(coverage.OUT_OF_SCOPE) & set(coverage.NOT_YET))
        table = coverage.statuses(self.cases, self.results)
        row = next(r for r in table[("isa", "new")] if r[0] == "quantize_mx")
        self.assertEqual(row[1], coverage.OUT)


def run_cli(*args):
    env = dict(os.environ, PYTHONPATH=u.NKI_DIR)
    if BINARY:
        env["TRNSIM_BIN"] = BINARY
    return subprocess.run([sys.executable, "-m", "trnsim_nki"] + list(args), env=env,
                          capture_output=True, text=True, timeout=600)


@unittest.skipIf(STATE == "none", "no trnsim binary")
class CoverageCliTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.mkdtemp(prefix="nki_cov_")
        self.suite = os.path.join(tmp, "suite")
        os.makedirs(self.suite)
        with open(os.path.join(self.suite, "cases_small.py"), "w") as f:
            f.write(SMALL_SUITE)
        self.tmp = tmp

    def test_prints_table(self):
        p = run_cli("--coverage", "--suite", self.suite)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("| `exp` | supported | small.exp_case |", p.stdout)
        self.assertIn("| `log` | not supported | no conformance case yet |", p.stdout)
        for key, why in coverage.NOT_YET.items():  # documented gaps show their reason
            self.assertIn("| `%s` | not supported | %s |" % (key.split(".", 1)[1], why), p.stdout)
        self.assertIn("| `float4_e2m1fn_x4` | out of scope | %s |" % coverage.X4, p.stdout)

    def test_writes_markdown_file(self):
        out = os.path.join(self.tmp, "COVERAGE.md")
        p = run_cli("--coverage", "--suite", self.suite, "--write", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            text = f.read()
        self.assertTrue(text.startswith("# NKI API coverage of trnsim_nki"))
        self.assertIn("| `exp` | supported |", text)

    def test_trnsim_nki_passes_coverage_through(self):
        p = subprocess.run([BINARY, "nki", "--coverage", "--suite", self.suite],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("| `exp` | supported | small.exp_case |", p.stdout)

    def test_missing_suite_is_an_error(self):
        p = run_cli("--coverage", "--suite", os.path.join(self.tmp, "nope"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no conformance suite", p.stderr)


SMALL_SUITE = '''
import numpy as np
import nki
import nki.language as nl
from trnsim_nki.coverage import case


@case("nl.exp")
def exp_case():
    a = np.linspace(-1, 1, 128 * 4, dtype=np.float32).reshape(128, 4)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        nl.store(out, nl.exp(nl.load(x)))
        return out
    return k, (a,), np.exp(a.astype(np.float64)), 1e-5
'''


if __name__ == "__main__":
    unittest.main()
