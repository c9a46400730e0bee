"""Writer of the binary trace format (isa/TRACE_BINARY.md) for trace dicts (the JSON trace's
content): how the front end hands a compiled program to `trnsim run` without a JSON text the
binary would parse again. The file holds the same program as json.dumps(trace) does.

encode(trace) raises EncodeError for anything it does not encode exactly as the JSON reader
would read it (an unknown buffer in a view, a malformed view, an unexpected key or type); the
caller then hands off JSON instead, so such a trace gets the JSON reader's diagnostic.
"""
import math
import re
import struct

from .gc_pause import gc_paused

MAGIC = b"\x89TRNB\r\n\x1a"
VERSION = 1
NULL, VIEW, NUMBER, INTEGER, FALSE, TRUE, NAME, INT_LIST = range(8)

_NOT_FIELDS = ("op", "engine", "label", "comment")
_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
_INT = re.compile(r"-?[0-9]+\Z")
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_F64 = struct.Struct("<d")
_TENSOR_KEYS = frozenset(("name", "shape", "dtype", "role", "comment"))
_TILE_KEYS = frozenset(("name", "memory", "partitions", "shape", "dtype", "address", "comment"))
_INT_TYPES = frozenset((int,))
_ABSENT = object()


class EncodeError(ValueError):
    """The trace holds something encode() leaves to the JSON reader to report."""


def _uvar(out, v):
    if v < 0x4000:  # two bytes at most: the ids and numbers of a large trace
        if v >= 0x80:
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        out.append(v)
        return
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)


def _svar(out, v):
    if not _INT64_MIN <= v <= _INT64_MAX:
        raise EncodeError("integer %d does not fit 64 bits" % v)
    _uvar(out, (v << 1) ^ (v >> 63))


class _Strings:
    """The string table: id 0 is ""; every other text is stored once."""

    def __init__(self):
        self.ids = {"": 0}

    def id(self, text):
        i = self.ids.get(text)
        if i is None:
            i = self.ids[text] = len(self.ids)
        return i

    def encode(self):
        out = bytearray()
        _uvar(out, len(self.ids))
        for text in self.ids:  # insertion order = id order
            try:
                b = text.encode("utf-8")
            except UnicodeEncodeError:
                raise EncodeError("text %r is not UTF-8" % text)
            _uvar(out, len(b))
            out += b
        return out


def _index(text, dim_size):
    """An integer of a slice, negative counted from the end (as the JSON reader resolves it)."""
    text = text.strip(" \t")
    if not _INT.match(text):
        raise EncodeError("slice bound %r" % text)
    v = int(text)
    if v < 0:
        v += dim_size
        if v < 0:
            raise EncodeError("index before the start")
    if v > _INT64_MAX:
        raise EncodeError("index past 64 bits")
    return v


def _slice(part, dim_size):
    """(start, stop, step) of one slice text, as isa/trace_view.cc parses it."""
    part = part.strip(" \t")
    pieces = part.split(":")
    if len(pieces) == 1:
        i = _index(part, dim_size)
        if i == _INT64_MAX:
            raise EncodeError("index past the end")
        return i, i + 1, 1
    if len(pieces) > 3:
        raise EncodeError("slice %r" % part)
    start = _index(pieces[0], dim_size) if pieces[0].strip(" \t") else 0
    stop = _index(pieces[1], dim_size) if pieces[1].strip(" \t") else dim_size
    step = 1
    if len(pieces) == 3 and pieces[2].strip(" \t"):
        text = pieces[2].strip(" \t")
        if not _INT.match(text) or not 0 <= int(text) <= _INT64_MAX:
            raise EncodeError("step %r" % text)
        step = int(text)
    return start, stop, step


