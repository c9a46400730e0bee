"""The compiler stage of the NKI front end: passes over the traced NKI-level program, as the
NKI documentation describes the compiler, then emission of a trace with fixed addresses.

compile_program(program, config, target) runs, in order:
  dead-code elimination (dce: dead_code_elim, both flows),
  copy elimination (copy_elim: tensor_copy_elim / dma_copy_elim, LINEAR only),
  buffer splitting (split: split_reused_buffers, LINEAR only),
  engine choice (engines: tensor_copy at O1+, every multi-engine instruction with
  engine_balancing; LINEAR only),
  non-SSA legalization and address rotation (legalize: non_ssa_legalization,
  address_rotation; both flows),
  live ranges (liveness), allocation of SBUF and PSUM (allocation; COLORING default flow,
  LINEAR with RING / FAST / MAX_REUSE, with the prefetch ring of prefetch_auto: prefetch),
  spilling on SBUF exhaustion (spill, default flow, or LINEAR with nki_alloc_fallback=True
  falling back to it), NKI scheduling of the instruction order (reorder: scheduling=True),
  emission (emission).
"""
import warnings

from ..errors import NkiError
from . import allocation, copy_elim, dce, engines, legalize, prefetch, reorder, schedule, split
from . import spill as spill_pass, spill_plan
from .allocation import Allocator, FixedAddressConflict, OutOfMemory
from .config import NOT_MODELLED, CompileConfig, OptLevel
from .emission import emit_trace
from .limits import PSUM_ALIGN, SBUF_ALIGN, target_config, target_limits
from .liveness import live_ranges

MAX_SPILLS = 10000


class NkiAllocationError(NkiError):
    """NKI allocation failed (nki_alloc_fallback=False, or PSUM exhausted)."""

    def __init__(self, message):
        Exception.__init__(self, message)
        self.call, self.path, self.line = "allocation", "?", 0


def _oom_message(oom, flow, instruction):
    """NKI's out-of-memory message; `instruction`: the one whose tile did not fit."""
    live = sorted(oom.live, key=lambda r: -r.tile.bytes_per_partition())
    big = live[0].tile if live else oom.tile
    used = sum(r.tile.bytes_per_partition() for r in live)
    label = instruction.get("label", "?")
    return ("%s: out of %s memory allocating %s (%s, %d bytes per partition) for the "
            "instruction at %s: %d of %d bytes per partition are held by %d live tensors; the "
            "largest live tensor is %s %s %s allocated at %s (%d bytes per partition)"
            % (flow, oom.memory.upper(), oom.tile.name, oom.tile.source,
               oom.tile.bytes_per_partition(), label, used, oom.capacity, len(live), big.name,
               big.shape, big.dtype.name, big.source, big.bytes_per_partition()))


class CompileReport:
    def __init__(self, config):
        self.config = config
        self.flow = "coloring"
        self.placements = {}
        self.spills = []
        self.ranges = {}
        self.copies_eliminated = 0
        self.dead_instructions = 0
        self.split_tiles = 0
        self.engine_moves = 0
        self.legalized_tiles = 0
        self.rotated_tiles = 0
        self.scheduled_moves = 0
        self.not_modelled = []

    def to_json(self):
        tiles = []
        for name, r in self.ranges.items():
            mem = r.tile.memory
            p = self.placements[mem]
            tiles.append({"name": name, "memory": mem, "address": p.address[name],
                          "bytes": r.tile.bytes_per_partition(), "first": r.first,
                          "last": r.last, "source": r.tile.source,
                          "reuses": p.reuses.get(name)})
        spill_bytes = sum(s.bytes for s in self.spills)
        return {"config": self.config.describe(), "flow": self.flow,
                "peak_sbuf_bytes": self.placements["sbuf"].peak_bytes,
                "peak_psum_bytes": self.placements["psum"].peak_bytes,
                "spill_count": len(self.spills), "spill_bytes": spill_bytes,
                "reload_bytes": spill_bytes, "copies_eliminated": self.copies_eliminated,
                "dead_instructions": self.dead_instructions,
                "split_tiles": self.split_tiles, "engine_moves": self.engine_moves,
                "legalized_tiles": self.legalized_tiles, "rotated_tiles": self.rotated_tiles,
                "scheduled_moves": self.scheduled_moves,
                "not_modelled_options": self.not_modelled,
                "prefetch_ring": getattr(self.placements["sbuf"], "ring", None),
                "anti_dependencies": sum(len(p.reuses) for p in self.placements.values()),
                "tiles": tiles}


def _allocate(program, memory, limits, strategy, all_ranges=None):
    """Placement of `memory`; `all_ranges`: live_ranges(program) if already known."""
    if all_ranges is None:
        all_ranges = live_ranges(program)
    ranges = [r for r in all_ranges.values() if r.tile.memory == memory]
    if memory == "sbuf":
        alloc = Allocator("sbuf", limits.sbuf_bytes, SBUF_ALIGN, 0, strategy)
    else:
        alloc = Allocator("psum", limits.psum_bytes, PSUM_ALIGN, limits.psum_bank_bytes,
                          strategy)
    try:
        return alloc.run(ranges)
    except FixedAddressConflict as e:
        raise NkiAllocationError("direct allocation: %s" % e)


