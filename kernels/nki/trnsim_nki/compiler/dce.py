"""Dead-code elimination (CompileConfig.dead_code_elim, on by default: "Leave this kernel's
memlocs eligible for backend dead-code elimination"; both flows).

An instruction is dead when everything it writes is an on-chip tile that no instruction reads:
its result can reach neither an output nor another instruction. Removing one can make the
producers of its inputs dead in turn, so the pass repeats until nothing changes. Writes to HBM
(outputs, stores, device_print scratch) are never dead. With dead_code_elim=False every traced
instruction runs.
"""
from .liveness import WRITE_KEYS, operand_names


def run(program):
    """Removes the dead instructions of `program` in place; returns how many were removed."""
    on_chip = {t.name for t in program.tiles}
    removed = 0
    while True:
        read = set()
        for ins in program.instructions:
            read.update(n for k, n in operand_names(ins) if k not in WRITE_KEYS)
        keep = []
        for ins in program.instructions:
            writes = [n for k, n in operand_names(ins) if k in WRITE_KEYS]
            if writes and all(n in on_chip and n not in read for n in writes):
                continue
            keep.append(ins)
        if len(keep) == len(program.instructions):
            return removed
        removed += len(program.instructions) - len(keep)
        program.instructions[:] = keep
