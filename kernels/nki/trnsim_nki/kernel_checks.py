"""Warnings about a traced kernel that runs but probably computes something else than meant,
found on the unrolled NKI-level program (trnsim_nki.program) after tracing:

- a read of a tile region nothing wrote before (the value is whatever the memory held);
- a loop-carried dependency inside nl.affine_range: an iteration reads a region that an
  earlier iteration of the same loop wrote. The NKI reference (nl.affine_range,
  nl.sequential_range) declares affine_range iterations independent and calls such a loop
  unsafe ("could lead to numerical errors"); sequential_range is the loop for it. Associative
  reductions are allowed: PSUM accumulation of nc_matmul (an implicit read, not an operand) and
  any read by an instruction with an associative ALU op (`acc = nl.add(acc, x)`,
  `acc[...] = nl.maximum(acc, x)`).

Warnings are issued as KernelWarning through the `warnings` module, located at the kernel line
of the reading instruction, once per (kind, line) with the number of occurrences.
APPROX: regions are the boxes of the emitted views (one slice per buffer dimension); a read
counts as covered when one earlier write of the current iteration contains it.
"""
import bisect
import math
import os
import re
import warnings

from . import core
from .program import view_name

OUT_FIELDS = ("dst", "reduce_dst")
# Reads by instructions with these ALU ops are associative reductions, not loop-carried reads.
ASSOCIATIVE_OPS = {"add", "multiply", "max", "min", "maximum", "minimum", "bitwise_and", "bitwise_or",
                   "bitwise_xor", "logical_and", "logical_or", "logical_xor"}

_SLICE_RE = re.compile(r"^\s*(-?\d+)\s*:\s*(-?\d+)\s*(?::\s*(-?\d+)\s*)?$")


class KernelWarning(UserWarning):
    """A kernel that traces and runs but reads memory it probably did not mean to."""


class EmissionSegments:
    """Numbers the stretches of emission between loop boundaries. Instruction indices are not
    stable while tracing (a pending PSUM memset can be dropped later), so each instruction is
    tagged, at the first boundary after it was emitted, with that boundary's number."""

    def __init__(self):
        self.count = 0
        self._segment = {}  # id(instruction) -> segment
        self._alive = []    # the tagged instructions, kept so that their ids stay unique

    def boundary(self, instructions):
        """Closes the current segment; returns its number."""
        self.count += 1
        for ins in reversed(instructions):
            if id(ins) in self._segment:
                break
            self._segment[id(ins)] = self.count
            self._alive.append(ins)
        return self.count

    def segment_of(self, ins):
        return self._segment.get(id(ins))


class AffineLoop:
    """One execution of an nl.affine_range loop: the emission segment (EmissionSegments)
    boundary at which each iteration began and the one at which the loop ended (None while it
    runs). Iteration k holds the instructions of segments starts[k] + 1 .. starts[k + 1]."""

    def __init__(self, source):
        self.source = source
        self.starts = []
        self.end = None


class AffineRange:
    """What nl.affine_range returns: the range, recording iteration boundaries on the traced
    program (program.affine_loops, program.emission_segments) as it is iterated."""

    def __init__(self, r):
        self._range = r

    def __len__(self):
        return len(self._range)

    def __getitem__(self, i):
        return self._range[i]

    def __iter__(self):
        if not core.tracing():
            return iter(self._range)
        return self._iterate(core.ctx().program)

    def _iterate(self, program):
        from .errors import location_text
        loop = AffineLoop(location_text())
        segments = program.__dict__.setdefault("emission_segments", EmissionSegments())
        program.__dict__.setdefault("affine_loops", []).append(loop)
        try:
            for v in self._range:
                loop.starts.append(segments.boundary(program.instructions))
                yield v
        finally:
            loop.end = segments.boundary(program.instructions)


def parse_box(view):
    """(buffer name, [(start, stop, step), ...]) of a view "name[a:b(:s), ...]", or
    (name, None) when the region cannot be read from the text."""
    name = view_name(view)
    if name is None:
        return (view, None) if isinstance(view, str) else (None, None)
    dims = []
    for part in view[len(name) + 1:-1].split(","):
        m = _SLICE_RE.match(part)
        if not m:
            return name, None
        start, stop, step = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        if step <= 0 or stop <= start:
            return name, None
        dims.append((start, stop, step))
    return name, dims


