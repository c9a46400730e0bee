"""Runtime addressing in the NKI front end (trnsim_nki/isa_dynamic.py): nl.ds with a tile start,
the two API generations of tensor_copy_dynamic_src / _dst, what refuses a dynamic view, and an
offset out of range at run time (an error from the simulator naming the instruction)."""
import itertools
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.errors import NkiError, NkiUnsupportedError, TrnsimRunError

OLD = """import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def k(a, offs):
    out = nl.ndarray((128, 16), dtype=a.dtype, buffer=nl.shared_hbm)
    x = nl.load(a)
    o = nl.load(offs)
"""  # the body below starts at line 11
NEW = OLD.replace("import neuronxcc.nki as nki", "import nki").replace("neuronxcc.", "")

STATE, _ = u.binary_state()
SERIAL = itertools.count()


def kernel(body, name, header=OLD):
    src = header + "".join("    " + line + "\n" for line in body.strip().splitlines())
    src += "    return out\n"
    return u.load_source(name, src).k


class DynamicFrontEndTest(unittest.TestCase):
    a = np.arange(128 * 64, dtype=np.float32).reshape(128, 64)
    offs = np.array([[9]], dtype=np.int32)

    def expect(self, body, exc, *fragments, name="dyn_bad", header=OLD):
        with self.assertRaises(exc) as cm:
            trnsim_nki.trace(kernel(body, "%s_%d" % (name, next(SERIAL)), header), self.a,
                             self.offs)
        msg = str(cm.exception)
        self.assertIn("%s_" % name, msg)
        self.assertIn(".py:11", msg)
        for f in fragments:
            self.assertIn(f, msg)

    def test_dynamic_view_elsewhere_is_refused(self):
        self.expect("y = nl.exp(x[:, nl.ds(o, 16)])", NkiError, "runtime offset",
                    "tensor_copy_dynamic_src")

    def test_offset_tile_must_be_integer_sbuf_scalar(self):
        self.expect("y = x[:, nl.ds(x[0:1, 0:1], 16)]", NkiError, "nl.ds", "int32 or uint32")
        self.expect("y = x[:, nl.ds(o, 0)]", NkiError, "nl.ds", "positive")

    def test_window_larger_than_the_dimension(self):
        self.expect("y = x[:, nl.ds(o, 65)]", NkiError, "does not fit in a dimension of 64")

    def test_compute_copies_refuse_a_runtime_partition_offset(self):
        self.expect("y = nisa.tensor_copy_dynamic_src(x[nl.ds(o, 16), :])",
                    NkiUnsupportedError, "partition dimension", "nl.load")

    def test_indirect_rows_rules(self):
        self.expect("y = nl.load(a[o, 0:4, None] if False else a[:, o])", NkiUnsupportedError,
                    "after the first")
        self.expect("y = nl.load(a[x[:, 0:1], :])", NkiError, "int32 or uint32")
        self.expect("nl.store(a[o, :], x[0:2, 0:32])", NkiError,
                    "1 row indices for a src of 2 partitions")

    def test_atomic_rmw_needs_indirect_rows_and_add(self):
        self.expect("nl.atomic_rmw(out, x, op=nl.add)", NkiUnsupportedError, "indirectly")
        self.expect("nl.atomic_rmw(out[o, :], x[0:1, 0:16], op=nl.multiply)",
                    NkiUnsupportedError, "only add")

    def test_register_in_python_control_flow_is_refused(self):
        self.expect("r = nisa.register_alloc(3); bool(r)", NkiUnsupportedError, "run time",
                    name="dyn_reg", header=NEW)
        self.expect("for _ in nl.dynamic_range(nisa.register_alloc(3)): pass",
                    NkiUnsupportedError, "runtime (register) bound", name="dyn_reg2",
                    header=NEW)
        self.expect("nisa.register_load(nisa.register_alloc(), x)", NkiError,
                    "exactly one element", name="dyn_reg3", header=NEW)

    def test_static_src_is_refused(self):
        self.expect("y = nisa.tensor_copy_dynamic_src(x[:, 0:16])", NkiError,
                    "indexed with a runtime offset")

    @unittest.skipIf(STATE == "none", "no trnsim binary")
    def test_new_api_dst_first_and_values(self):
        k = kernel("y = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.sbuf)\n"
                   "nisa.tensor_copy_dynamic_src(y, x[:, nl.ds(o, 16)])\n"
                   "nl.store(out, y)", "dyn_new", NEW)
        got = trnsim_nki.run(k, self.a, self.offs)[0]
        np.testing.assert_array_equal(got, self.a[:, 9:25])

    @unittest.skipIf(STATE == "none", "no trnsim binary")
    def test_offset_out_of_range_at_run_time(self):
        k = kernel("y = nisa.tensor_copy_dynamic_src(x[:, nl.ds(o, 16)])\nnl.store(out, y)",
                   "dyn_oob")
        with self.assertRaises(TrnsimRunError) as cm:
            trnsim_nki.run(k, self.a, np.array([[60]], dtype=np.int32))
        msg = str(cm.exception)
        for f in ("tensor_copy_dynamic_src", "runtime offset 60", "[0, 48]", "dyn_oob.py:11"):
            self.assertIn(f, msg)


if __name__ == "__main__":
    unittest.main()
