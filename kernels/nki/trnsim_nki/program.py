"""The NKI-level program the tracer builds: HBM tensors, logical on-chip tiles (one per NKI
allocation, or per block of a tile array), instructions in program order.

Views are "name[start:stop:step, ...]" with one slice per buffer dimension (partition dimension
first on chip), the syntax of isa/trace_json.h. Logical tiles carry no address unless the kernel
gave one (direct allocation); the compiler (trnsim_nki.compiler) places them and emits the trace.
"""
import json
import math


class LogicalTile:
    """One SBUF/PSUM allocation of the kernel: a (P, F) tile with the kernel line that made it
    and, under direct allocation, a fixed byte address within each partition."""

    def __init__(self, name, memory, partitions, free_shape, dtype, source="?:0", address=None):
        self.name = name
        self.memory = memory  # "sbuf" | "psum"
        self.partitions = int(partitions)
        self.free_shape = [int(s) for s in free_shape]
        self.dtype = dtype
        self.source = source  # "file.py:LINE" of the allocation
        self.address = address

    @property
    def shape(self):
        return [self.partitions] + self.free_shape

    def bytes_per_partition(self):
        n = self.dtype.itemsize
        for s in self.free_shape:
            n *= s
        return n


class HbmTensor:
    def __init__(self, name, shape, dtype, role):
        self.name = name
        self.shape = [int(s) for s in shape]
        self.dtype = dtype
        self.role = role  # input | output | scratch | constant


def tile_json(t):
    d = {"name": t.name, "memory": t.memory, "partitions": t.partitions,
         "shape": t.free_shape or [1], "dtype": t.dtype.name}
    if t.address is not None:
        d["address"] = int(t.address)
    return d


def view_name(value):
    """The buffer name of a view string "name[...]", else None."""
    if isinstance(value, str) and value.endswith("]") and "[" in value:
        return value.split("[", 1)[0]
    return None


def slice_text(start, stop, step):
    if step == 1:
        return "%d:%d" % (start, stop)
    return "%d:%d:%d" % (start, stop, step)


class Program:
    def __init__(self, name):
        self.name = name
        self.tensors = []
        self.tiles = []
        self.instructions = []
        self._names = set()
        self._next_suffix = {}
        self._bases = {}  # name hint -> its identifier form (unique_name)
        # view text -> kernel_checks.parse_box(view text), filled in as views are emitted
        self.view_boxes = {}

    def unique_name(self, hint):
        base = self._bases.get(hint)
        if base is None:
            base = "".join(c if (c.isalnum() or c == "_") else "_" for c in (hint or "t")) or "t"
            if base[0].isdigit():
                base = "t" + base
            self._bases[hint] = base
        name, i = base, self._next_suffix.get(base, 1)
        while name in self._names:
            name = "%s_%d" % (base, i)
            i += 1
        self._next_suffix[base] = i  # next suffix to try: names stay O(1) per allocation
        self._names.add(name)
        return name

    def add_tensor(self, hint, shape, dtype, role):
        t = HbmTensor(self.unique_name(hint), shape, dtype, role)
        self.tensors.append(t)
        return t

    def add_tile(self, hint, memory, partitions, free_shape, dtype, source="?:0",
                 address=None):
        t = LogicalTile(self.unique_name(hint), memory, partitions, free_shape, dtype, source,
                        address)
        self.tiles.append(t)
        return t

    def emit(self, opcode_, label, fields):
        """Appends the instruction `opcode_` with `fields` {name: value} (value None: left
        out) and `label`; returns it."""
        ins = {"op": opcode_}
        for k, v in fields.items():
            if v is None:
                continue
            if isinstance(v, float) and not math.isfinite(v):
                v = "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
            # Emitters pass NKI's `op=` keyword; the table names that attribute alu_op.
            ins["alu_op" if k == "op" else k] = v
        ins["label"] = label
        self.instructions.append(ins)
        return ins

    def to_json(self):
        used = set()
        for ins in self.instructions:
            for v in ins.values():
                if isinstance(v, str):
                    used.add(v.split("[", 1)[0])
        return {
            "format": "trnsim-trace", "version": 1, "name": self.name,
            "tensors": [{"name": t.name, "shape": t.shape, "dtype": t.dtype.name, "role": t.role}
                        for t in self.tensors],
            "tiles": [tile_json(t) for t in self.tiles if t.name in used],
            "instructions": self.instructions,
        }

    def dumps(self):
        return json.dumps(self.to_json(), indent=1)
