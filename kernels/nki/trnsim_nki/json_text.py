"""The JSON files the front end writes for people and tools (trace.json, compile.json): one
top-level key per line and one element per line of a top-level list, each element compact. A
line per instruction or tile reads and greps like the trace it is, and costs what the C
encoder costs (json.dump with indent= goes through the pure-Python encoder: 4x slower on a
100k-instruction trace)."""
import json

from .gc_pause import gc_paused

_COMPACT = json.JSONEncoder(check_circular=False)
# CPython's C encoder of one value to a list of text chunks (None where _json is missing).
_C_ENCODE = None if json.encoder.c_make_encoder is None else json.encoder.c_make_encoder(
    None, _COMPACT.default, json.encoder.encode_basestring_ascii, None, ": ", ", ",
    False, False, True)


def _compact(value):
    if _C_ENCODE is None:
        return _COMPACT.encode(value)
    return "".join(_C_ENCODE(value, 0))


def dumps(obj):
    """The text of JSON object `obj` (a dict) in the layout of the module docstring."""
    lines = []
    with gc_paused():
        for key, value in obj.items():
            head = _compact(key) + ": "
            if isinstance(value, list) and value:
                lines.append(head + "[\n" + ",\n".join(map(_compact, value)) + "\n]")
            else:
                lines.append(head + _compact(value))
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write(obj, path):
    """Writes dumps(obj) to the file `path`."""
    with open(path, "w") as f:
        f.write(dumps(obj))