class _Encoder:
    def __init__(self, trace):
        self.strings = _Strings()
        self.body = bytearray()
        self.buffers = {}  # name: (buffer number, shape with the partition dim first)
        self.entries = {}  # (op, field names): opcode table entry number
        self.views = {}    # view text: encoded view (kernels reuse the same views)
        # (slice text, buffer shape): encoded slices. Tiles allocated per loop iteration have
        # names of their own but share the few slice texts of the kernel's lines.
        self.slices = {}
        self.trace = trace

    def str(self, text):
        if not isinstance(text, str):
            raise EncodeError("expected a string, got %r" % (text,))
        _uvar(self.body, self.strings.id(text))

    def view(self, text):
        cached = self.views.get(text)
        if cached is not None:
            return cached
        t = text.strip(" \t")
        name, bracket, rest = t.partition("[")
        buf = self.buffers.get(name.strip(" \t"))
        if buf is None or not bracket or not rest.endswith("]"):
            raise EncodeError("view %r" % text)
        number, shape = buf
        body = rest[:-1]
        slices = self.slices.get((body, shape))
        if slices is None:
            slices = self.slices[(body, shape)] = self._slices(text, body, shape)
        out = bytearray([VIEW])
        _uvar(out, number)
        out += slices
        out = bytes(out)
        self.views[text] = out
        return out

    @staticmethod
    def _slices(text, body, shape):
        """The encoded (start, stop, step) of every dim of a view's slice text `body`."""
        if "[" in body or "]" in body or not body.strip(" \t"):
            raise EncodeError("view %r" % text)
        parts = body.split(",")
        if len(parts) > len(shape):
            raise EncodeError("view %r" % text)
        out = bytearray()
        for d, size in enumerate(shape):
            start, stop, step = _slice(parts[d], size) if d < len(parts) else (0, size, 1)
            _svar(out, start)
            _svar(out, stop)
            _svar(out, step)
        return bytes(out)

    def value(self, v):
        b = self.body
        if type(v) is str and "[" in v:  # a view: the usual value
            b += self.view(v)
        elif v is None:
            b.append(NULL)
        elif v is True or v is False:
            b.append(TRUE if v else FALSE)
        elif isinstance(v, int):
            if _INT64_MIN <= v <= _INT64_MAX:
                b.append(INTEGER)
                _svar(b, v)
            else:
                b.append(NUMBER)
                b += _F64.pack(float(v))
        elif isinstance(v, float):
            b.append(NUMBER)
            b += _F64.pack(v)
        elif isinstance(v, str):
            if v in _NON_FINITE:
                b.append(NUMBER)
                b += _F64.pack(_NON_FINITE[v])
            elif "[" in v:
                b += self.view(v)
            else:
                b.append(NAME)
                self.str(v)
        elif isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool)
                                         for x in v):
            b.append(INT_LIST)
            _uvar(b, len(v))
            for x in v:
                _svar(b, x)
        else:
            raise EncodeError("value %r" % (v,))

    def header_fields(self):
        t = self.trace
        if not isinstance(t, dict) or set(t) - {"format", "version", "name", "dma_issue",
                                                 "tensors", "tiles", "instructions", "comment"}:
            raise EncodeError("trace keys")
        if t.get("format") != "trnsim-trace" or t.get("version") != 1:
            raise EncodeError("format or version")
        self.str(t.get("name", ""))
        self.str(t.get("dma_issue", "program_order"))

    def dims(self, shape):
        if not isinstance(shape, list) or not all(type(n) is int for n in shape):
            raise EncodeError("shape %r" % (shape,))
        _uvar(self.body, len(shape))
        for n in shape:
            _svar(self.body, n)

    def buffer_name(self, d, allowed):
        if not isinstance(d, dict) or not allowed.issuperset(d):
            raise EncodeError("buffer %r" % (d,))
        name = d.get("name")
        if not isinstance(name, str) or name in self.buffers:
            raise EncodeError("buffer name %r" % (name,))
        self.str(name)
        return name

    def tensors_and_tiles(self):
        tensors = self.trace.get("tensors", [])
        tiles = self.trace.get("tiles", [])
        if not isinstance(tensors, list) or not isinstance(tiles, list):
            raise EncodeError("tensors or tiles")
        _uvar(self.body, len(tensors))
        for t in tensors:
            name = self.buffer_name(t, _TENSOR_KEYS)
            self.dims(t.get("shape"))
            self.str(t.get("dtype"))
            self.str(t.get("role"))
            self.buffers[name] = (len(self.buffers), tuple(t["shape"]))
        _uvar(self.body, len(tiles))
        # Tiles allocated per loop iteration differ in name only (and in the address, among a
        # few): their records after the name are encoded once.
        records = {}
        ints = _INT_TYPES
        for t in tiles:
            name = self.buffer_name(t, _TILE_KEYS)
            memory, dtype = t.get("memory"), t.get("dtype")
            shape, partitions = t.get("shape"), t.get("partitions")
            address = t.get("address", _ABSENT)
            if type(memory) is not str or type(dtype) is not str or type(shape) is not list \
                    or type(partitions) is not int or not ints.issuperset(map(type, shape)) \
                    or not (address is _ABSENT or type(address) is int):
                self.tile_record(t)  # raises EncodeError naming what is wrong
            key = (memory, partitions, tuple(shape), dtype, address)
            record = records.get(key)
            if record is None:
                record = records[key] = self.tile_record(t)
            self.body += record
            self.buffers[name] = (len(self.buffers), (partitions,) + key[2])

    def tile_record(self, t):
        """The encoding of tile `t` after its name."""
        head, self.body = self.body, bytearray()
        try:
            self.str(t.get("memory"))
            partitions = t.get("partitions")
            if type(partitions) is not int:
                raise EncodeError("partitions %r" % (partitions,))
            _svar(self.body, partitions)
            self.dims(t.get("shape"))
            self.str(t.get("dtype"))
            address = t.get("address")
            if "address" not in t:
                self.body.append(0)
            elif type(address) is int:
                self.body.append(1)
                _svar(self.body, address)
            else:
                raise EncodeError("address %r" % (address,))
            return bytes(self.body)
        finally:
            self.body = head

    def instruction_head(self, ins, keys):
        """The encoded opcode table entry, engine and label of instruction `ins`."""
        if not isinstance(ins.get("op"), str):
            raise EncodeError("instruction %r" % (ins,))
        entries = self.entries
        entry = entries.get((ins["op"], keys))
        if entry is None:
            entry = entries[(ins["op"], keys)] = len(entries)
        engine = ins.get("engine")
        if engine == "" or (engine is not None and not isinstance(engine, str)):
            raise EncodeError("engine %r" % (engine,))
        head, self.body = self.body, bytearray()
        try:
            _uvar(self.body, entry)
            self.str(engine or "")
            self.str(ins.get("label", ""))
            return bytes(self.body)
        finally:
            self.body = head

    def instructions(self):
        """The opcode table and the instructions, encoded into a buffer of their own first
        (the table lists the entries the instructions use)."""
        instructions = self.trace.get("instructions")
        if not isinstance(instructions, list):
            raise EncodeError("instructions")
        head, self.body = self.body, bytearray()
        body, entries, views = self.body, self.entries, self.views
        fields_of = {}  # the instruction's keys: its field names (all but _NOT_FIELDS)
        heads = {}      # (op, field names, engine, label): the encoded entry, engine, label
        for ins in instructions:
            if not isinstance(ins, dict):
                raise EncodeError("instruction %r" % (ins,))
            order = tuple(ins)
            keys = fields_of.get(order)
            if keys is None:
                keys = fields_of[order] = tuple(k for k in order if k not in _NOT_FIELDS)
            op, engine, label = ins.get("op"), ins.get("engine"), ins.get("label", "")
            if type(op) is str and type(label) is str and (engine is None or
                                                           type(engine) is str):
                key = (op, keys, engine, label)
                encoded = heads.get(key)
                if encoded is None:
                    encoded = heads[key] = self.instruction_head(ins, keys)
            else:
                encoded = self.instruction_head(ins, keys)  # raises EncodeError
            body += encoded
            for k in keys:
                v = ins[k]
                if type(v) is str:
                    view = views.get(v)
                    if view is not None:
                        body += view
                        continue
                self.value(v)
        table = bytearray()
        _uvar(table, len(entries))
        for op, keys in entries:
            _uvar(table, self.strings.id(op))
            _uvar(table, len(keys))
            for k in keys:
                _uvar(table, self.strings.id(k))
        _uvar(table, len(instructions))
        self.body, instructions_body = head, self.body
        return table + instructions_body


def encode(trace):
    """The binary trace (bytes) of trace dict `trace`. Raises EncodeError (see the module)."""
    e = _Encoder(trace)
    with gc_paused():
        e.header_fields()
        e.tensors_and_tiles()
        rest = e.instructions()
    out = bytearray(MAGIC)
    out += struct.pack("<II", VERSION, 0)
    out += e.strings.encode()
    out += e.body
    out += rest
    return bytes(out)


def write(trace, path):
    """Writes encode(trace) to `path`."""
    data = encode(trace)
    with open(path, "wb") as f:
        f.write(data)
