"""The traced program: HBM tensors, on-chip tiles, instructions; serialised as trace JSON v1.

The format is the one of isa/trace_json.h: views are "name[start:stop:step, ...]" with one slice
per buffer dimension (partition dimension first on chip); tiles carry no address (the C++
allocator places them).
"""
import json
import math


class PhysTile:
    """One declared SBUF/PSUM tile of the program."""

    def __init__(self, name, memory, partitions, free_shape, dtype):
        self.name = name
        self.memory = memory  # "sbuf" | "psum"
        self.partitions = int(partitions)
        self.free_shape = [int(s) for s in free_shape]
        self.dtype = dtype
        self.used = False

    @property
    def shape(self):
        return [self.partitions] + self.free_shape


class HbmTensor:
    def __init__(self, name, shape, dtype, role):
        self.name = name
        self.shape = [int(s) for s in shape]
        self.dtype = dtype
        self.role = role  # input | output | scratch | constant


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

    def unique_name(self, hint):
        base = "".join(c if (c.isalnum() or c == "_") else "_" for c in (hint or "t")) or "t"
        if base[0].isdigit():
            base = "t" + base
        name, i = base, 1
        while name in self._names:
            name = "%s_%d" % (base, i)
            i += 1
        self._names.add(name)
        return name

    def add_tensor(self, hint, shape, dtype, role):
        t = HbmTensor(self.unique_name(hint), shape, dtype, role)
        self.tensors.append(t)
        return t

    def add_tile(self, hint, memory, partitions, free_shape, dtype):
        t = PhysTile(self.unique_name(hint), memory, partitions, free_shape, dtype)
        self.tiles.append(t)
        return t

    def emit(self, opcode_, label, **fields):
        """Appends an instruction; fields with value None are left out."""
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
            "tiles": [{"name": t.name, "memory": t.memory, "partitions": t.partitions,
                       "shape": t.free_shape or [1], "dtype": t.dtype.name}
                      for t in self.tiles if t.name in used],
            "instructions": self.instructions,
        }

    def dumps(self):
        return json.dumps(self.to_json(), indent=1)
