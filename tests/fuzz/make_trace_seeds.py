#!/usr/bin/python3
"""Regenerates tests/fuzz/corpus/trace/: one small trace per instruction the checked-in traces
do not show (traced from a one-line NKI kernel on a [128, 64] fp32 input, compact JSON), so
fuzz_trace starts from a valid input of every op. Run with Debian's python3 (numpy).

  tests/fuzz/make_trace_seeds.py [OUT_DIR]
"""
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "nki"))

import numpy as np  # noqa: E402

import nki_test_util as u  # noqa: E402
import trnsim_nki  # noqa: E402

KERNEL = """import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def k(a):
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.load(a)
%s
    nl.store(out, r)
    return out
"""
# op -> the kernel body's statements, computing the [128, 64] result r from the input tile t.
BODIES = {
    "iota": [
        'r = nisa.iota(nl.arange(64)[None, :] + nl.arange(128)[:, None], dtype=nl.float32)',
    ],
    "nc_transpose": [
        'p = nisa.nc_transpose(t[:, 0:64])',
        'q = nl.copy(p)',
        'r = nisa.nc_transpose(q)',
    ],
    "activation_reduce": [
        's = nl.ndarray((128, 1), dtype=nl.float32)',
        'r = nisa.activation_reduce(op=nl.exp, data=t, reduce_op=nl.add, reduce_res=s)',
    ],
    "tensor_reduce": [
        's = nisa.tensor_reduce(op=nl.add, data=t, axis=1, keepdims=True)',
        'r = nl.add(t, s)',
    ],
    "max8": [
        'm = nisa.max8(src=t)',
        'r = nl.add(t, m[:, 0:1])',
    ],
    "nc_find_index8": [
        'm = nisa.max8(src=t)',
        'i = nisa.nc_find_index8(data=t, vals=m)',
        'r = nl.add(t, nl.copy(i[:, 0:1], dtype=nl.float32))',
    ],
    "bn_stats": [
        's = nisa.bn_stats(t)',
        'g = nisa.bn_aggr(s)',
        'r = nl.add(t, g[:, 0:1])',
    ],
    "scalar_tensor_tensor": [
        'r = nisa.scalar_tensor_tensor(data=t, op0=nl.multiply, operand0=2.0, op1=nl.add, '
         'operand1=t)',
    ],
    "tensor_scalar_reduce": [
        's = nl.ndarray((128, 1), dtype=nl.float32)',
        'r = nisa.tensor_scalar_reduce(data=t, op0=nl.multiply, operand0=2.0, '
         'reduce_op=nl.add, reduce_res=s)',
    ],
    "tensor_tensor_scan": [
        'r = nisa.tensor_tensor_scan(t, t, 0.0, op0=nl.multiply, op1=nl.add)',
    ],
    "range_select": [
        'r = nisa.range_select(on_true_tile=t, comp_op0=nl.greater_equal, '
         'comp_op1=nl.less, bound0=nl.zeros((128, 1), dtype=nl.float32), '
         "bound1=nl.full((128, 1), 4.0, dtype=nl.float32), reduce_cmd='idle', "
         'reduce_res=None, reduce_op=nl.max, range_start=0, on_false_value=0.0)',
    ],
    "affine_select": [
        'i = nl.arange(128)[:, None]',
        'j = nl.arange(64)[None, :]',
        'r = nisa.affine_select(pred=(i - j >= 0), on_true_tile=t, on_false_value=0.0)',
    ],
    "tensor_partition_reduce": [
        's = nisa.tensor_partition_reduce(op=nl.add, data=t)',
        'r = nl.add(t, nl.broadcast_to(s, (128, 64)))',
    ],
    "reciprocal": [
        'r = nisa.reciprocal(t)',
    ],
    "dma_transpose": [
        'b = nl.ndarray((64, 128), dtype=nl.float32, buffer=nl.shared_hbm)',
        'nisa.dma_copy(dst=b, src=t)',
        'r = nisa.dma_transpose(b)',
    ],
    "nc_match_replace8": [
        'm = nisa.max8(src=t)',
        'r = nisa.nc_match_replace8(data=t, vals=m, imm=0.0)',
    ],
}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "tests", "fuzz", "corpus",
                                                                  "trace")
    os.makedirs(out_dir, exist_ok=True)
    for op, lines in BODIES.items():
        body = "\n".join("    " + line for line in lines)
        kernel = u.load_source("seed_" + op, KERNEL % body).k
        doc = trnsim_nki.trace(kernel, np.zeros((128, 64), np.float32))
        if op not in {i["op"] for i in doc["instructions"]}:
            sys.exit("make_trace_seeds: the %s kernel traced no %s instruction" % (op, op))
        with open(os.path.join(out_dir, op + ".json"), "w") as f:
            f.write(json.dumps(doc, separators=(",", ":")))
    print("make_trace_seeds: %d traces in %s" % (len(BODIES), out_dir))


if __name__ == "__main__":
    main()
