"""`trnsim rank ... --executor dask --scheduler tcp://HOST:PORT`: the same NKI sweep on a
two-worker Dask LocalCluster (threads of this process, scheduler on a free port) gives the
same points as the local process pool."""
import os
import tempfile
import unittest

import nki_test_util as u  # puts kernels/nki on sys.path first
import test_rank as tr

try:
    from distributed import LocalCluster
except ImportError:  # python3-distributed missing
    LocalCluster = None


@unittest.skipUnless(tr.HAVE_BINARY, "no trnsim binary")
@unittest.skipIf(LocalCluster is None, "no python3-distributed")
class RankDaskTest(unittest.TestCase):
    def setUp(self):
        # Worker threads run rank_exec.run_task_in_process, which starts each point's process.
        self.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                    protocol="tcp://", host="127.0.0.1", scheduler_port=0,
                                    dashboard_address=None)

    def tearDown(self):
        self.cluster.close()

    def test_dask_sweep_equals_the_local_sweep(self):
        work = tempfile.mkdtemp(prefix="trnsim_rank_dask_")
        common = [tr.MATMUL + "::matmul_tiled,matmul_blocked", "--ref",
                  tr.REFERENCE + "::forward", "--shape", "lhsT=128x128:bfloat16", "--shape",
                  "rhs=128x1024:bfloat16", "--grid", "TILES_IN_BLOCK_N=1,2", "--target",
                  "trn1", "--quiet"]
        address = self.cluster.scheduler_address
        self.assertTrue(address.startswith("tcp://"), address)
        code, out = tr.run_rank(common + ["--executor", "dask", "--scheduler", address,
                                          "--out", "dask"], work)
        self.assertEqual(code, 0, out)
        code, out = tr.run_rank(common + ["--jobs", "2", "--out", "local"], work)
        self.assertEqual(code, 0, out)
        dask_points = tr.read_report(os.path.join(work, "dask"))["points"]
        local_points = tr.read_report(os.path.join(work, "local"))["points"]
        self.assertEqual(len(dask_points), 3)
        self.assertEqual(dask_points, local_points)
        self.assertTrue(all(p["status"] == "ok" for p in dask_points), dask_points)

    def test_unreachable_scheduler_is_a_usage_error(self):
        work = tempfile.mkdtemp(prefix="trnsim_rank_dask_")
        files = tr.StatusFiles()
        code, out = tr.run_rank(files.args("add_plain", "--executor", "dask", "--scheduler",
                                           "tcp://127.0.0.1:1", "--out", "o"), work,
                                env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
        self.assertEqual(code, 2, out)
        self.assertIn("cannot reach the Dask scheduler", out)


if __name__ == "__main__":
    unittest.main()
