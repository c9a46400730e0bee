"""Spill planning of the default flow (compiler/spill_plan.py) at large live sets: a kernel whose
live SBUF set is 1 MiB per partition (5.3x trn1's SBUF) compiles, with the spills the plain
"allocate, spill one victim, start over" loop chooses (a reference implementation of that loop
below gives the same program and addresses), and a spilled kernel computes the right values."""
import copy
import unittest

import numpy as np

import nki_test_util as u
import trnsim_nki
from trnsim_nki.compiler import MAX_SPILLS, SBUF_ALIGN, spill_plan, target_limits
from trnsim_nki.compiler.allocation import Allocator, OutOfMemory
from trnsim_nki.compiler.liveness import live_ranges, operand_names
from trnsim_nki.compiler.spill import SPILL_ROLE, choose_victim, whole_view
from trnsim_nki.tracer import trace_kernel

HAVE_BINARY = u.binary_state()[0] == "ok"

SRC = '''
import nki
import nki.language as nl


def stream_all(x):
    """NT tiles of [128, FF] fp32 all loaded, then each stored as exp(tile)."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    ts = []
    for j in range(NT):
        ts.append(nl.load(x[:, j * FF:(j + 1) * FF]))
    for j in range(NT):
        nl.store(out[:, j * FF:(j + 1) * FF], value=nl.exp(ts[j]))
    return out


def shuffled(x):
    """every tile read twice, the first time in a shuffled order: out_j = 2 x_(7j mod NT) + x_j"""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    ts = []
    for j in range(NT):
        ts.append(nl.load(x[:, j * FF:(j + 1) * FF]))
    acc = []
    for j in range(NT):
        acc.append(nl.multiply(ts[(j * 7) % NT], 2.0))
    for j in range(NT):
        nl.store(out[:, j * FF:(j + 1) * FF], value=nl.add(acc[j], ts[j]))
    return out
'''


def kernels(n, f):
    return u.load_source("spill_plan_%d_%d" % (n, f),
                         SRC.replace("NT", str(n)).replace("FF", str(f)))


def restart_loop(program, capacity):
    """The reference: allocate all SBUF tiles best-fit; on failure spill one victim by
    rewriting the instruction list and allocate the whole program again."""
    spills = 0
    while True:
        ranges = [r for r in live_ranges(program).values() if r.tile.memory == "sbuf"]
        try:
            return Allocator("sbuf", capacity, SBUF_ALIGN, 0, "max_reuse").run(ranges), spills
        except OutOfMemory as oom:
            victim = choose_victim(program.instructions[oom.index], oom)
            assert victim is not None and spills < MAX_SPILLS
            spills += 1
            _list_spill(program, victim, oom.index)


def _list_spill(program, victim, at):
    v = victim.tile
    store_at = [x for x in victim.uses if x < at][-1] + 1
    reload_at = [x for x in victim.uses if x > at][0]
    hbm = program.add_tensor("spill_" + v.name, v.shape, v.dtype, SPILL_ROLE)
    new = program.add_tile(v.name + "_reload", v.memory, v.partitions, v.free_shape, v.dtype,
                           v.source)
    for ins in program.instructions[reload_at:]:
        for k, n in operand_names(ins):
            if n == v.name:
                ins[k] = new.name + ins[k][len(n):]
    label = "spill of %s (allocated at %s)" % (v.name, v.source)
    program.instructions.insert(reload_at, {
        "op": "dma_copy", "dst": whole_view(new.name, v.shape),
        "src": whole_view(hbm.name, v.shape), "label": label.replace("spill", "reload")})
    program.instructions.insert(store_at, {
        "op": "dma_copy", "dst": whole_view(hbm.name, v.shape),
        "src": whole_view(v.name, v.shape), "label": label})


class SpillPlanTest(unittest.TestCase):
    def test_one_mib_per_partition_live_set_compiles(self):
        # 512 live [128, 512] fp32 tiles: 1 MiB per partition against trn1's 192 KiB
        n, f = 512, 512
        k = kernels(n, f)
        x = np.zeros((128, n * f), np.float32)
        trace, rep = trnsim_nki.compile(k.stream_all, x, target="trn1")
        j = rep.to_json()
        self.assertEqual(j["spill_count"], 417)
        self.assertEqual(j["spill_bytes"], 417 * 128 * f * 4)
        # load + exp + store per tile, a store and a reload per spill
        self.assertEqual(len(trace["instructions"]), 3 * n + 2 * 417)
        self.assertLessEqual(j["peak_sbuf_bytes"], target_limits("trn1").sbuf_bytes)

    def test_same_plan_as_restarting_after_each_spill(self):
        for name, n, f in (("shuffled", 96, 512), ("stream_all", 64, 2048)):
            with self.subTest(kernel=name):
                x = np.zeros((128, n * f), np.float32)
                tr = trace_kernel(getattr(kernels(n, f), name), [x], target="trn1")
                ref_program = copy.deepcopy(tr.program)
                capacity = target_limits("trn1").sbuf_bytes
                ref, ref_spills = restart_loop(ref_program, capacity)
                plan = spill_plan.SpillingAllocation(
                    tr.program, Allocator("sbuf", capacity, SBUF_ALIGN, 0, "max_reuse"))
                got, spills = plan.run(
                    lambda p, oom: choose_victim(p.instruction(oom.index), oom), MAX_SPILLS)
                self.assertGreater(ref_spills, 40)
                self.assertEqual(len(spills), ref_spills)
                self.assertEqual(tr.program.instructions, ref_program.instructions)
                self.assertEqual(got.address, ref.address)
                self.assertEqual(got.reuses, ref.reuses)
                self.assertEqual(got.peak_bytes, ref.peak_bytes)

    @unittest.skipUnless(HAVE_BINARY, "no trnsim binary")
    def test_a_spilled_kernel_computes_the_right_values(self):
        n, f = 64, 512
        x = np.random.RandomState(11).rand(128, n * f).astype(np.float32)
        out, stats = trnsim_nki.run(kernels(n, f).shuffled, x, target="trn1")
        self.assertGreater(stats["compiler"]["spill_count"], 0)
        xs = x.astype(np.float64).reshape(128, n, f)
        ref = 2 * xs[:, [(j * 7) % n for j in range(n)], :] + xs
        np.testing.assert_allclose(out, ref.reshape(128, n * f), rtol=1e-6)


if __name__ == "__main__":
    unittest.main()
