"""Tracing the example kernels: trace JSON v1 structure against the instruction table, labels
pointing at kernel lines, both import styles, buffer rotation, masks and advanced indexing.
These tests need no trnsim binary."""
import json
import os
import re
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki

RNG = np.random.default_rng(7)
VIEW_RE = re.compile(r"^(\w+)(?:\[(.*)\])?$")


def r(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


CASES = [
    ("tensor_add.py", "tensor_add", lambda: (r(256, 1024), r(256, 1024)), (2, 2)),
    ("transpose_tiled.py", "transpose_tiled", lambda: (r(256, 384),), None),
    ("rmsnorm.py", "rmsnorm", lambda: (r(200, 256), r(256)), None),
    ("softmax.py", "softmax", lambda: (r(256, 300),), None),
    ("layernorm.py", "layernorm_nl", lambda: (r(256, 256), r(256), r(256)), None),
    ("layernorm.py", "layernorm_bn", lambda: (r(128, 1024), r(1024), r(1024)), None),
    ("matmul_tiled.py", "matmul_tiled", lambda: (r(256, 256), r(256, 1024)), None),
    ("matmul_tiled.py", "matmul_tiled_dst", lambda: (r(256, 256), r(256, 1024)), None),
    ("flash_attention.py", "attention_block", lambda: (r(128, 64), r(512, 64), r(512, 64)),
     None),
]


def trace_of(filename, func, args, grid, style=None):
    mod = u.load_example(filename, style)
    k = getattr(mod, func)
    return trnsim_nki.trace(k[grid] if grid else k, *args)


class TraceStructureTest(unittest.TestCase):
    table = u.instruction_table()

    def check_view(self, text, buffers, where):
        m = VIEW_RE.match(text)
        self.assertIsNotNone(m, "%s: malformed view %r" % (where, text))
        name = m.group(1)
        self.assertIn(name, buffers, "%s: view of undeclared buffer %r" % (where, name))
        shape = buffers[name]
        if m.group(2) is None:
            return
        slices = [s.strip() for s in m.group(2).split(",")]
        self.assertEqual(len(slices), len(shape), "%s: %r names every dim" % (where, text))
        for s, n in zip(slices, shape):
            parts = [int(x) for x in s.split(":")]
            start, stop = parts[0], parts[1]
            step = parts[2] if len(parts) > 2 else 1
            self.assertTrue(0 <= start < stop <= n and step >= 1,
                            "%s: slice %s outside dim of size %d" % (where, s, n))

    def check_trace(self, t, source_file):
        self.assertEqual(t["format"], "trnsim-trace")
        self.assertEqual(t["version"], 1)
        json.dumps(t)  # serialisable
        buffers = {x["name"]: x["shape"] for x in t["tensors"]}
        for tile in t["tiles"]:
            self.assertIn(tile["memory"], ("sbuf", "psum"))
            self.assertTrue(1 <= tile["partitions"] <= 128)
            self.assertGreaterEqual(tile["address"], 0)  # the compiler places every tile
            buffers[tile["name"]] = [tile["partitions"]] + tile["shape"]
        self.assertEqual(len(buffers), len(t["tensors"]) + len(t["tiles"]), "unique names")
        roles = {x["role"] for x in t["tensors"]}
        self.assertIn("output", roles)
        with open(source_file) as f:
            src_lines = f.read().splitlines()
        for i, ins in enumerate(t["instructions"]):
            where = "instruction %d %s" % (i, ins)
            self.assertIn(ins["op"], self.table, where)
            roles_, attrs = self.table[ins["op"]]
            for k, v in ins.items():
                if k in ("op", "label", "engine"):
                    continue
                self.assertTrue(k in roles_ or k in attrs, "%s: unknown key %s" % (where, k))
                if k in roles_ and isinstance(v, str) and v not in ("inf", "-inf", "nan"):
                    self.check_view(v, buffers, where)
            m = re.match(r"^(\w+\.py):(\d+)$", ins["label"])
            self.assertIsNotNone(m, where)
            self.assertEqual(m.group(1), os.path.basename(source_file))
            line = src_lines[int(m.group(2)) - 1]
            self.assertFalse(line.strip().startswith(("#", "import", "def", "@")), where)

    def test_examples_trace_valid(self):
        for filename, func, args, grid in CASES:
            with self.subTest(kernel=func):
                t = trace_of(filename, func, args(), grid)
                self.check_trace(t, os.path.join(u.EXAMPLES, filename))

    def test_both_import_styles_give_same_trace(self):
        for filename, func, args, grid in CASES:
            with self.subTest(kernel=func):
                a = args()
                old = trace_of(filename, func, a, grid, "old")
                new = trace_of(filename, func, a, grid, "new")
                self.assertEqual(old, new)
                self.assertGreater(len(old["instructions"]), 0)

    def test_shim_modules_are_the_same(self):
        import neuronxcc.nki.isa as nisa_old
        import neuronxcc.nki.language as nl_old
        import nki.isa as nisa_new
        import nki.language as nl_new
        self.assertIs(nl_old, nl_new)
        self.assertIs(nisa_old, nisa_new)
        self.assertIs(nl_old, trnsim_nki.language)


class LoweringTest(unittest.TestCase):
    def ops(self, t):
        return [i["op"] for i in t["instructions"]]

    def test_spmd_grid_covers_every_block_once(self):
        mod = u.load_example("tensor_add.py")
        t = trnsim_nki.trace(mod.tensor_add[2, 2], r(256, 1024), r(256, 1024))
        stores = [i["dst"] for i in t["instructions"] if i["op"] == "dma_copy"
                  and i["dst"].startswith("out")]
        self.assertEqual(sorted(stores), sorted(
            "out[%d:%d, %d:%d]" % (p, p + 128, f, f + 512)
            for p in (0, 128) for f in (0, 512)))
        self.assertEqual([x["name"] for x in t["tensors"] if x["role"] == "output"], ["out"])
        self.assertEqual(self.ops(t).count("tensor_tensor"), 4)

    def test_engine_choice(self):
        mod = u.load_example("layernorm.py")
        t = trnsim_nki.trace(mod.layernorm_nl, r(128, 256), r(256), r(256))
        by_line = {}
        for i in t["instructions"]:
            by_line.setdefault(i["label"], []).append(i["op"])
        self.assertEqual(by_line["layernorm.py:16"], ["tensor_reduce", "tensor_scalar"])
        self.assertEqual(by_line["layernorm.py:17"], ["tensor_scalar"])
        self.assertEqual(by_line["layernorm.py:18"], ["activation", "tensor_reduce",
                                                      "tensor_scalar"])
        self.assertEqual(by_line["layernorm.py:19"], ["tensor_scalar", "activation"])
        self.assertEqual(by_line["layernorm.py:21"], ["tensor_tensor", "tensor_tensor"])
        self.assertIn("dma_copy", by_line["layernorm.py:15"])

    def test_psum_accumulation_folds_zeros(self):
        mod = u.load_example("matmul_tiled.py")
        t = trnsim_nki.trace(mod.matmul_tiled, r(384, 128), r(384, 512))
        mm = [i for i in t["instructions"] if i["op"] == "nc_matmul"]
        self.assertEqual([i["accumulate"] for i in mm], [False, True, True])
        self.assertEqual({i["dst"] for i in mm}, {"res_psum[0:128, 0:512]"})
        self.assertNotIn("memset", self.ops(t))
        t2 = trnsim_nki.trace(mod.matmul_tiled_dst, r(384, 128), r(384, 512))
        mm2 = [i for i in t2["instructions"] if i["op"] == "nc_matmul"]
        self.assertEqual([i["accumulate"] for i in mm2], [False, True, True])

    def test_one_logical_tile_per_allocation(self):
        mod = u.load_example("matmul_tiled.py")
        t, report = trnsim_nki.compile(mod.matmul_tiled, r(1024, 128), r(1024, 512))
        loads = [x for x in report.ranges if x.startswith("lhsT_tile")]
        self.assertEqual(len(loads), 8)  # 8 iterations, 8 NKI allocations
        self.assertEqual(len(t["instructions"]), 8 * 3 + 2)

    def test_mask_restricts_views(self):
        mod = u.load_example("rmsnorm.py")
        t = trnsim_nki.trace(mod.rmsnorm, r(200, 64), r(64))
        loads = [i for i in t["instructions"] if i["op"] == "dma_copy"
                 and i["src"].startswith("x[")]
        self.assertEqual([i["src"] for i in loads], ["x[0:128, 0:64]", "x[128:200, 0:64]"])
        self.assertEqual(loads[1]["dst"].split("[")[1], "0:72, 0:64]")
        stores = [i["dst"] for i in t["instructions"] if i["dst"].startswith("out[")]
        self.assertEqual(stores, ["out[0:128, 0:64]", "out[128:200, 0:64]"])

    def test_transposed_load_becomes_dma_transpose(self):
        mod = u.load_source("tload", """
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

@nki.jit
def k(a):
    out = nl.ndarray((64, 128), dtype=a.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(64)[:, None]
    i_f = nl.arange(128)[None, :]
    t = nl.load(a[i_f, i_p])
    nl.store(out[i_p, i_f], value=t)
    return out
""")
        t = trnsim_nki.trace(mod.k, r(128, 64))
        self.assertEqual(t["instructions"][0]["op"], "dma_transpose")
        self.assertEqual(t["instructions"][0]["src"], "a[0:128, 0:64]")
        self.assertEqual(t["instructions"][0]["dst"], "t[0:64, 0:128]")

    def test_iota_and_affine_select(self):
        mod = u.load_source("iota_k", """
import nki
import nki.isa as nisa
import nki.language as nl

@nki.jit
def k(a):
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    i_p, i_f = nl.mgrid[0:128, 0:64]
    idx = nisa.iota(i_p * 64 + i_f + 3, dtype=nl.float32)
    x = nl.load(a)
    y = nisa.affine_select(i_p - i_f >= 0, x, -1e9)
    nl.store(out, value=nl.add(idx, y))
    return out
""")
        t = trnsim_nki.trace(mod.k, r(128, 64))
        iota = t["instructions"][0]
        self.assertEqual((iota["op"], iota["offset"], iota["channel_multiplier"],
                          iota["pattern"]), ("iota", 3.0, 64, [1]))
        sel = [i for i in t["instructions"] if i["op"] == "affine_select"][0]
        self.assertEqual((sel["channel_multiplier"], sel["pattern"], sel["cmp_op"]),
                         (1, [-1], "greater_equal"))


if __name__ == "__main__":
    unittest.main()
