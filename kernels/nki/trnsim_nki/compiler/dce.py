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
    # (instruction, names it reads, names it writes), computed once for all the rounds
    entries = []
    for ins in program.instructions:
        ops = operand_names(ins)
        entries.append((ins, [n for k, n in ops if k not in WRITE_KEYS],
                        [n for k, n in ops if k in WRITE_KEYS]))
    while True:
        read = set()
        for _, reads, _ in entries:
            read.update(reads)
        keep = [e for e in entries
                if not (e[2] and all(n in on_chip and n not in read for n in e[2]))]
        if len(keep) == len(entries):
            return removed
        removed += len(entries) - len(keep)
        entries = keep
        program.instructions[:] = [e[0] for e in keep]
