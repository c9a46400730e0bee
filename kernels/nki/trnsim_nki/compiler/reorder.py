"""NKI scheduling of the instruction stream (scheduling=True; "Deep dive: NKI compile
configuration": with NKI scheduling, NKI orders the instructions and the rest of compilation
keeps that order; nki.compiler.SchedulingHeuristic: how the scheduling selects the next
instruction from the ready instructions).

A list scheduler over the compiled program, after allocation. An instruction is ready when
every earlier instruction it depends on is scheduled; it depends on an earlier one that
- touches a buffer it touches, one of the two writing it (a "dst" counts as read and written:
  a partial or accumulating write keeps its order), or
- touches a different on-chip tile whose placed bytes overlap its own (the anti-dependencies
  the allocation created: tiles that share memory keep the order of their uses), or
- is an operation the scheduler does not know (it stays where the kernel put it).
Heuristics (experimental_scheduling_heuristic):
- ASAP (default): the ready instruction that can start first, by the estimate of engines.py
  (operands ready, engine and SBUF/PSUM port free), program order on ties;
- CRITICAL_PATH: the ready instruction with the longest estimated path to the end of the
  kernel (its own cost plus the longest path of the instructions that depend on it, among
  the next WINDOW in kernel order), program order on ties;
- DMA_PREFETCH: the first ready DMA, else the first ready instruction;
- TRIVIAL: the kernel's order (nothing moves).
Each engine then runs its instructions in the scheduled order (trnsim's engine queues are in
order), so a compute instruction whose operands arrive late no longer holds back independent
work queued behind it on the same engine.
APPROX: the documents give the selection rules, not the scheduler's reach; this one selects
among the next WINDOW unscheduled instructions of the kernel's order.
"""
from .engines import _Estimator, default_engine
from .liveness import WRITE_KEYS, operand_names

WINDOW = 32
# The operations of isa/instructions.def: pure functions of their operands.
KNOWN_OPS = frozenset((
    "dma_copy", "dma_transpose", "nc_matmul", "nc_transpose", "activation",
    "activation_reduce", "tensor_tensor", "tensor_scalar", "scalar_tensor_tensor",
    "tensor_scalar_reduce", "tensor_copy", "reciprocal", "memset", "tensor_tensor_scan",
    "range_select", "tensor_reduce", "tensor_partition_reduce", "bn_stats", "bn_aggr", "max",
    "nc_find_index", "nc_match_replace", "iota", "affine_select"))
_REORDERING = ("ASAP", "DMA_PREFETCH", "CRITICAL_PATH")


class _Access:
    __slots__ = ("names", "writes", "extents", "barrier", "engine", "reads", "written")

    def __init__(self, ins, placed):
        pairs = operand_names(ins)
        self.names = {n for _, n in pairs}
        self.written = [n for k, n in pairs if k in WRITE_KEYS]
        self.reads = [n for k, n in pairs if k not in WRITE_KEYS] + self.written
        self.writes = set(self.written)
        self.extents = [placed[n] + (n,) for n in self.names if n in placed]
        self.barrier = ins["op"] not in KNOWN_OPS
        self.engine = ins.get("engine") or default_engine(ins["op"])

    def depends_on(self, other):
        if self.barrier or other.barrier:
            return True
        shared = self.names & other.names
        if shared & (self.writes | other.writes):
            return True
        for mem, lo, hi, name in self.extents:
            for mem2, lo2, hi2, name2 in other.extents:
                if name != name2 and mem == mem2 and lo < hi2 and lo2 < hi:
                    return True
        return False


def _placed_extents(program, placements):
    """{tile name: (memory, first byte, end byte)} of the placed on-chip tiles."""
    out = {}
    for t in program.tiles:
        p = placements.get(t.memory)
        if p is not None and t.name in p.address:
            a = p.address[t.name]
            out[t.name] = (t.memory, a, a + t.bytes_per_partition())
    return out


def heuristic_name(config):
    h = getattr(config, "experimental_scheduling_heuristic", None)
    return h.name if h is not None else "ASAP"


def run(program, placements, config, hw):
    """Reorders program.instructions as NKI scheduling under `config` does (nothing unless
    scheduling=True with a reordering heuristic). Returns how many instructions moved ahead
    of an instruction the kernel put before them."""
    if not config.scheduling or heuristic_name(config) not in _REORDERING:
        return 0
    heuristic = heuristic_name(config)
    placed = _placed_extents(program, placements)
    instrs = program.instructions
    acc = [_Access(ins, placed) for ins in instrs]
    est = _Estimator(program, hw)
    path = _path_lengths(instrs, acc, est) if heuristic == "CRITICAL_PATH" else None
    order, window, deps = [], [], {}  # window: pending indices in kernel order
    nxt, moved = 0, 0
    while nxt < len(instrs) or window:
        while nxt < len(instrs) and len(window) < WINDOW:
            deps[nxt] = {j for j in window if acc[nxt].depends_on(acc[j])}
            window.append(nxt)
            nxt += 1
        ready = [i for i in window if not deps[i]]
        pick = _select(ready, instrs, acc, est, heuristic, path)
        a = acc[pick]
        end, ports = est.finish(instrs[pick], a.engine, list(a.names), a.reads, a.written)
        est.commit(a.engine, end, ports, a.reads, a.written)
        if pick != window[0]:
            moved += 1
        window.remove(pick)
        for i in window:
            deps[i].discard(pick)
        order.append(pick)
    program.instructions[:] = [instrs[i] for i in order]
    return moved


def _path_lengths(instrs, acc, est):
    """Estimated ns from the start of each instruction to the end of the longest chain of
    instructions depending on it (successors looked for among the next WINDOW)."""
    n = len(instrs)
    path = [0.0] * n
    for i in range(n - 1, -1, -1):
        tail = max([path[j] for j in range(i + 1, min(n, i + 1 + WINDOW))
                    if acc[j].depends_on(acc[i])] or [0.0])
        path[i] = est._cost_ns(instrs[i], acc[i].engine) + tail
    return path


def _select(ready, instrs, acc, est, heuristic, path):
    if heuristic == "DMA_PREFETCH":
        dmas = [i for i in ready if acc[i].engine == "dma"]
        return dmas[0] if dmas else ready[0]
    if heuristic == "CRITICAL_PATH":
        return max(ready, key=lambda i: (path[i], -i))
    best = None
    for i in ready:
        a = acc[i]
        end, _ = est.finish(instrs[i], a.engine, list(a.names), a.reads, a.written)
        start = end - est._cost_ns(instrs[i], a.engine)
        if best is None or start < best[0]:
            best = (start, i)
    return best[1]
