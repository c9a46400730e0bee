"""Emission of the compiled program as trace JSON v1: every logical tile is one trace tile at
its fixed address. Tiles whose live ranges are disjoint may share bytes; the simulator orders
their uses (the anti-dependencies the allocation created) and rejects a sharing between tiles
that are live at the same time.
"""
from ..program import tile_json


def dma_issue(config):
    """The trace's DMA issue order for a CompileConfig (isa/program.h DmaIssue): NKI scheduling
    (scheduling=True, default ASAP heuristic) starts every transfer once its dependencies
    allow; prefetch_auto lets loads pass waiting transfers; otherwise each queue keeps program
    order (the neuronx-cc flow). APPROX ("Deep dive: NKI compile configuration"): prefetch_auto
    is modelled by its issue order only, without the reserved prefetch ring and slack band."""
    if config.scheduling:
        return "asap"
    if config.prefetch_auto:
        return "prefetch"
    return "program_order"


def emit_trace(program, report):
    tiles = []
    for name, r in report.ranges.items():
        d = tile_json(r.tile)
        d["address"] = report.placements[r.tile.memory].address[name]
        tiles.append(d)
    return {
        "format": "trnsim-trace", "version": 1, "name": program.name,
        "dma_issue": dma_issue(report.config),
        "tensors": [{"name": t.name, "shape": t.shape, "dtype": t.dtype.name, "role": t.role}
                    for t in program.tensors],
        "tiles": tiles,
        "instructions": [dict(ins) for ins in program.instructions],
    }
