"""On-chip memory sizes of a target, read from the simulator's own configuration
(sim/configs/<target>.json, "memory" section), so the compiler and the simulator agree."""
import json
import os

from ..errors import NkiError

_SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))))


def config_dirs():
    """Where the target configs may be, in the order the binary looks for its data root
    (sim/config/data_dir.h): $TRNSIM_DATA, <prefix>/share/trnsim of the trnsim binary the front
    end runs, the source tree this package sits in."""
    from ..runner import find_binary
    roots = []
    if os.environ.get("TRNSIM_DATA"):
        roots.append(os.environ["TRNSIM_DATA"])
    binary = find_binary()
    if binary:
        prefix = os.path.dirname(os.path.dirname(os.path.realpath(binary)))
        roots.append(os.path.join(prefix, "share", "trnsim"))
    roots.append(_SOURCE_ROOT)
    return [os.path.join(r, "sim", "configs") for r in roots]


SBUF_ALIGN = 64  # bytes; the alignment the C++ allocator (isa/allocator.cc) uses
PSUM_ALIGN = 4


class MemoryLimits:
    def __init__(self, sbuf_bytes, psum_bytes, psum_bank_bytes):
        self.sbuf_bytes, self.psum_bytes, self.psum_bank_bytes = (sbuf_bytes, psum_bytes,
                                                                  psum_bank_bytes)


def target_config(target):
    """The parsed sim/configs/<target>.json the simulator uses for `target`."""
    dirs = config_dirs()
    paths = [os.path.join(d, "%s.json" % target) for d in dirs]
    path = next((p for p in paths if os.path.exists(p)), None)
    if path is None:
        raise NkiError("compile", "unknown target %r (no %s.json in %s)"
                       % (target, target, ", ".join(dirs)))
    with open(path) as f:
        return json.load(f)


def target_limits(target):
    mem = target_config(target)["memory"]
    return MemoryLimits(int(mem["sbuf_partition_bytes"]), int(mem["psum_partition_bytes"]),
                        int(mem["psum_bank_bytes"]))
