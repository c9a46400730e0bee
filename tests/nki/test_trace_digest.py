"""The emitted trace (and the compiler's report) of the example kernels and the calibration
set, under the default flow and NKI allocation at O2, is byte-for-byte what it was when
trace_digests.json was written: speed work on the tracer and the compiler passes must not
change what the front end emits. Each case's digest is the SHA-256 of the trace and report
JSON with sorted keys.

A change of model that is meant to change the traces (or an edit of an example kernel, whose
line numbers are in the labels) regenerates the file:
    /usr/bin/python3 tests/nki/test_trace_digest.py --update
and says so in the commit message."""
import hashlib
import json
import os
import sys
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki import kernel_checks
from trnsim_nki.program import view_name
from trnsim_nki.tracer import trace_kernel
from trnsim_nki.compiler.config import Allocation, CompileConfig, OptLevel

DIGESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trace_digests.json")
sys.path.insert(0, u.EXAMPLES)
from calibration import calibrate  # noqa: E402


# Kernels of this test (their labels are lines of this source): spilling on trn1, a tile
# array written block by block, masks.
SOURCE = '''
import nki
import nki.isa as nisa
import nki.language as nl


def spills(x):
    """8 tiles of 32 KiB per partition live at once: more than a trn1 SBUF partition."""
    out = nl.ndarray((128, 8192), dtype=x.dtype, buffer=nl.shared_hbm)
    tiles = []
    for i in nl.affine_range(8):
        tiles.append(nl.load(x[i * 128:(i + 1) * 128, :]))
    acc = nl.copy(tiles[0])
    for i in nl.affine_range(1, 8):
        acc = nl.add(acc, tiles[i])
    nl.store(out, value=acc)
    return out


def masked_blocks(x):
    """A tile array written block by block, and a masked ragged tail."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    buf = nl.ndarray((2, nl.par_dim(128), x.shape[1]), dtype=x.dtype, buffer=nl.sbuf)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(x.shape[1])[None, :]
    for b in nl.affine_range((x.shape[0] + 127) // 128):
        rows = b * 128 + i_p
        buf[b % 2] = nl.load(x[rows, i_f], mask=rows < x.shape[0])
        y = nl.exp(buf[b % 2], mask=rows < x.shape[0])
        nl.store(out[rows, i_f], value=y, mask=rows < x.shape[0])
    return out
'''


def _arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal(s).astype(np.float32) for s in shapes)


def cases():
    """[(case name, kernel, arrays, grid, target)]: every example kernel, the calibration set
    at its smoke-test shapes, one tensor_add grid and the kernels of SOURCE."""
    ex = lambda f, k: getattr(u.load_example(f), k)  # noqa: E731
    own = u.load_source("digest_kernels", SOURCE)
    out = [
        ("spills_trn1", own.spills, _arrays(8, (1024, 8192)), None, "trn1"),
        ("masked_blocks", own.masked_blocks, _arrays(9, (300, 256)), None, "trn2"),
    ]
    out += [case + ("trn2",) for case in [
        ("tensor_add_grid", ex("tensor_add.py", "tensor_add"),
         _arrays(1, (512, 2048), (512, 2048)), (4, 4)),
        ("transpose_tiled", ex("transpose_tiled.py", "transpose_tiled"),
         _arrays(2, (256, 384)), None),
        ("rmsnorm", ex("rmsnorm.py", "rmsnorm"), _arrays(3, (200, 256), (256,)), None),
        ("softmax", ex("softmax.py", "softmax"), _arrays(4, (256, 300)), None),
        ("matmul_tiled_example", ex("matmul_tiled.py", "matmul_tiled"),
         _arrays(5, (256, 256), (256, 1024)), None),
        ("matmul_tiled_dst", ex("matmul_tiled.py", "matmul_tiled_dst"),
         _arrays(6, (256, 256), (256, 1024)), None),
        ("attention_block", ex("flash_attention.py", "attention_block"),
         _arrays(7, (128, 64), (512, 64), (512, 64)), None),
    ]]
    for name, kernel in calibrate.KERNELS.items():
        out.append(("calibration_" + name, kernel,
                    calibrate.inputs(name.split("_")[0], calibrate.SMALL), None, "trn2"))
    return out


CONFIGS = {"default": None,
           "linear_o2": CompileConfig(allocation=Allocation.LINEAR, opt_level=OptLevel.O2)}


def digest(kernel, arrays, grid, target, config):
    trace, report = trnsim_nki.compile(kernel, *arrays, grid=grid, target=target,
                                       compile_config=config)
    text = json.dumps({"trace": trace, "report": report.to_json()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def all_digests():
    return {"%s/%s" % (name, cfg_name): digest(kernel, arrays, grid, target, cfg)
            for name, kernel, arrays, grid, target in cases()
            for cfg_name, cfg in CONFIGS.items()}


class TraceDigest(unittest.TestCase):
    def test_emitted_traces_are_unchanged(self):
        with open(DIGESTS) as f:
            want = json.load(f)
        got = all_digests()
        self.assertEqual(sorted(got), sorted(want), "cases differ from trace_digests.json")
        changed = [k for k in sorted(got) if got[k] != want[k]]
        self.assertEqual(changed, [], "emitted trace changed for these cases (regenerate "
                         "trace_digests.json only for an intended change of model)")

    def test_view_boxes_recorded_at_emission_equal_parsing_the_view_text(self):
        for name, kernel, arrays, grid, target in cases():
            with self.subTest(case=name):
                tr = trace_kernel(getattr(kernel, "func", kernel), arrays, grid=grid or (),
                                  target=target)
                boxes = tr.program.view_boxes
                views = {v for ins in tr.program.instructions for v in ins.values()
                         if isinstance(v, str) and view_name(v) is not None}
                self.assertTrue(views)
                for text in views:
                    if boxes.get(text) is not None:  # (views made elsewhere are parsed)
                        self.assertEqual(boxes[text], kernel_checks.parse_box(text), text)

    def test_digest_sees_a_one_instruction_change(self):
        name, kernel, arrays, grid, target = cases()[0]
        trace, report = trnsim_nki.compile(kernel, *arrays, grid=grid, target=target)
        base = hashlib.sha256(json.dumps({"trace": trace, "report": report.to_json()},
                                         sort_keys=True).encode()).hexdigest()
        self.assertEqual(base, digest(kernel, arrays, grid, target, None))  # deterministic
        trace["instructions"][-1]["label"] += "x"
        changed = hashlib.sha256(json.dumps({"trace": trace, "report": report.to_json()},
                                            sort_keys=True).encode()).hexdigest()
        self.assertNotEqual(base, changed)


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        with open(DIGESTS, "w") as f:
            json.dump(all_digests(), f, indent=1, sort_keys=True)
            f.write("\n")
        print("wrote", DIGESTS)
    else:
        unittest.main()
