"""barrier_check: "Compile with the LNC core barrier checker enabled" (nki.compiler.CompileConfig).

nki.isa.core_barrier (NKI API reference) is the synchronisation point two NeuronCores of an
LNC pair need when both access one shared HBM tensor: each core writes its part, then both
wait at the barrier before they read what the other wrote. The checker reports an access of
one core to shared HBM that overlaps a write of the other core with no barrier between them.

Accesses in different phases are ordered: the n-th core_barrier on a tensor of one core meets
the n-th on it of the other (the two-core run, sim/pair/), so an access after a core's n-th
barrier on the tensor never races with an access before the other core's n-th. Overlaps within
one phase are missing barriers, and the check raises NkiBarrierError naming both accesses. It
has nothing to check on one core (no nl.nc grid). Shared HBM is the kernel's
inputs and its shared_hbm tensors (returned or not); private_hbm, hbm scratch and spill
tensors belong to one core. APPROX: the cores' programs name their shared tensors alike (both trace
the same allocations in the same order); a view the checker cannot read as slices (an
indirect or reshaped access) is taken to cover the whole tensor.
"""
import bisect

from ..errors import NkiError
from .liveness import WRITE_KEYS, operand_names

SHARED_ROLES = ("input", "output")
_MAX_ENUMERATED = 1 << 16  # progressions longer than this are compared as intervals


class NkiBarrierError(NkiError):
    """barrier_check found cross-core HBM accesses with no core barrier between them."""

    def __init__(self, message):
        Exception.__init__(self, message)
        self.call, self.path, self.line = "barrier_check", "?", 0


def _slices(view, shape):
    """[(start, stop, step)] per dimension of "name[a:b, c:d:s, i]"; None if unreadable."""
    body = view[view.index("[") + 1:-1]
    parts = [p.strip() for p in body.split(",")] if body.strip() else []
    if len(parts) != len(shape):
        return None
    out = []
    for p, n in zip(parts, shape):
        try:
            f = [int(v) for v in p.split(":")] if p else None
        except ValueError:
            return None
        if f is None or len(f) > 3:
            return None
        if len(f) == 1:
            f = [f[0], f[0] + 1, 1]
        elif len(f) == 2:
            f.append(1)
        if f[2] <= 0 or not 0 <= f[0] < f[1] <= n:
            return None
        out.append(tuple(f))
    return out


def _progressions_meet(a, b):
    """Whether {a0, a0+as, ... < a1} and {b0, b0+bs, ... < b1} share an element."""
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    if lo >= hi:
        return False
    small, other = (a, b) if (a[1] - a[0]) // a[2] <= (b[1] - b[0]) // b[2] else (b, a)
    if (small[1] - small[0]) // small[2] > _MAX_ENUMERATED:
        return True  # APPROX: compared as intervals
    first = small[0] + max(0, -(-(lo - small[0]) // small[2])) * small[2]
    return any((v - other[0]) % other[2] == 0 for v in range(first, hi, small[2]))


def _overlap(sa, sb):
    if sa is None or sb is None:
        return True
    return all(_progressions_meet(a, b) for a, b in zip(sa, sb))


def _accesses(program):
    """[((tensor name, phase), "writes" | "reads", slices, view, label)] of the shared HBM
    tensors; the phase of an access counts the core_barriers on its tensor before it."""
    shared = {t.name: t for t in program.tensors
              if t.role in SHARED_ROLES or getattr(t, "shared_hbm", False)}
    out = []
    phase = {}  # tensor name -> core_barriers on it so far
    for ins in program.instructions:
        if ins["op"] == "core_barrier":
            n = ins["data"].split("[", 1)[0]
            phase[n] = phase.get(n, 0) + 1
            continue
        for k, n in operand_names(ins):
            t = shared.get(n)
            if t is None:
                continue
            kind = "writes" if k in WRITE_KEYS else "reads"
            out.append(((n, phase.get(n, 0)), kind, _slices(ins[k], t.shape), ins[k],
                        ins.get("label", "?")))
    return out


def _extent0(slices, shape):
    """[lo, hi) of the first dimension of an access (the whole tensor if unreadable)."""
    if slices is None or not slices:
        return 0, (shape[0] if shape else 1)
    return slices[0][0], slices[0][1]


class _Writes:
    """One core's writes to one tensor, searchable by their first-dimension interval."""

    def __init__(self, accs, shape):
        accs = sorted(accs, key=lambda w: _extent0(w[2], shape)[0])
        self.accs, self.shape = accs, shape
        self.los = [_extent0(w[2], shape)[0] for w in accs]
        self.longest = max(_extent0(w[2], shape)[1] - lo for w, lo in zip(accs, self.los))

    def meeting(self, acc):
        """The first write that overlaps `acc`, or None."""
        lo, hi = _extent0(acc[2], self.shape)
        i = bisect.bisect_left(self.los, hi)
        while i > 0 and self.los[i - 1] + self.longest > lo:
            i -= 1
            if _overlap(self.accs[i][2], acc[2]):
                return self.accs[i]
        return None


def check(programs):
    """Raises NkiBarrierError for the first pair of overlapping accesses of two cores to a
    shared HBM tensor, one of them a write; `programs`: the traced program of each core."""
    shapes = {t.name: t.shape for p in programs for t in p.tensors}
    per_core = [_accesses(p) for p in programs]
    for a, accs in enumerate(per_core):
        by_tensor = {}
        for acc in accs:
            if acc[1] == "writes":
                by_tensor.setdefault(acc[0], []).append(acc)
        writes = {n: _Writes(w, shapes[n[0]]) for n, w in by_tensor.items()}
        for b, other in enumerate(per_core):
            if b == a:
                continue
            for acc in other:
                w = writes[acc[0]].meeting(acc) if acc[0] in writes else None
                if w is not None:
                    raise NkiBarrierError(
                        "barrier_check: core %d writes %s (%s) and core %d %s %s (%s) with "
                        "no nki.isa.core_barrier on it between them (add one after the write, "
                        "on both cores, or give each core a disjoint part of the tensor)"
                        % (a, w[3], w[4], b, acc[1], acc[3], acc[4]))
