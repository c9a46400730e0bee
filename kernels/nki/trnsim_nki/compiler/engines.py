"""Engine choice for instructions that may run on more than one engine (nki.compiler.OptLevel,
CompileConfig.engine_balancing; NKI allocation only, "the new flow"):
- O0: every instruction without engine= runs on its default engine;
- O1 (default): the compiler chooses the engine of each nisa.tensor_copy without engine=;
- engine_balancing: it chooses the engine of every instruction without engine= that may run on
  more than one engine.
An engine= the kernel gave (the trace's "engine" field) is always kept.

The choice: walking the program in order, each candidate goes to the engine on which it would
finish first, given when its operands are ready and when each engine (and the shared SBUF /
PSUM port it needs) is next free. Costs are the simulator's own formulas and constants
(sim/cost/stream_cost.cc, sim/configs/<target>.json): max(MIN_II, N x inputs factor /
elements per cycle) engine cycles. APPROX: the documents do not give the compiler's cost
model; this estimate ignores semaphore latencies, DMA queue contention and the static
overhead, and treats each DMA as one transfer at the DMA queues' combined rate.
"""
from .liveness import operand_names

# Engines each instruction may run on, default first (isa/instructions.def).
MULTI_ENGINE = {
    "tensor_copy": ("vector", "scalar", "gpsimd"),
    "memset": ("vector", "scalar", "gpsimd"),
    "tensor_scalar": ("vector", "scalar", "gpsimd"),
    "tensor_tensor": ("vector", "gpsimd"),
    "scalar_tensor_tensor": ("vector", "gpsimd"),
    "tensor_reduce": ("vector", "gpsimd"),
}
_DEFAULT_ENGINE = {"nc_matmul": "tensor", "nc_transpose": "tensor", "activation": "scalar",
                   "activation_reduce": "scalar", "tensor_partition_reduce": "gpsimd",
                   "iota": "gpsimd", "affine_select": "gpsimd", "nc_n_gather": "gpsimd",
                   "nonzero_with_count": "gpsimd", "local_gather": "gpsimd",
                   "sequence_bounds": "gpsimd"}
_TWO_INPUTS = {"tensor_tensor", "scalar_tensor_tensor", "tensor_tensor_scan"}
_INPUT_KEYS = ("src", "src0", "src1", "stationary", "moving", "bias", "operand0", "operand1",
               "data")


def _slices(view):
    return [p.strip() for p in view[view.index("[") + 1:-1].split(",")]


def _count(part):
    bits = part.split(":")
    if len(bits) == 1:
        return 1
    lo, hi = int(bits[0]), int(bits[1])
    step = int(bits[2]) if len(bits) > 2 else 1
    return (hi - lo + step - 1) // step if step > 0 else hi - lo


def free_elements(view):
    """Elements per partition of a view "name[p, f0, f1, ...]"."""
    n = 1
    for part in _slices(view)[1:]:
        n *= _count(part)
    return n


def total_elements(view):
    n = 1
    for part in _slices(view):
        n *= _count(part)
    return n


class _Estimator:
    def __init__(self, program, hw):
        self.hw = hw
        self.memory = {t.name: t.memory for t in program.tiles}
        self.itemsize = {t.name: t.dtype.itemsize for t in program.tiles}
        for t in program.tensors:
            self.memory[t.name] = "hbm"
            self.itemsize[t.name] = t.dtype.itemsize
        self.engine_free = {}
        self.port_free = {"sbuf": 0.0, "psum": 0.0}
        self.written = {}  # buffer -> time its last write ends
        self.touched = {}  # buffer -> time its last access ends

    def _ports(self, engine, names):
        mems = {self.memory.get(n) for n in names}
        ports = []
        if engine in ("vector", "gpsimd") and "sbuf" in mems:
            ports.append("sbuf")
        if engine in ("vector", "scalar") and "psum" in mems:
            ports.append("psum")
        return ports

    def _cost_ns(self, ins, engine):
        op = ins["op"]
        views = [(k, v) for k, v in ins.items() if k in _INPUT_KEYS and isinstance(v, str)
                 and v.endswith("]")]
        if engine == "dma":
            dma = self.hw["dma"]
            dst = ins.get("dst", "")
            n = total_elements(dst) * self.itemsize.get(dst.split("[", 1)[0], 4)
            return dma["fixed_ns"] + n / (dma["queue_bytes_per_ns"] * dma["queues"])
        ghz = self.hw["clocks"]["%s_ghz" % engine]
        if engine == "tensor":
            n = max([free_elements(v) for _, v in views] or [1])
            return max(64, n) / ghz
        spec = self.hw[engine]
        n = max([free_elements(v) for _, v in views] or
                [free_elements(ins["dst"]) if isinstance(ins.get("dst"), str) else 1])
        factor = spec["two_input_factor"] if op in _TWO_INPUTS else 1
        return max(spec["min_ii_cycles"], n * factor / spec["elements_per_cycle"]) / ghz

    def finish(self, ins, engine, names, reads, writes):
        ready = max([self.written.get(n, 0.0) for n in reads] +
                    [self.touched.get(n, 0.0) for n in writes] + [0.0])
        ports = self._ports(engine, names)
        start = max([ready, self.engine_free.get(engine, 0.0)] +
                    [self.port_free[p] for p in ports])
        return start + self._cost_ns(ins, engine), ports

    def commit(self, engine, end, ports, reads, writes):
        if engine != "dma":
            self.engine_free[engine] = end
        for p in ports:
            self.port_free[p] = end
        for n in writes:
            self.written[n] = end
        for n in reads + writes:
            self.touched[n] = max(self.touched.get(n, 0.0), end)


def default_engine(op):
    if op.startswith("dma"):
        return "dma"
    return _DEFAULT_ENGINE.get(op, "vector")


def choose(program, hw, ops):
    """Sets "engine" on the instructions of `program` whose op is in `ops` (and may run on more
    than one engine) and that name no engine; `hw` is the target config. Returns how many
    instructions moved off their default engine."""
    est = _Estimator(program, hw)
    moved = 0
    for ins in program.instructions:
        pairs = operand_names(ins)
        names = [n for _, n in pairs]
        writes = [n for k, n in pairs if k in ("dst", "reduce_dst")]
        reads = [n for k, n in pairs if k not in ("dst", "reduce_dst")]
        fixed = ins.get("engine")
        options = MULTI_ENGINE.get(ins["op"]) if fixed is None and ins["op"] in ops else None
        if options:
            if any(est.memory.get(n) == "psum" for n in names):
                options = [e for e in options if e != "gpsimd"]
            best = None
            for e in options:
                end, ports = est.finish(ins, e, names, reads, writes)
                if best is None or end < best[1]:
                    best = (e, end, ports)
            engine, end, ports = best
            if engine != options[0]:
                ins["engine"] = engine
                moved += 1
        else:
            engine = fixed or default_engine(ins["op"])
            end, ports = est.finish(ins, engine, names, reads, writes)
        est.commit(engine, end, ports, reads, writes)
    return moved
