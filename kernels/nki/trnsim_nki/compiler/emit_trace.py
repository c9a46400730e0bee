"""Emission of the compiled program as trace JSON v1 with a fixed address for every tile.

Logical tiles placed at the same address with the same shape and dtype become one trace tile
(the simulator then orders their uses through the shared storage, the anti-dependencies the
allocation created); every other tile is emitted with its own fixed address.
"""
from ..program import tile_json
from .liveness import operand_names


def emit_trace(program, report):
    phys = {}     # (memory, address, partitions, free shape, dtype) -> trace tile dict
    rename = {}   # logical name -> trace tile name
    for name, r in report.ranges.items():
        t = r.tile
        a = report.placements[t.memory].address[name]
        key = (t.memory, a, t.partitions, tuple(t.free_shape), t.dtype.name)
        d = phys.get(key)
        if d is None:
            d = tile_json(t)
            d["address"] = a
            phys[key] = d
        rename[name] = d["name"]
    instructions = []
    for ins in program.instructions:
        out = dict(ins)
        for k, n in operand_names(ins):
            m = rename.get(n)
            if m is not None and m != n:
                out[k] = m + ins[k][len(n):]
        instructions.append(out)
    return {
        "format": "trnsim-trace", "version": 1, "name": program.name,
        "tensors": [{"name": t.name, "shape": t.shape, "dtype": t.dtype.name, "role": t.role}
                    for t in program.tensors],
        "tiles": list(phys.values()),
        "instructions": instructions,
    }