def _default_flow(program, limits, report, ranges=None):
    """COLORING with spilling (spill_plan). APPROX: when colouring fragments memory so a tile
    does not fit though enough bytes are free, the pass re-colours best-fit before it
    spills. `ranges`: live_ranges(program) if already known (not modified here)."""
    try:
        return _allocate(program, "sbuf", limits, "coloring", ranges)
    except OutOfMemory:
        pass
    plan = spill_plan.SpillingAllocation(
        program, Allocator("sbuf", limits.sbuf_bytes, SBUF_ALIGN, 0, "max_reuse"))
    try:
        placement, spills = plan.run(
            lambda p, oom: spill_pass.choose_victim(p.instruction(oom.index), oom), MAX_SPILLS)
    except OutOfMemory as oom:
        raise NkiAllocationError(_oom_message(oom, "allocation (spilling)",
                                              plan.instruction(oom.index)))
    except FixedAddressConflict as e:
        raise NkiAllocationError("direct allocation: %s" % e)
    report.spills.extend(spills)
    return placement


def _choose_engines(program, config, target):
    """engines.choose for the instructions the CompileConfig lets the compiler place."""
    if config.opt_level is OptLevel.O0 and not config.engine_balancing:
        return 0
    ops = set(engines.MULTI_ENGINE) if config.engine_balancing else {"tensor_copy"}
    return engines.choose(program, target_config(target), ops)


def _linear_sbuf(program, limits, config, ranges):
    strategy = config.mode.name.lower()
    if not config.prefetch_auto:
        return _allocate(program, "sbuf", limits, strategy, ranges)
    try:
        return prefetch.allocate(program, ranges, limits.sbuf_bytes, SBUF_ALIGN, strategy)
    except FixedAddressConflict as e:
        raise NkiAllocationError("direct allocation: %s" % e)


class CompileConfigWarning(UserWarning):
    """A CompileConfig option the kernel sets that trnsim accepts but does not model."""


def _warn_not_modelled(config):
    """The NOT_MODELLED options `config` turns on; each set explicitly by the kernel is
    warned about (O2 turning one on is only listed in the report)."""
    on = [k for k in NOT_MODELLED if getattr(config, k)]
    explicit = [k for k in on if k in config.explicit_options()]
    if explicit:
        warnings.warn("CompileConfig option(s) %s: accepted but not modelled by trnsim (no "
                      "document describes what they do); the simulated timing is as without "
                      "them" % ", ".join(explicit), CompileConfigWarning, stacklevel=2)
    return on


def compile_program(program, config=None, target="trn2"):
    """Compiles `program` (modified in place: copies removed, spills inserted) and returns
    (trace dict, CompileReport)."""
    config = config or CompileConfig()
    limits = target_limits(target)
    report = CompileReport(config)
    report.not_modelled = _warn_not_modelled(config)
    if config.dead_code_elim:
        report.dead_instructions = dce.run(program)
    if config.linear:
        report.copies_eliminated = copy_elim.run(program, config)
        if config.split_reused_buffers:
            report.split_tiles = split.run(program)
        report.engine_moves = _choose_engines(program, config, target)
    if config.non_ssa_legalization:
        report.legalized_tiles, report.rotated_tiles = legalize.run(program, config)
    ranges = live_ranges(program)  # the passes above are done; only spilling changes it
    if config.linear:
        report.flow = "linear/" + config.mode.name.lower()
        try:
            report.placements["sbuf"] = _linear_sbuf(program, limits, config, ranges)
        except OutOfMemory as oom:
            if not config.nki_alloc_fallback:
                raise NkiAllocationError(_oom_message(
                    oom, "NKI allocation (nki_alloc_fallback=False)",
                    program.instructions[oom.index]))
            report.flow = "coloring (fallback from linear)"
            report.placements["sbuf"] = _default_flow(program, limits, report, ranges)
    else:
        report.placements["sbuf"] = _default_flow(program, limits, report, ranges)
    psum_strategy = config.mode.name.lower() if config.linear else "coloring"
    # final: SBUF allocation (spilling) is done
    report.ranges = live_ranges(program) if report.spills else ranges
    try:
        report.placements["psum"] = _allocate(program, "psum", limits, psum_strategy,
                                              report.ranges)
    except OutOfMemory as oom:
        raise NkiAllocationError(_oom_message(oom, "PSUM allocation",
                                              program.instructions[oom.index]))
    report.scheduled_moves = reorder.run(program, report.placements, config,
                                         target_config(target))
    if report.scheduled_moves:
        report.ranges = live_ranges(program)
    trace = emit_trace(program, report)
    trace["dma_issue"] = schedule.dma_issue(config)
    return trace, report
