"""On-chip memory sizes of a target, read from the simulator's own configuration
(sim/configs/<target>.json, "memory" section), so the compiler and the simulator agree."""
import json
import os

from ..errors import NkiError

_CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))), "sim", "configs")

SBUF_ALIGN = 64  # bytes; the alignment the C++ allocator (isa/allocator.cc) uses
PSUM_ALIGN = 4


class MemoryLimits:
    def __init__(self, sbuf_bytes, psum_bytes, psum_bank_bytes):
        self.sbuf_bytes, self.psum_bytes, self.psum_bank_bytes = (sbuf_bytes, psum_bytes,
                                                                  psum_bank_bytes)


def target_limits(target):
    path = os.path.join(_CONFIG_DIR, "%s.json" % target)
    if not os.path.exists(path):
        raise NkiError("compile", "unknown target %r (no %s)" % (target, os.path.basename(path)))
    with open(path) as f:
        mem = json.load(f)["memory"]
    return MemoryLimits(int(mem["sbuf_partition_bytes"]), int(mem["psum_partition_bytes"]),
                        int(mem["psum_bank_bytes"]))
