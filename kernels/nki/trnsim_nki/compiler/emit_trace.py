"""Emission of the compiled program as trace JSON v1 with a fixed address for every tile.

Every logical tile is its own trace tile with its fixed address: tiles whose live ranges are
disjoint may share bytes (the C++ allocator checks that per trace tile, by first..last use), and
the simulator orders their uses through the shared storage (the anti-dependencies the
allocation created). Merging same-address tiles into one trace tile would give it the union of
their live ranges, which then overlaps other tiles placed in its gaps.
"""
from ..program import tile_json
from .liveness import operand_names


def emit_trace(program, report):
    phys = {}     # (memory, address, partitions, free shape, dtype) -> trace tile dict
    rename = {}   # logical name -> trace tile name
    for name, r in report.ranges.items():
        t = r.tile
        a = report.placements[t.memory].address[name]
        key = name
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
