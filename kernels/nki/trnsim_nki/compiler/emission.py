"""Emission of the compiled program as trace JSON v1: every logical tile is one trace tile at
its fixed address. Tiles whose live ranges are disjoint may share bytes; the simulator orders
their uses (the anti-dependencies the allocation created) and rejects a sharing between tiles
that are live at the same time.
"""
from ..program import tile_json


def emit_trace(program, report):
    """The trace dict (without "dma_issue", which schedule.py sets)."""
    tiles = []
    for name, r in report.ranges.items():
        d = tile_json(r.tile)
        d["address"] = report.placements[r.tile.memory].address[name]
        tiles.append(d)
    return {
        "format": "trnsim-trace", "version": 1, "name": program.name,
        "tensors": [{"name": t.name, "shape": t.shape, "dtype": t.dtype.name, "role": t.role}
                    for t in program.tensors],
        "tiles": tiles,
        "instructions": [dict(ins) for ins in program.instructions],
    }
