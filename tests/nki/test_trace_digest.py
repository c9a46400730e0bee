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
from trnsim_nki.compiler.config import Allocation, CompileConfig, OptLevel

DIGESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trace_digests.json")
sys.path.insert(0, u.EXAMPLES)
from calibration import calibrate  # noqa: E402


def _arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal(s).astype(np.float32) for s in shapes)


def cases():
    """[(case name, kernel, arrays, grid)]: every example kernel, the calibration set at its
    smoke-test shapes, and one tensor_add grid."""
    ex = lambda f, k: getattr(u.load_example(f), k)  # noqa: E731
    out = [
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
    ]
    for name, kernel in calibrate.KERNELS.items():
        out.append(("calibration_" + name, kernel,
                    calibrate.inputs(name.split("_")[0], calibrate.SMALL), None))
    return out


CONFIGS = {"default": None,
           "linear_o2": CompileConfig(allocation=Allocation.LINEAR, opt_level=OptLevel.O2)}


def digest(kernel, arrays, grid, config):
    trace, report = trnsim_nki.compile(kernel, *arrays, grid=grid, compile_config=config)
    text = json.dumps({"trace": trace, "report": report.to_json()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def all_digests():
    return {"%s/%s" % (name, cfg_name): digest(kernel, arrays, grid, cfg)
            for name, kernel, arrays, grid in cases() for cfg_name, cfg in CONFIGS.items()}


class TraceDigest(unittest.TestCase):
    def test_emitted_traces_are_unchanged(self):
        with open(DIGESTS) as f:
            want = json.load(f)
        got = all_digests()
        self.assertEqual(sorted(got), sorted(want), "cases differ from trace_digests.json")
        changed = [k for k in sorted(got) if got[k] != want[k]]
        self.assertEqual(changed, [], "emitted trace changed for these cases (regenerate "
                         "trace_digests.json only for an intended change of model)")

    def test_digest_sees_a_one_instruction_change(self):
        name, kernel, arrays, grid = cases()[0]
        trace, report = trnsim_nki.compile(kernel, *arrays, grid=grid)
        base = hashlib.sha256(json.dumps({"trace": trace, "report": report.to_json()},
                                         sort_keys=True).encode()).hexdigest()
        self.assertEqual(base, digest(kernel, arrays, grid, None))  # deterministic
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