def _dim_overlap(a, b):
    """Whether two arithmetic progressions start:stop:step share an element."""
    (s1, e1, d1), (s2, e2, d2) = a, b
    lo, hi = max(s1, s2), min(e1, e2)
    if lo >= hi:
        return False
    g = math.gcd(d1, d2)
    if (s2 - s1) % g:
        return False
    if d1 == 1 and d2 == 1:
        return True
    # Smallest common element >= lo: x = s1 (mod d1), x = s2 (mod d2), by stepping the sparser.
    step, start, other = (d1, s1, (s2, d2)) if d1 >= d2 else (d2, s2, (s1, d1))
    x = start + max(0, -(-(lo - start) // step)) * step
    for _ in range(other[1] // g + 1):
        if x >= hi:
            return False
        if (x - other[0]) % other[1] == 0:
            return True
        x += step
    return False


def overlaps(a, b):
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(_dim_overlap(x, y) for x, y in zip(a, b))


def contains(outer, inner):
    if outer is None or inner is None:
        return outer is None
    if len(outer) != len(inner):
        return False
    for (s1, e1, d1), (s2, e2, d2) in zip(outer, inner):
        last = s2 + (e2 - s2 - 1) // d2 * d2
        if s2 < s1 or last >= e1 or (s2 - s1) % d1 or (d2 % d1 and last > s2):
            return False
    return True


def _reads_and_writes(ins, boxes):
    """(reads, writes): [(field, parse_box(view))] of the view operands of `ins`. `boxes`
    memoises parse_box per operand text (False: not a view) across instructions."""
    reads, writes = [], []
    for k, v in ins.items():
        if k == "label" or k == "op" or not isinstance(v, str):
            continue
        box = boxes.get(v)
        if box is None:
            box = boxes[v] = parse_box(v) if view_name(v) is not None else False
        if box is not False:
            (writes if k in OUT_FIELDS else reads).append((k, box))
    return reads, writes


def _associative(ins):
    return (ins.get("alu_op") or ins.get("op0")) in ASSOCIATIVE_OPS


class _Findings:
    def __init__(self):
        self.counts = {}  # (kind, label) -> [count, first message]

    def add(self, kind, label, message):
        entry = self.counts.setdefault((kind, label), [0, message])
        entry[0] += 1


def _never_written(program, accesses, preset, findings):
    tiles = {t.name: t for t in program.tiles}
    kernel_made = {t.name for t in program.tensors} - set(preset)
    written = {}  # buffer -> {view text: box} (a region written again is kept once)
    for ins, (reads, writes) in zip(program.instructions, accesses):
        for field, (buf, box) in reads:
            if buf not in tiles and buf not in kernel_made:
                continue
            regions = written.get(buf, {})
            if ins[field] not in regions and not any(overlaps(w, box)
                                                     for w in regions.values()):
                what = ("tile allocated at %s" % tiles[buf].source) if buf in tiles \
                    else "HBM tensor made by the kernel"
                findings.add("unwritten", ins["label"],
                             "%s reads %s (%s), which nothing wrote before: its values are "
                             "whatever the memory held" % (ins["op"], ins[field], what))
        for field, (buf, box) in writes:
            written.setdefault(buf, {})[ins[field]] = box


def _by_segment(program):
    """{segment: [instruction index, ...] in program order} (EmissionSegments)."""
    segments = getattr(program, "emission_segments", None)
    out = {}
    if segments is None:
        return out
    segments.boundary(program.instructions)  # tags what was emitted after the last loop
    for i, ins in enumerate(program.instructions):
        out.setdefault(segments.segment_of(ins), []).append(i)
    return out


_SCAN_LIMIT = 64  # iteration starts looked at per read before it is kept unexamined


def _carried_candidates(loops, by_segment, accesses):
    """The part of `accesses` a loop-carried read can involve, with the segments that hold it:
    ({instruction index: (reads, writes)}, [segment, ...] in order). A read in segment s of
    buffer B is carried only if a write of B lies in an earlier iteration of a loop whose
    iteration holding s began at boundary b: then (first segment writing B) <= b < s <= (end
    of that loop), which is the test here. Writes are kept for the buffers of the reads kept.
    Dropping the rest changes no finding: most tiles of an unrolled kernel are written and
    read within one iteration."""
    loop_end = {}  # start of an iteration k >= 1 -> last segment of its loop
    for lp in loops:
        end = lp.end if lp.end is not None else lp.starts[-1]
        for b in lp.starts[1:]:
            loop_end[b] = end
    starts = sorted(loop_end)
    order, first_write = [], {}  # [(instruction index, segment)] in segment order
    reads_kept, carried_bufs = {}, set()
    for seg in sorted(k for k in by_segment if k is not None):
        for i in by_segment[seg]:
            order.append((i, seg))
            reads, writes = accesses[i]
            for read in reads:
                w = first_write.get(read[1][0])
                if w is None or w >= seg:
                    continue
                k = bisect.bisect_left(starts, w)
                stop = min(bisect.bisect_left(starts, seg, k), k + _SCAN_LIMIT)
                if stop > k and (stop - k == _SCAN_LIMIT or
                                 any(loop_end[b] >= seg for b in starts[k:stop])):
                    reads_kept.setdefault(i, []).append(read)
                    carried_bufs.add(read[1][0])
            for _, (buf, _) in writes:
                if buf not in first_write:
                    first_write[buf] = seg
    if not carried_bufs:
        return {}, []
    kept, segments = {}, []
    for i, seg in order:
        writes = [w for w in accesses[i][1] if w[1][0] in carried_bufs]
        reads = reads_kept.get(i, ())
        if reads or writes:
            kept[i] = (reads, writes)
            if not segments or segments[-1] != seg:
                segments.append(seg)
    return kept, segments


def _loop_carried(program, accesses, findings):
    instructions = program.instructions
    loops = [lp for lp in getattr(program, "affine_loops", []) if len(lp.starts) >= 2]
    if not loops:
        return
    by_segment = _by_segment(program)
    accesses, kept_segments = _carried_candidates(loops, by_segment, accesses)
    for loop in loops:
        bounds = loop.starts + [loop.end if loop.end is not None else loop.starts[-1]]
        # buffer -> {view text: box} written by an earlier iteration / by this one. The same
        # text is the same region: it contains and overlaps itself, and is kept once.
        earlier = {}
        for it in range(len(loop.starts)):
            current = {}
            lo = bisect.bisect_right(kept_segments, bounds[it])
            hi = bisect.bisect_right(kept_segments, bounds[it + 1])
            for seg in kept_segments[lo:hi]:
                for i in by_segment[seg]:
                    found = accesses.get(i)
                    if found is None:
                        continue
                    ins = instructions[i]
                    reads, writes = found
                    for field, (buf, box) in reads:
                        if buf not in earlier or _associative(ins):
                            continue
                        text = ins[field]
                        mine = current.get(buf, {})
                        if text in mine or any(contains(w, box) for w in mine.values()):
                            continue
                        if text in earlier[buf] or any(overlaps(w, box)
                                                       for w in earlier[buf].values()):
                            findings.add(
                                "carried", ins["label"],
                                "%s reads %s, written by an earlier iteration of the "
                                "nl.affine_range loop at %s: affine_range iterations must be "
                                "independent; use nl.sequential_range for a loop-carried "
                                "dependency" % (ins["op"], ins[field], loop.source))
                    for field, (buf, box) in writes:
                        regions = current.get(buf)
                        if regions is None:
                            regions = current[buf] = {}
                        regions[ins[field]] = box
            for buf, regions in current.items():
                earlier.setdefault(buf, {}).update(regions)


def kernel_warnings(program, preset=()):
    """[(label "file.py:LINE", message)] for `program`, one per (kind, line), in program
    order. preset: names of HBM tensors that hold data before the kernel (inputs,
    constants)."""
    findings = _Findings()
    boxes = getattr(program, "view_boxes", {})  # text -> parse_box(text) of emitted views
    accesses = [_reads_and_writes(ins, boxes) for ins in program.instructions]
    _never_written(program, accesses, preset, findings)
    _loop_carried(program, accesses, findings)
    out = []
    for (kind, label), (count, message) in findings.counts.items():
        times = " (%d times)" % count if count > 1 else ""
        out.append((label, message + times))
    return out


def issue(found, kernel_path=None):
    """Issues each (label, message) as a KernelWarning at its kernel line; the kernel's own
    file gets its full path (`kernel_path`), other files their base name."""
    for label, message in found:
        name, _, line = label.rpartition(":")
        path = kernel_path if kernel_path and os.path.basename(kernel_path) == name else name
        warnings.warn_explicit(message, KernelWarning, path or "?",
                               int(line) if line.isdigit() else 0)
