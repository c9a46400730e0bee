"""The binary handoff (trnsim_nki/trace_binary.py, isa/TRACE_BINARY.md): for the example
kernels the binary file holds the same program as the JSON trace (the binary's canonical JSON of
both is equal), `trnsim run` gives identical stats from either, run() hands off binary, and a
trace the writer leaves to the JSON reader still gets the JSON reader's diagnostic."""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki import runner, trace_binary
from trnsim_nki.errors import TrnsimRunError
from trnsim_nki.tracer import trace_kernel

STATE, BINARY = u.binary_state()
RNG = np.random.default_rng(15)


def r(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


CASES = [
    ("tensor_add.py", "tensor_add", lambda: (r(256, 1024), r(256, 1024)), (2, 2)),
    ("rmsnorm.py", "rmsnorm", lambda: (r(200, 256), r(256)), None),
    ("softmax.py", "softmax", lambda: (r(256, 300),), None),
    ("layernorm.py", "layernorm_bn", lambda: (r(128, 1024), r(1024), r(1024)), None),
    ("matmul_tiled.py", "matmul_tiled", lambda: (r(256, 256), r(256, 1024)), None),
    ("flash_attention.py", "attention_block", lambda: (r(128, 64), r(512, 64), r(512, 64)),
     None),
]


def traced(filename, func, args, grid):
    k = getattr(u.load_example(filename), func)
    return trnsim_nki.trace(k[grid] if grid else k, *args)


def trnsim(*args):
    p = subprocess.run([BINARY] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    return p.returncode, p.stdout


class EncodeTest(unittest.TestCase):
    """The writer alone (no binary needed)."""

    def test_layout_and_interning(self):
        trace = {"format": "trnsim-trace", "version": 1, "name": "k",
                 "tensors": [{"name": "x", "shape": [128, 8], "dtype": "float32",
                              "role": "input"}],
                 "tiles": [{"name": "t", "memory": "sbuf", "partitions": 128, "shape": [8],
                            "dtype": "float32"}],
                 "instructions": [{"op": "dma_copy", "dst": "t", "src": "x[:, -6:8:3]",
                                   "label": "same"},
                                  {"op": "dma_copy", "dst": "t", "src": "x[:, -6:8:3]",
                                   "label": "same"}]}
        data = trace_binary.encode(trace)
        self.assertEqual(data[:8], b"\x89TRNB\r\n\x1a")
        self.assertEqual(data[8:16], b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.assertEqual(data.count(b"same"), 1)
        self.assertEqual(data.count(b"dma_copy"), 1)
        # src: tag 1, buffer 0, then (start, stop, step) zigzagged: (0, 128, 1), (2, 8, 3).
        view = bytes([1, 0, 0, 0x80, 0x02, 2, 4, 16, 6])
        self.assertEqual(data.count(view), 2)

    def test_left_to_the_json_reader(self):
        base = {"format": "trnsim-trace", "version": 1,
                "tensors": [{"name": "x", "shape": [4], "dtype": "float32", "role": "input"}],
                "instructions": []}
        for bad in ({"instructions": [{"op": "dma_copy", "dst": "nope[0]", "src": "x"}]},
                    {"instructions": [{"op": "dma_copy", "dst": "x[0:2:-1]", "src": "x"}]},
                    {"instructions": [{"op": "dma_copy", "dst": "x[-9]", "src": "x"}]},
                    {"instructions": [{"op": "dma_copy", "dst": "x[1_0]", "src": "x"}]},
                    {"instructions": [{"op": "dma_copy", "dst": "x", "src": {"a": 1}}]},
                    {"instructions": [{"op": 3}]},
                    {"version": 2}, {"extra": 1},
                    {"tensors": [{"name": "x", "shape": [4.0], "dtype": "float32",
                                  "role": "input"}]},
                    {"name": "\ud800"}) + self.after_a_good_one():
            with self.subTest(bad=bad):
                t = dict(base)
                t.update(bad)
                with self.assertRaises(trace_binary.EncodeError):
                    trace_binary.encode(t)


    @staticmethod
    def after_a_good_one():
        """Bad tiles and instructions that follow a good one like them: the writer encodes the
        records of alike tiles and the heads of alike instructions once, and must still
        check each."""
        tile = {"name": "t0", "memory": "sbuf", "partitions": 128, "shape": [8],
                "dtype": "float32", "address": 0}
        out = []
        for key, value in (("shape", [8.0]), ("partitions", True), ("memory", ["sbuf"]),
                           ("dtype", None), ("address", 0.0), ("address", None),
                           ("shape", (8,))):
            out.append({"tiles": [tile, dict(tile, name="t1", **{key: value})]})
        ins = {"op": "dma_copy", "dst": "x", "src": "x", "label": "k.py:3"}
        for key, value in (("label", None), ("label", ["k.py:3"]), ("engine", ""),
                           ("engine", {"e": 1}), ("op", ["dma_copy"])):
            out.append({"instructions": [ins, dict(ins, **{key: value})]})
        return tuple(out)


@unittest.skipIf(STATE != "ok", "needs the trnsim binary")
class HandoffTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="trace_binary_")

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_examples_same_program_and_stats_from_both_formats(self):
        for filename, func, args, grid in CASES:
            with self.subTest(kernel=func):
                trace = traced(filename, func, args(), grid)
                js, bn = self.path(func + ".json"), self.path(func + ".trnb")
                with open(js, "w") as f:
                    json.dump(trace, f)
                trace_binary.write(trace, bn)
                canon = []
                for src in (js, bn):
                    out = src + ".canonical.json"
                    code, text = trnsim("convert", src, out)
                    self.assertEqual(code, 0, text)
                    with open(out) as f:
                        canon.append(f.read())
                self.assertEqual(canon[0], canon[1])
                self.assertLess(os.path.getsize(bn), os.path.getsize(js))
                stats = []
                for src in (js, bn):
                    out = src + ".results"
                    code, text = trnsim("run", src, "-o", out, "--timing-only", "--timeline",
                                        "none", "-q")
                    self.assertEqual(code, 0, text)
                    with open(os.path.join(out, "stats.json")) as f:
                        stats.append(f.read())
                self.assertEqual(stats[0], stats[1])

    def test_run_hands_off_binary_with_the_same_results(self):
        mod = u.load_example("rmsnorm.py")
        tr = trace_kernel(mod.rmsnorm.func, (r(200, 256), r(256)))
        handed = []
        real = runner._invoke

        def spy(cmd, binary, echo, while_running=None):
            handed.append(cmd[2])
            return real(cmd, binary, echo, while_running)

        runner._invoke = spy
        try:
            outputs, stats = runner.run_trace(tr.trace(), tr.inputs)
        finally:
            runner._invoke = real
        self.assertTrue(handed[0].endswith("trace.trnb"), handed)
        js = self.path("rmsnorm.json")
        with open(js, "w") as f:
            json.dump(tr.trace(), f)
        cmd = [js, "-o", self.path("res"), "--timeline", "none", "-q"]
        for name, arr in tr.inputs.items():
            p = self.path(name + ".npy")
            np.save(p, np.ascontiguousarray(arr))
            cmd += ["--input", "%s=%s" % (name, p)]
        code, text = trnsim("run", *cmd)
        self.assertEqual(code, 0, text)
        with open(self.path("res/stats.json")) as f:
            self.assertEqual(json.load(f), stats)
        for name, arr in outputs.items():
            ref = np.load(self.path("res/outputs/%s.npy" % name)).reshape(arr.shape)
            self.assertEqual(ref.tobytes(), arr.tobytes())

    def test_work_given_to_run_is_done_once_while_the_binary_runs(self):
        mod = u.load_example("rmsnorm.py")
        tr = trace_kernel(mod.rmsnorm.func, (r(200, 256), r(256)))
        calls = []
        outputs, stats = runner.run_trace(tr.trace(), tr.inputs,
                                          while_running=lambda: calls.append(len(calls)))
        self.assertEqual(calls, [0])
        self.assertGreater(stats["total_ns"], 0)

        def fails():
            raise OSError("disk full")

        with self.assertRaisesRegex(OSError, "disk full"):  # the binary is waited for first
            runner.run_trace(tr.trace(), tr.inputs, while_running=fails)

    def test_failed_binary_run_keeps_a_json_trace_named_in_the_error(self):
        trace = {"format": "trnsim-trace", "version": 1, "name": "bad",
                 "tensors": [{"name": "x", "shape": [128, 8], "dtype": "float32",
                              "role": "input"}],
                 "tiles": [{"name": "t", "memory": "sbuf", "partitions": 128, "shape": [8],
                            "dtype": "float32"}],
                 "instructions": [{"op": "dma_copy", "dst": "t", "src": "x[:, 0:9]"}]}
        out = self.path("out")
        with self.assertRaises(TrnsimRunError) as cm:
            runner.run_trace(trace, {}, out_dir=out, options=runner.RunOptions(mode="timing"))
        kept = os.path.join(out, "trace.json")
        msg = str(cm.exception)
        self.assertIn(kept + ": instruction 0 (dma_copy)", msg)
        self.assertNotIn(".trnb", msg)
        with open(kept) as f:
            self.assertEqual(json.load(f), trace)

    def test_trace_left_to_json_gets_the_json_readers_error(self):
        trace = {"format": "trnsim-trace", "version": 1, "name": "bad",
                 "tensors": [{"name": "x", "shape": [128, 8], "dtype": "float32",
                              "role": "input"}],
                 "instructions": [{"op": "dma_copy", "dst": "x", "src": "nope[0]"}]}
        with self.assertRaises(TrnsimRunError) as cm:
            runner.run_trace(trace, {}, options=runner.RunOptions(mode="timing"))
        self.assertIn("trace.json: instruction 0 (dma_copy): field 'src': bad view 'nope[0]': "
                      "unknown buffer 'nope'", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
