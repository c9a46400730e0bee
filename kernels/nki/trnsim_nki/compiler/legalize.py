"""non_ssa_legalization and address_rotation: the backend passes over the kernel's memlocs.

What the documents give ("nki.compiler.CompileConfig", "nki.compiler.AddressRotation"):
- non_ssa_legalization: "Enable the backend's non-SSA legalization pass on this kernel's
  memlocs". A memloc is non-SSA when the kernel writes it whole more than once (one tile
  reused by every iteration of a loop).
- address_rotation: "Whether the backend may rotate a memloc's address for better layout".
  AUTO (default): a memloc with a fixed address (bind_memloc: user-supplied, or chosen by
  NKI's LinearScanAllocation, i.e. allocation=LINEAR) is opted out; a memloc the backend
  allocates (the default COLORING flow) keeps rotation on. ENABLE: on for every memloc.
  DISABLE: off for every memloc.

The model (APPROX: the documents give neither pass's algorithm; this is the reading under
which each option changes what trnsim can time):
- Legalization turns each non-SSA memloc into SSA versions, one per whole overwrite (the
  split points of split.py). The count is reported (stats.json compiler.legalized_tiles).
- Rotation gives the versions of a legalized memloc rotating addresses: consecutive versions
  never share memory (program.live_until, as split_reused_buffers), so the load into version
  k + 1 need not wait for the readers of version k. A memloc whose rotation is off keeps one
  address for all its versions, which is the program as traced: no timing change.
- So rotation acts on the versions legalization creates: without non_ssa_legalization a
  memloc written more than once has no versions to rotate (APPROX: the backend's rotation of
  SSA memlocs only changes their layout, which trnsim does not time: no SBUF bank conflicts
  are modelled). Direct-allocated tiles (ncc.sbuf.alloc, address=) keep their address under
  every policy (APPROX: ENABLE names every memloc; moving a kernel-given address would need
  a second address the kernel did not give).
"""
from . import split
from .config import AddressRotation


def rotates(config):
    """Whether the backend rotates the memlocs it may move, under `config`."""
    policy = config.address_rotation or AddressRotation.AUTO
    if policy is AddressRotation.DISABLE:
        return False
    if policy is AddressRotation.ENABLE:
        return True
    return not config.linear  # AUTO: only memlocs the backend allocates


def run(program, config):
    """Legalizes the non-SSA SBUF memlocs of `program`, renaming their versions in place when
    their addresses rotate. Returns (legalized memlocs, rotated versions)."""
    reused = split.reused_tiles(program)
    if not reused or not rotates(config):
        return len(reused), 0
    return len(reused), split.run(program, eligible=lambda t: t.name in reused)
