"""split_reused_buffers (NKI allocation only; "Deep dive: NKI compile configuration",
"How to tune a NKI kernel with CompileConfig": for a DMA load that waits for compute reading
the same tensor the load writes, as in a loop that reuses one tensor).

A logical SBUF tile that the kernel overwrites whole again after its first write (one
allocation reused by every iteration of a loop) is split at each such overwrite: from that
instruction on, the tile's uses name a new logical tile with the same shape and dtype, so the
allocator may give each generation its own address and the load of the next iteration need not
wait for the compute that reads the current one. Values are unchanged: a whole overwrite
discards everything the old generation held.

Each generation stays live until the next one's first write (program.live_until), so two
consecutive generations never share memory: the load of generation k + 1 waits at most for the
readers of generation k - 1 (double buffering), whatever the AllocationMode.

A split point is an instruction whose "dst" covers the whole tile and that does not read the
tile itself (an in-place update keeps its generation). APPROX: the document does not say how
NKI detects reuse; whole overwrites are the case where splitting is always safe. Tiles with a
fixed address (direct allocation) and PSUM tiles (accumulators keep their bank) are not split.
"""
from .copy_elim import whole_view
from .liveness import operand_names


def _overwrites_whole(ins, name, tile):
    dst = ins.get("dst")
    if not isinstance(dst, str) or dst.split("[", 1)[0] != name:
        return False
    if not whole_view(dst, tile):
        return False
    if ins.get("accumulate"):
        return False
    return not any(n == name for k, n in operand_names(ins) if k != "dst")


def run(program, eligible=None):
    """Splits reused SBUF tiles of `program` in place; returns the number of new tiles.
    `eligible(tile)`: whether a tile may be split (default: every SBUF tile without a fixed
    address)."""
    return sum(_split(program, eligible, True).values())


def reused_tiles(program):
    """{tile name: number of whole overwrites after its first write} of the SBUF tiles run()
    would split; the program is left unchanged."""
    return _split(program, None, False)


def _split(program, eligible, rename):
    """{original tile name: generations made}; renames the uses when `rename`."""
    tiles = {t.name: t for t in program.tiles}
    current = {}   # original tile name -> name of its current generation
    written = set()  # original tiles written at least once
    made = {}
    live_until = getattr(program, "live_until", {})
    if rename:
        program.live_until = live_until
    for ins in program.instructions:
        renames = {}
        for k, n in operand_names(ins):
            t = tiles.get(n)
            if t is None or t.memory != "sbuf" or t.address is not None:
                continue
            if eligible is not None and not eligible(t):
                continue
            if k == "dst" and n in written and _overwrites_whole(ins, n, t):
                made[n] = made.get(n, 0) + 1
                if not rename:
                    continue
                new = program.add_tile(t.name + "_gen", t.memory, t.partitions, t.free_shape,
                                       t.dtype, t.source)
                live_until[current.get(n, n)] = new.name
                current[n] = new.name
            renames[k] = current.get(n, n)
            if k == "dst":
                written.add(n)
        for k, new_name in renames.items():
            old = ins[k].split("[", 1)[0]
            if new_name != old:
                ins[k] = new_name + ins[k][len(old):]
    return made
