"""Copy elimination under NKI allocation ("Deep dive: NKI compile configuration":
tensor_copy_elim, dma_copy_elim).

tensor_copy_elim: a tensor_copy from a whole tile T that is written by exactly one earlier
instruction and read by nothing else is removed; that instruction writes the copy's
destination instead. dma_copy_elim: the same for an SBUF-to-SBUF dma_copy whose source was
filled by one DMA (the load goes straight to the final destination). Both need the producer
to write T whole, with the same element count, partitions and dtype as the destination, and
the destination to be untouched between producer and copy.
"""
from .liveness import PARTIAL_WRITE_OPS, WRITE_KEYS, operand_names


def whole_view(view, tile):
    """True if `view` ("name[...]") covers all of `tile`."""
    inner = view[view.index("[") + 1:-1]
    want = ", ".join("0:%d" % s for s in tile.shape)
    return inner == want


def _count(view):
    n = 1
    for part in view[view.index("[") + 1:-1].split(","):
        bits = [int(x) for x in part.strip().split(":")]
        lo, hi = bits[0], bits[1]
        step = bits[2] if len(bits) > 2 else 1
        n *= (hi - lo + step - 1) // step if step > 0 else 1
    return n


def run(program, config):
    """Applies the enabled eliminations; returns how many copies were removed."""
    ops = set()
    if config.tensor_copy_elim:
        ops.add("tensor_copy")
    if config.dma_copy_elim:
        ops.add("dma_copy")
    if not ops:
        return 0
    tiles = {t.name: t for t in program.tiles}
    uses = {}  # tile name -> [(index, key)]
    for i, ins in enumerate(program.instructions):
        for k, n in operand_names(ins):
            if n in tiles:
                uses.setdefault(n, []).append((i, k))
    removed = set()
    for i, ins in enumerate(program.instructions):
        if ins["op"] not in ops or "src" not in ins or "dst" not in ins:
            continue
        src_name = ins["src"].split("[", 1)[0]
        dst_name = ins["dst"].split("[", 1)[0]
        src, dst = tiles.get(src_name), tiles.get(dst_name)
        if src is None or dst is None or src.memory != "sbuf" and ins["op"] == "dma_copy":
            continue
        u = uses.get(src_name, [])
        if len(u) != 2 or u[1] != (i, "src") or u[0][1] not in WRITE_KEYS:
            continue
        w = u[0][0]
        prod = program.instructions[w]
        if w in removed or (ins["op"] == "dma_copy") != (prod["op"] == "dma_copy") or \
                prod["op"] in PARTIAL_WRITE_OPS:
            continue
        if not whole_view(prod[u[0][1]], src) or not whole_view(ins["src"], src):
            continue
        if (src.dtype.name != dst.dtype.name or _count(ins["dst"]) != _count(ins["src"])
                or _partitions(ins["dst"]) != src.partitions):
            continue
        if any(w <= j <= i for j, _ in uses.get(dst_name, []) if j != i):
            continue
        prod[u[0][1]] = ins["dst"]
        removed.add(i)
        uses.setdefault(dst_name, []).append((w, u[0][1]))
    program.instructions[:] = [x for j, x in enumerate(program.instructions) if j not in removed]
    return len(removed)


def _partitions(view):
    first = view[view.index("[") + 1:-1].split(",")[0].split(":")
    return int(first[1]) - int(first[0])
